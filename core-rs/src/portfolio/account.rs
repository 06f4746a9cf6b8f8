//! The account ledger: cash, positions and the P&L ledger, kept in exact 10⁻⁸ units.
//!
//! Two ledgers are kept on purpose. `cash` follows every cash flow (notional paid or received,
//! fees, funding); the P&L ledger adds up realised P&L, fees and funding. Equity from the first
//! (`cash + Σ position value`) must equal capital + realised − fees − funding + unrealised from
//! the second, to the last unit; the property tests hold the implementation to that.

use std::borrow::Cow;

use super::position::{ExitReason, Position, Trade};
use crate::types::{Money, OrderSide, Price, Qty, Side, SymbolId, UnixNanos};

/// What a fill did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FillKind {
    /// Opened a position.
    Open,
    /// Closed a position.
    Close(ExitReason),
}

/// One execution.
#[derive(Debug, Clone, PartialEq)]
pub struct Fill {
    /// Local time the order was decided (equal to `ts_recv` for resting exits: TP, SL,
    /// liquidation, which trigger on the tick that reaches them).
    pub decided_at: UnixNanos,
    /// Local time of the fill.
    pub ts_recv: UnixNanos,
    /// Exchange time of the tick it filled on.
    pub ts_event: UnixNanos,
    /// Symbol id.
    pub symbol: SymbolId,
    /// Buy or sell.
    pub order_side: OrderSide,
    /// Size.
    pub qty: Qty,
    /// Price.
    pub price: Price,
    /// Fee paid.
    pub fee: Money,
    /// Open or close.
    pub kind: FillKind,
}

/// Parameters of a new position that come from the execution config.
#[derive(Debug, Clone, Copy)]
pub struct OpenParams {
    /// Leverage.
    pub leverage: f64,
    /// Take-profit distance, fraction (None: no take-profit).
    pub take_profit: Option<f64>,
    /// Stop-loss distance, fraction (None: no stop-loss).
    pub stop_loss: Option<f64>,
    /// Maintenance margin rate.
    pub maintenance_margin: f64,
}

/// Cash, positions and the P&L ledger of one account.
#[derive(Debug, Clone)]
pub struct Account {
    /// Capital at the start.
    pub initial_capital: Money,
    /// Cash after every flow.
    pub cash: Money,
    /// Realised P&L before fees and funding.
    pub realized: Money,
    /// Fees paid.
    pub fees: Money,
    /// Funding paid (negative when received).
    pub funding: Money,
    positions: Vec<Option<Position>>,
    open_count: u32,
    value_total: Money,
}

/// A price from a float. Fill prices come from accepted ticks (finite, positive, in range); a
/// level computed from a huge take-profit fraction saturates to the largest price (unreachable)
/// rather than collapsing to zero (which a long would "reach" at once).
fn price_of(x: f64) -> Price {
    match Price::from_f64(x) {
        Ok(p) => p,
        Err(_) if x > 0.0 => Price(i64::MAX),
        Err(_) => Price::ZERO,
    }
}

impl Account {
    /// A flat account with `capital` in cash.
    pub fn new(capital: Money) -> Self {
        Account {
            initial_capital: capital,
            cash: capital,
            realized: Money::ZERO,
            fees: Money::ZERO,
            funding: Money::ZERO,
            positions: Vec::new(),
            open_count: 0,
            value_total: Money::ZERO,
        }
    }

    /// Equity: cash plus the market value of every position at its last mark.
    #[inline]
    pub fn equity(&self) -> Money {
        self.cash + self.value_total
    }

    /// Sum of unrealised P&L over open positions.
    pub fn unrealized(&self) -> Money {
        self.positions.iter().flatten().fold(Money::ZERO, |a, p| a + p.unrealized())
    }

    /// Number of open positions.
    #[inline]
    pub fn open_count(&self) -> u32 {
        self.open_count
    }

    /// The open position in `symbol`, if any.
    #[inline]
    pub fn position(&self, symbol: SymbolId) -> Option<&Position> {
        self.positions.get(symbol as usize).and_then(Option::as_ref)
    }

    /// Every open position, by symbol id.
    pub fn positions(&self) -> impl Iterator<Item = &Position> {
        self.positions.iter().flatten()
    }

    /// Opens a position at `price` (a market fill) and pays the fee.
    #[allow(clippy::too_many_arguments)]
    pub fn open(
        &mut self,
        symbol: SymbolId,
        side: Side,
        qty: Qty,
        price: f64,
        ts_recv: UnixNanos,
        ts_event: UnixNanos,
        fee_bps: f64,
        params: OpenParams,
        confidence: f64,
        strategy: Cow<'static, str>,
    ) -> Fill {
        let idx = symbol as usize;
        if self.positions.len() <= idx {
            self.positions.resize(idx + 1, None);
        }
        debug_assert!(self.positions[idx].is_none(), "one net position per symbol");
        let entry = price_of(price);
        let cost_basis = qty.notional(entry);
        let fee = cost_basis.mul_bps(fee_bps);
        let s = side.sign() as f64;
        let lev = params.leverage;
        let pos = Position {
            symbol,
            side,
            qty,
            entry_price: entry,
            entry_ts: ts_recv,
            cost_basis,
            entry_fee: fee,
            funding: Money::ZERO,
            leverage: lev,
            take_profit: params.take_profit.map(|f| price_of(price * (1.0 + s * f))),
            stop_loss: params.stop_loss.map(|f| price_of(price * (1.0 - s * f))),
            liquidation_price: price_of(
                (price * (1.0 - s * (1.0 / lev - params.maintenance_margin))).max(1e-8),
            ),
            mark: entry,
            confidence,
            strategy,
        };
        self.cash -= Money(cost_basis.0 * side.sign());
        self.cash -= fee;
        self.fees += fee;
        self.value_total += pos.value_at(entry);
        self.positions[idx] = Some(pos);
        self.open_count += 1;
        Fill {
            decided_at: ts_recv,
            ts_recv,
            ts_event,
            symbol,
            order_side: OrderSide::opening(side),
            qty,
            price: entry,
            fee,
            kind: FillKind::Open,
        }
    }

    /// Closes the position in `symbol` at `price`; returns the fill and the trade.
    pub fn close(
        &mut self,
        symbol: SymbolId,
        price: f64,
        ts_recv: UnixNanos,
        ts_event: UnixNanos,
        fee_bps: f64,
        reason: ExitReason,
    ) -> Option<(Fill, Trade)> {
        let pos = self.positions.get_mut(symbol as usize)?.take()?;
        self.open_count -= 1;
        self.value_total -= pos.value_at(pos.mark);
        let exit = price_of(price);
        let exit_notional = pos.qty.notional(exit);
        let fee = exit_notional.mul_bps(fee_bps);
        let sign = pos.side.sign();
        let gross = Money((exit_notional.0 - pos.cost_basis.0) * sign);
        self.cash += Money(exit_notional.0 * sign);
        self.cash -= fee;
        self.fees += fee;
        self.realized += gross;
        let fees = pos.entry_fee + fee;
        let pnl = gross - fees - pos.funding;
        let basis = pos.cost_basis.to_f64();
        let fill = Fill {
            decided_at: ts_recv,
            ts_recv,
            ts_event,
            symbol,
            order_side: OrderSide::opening(pos.side.opposite()),
            qty: pos.qty,
            price: exit,
            fee,
            kind: FillKind::Close(reason),
        };
        let trade = Trade {
            symbol,
            side: pos.side,
            qty: pos.qty,
            entry_price: pos.entry_price,
            exit_price: exit,
            entry_ts: pos.entry_ts,
            exit_ts: ts_recv,
            gross_pnl: gross,
            fees,
            funding: pos.funding,
            pnl,
            pnl_pct: if basis > 0.0 { pnl.to_f64() / basis } else { 0.0 },
            exit_reason: reason,
            confidence: pos.confidence,
            strategy: pos.strategy,
        };
        Some((fill, trade))
    }

    /// Marks `symbol`'s position at `price`.
    #[inline]
    pub fn mark(&mut self, symbol: SymbolId, price: f64) {
        if let Some(Some(pos)) = self.positions.get_mut(symbol as usize) {
            let mark = price_of(price);
            self.value_total += pos.value_at(mark) - pos.value_at(pos.mark);
            pos.mark = mark;
        }
    }

    /// Charges one funding payment at `rate` on `symbol`'s position; returns the amount paid.
    pub fn charge_funding(&mut self, symbol: SymbolId, rate: f64) -> Option<Money> {
        let pos = self.positions.get_mut(symbol as usize)?.as_mut()?;
        // Longs pay shorts when the rate is positive: amount = signed value × rate.
        let amount = pos.value_at(pos.mark).mul_rate(rate);
        pos.funding += amount;
        self.cash -= amount;
        self.funding += amount;
        Some(amount)
    }

    /// Restores a position (recovery from the store).
    pub fn restore_position(&mut self, pos: Position) {
        let idx = pos.symbol as usize;
        if self.positions.len() <= idx {
            self.positions.resize(idx + 1, None);
        }
        if let Some(old) = self.positions[idx].take() {
            self.value_total -= old.value_at(old.mark);
            self.open_count -= 1;
        }
        self.value_total += pos.value_at(pos.mark);
        self.open_count += 1;
        self.positions[idx] = Some(pos);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const P: OpenParams =
        OpenParams { leverage: 1.0, take_profit: Some(0.01), stop_loss: Some(0.005), maintenance_margin: 0.004 };

    fn m(x: f64) -> Money {
        Money::from_f64(x).unwrap()
    }

    #[test]
    fn long_round_trip_with_fees() {
        let mut a = Account::new(m(10_000.0));
        let q = Qty::from_f64(0.01).unwrap();
        let f = a.open(0, Side::Long, q, 65_000.0, 1, 1, 5.0, P, 0.9, "t".into());
        assert_eq!(f.fee.to_string(), "0.32500000");
        assert_eq!(a.equity().to_string(), "9999.67500000");
        let p = a.position(0).unwrap();
        assert_eq!(p.take_profit.unwrap().to_string(), "65650.00000000");
        assert_eq!(p.stop_loss.unwrap().to_string(), "64675.00000000");
        a.mark(0, 66_000.0);
        assert_eq!(a.unrealized().to_string(), "10.00000000");
        let (_, t) = a.close(0, 66_000.0, 2, 2, 5.0, ExitReason::TakeProfit).unwrap();
        assert_eq!(t.gross_pnl.to_string(), "10.00000000");
        assert_eq!(t.fees.to_string(), "0.65500000");
        assert_eq!(t.pnl.to_string(), "9.34500000");
        assert_eq!(a.equity(), m(10_000.0) + t.pnl);
        assert_eq!(a.open_count(), 0);
    }

    #[test]
    fn short_levels_are_mirrored_and_profit_when_price_falls() {
        let mut a = Account::new(m(10_000.0));
        let q = Qty::from_f64(1.0).unwrap();
        a.open(0, Side::Short, q, 100.0, 1, 1, 0.0, P, 0.9, "t".into());
        let p = a.position(0).unwrap();
        assert_eq!((p.take_profit.unwrap().to_f64(), p.stop_loss.unwrap().to_f64()), (99.0, 100.5));
        let (_, t) = a.close(0, 99.0, 2, 2, 0.0, ExitReason::TakeProfit).unwrap();
        assert_eq!(t.pnl, m(1.0));
    }

    #[test]
    fn a_take_profit_beyond_the_price_range_is_unreachable_not_zero() {
        let mut a = Account::new(m(10_000.0));
        let huge = OpenParams { take_profit: Some(1e9), ..P };
        a.open(0, Side::Long, Qty::from_f64(1.0).unwrap(), 100.0, 1, 1, 0.0, huge, 1.0, "t".into());
        assert_eq!(a.position(0).unwrap().take_profit, Some(Price(i64::MAX)));
    }

    #[test]
    fn funding_longs_pay_positive_rates() {
        let mut a = Account::new(m(10_000.0));
        a.open(0, Side::Long, Qty::from_f64(1.0).unwrap(), 100.0, 1, 1, 0.0, P, 1.0, "t".into());
        assert_eq!(a.charge_funding(0, 0.0001), Some(m(0.01)));
        a.open(1, Side::Short, Qty::from_f64(1.0).unwrap(), 100.0, 1, 1, 0.0, P, 1.0, "t".into());
        assert_eq!(a.charge_funding(1, 0.0001), Some(m(-0.01)), "shorts receive");
        assert_eq!(a.equity(), m(10_000.0));
    }
}
