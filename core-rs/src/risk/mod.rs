//! DRB-Guard: pre-trade checks on every order that adds exposure (automated or manual), the
//! drawdown kill switch, and fractional-Kelly position sizing. Orders that only reduce exposure
//! (exits, flattening) are never blocked.

mod sizing;

pub use sizing::{kelly_fraction, StrategyStats};

use std::borrow::Cow;

use serde::Deserialize;
use thiserror::Error;

use crate::types::Money;

/// DRB-Guard limits (SPEC §8 defaults).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RiskConfig {
    /// Auto-stop when equity falls this fraction below its peak. Default 0.15.
    pub max_drawdown: f64,
    /// Max position notional as a fraction of equity. Default 0.05.
    pub max_position_notional: f64,
    /// Max new positions per UTC day of event time. Default 50.
    pub max_trades_per_day: u32,
    /// Max leverage. Default 10.
    pub max_leverage: f64,
    /// Max simultaneously open positions (across symbols). Default 5.
    pub max_open_positions: u32,
    /// Fraction of full Kelly to use. Default 0.25.
    pub kelly_fraction: f64,
    /// Closed trades (real and shadow) of a strategy needed before Kelly sizes it. Default 20.
    pub kelly_min_trades: u32,
    /// Weight of the prior, in trades: the Kelly estimate of a strategy with `n` trades is
    /// shrunk toward `fixed_fraction` as `(n·kelly + prior·fixed) / (n + prior)`. Default 0
    /// (no shrinkage).
    pub kelly_prior_trades: u32,
    /// Notional fraction of equity used until then, and the size of shadow trades. Default 0.01.
    pub fixed_fraction: f64,
    /// When set, every automated entry is exactly this quantity (base units) instead of the
    /// Kelly size; the caps still apply. Default none.
    pub fixed_qty: Option<f64>,
}

impl Default for RiskConfig {
    fn default() -> Self {
        RiskConfig {
            max_drawdown: 0.15,
            max_position_notional: 0.05,
            max_trades_per_day: 50,
            max_leverage: 10.0,
            max_open_positions: 5,
            kelly_fraction: 0.25,
            kelly_min_trades: 20,
            kelly_prior_trades: 0,
            fixed_fraction: 0.01,
            fixed_qty: None,
        }
    }
}

/// Why DRB-Guard refused an order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Error)]
#[repr(u8)]
pub enum RiskReject {
    /// The kill switch is on (drawdown auto-stop or manual halt) until an admin resets it.
    #[error("trading is halted by the kill switch")]
    Halted = 0,
    /// The order's notional exceeds the cap.
    #[error("position notional above the cap")]
    NotionalCap,
    /// The day's trade count is used up.
    #[error("daily trade limit reached")]
    DailyTradeLimit,
    /// Leverage above the limit.
    #[error("leverage above the limit")]
    LeverageCap,
    /// Too many open positions.
    #[error("too many open positions")]
    MaxOpenPositions,
    /// Sizing gave zero (Kelly not positive, or equity too small for one lot).
    #[error("position size is zero")]
    ZeroSize,
    /// Equity is not positive.
    #[error("equity is not positive")]
    NoEquity,
}

impl RiskReject {
    /// Every reason, in counter order.
    pub const ALL: [RiskReject; 7] = [
        RiskReject::Halted,
        RiskReject::NotionalCap,
        RiskReject::DailyTradeLimit,
        RiskReject::LeverageCap,
        RiskReject::MaxOpenPositions,
        RiskReject::ZeroSize,
        RiskReject::NoEquity,
    ];

    /// Stable snake_case name for reports, the store and the API.
    pub const fn as_str(self) -> &'static str {
        match self {
            RiskReject::Halted => "halted",
            RiskReject::NotionalCap => "notional_cap",
            RiskReject::DailyTradeLimit => "daily_trade_limit",
            RiskReject::LeverageCap => "leverage_cap",
            RiskReject::MaxOpenPositions => "max_open_positions",
            RiskReject::ZeroSize => "zero_size",
            RiskReject::NoEquity => "no_equity",
        }
    }
}

/// Why trading halted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HaltReason {
    /// Equity fell below the drawdown limit.
    Drawdown,
    /// An operator halted trading.
    Manual,
}

impl HaltReason {
    /// Stable name.
    pub const fn as_str(self) -> &'static str {
        match self {
            HaltReason::Drawdown => "drawdown",
            HaltReason::Manual => "manual",
        }
    }
}

/// An order that may add exposure, as DRB-Guard sees it.
#[derive(Debug, Clone, Copy)]
pub struct EntryRequest {
    /// The exposure on the order's side of its symbol if it and every working order there that
    /// adds to it fill: position, resting orders and this order, as an absolute notional.
    pub notional: Money,
    /// Leverage requested.
    pub leverage: f64,
    /// Current equity.
    pub equity: Money,
    /// Other symbols with exposure: an open position or an order working that may open one.
    pub open_positions: u32,
    /// The order may start a round trip (the engine says so of every order that may add
    /// exposure: it can open from flat, go through the position, or fill after it closed).
    pub opens: bool,
    /// Orders working that may start a round trip: each may add one to the day's count before
    /// this order does.
    pub opening_orders: u32,
    /// UTC day of the decision tick's event time.
    pub day: i64,
}

/// DRB-Guard's persistent state: the kill switch, the daily count and the trade statistics.
#[derive(Debug, Clone, PartialEq)]
pub struct RiskState {
    /// Highest equity seen.
    pub peak_equity: Money,
    /// Set when halted; cleared only by an explicit reset.
    pub halted: Option<HaltReason>,
    /// Day of `trades_today` (UTC day number of event time).
    pub trade_day: i64,
    /// Round trips started (positions opened from flat or through a position) on `trade_day`.
    pub trades_today: u32,
    /// Closed real trades with positive net P&L.
    pub wins: u32,
    /// Closed real trades with zero or negative net P&L.
    pub losses: u32,
    /// Sum of winning net P&L of real trades.
    pub sum_win: Money,
    /// Sum of losing net P&L of real trades (as a positive amount).
    pub sum_loss: Money,
    /// Each strategy's running statistics (real and shadow trades), what Kelly sizes it from.
    pub strategies: Vec<StrategyStats>,
    /// Cached equity at or below which the drawdown limit trips, and the peak it was computed
    /// for: the per-tick check is then one integer comparison.
    halt_at: (Money, Money),
}

impl RiskState {
    /// Fresh state for an account with this equity.
    pub fn new(equity: Money) -> Self {
        RiskState {
            peak_equity: equity,
            halted: None,
            trade_day: i64::MIN,
            trades_today: 0,
            wins: 0,
            losses: 0,
            sum_win: Money::ZERO,
            sum_loss: Money::ZERO,
            strategies: Vec::new(),
            halt_at: (Money(i64::MIN), Money(i64::MIN)),
        }
    }

    /// Folds a closed trade in: a real trade's net P&L into the account's counts, and its net
    /// return (P&L over cost basis) into its strategy's statistics, as a shadow trade's is.
    pub fn record_trade(&mut self, strategy: &str, net_pnl: Money, net_return: f64, shadow: bool) {
        if !shadow {
            if net_pnl.units() > 0 {
                self.wins += 1;
                self.sum_win += net_pnl;
            } else {
                self.losses += 1;
                self.sum_loss += net_pnl.abs();
            }
        }
        self.strategy_mut(strategy)
            .record(net_pnl, net_return, shadow);
    }

    /// The statistics of `strategy` (empty until its first trade).
    pub fn strategy(&self, strategy: &str) -> Option<&StrategyStats> {
        self.strategies.iter().find(|s| s.name == strategy)
    }

    fn strategy_mut(&mut self, strategy: &str) -> &mut StrategyStats {
        match self.strategies.iter().position(|s| s.name == strategy) {
            Some(i) => &mut self.strategies[i],
            None => {
                self.strategies
                    .push(StrategyStats::new(Cow::Owned(strategy.to_string())));
                self.strategies.last_mut().expect("just pushed")
            }
        }
    }

    /// A real position opened from flat on UTC day `day`: one more trade of the day.
    pub fn record_open(&mut self, day: i64) {
        if day != self.trade_day {
            self.trade_day = day;
            self.trades_today = 0;
        }
        self.trades_today += 1;
    }

    /// Current drawdown from peak, as a fraction.
    pub fn drawdown(&self, equity: Money) -> f64 {
        if self.peak_equity.units() <= 0 {
            return 0.0;
        }
        1.0 - equity.to_f64() / self.peak_equity.to_f64()
    }
}

/// The guard: limits plus the checks.
#[derive(Debug, Clone, Default)]
pub struct DrbGuard {
    config: RiskConfig,
}

impl DrbGuard {
    /// A guard with these limits.
    pub fn new(config: RiskConfig) -> Self {
        DrbGuard { config }
    }

    /// The limits in force.
    pub fn config(&self) -> &RiskConfig {
        &self.config
    }

    /// Updates the peak with `equity`; returns true when this update trips the drawdown halt.
    #[inline]
    pub fn on_equity(&self, state: &mut RiskState, equity: Money) -> bool {
        if equity > state.peak_equity {
            state.peak_equity = equity;
            return false;
        }
        if state.halt_at.0 != state.peak_equity {
            let level = state.peak_equity.to_f64() * (1.0 - self.config.max_drawdown);
            state.halt_at = (
                state.peak_equity,
                Money::from_f64(level).unwrap_or(Money::ZERO),
            );
        }
        if state.halted.is_none() && equity <= state.halt_at.1 {
            state.halted = Some(HaltReason::Drawdown);
            return true;
        }
        false
    }

    /// Whether [`on_equity`](Self::on_equity) with `equity` would change nothing in `state`
    /// and not trip: `equity` sets no new peak, the halt level of the current peak is cached,
    /// and the halt is already set or `equity` is above that level. The engine skips the call
    /// while this holds and the equity does not move.
    #[inline]
    pub fn is_settled(&self, state: &RiskState, equity: Money) -> bool {
        equity <= state.peak_equity
            && state.halt_at.0 == state.peak_equity
            && (state.halted.is_some() || equity > state.halt_at.1)
    }

    /// Notional fraction of equity for `strategy`'s next entry: fixed until the strategy has
    /// `kelly_min_trades` closed trades (real and shadow), then a fraction of its Kelly
    /// estimate, shrunk toward the fixed fraction by the prior; clamped to [0, cap].
    pub fn size_fraction(&self, state: &RiskState, strategy: &str) -> f64 {
        let c = &self.config;
        let f = match state.strategy(strategy) {
            Some(s) if s.trades() >= c.kelly_min_trades => {
                let n = f64::from(s.trades());
                let prior = f64::from(c.kelly_prior_trades);
                let kelly = c.kelly_fraction * s.kelly();
                (n * kelly + prior * c.fixed_fraction) / (n + prior)
            }
            _ => c.fixed_fraction,
        };
        f.clamp(0.0, c.max_position_notional)
    }

    /// The first checks of [`check_entry`](Self::check_entry), in its order: they need only the
    /// kill switch, equity and notional, and change no state. A zero notional always fails here,
    /// so a caller that knows the size is zero gets the full answer without building a request.
    #[inline]
    pub fn check_basics(
        &self,
        state: &RiskState,
        equity: Money,
        notional: Money,
    ) -> Result<(), RiskReject> {
        if state.halted.is_some() {
            return Err(RiskReject::Halted);
        }
        if equity.units() <= 0 {
            return Err(RiskReject::NoEquity);
        }
        if notional.units() <= 0 {
            return Err(RiskReject::ZeroSize);
        }
        Ok(())
    }

    /// Checks an order that may add exposure. Changes nothing: the day's count moves when a
    /// fill starts a round trip ([`RiskState::record_open`]).
    pub fn check_entry(&self, state: &RiskState, req: &EntryRequest) -> Result<(), RiskReject> {
        let c = &self.config;
        self.check_basics(state, req.equity, req.notional)?;
        if req.leverage > c.max_leverage || !(req.leverage > 0.0) {
            return Err(RiskReject::LeverageCap);
        }
        // Compare exactly: notional ≤ cap × equity, with the cap as a 1e-8 fraction.
        let cap_units = (c.max_position_notional * 1e8).round() as i128;
        if req.notional.units() as i128 * 100_000_000 > req.equity.units() as i128 * cap_units {
            return Err(RiskReject::NotionalCap);
        }
        if req.open_positions >= c.max_open_positions {
            return Err(RiskReject::MaxOpenPositions);
        }
        if req.opens {
            let today = if req.day == state.trade_day {
                state.trades_today
            } else {
                0
            };
            if today.saturating_add(req.opening_orders) >= c.max_trades_per_day {
                return Err(RiskReject::DailyTradeLimit);
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(x: f64) -> Money {
        Money::from_f64(x).unwrap()
    }

    fn req(notional: f64) -> EntryRequest {
        EntryRequest {
            notional: m(notional),
            leverage: 1.0,
            equity: m(10_000.0),
            open_positions: 0,
            opens: true,
            opening_orders: 0,
            day: 1,
        }
    }

    #[test]
    fn notional_cap_is_inclusive_at_five_percent() {
        let g = DrbGuard::default();
        let s = RiskState::new(m(10_000.0));
        assert_eq!(g.check_entry(&s, &req(500.0)), Ok(()));
        assert_eq!(
            g.check_entry(&s, &req(500.00000001)),
            Err(RiskReject::NotionalCap)
        );
    }

    #[test]
    fn leverage_and_open_positions_caps() {
        let g = DrbGuard::default();
        let s = RiskState::new(m(10_000.0));
        let lev = EntryRequest {
            leverage: 10.5,
            ..req(100.0)
        };
        assert_eq!(g.check_entry(&s, &lev), Err(RiskReject::LeverageCap));
        let full = EntryRequest {
            open_positions: 5,
            ..req(100.0)
        };
        assert_eq!(g.check_entry(&s, &full), Err(RiskReject::MaxOpenPositions));
    }

    #[test]
    fn daily_limit_resets_on_a_new_day() {
        let g = DrbGuard::new(RiskConfig {
            max_trades_per_day: 2,
            ..Default::default()
        });
        let mut s = RiskState::new(m(10_000.0));
        assert!(g.check_entry(&s, &req(100.0)).is_ok());
        s.record_open(1);
        // One round trip today and one order working that may start another: full.
        assert_eq!(
            g.check_entry(
                &s,
                &EntryRequest {
                    opening_orders: 1,
                    ..req(100.0)
                }
            ),
            Err(RiskReject::DailyTradeLimit)
        );
        s.record_open(1);
        assert_eq!(
            g.check_entry(&s, &req(100.0)),
            Err(RiskReject::DailyTradeLimit)
        );
        // Adding to an open position starts no round trip.
        assert!(g
            .check_entry(
                &s,
                &EntryRequest {
                    opens: false,
                    ..req(100.0)
                }
            )
            .is_ok());
        let tomorrow = EntryRequest {
            day: 2,
            ..req(100.0)
        };
        assert!(g.check_entry(&s, &tomorrow).is_ok());
    }

    #[test]
    fn a_settled_guard_is_unchanged_by_its_equity() {
        // Random walks of equity (with ties, new peaks, trips and manual halts and resets),
        // and at every step: when `is_settled` holds, `on_equity` with that equity must change
        // nothing and not trip; once settled on a repeated equity it must stay settled.
        for max_drawdown in [0.15, 1e-18, 1.0] {
            let g = DrbGuard::new(RiskConfig {
                max_drawdown,
                ..RiskConfig::default()
            });
            let mut s = RiskState::new(m(100.0));
            let mut x: u64 = 0x2545_F491_4F6C_DD1D;
            let (mut settled, mut repeated) = (0, 0);
            for _ in 0..20_000 {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                let equity = Money::from_units((x % 40) as i64 * 1_000_000_000 - 5_000_000_000);
                match x >> 60 {
                    0 => s.halted = Some(HaltReason::Manual),
                    1 => {
                        s.halted = None;
                        s.peak_equity = equity;
                    }
                    _ => {}
                }
                for _ in 0..3 {
                    if g.is_settled(&s, equity) {
                        let before = s.clone();
                        assert!(!g.on_equity(&mut s, equity), "a settled guard tripped");
                        assert_eq!(s, before, "a settled guard changed");
                        settled += 1;
                    } else {
                        g.on_equity(&mut s, equity);
                    }
                }
                // Two calls with one equity settle the guard (the first may set the peak).
                repeated += usize::from(g.is_settled(&s, equity));
            }
            assert!(settled > 10_000, "{settled}");
            assert_eq!(repeated, 20_000);
        }
    }

    #[test]
    fn drawdown_halts_and_stays_halted() {
        let g = DrbGuard::default();
        let mut s = RiskState::new(m(10_000.0));
        assert!(!g.on_equity(&mut s, m(12_000.0)));
        assert!(
            !g.on_equity(&mut s, m(10_201.0)),
            "14.99% is inside the limit"
        );
        assert!(g.on_equity(&mut s, m(10_200.0)), "15% trips it");
        assert!(!g.on_equity(&mut s, m(9_000.0)), "trips once");
        assert!(!g.on_equity(&mut s, m(20_000.0)));
        assert_eq!(
            s.halted,
            Some(HaltReason::Drawdown),
            "recovery does not lift the halt"
        );
        assert_eq!(g.check_entry(&s, &req(100.0)), Err(RiskReject::Halted));
    }

    fn rec(s: &mut RiskState, name: &'static str, ret: f64, shadow: bool) {
        s.record_trade(name, m(ret * 1000.0), ret, shadow);
    }

    #[test]
    fn sizing_is_fixed_then_kelly_per_strategy_and_bounded() {
        let g = DrbGuard::default();
        let mut s = RiskState::new(m(10_000.0));
        assert_eq!(g.size_fraction(&s, "a"), 0.01);
        for _ in 0..15 {
            rec(&mut s, "a", 0.02, false);
        }
        for _ in 0..5 {
            rec(&mut s, "a", -0.01, true);
        }
        // W = 0.75, R = 2 → Kelly 0.625, a quarter is 0.156 → capped at 0.05.
        assert_eq!(g.size_fraction(&s, "a"), 0.05);
        assert_eq!(
            (s.wins, s.losses),
            (15, 0),
            "shadow trades stay out of the account's counts"
        );
        for _ in 0..20 {
            rec(&mut s, "b", -0.01, false);
        }
        assert_eq!(g.size_fraction(&s, "b"), 0.0, "never negative");
        assert_eq!(
            g.size_fraction(&s, "a"),
            0.05,
            "one strategy's losses do not size another"
        );
    }

    #[test]
    fn shadow_wins_bring_a_zero_sized_strategy_back() {
        let g = DrbGuard::default();
        let mut s = RiskState::new(m(10_000.0));
        for _ in 0..20 {
            rec(&mut s, "a", -0.005, false);
        }
        assert_eq!(g.size_fraction(&s, "a"), 0.0);
        let mut shadows = 0;
        while g.size_fraction(&s, "a") == 0.0 {
            rec(&mut s, "a", 0.01, true);
            shadows += 1;
            assert!(shadows < 100);
        }
        // W = n/(n+20), R = 2: positive once n/(n+20) > 1/3, i.e. n > 10.
        assert_eq!(shadows, 11);
        assert!(g.size_fraction(&s, "a") > 0.0);
    }

    #[test]
    fn the_prior_shrinks_kelly_toward_the_fixed_fraction() {
        let g = DrbGuard::new(RiskConfig {
            kelly_prior_trades: 20,
            ..Default::default()
        });
        let mut s = RiskState::new(m(10_000.0));
        for i in 0..20 {
            rec(&mut s, "a", if i % 2 == 0 { 0.01 } else { -0.01 }, false);
        }
        // Kelly of W = 0.5, R = 1 is 0: halfway between it and 0.01.
        assert!((g.size_fraction(&s, "a") - 0.005).abs() < 1e-15);
    }
}
