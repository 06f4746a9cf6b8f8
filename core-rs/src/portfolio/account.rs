//! The account ledger: cash, positions and the P&L ledger, kept in exact 10⁻⁸ units.
//!
//! Two ledgers are kept on purpose. `cash` follows every cash flow (notional paid or received,
//! fees, funding); the P&L ledger adds up realised P&L, fees and funding. Equity from the first
//! (`cash + Σ position value`) must equal capital + realised − fees − funding + unrealised from
//! the second, to the last unit; the property tests hold the implementation to that.

use std::borrow::Cow;

use super::position::{EntryFill, ExitFill, ExitReason, Fill, FillAt, OpenParams, Position, Trade};
use crate::types::{Money, OrderSide, Qty, Side, SymbolId};

/// One execution to book: a venue fill of any size, on either side of the position.
#[derive(Debug, Clone)]
pub struct Execution {
    /// Symbol id.
    pub symbol: SymbolId,
    /// Buy or sell.
    pub side: OrderSide,
    /// Size.
    pub qty: Qty,
    /// Price.
    pub price: f64,
    /// Fee rate, bps (negative: a rebate).
    pub fee_bps: f64,
    /// A resting order's fill.
    pub maker: bool,
    /// When, and for which decision.
    pub at: FillAt,
    /// Why, when it reduces a position.
    pub reason: ExitReason,
    /// Levels and leverage of a position it opens.
    pub params: OpenParams,
    /// Confidence of the decision.
    pub confidence: f64,
    /// Strategy of the order.
    pub strategy: Cow<'static, str>,
    /// Signal of the order.
    pub signal_id: Option<u64>,
}

/// What booking an execution did: one fill, or two when it closed a position and opened the
/// other side; the round trip when the position went flat.
#[derive(Debug, Clone, Default)]
pub struct Booked {
    /// The fills, in order (the reduction first).
    pub fills: Vec<Fill>,
    /// The closed round trip, if the position went flat.
    pub trade: Option<Trade>,
}

/// The cash side of a booking.
#[derive(Debug, Clone, Copy, Default)]
struct Flows {
    /// Notional received (+) or paid (−).
    cash: Money,
    /// Fees.
    fee: Money,
    /// Gross P&L realised.
    realized: Money,
}

/// Books `x` on `positions`.
fn book(positions: &mut Positions, x: Execution, shadow: bool) -> (Booked, Flows) {
    let mut out = Booked::default();
    let mut flows = Flows::default();
    let opening = match x.side {
        OrderSide::Buy => Side::Long,
        OrderSide::Sell => Side::Short,
    };
    let price = super::position::price_of(x.price);
    let total_fee = x.qty.notional(price).mul_bps(x.fee_bps);
    let entry = |qty: Qty, fee: Money| {
        let e = EntryFill {
            symbol: x.symbol,
            side: opening,
            qty,
            price: x.price,
            at: x.at,
            fee_bps: x.fee_bps,
            maker: x.maker,
            params: x.params,
            confidence: x.confidence,
            strategy: x.strategy.clone(),
            signal_id: x.signal_id,
        };
        (e, fee)
    };
    match positions.get_mut(x.symbol) {
        None => {
            let (e, fee) = entry(x.qty, total_fee);
            let (pos, fill) = Position::open_with_fee(e, fee, shadow);
            flows.cash -= Money(pos.cost_basis.0 * pos.side.sign());
            flows.fee += fee;
            out.fills.push(fill);
            positions.put(pos);
        }
        Some(p) if p.side == opening => {
            let (e, fee) = entry(x.qty, total_fee);
            let fill = p.add(&e, fee, shadow);
            flows.cash -= Money(fill.qty.notional(fill.price).0 * p.side.sign());
            flows.fee += fee;
            out.fills.push(fill);
        }
        Some(p) => {
            let r = x.qty.min(p.qty);
            // Each part of a fill that goes through flat pays its own notional's fee.
            let fee_r = if r == x.qty {
                total_fee
            } else {
                r.notional(price).mul_bps(x.fee_bps)
            };
            let exit = ExitFill {
                price: x.price,
                at: x.at,
                fee_bps: x.fee_bps,
                maker: x.maker,
                reason: x.reason,
                signal_id: x.signal_id,
            };
            let (fill, gross) = p.reduce(r, &exit, Some(fee_r), shadow);
            flows.cash += Money(fill.qty.notional(fill.price).0 * p.side.sign());
            flows.fee += fee_r;
            flows.realized += gross;
            out.fills.push(fill);
            if p.qty.is_zero() {
                let pos = positions.take(x.symbol).expect("the position just reduced");
                out.trade = Some(pos.into_trade(x.at.ts_recv, x.reason));
            }
            let rest = x.qty - r;
            if rest.units() > 0 {
                let (e, fee) = entry(rest, rest.notional(price).mul_bps(x.fee_bps));
                let (pos, fill) = Position::open_with_fee(e, fee, shadow);
                flows.cash -= Money(pos.cost_basis.0 * pos.side.sign());
                flows.fee += fee;
                out.fills.push(fill);
                positions.put(pos);
            }
        }
    }
    (out, flows)
}

/// Open positions by symbol id: at most one per symbol.
#[derive(Debug, Clone, Default)]
pub struct Positions {
    slots: Vec<Option<Position>>,
    open_count: u32,
}

impl Positions {
    /// Number of open positions.
    #[inline]
    pub fn open_count(&self) -> u32 {
        self.open_count
    }

    /// The open position in `symbol`, if any.
    #[inline]
    pub fn get(&self, symbol: SymbolId) -> Option<&Position> {
        self.slots.get(symbol as usize).and_then(Option::as_ref)
    }

    fn get_mut(&mut self, symbol: SymbolId) -> Option<&mut Position> {
        self.slots.get_mut(symbol as usize).and_then(Option::as_mut)
    }

    /// Every open position, by symbol id.
    pub fn iter(&self) -> impl Iterator<Item = &Position> {
        self.slots.iter().flatten()
    }

    /// Puts `pos` in its symbol's slot; returns what was there.
    fn put(&mut self, pos: Position) -> Option<Position> {
        let idx = pos.symbol as usize;
        if self.slots.len() <= idx {
            self.slots.resize(idx + 1, None);
        }
        let old = self.slots[idx].replace(pos);
        if old.is_none() {
            self.open_count += 1;
        }
        old
    }

    fn take(&mut self, symbol: SymbolId) -> Option<Position> {
        let pos = self.slots.get_mut(symbol as usize)?.take()?;
        self.open_count -= 1;
        Some(pos)
    }
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
    positions: Positions,
    /// Each open position's signed value at its mark, by symbol id (a mark then computes one
    /// notional, not two).
    values: Vec<Money>,
    value_total: Money,
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
            positions: Positions::default(),
            values: Vec::new(),
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
        self.positions
            .iter()
            .fold(Money::ZERO, |a, p| a + p.unrealized())
    }

    /// Number of open positions.
    #[inline]
    pub fn open_count(&self) -> u32 {
        self.positions.open_count()
    }

    /// The open position in `symbol`, if any.
    #[inline]
    pub fn position(&self, symbol: SymbolId) -> Option<&Position> {
        self.positions.get(symbol)
    }

    /// Every open position, by symbol id.
    pub fn positions(&self) -> impl Iterator<Item = &Position> {
        self.positions.iter()
    }

    /// Opens a position (a market fill) and pays the fee.
    pub fn open(&mut self, e: EntryFill) -> Fill {
        debug_assert!(
            self.positions.get(e.symbol).is_none(),
            "one net position per symbol"
        );
        let (pos, fill) = Position::open(e, false);
        self.cash -= Money(pos.cost_basis.0 * pos.side.sign());
        self.cash -= fill.fee;
        self.fees += fill.fee;
        self.set_value(pos.symbol, pos.value_at(pos.mark));
        self.positions.put(pos);
        fill
    }

    /// Books one execution: opens, adds to, reduces, closes or flips the symbol's position,
    /// and moves cash, fees and the realised P&L.
    pub fn apply(&mut self, x: Execution) -> Booked {
        let symbol = x.symbol;
        let (booked, flows) = book(&mut self.positions, x, false);
        self.cash += flows.cash;
        self.cash -= flows.fee;
        self.fees += flows.fee;
        self.realized += flows.realized;
        let value = self
            .positions
            .get(symbol)
            .map_or(Money::ZERO, |p| p.value_at(p.mark));
        self.set_value(symbol, value);
        booked
    }

    /// Records `symbol`'s position value, keeping the total.
    fn set_value(&mut self, symbol: SymbolId, value: Money) {
        let idx = symbol as usize;
        if self.values.len() <= idx {
            self.values.resize(idx + 1, Money::ZERO);
        }
        self.value_total += value - self.values[idx];
        self.values[idx] = value;
    }

    /// Closes the position in `symbol` with `x`; returns the fill and the trade.
    pub fn close(&mut self, symbol: SymbolId, x: &ExitFill) -> Option<(Fill, Trade)> {
        let pos = self.positions.take(symbol)?;
        self.set_value(symbol, Money::ZERO);
        let (fill, trade) = pos.close(x, false);
        let exit_notional = fill.qty.notional(fill.price);
        self.cash += Money(exit_notional.0 * trade.side.sign());
        self.cash -= fill.fee;
        self.fees += fill.fee;
        self.realized += trade.gross_pnl;
        Some((fill, trade))
    }

    /// Marks `symbol`'s position at `price`, the reference price of an accepted tick (finite
    /// and positive). A mark that did not move changes nothing.
    #[inline]
    pub fn mark(&mut self, symbol: SymbolId, price: f64) {
        let idx = symbol as usize;
        let (Some(Some(pos)), Some(slot)) =
            (self.positions.slots.get_mut(idx), self.values.get_mut(idx))
        else {
            return;
        };
        let mark = super::position::mark_of(price);
        if mark == pos.mark {
            return;
        }
        pos.mark = mark;
        let value = pos.value_at(mark);
        self.value_total += value - *slot;
        *slot = value;
    }

    /// Charges one funding payment at `rate` on `symbol`'s position; returns the amount paid.
    pub fn charge_funding(&mut self, symbol: SymbolId, rate: f64) -> Option<Money> {
        let pos = self.positions.get_mut(symbol)?;
        let amount = pos.funding_at(rate);
        pos.funding += amount;
        self.cash -= amount;
        self.funding += amount;
        Some(amount)
    }

    /// Restores a position (recovery from the store).
    pub fn restore_position(&mut self, pos: Position) {
        self.set_value(pos.symbol, pos.value_at(pos.mark));
        self.positions.put(pos);
    }
}

/// Shadow positions: entries Kelly sized to zero, followed with the same fill, exit, fee and
/// funding rules as real ones so the strategy's edge estimate keeps moving, with no capital and
/// nothing in equity.
#[derive(Debug, Clone, Default)]
pub struct ShadowBook {
    positions: Positions,
}

impl ShadowBook {
    /// Number of open shadow positions.
    #[inline]
    pub fn open_count(&self) -> u32 {
        self.positions.open_count()
    }

    /// The shadow position in `symbol`, if any.
    #[inline]
    pub fn position(&self, symbol: SymbolId) -> Option<&Position> {
        self.positions.get(symbol)
    }

    /// Every open shadow position.
    pub fn positions(&self) -> impl Iterator<Item = &Position> {
        self.positions.iter()
    }

    /// Books one shadow execution (no cash).
    pub fn apply(&mut self, x: Execution) -> Booked {
        book(&mut self.positions, x, true).0
    }

    /// Opens a shadow position.
    pub fn open(&mut self, e: EntryFill) -> Fill {
        let (pos, fill) = Position::open(e, true);
        self.positions.put(pos);
        fill
    }

    /// Closes the shadow position in `symbol` with `x`.
    pub fn close(&mut self, symbol: SymbolId, x: &ExitFill) -> Option<(Fill, Trade)> {
        let pos = self.positions.take(symbol)?;
        Some(pos.close(x, true))
    }

    /// Marks `symbol`'s shadow position at `price` (an accepted tick's reference price).
    #[inline]
    pub fn mark(&mut self, symbol: SymbolId, price: f64) {
        if let Some(pos) = self.positions.get_mut(symbol) {
            pos.mark = super::position::mark_of(price);
        }
    }

    /// One funding payment at `rate` on `symbol`'s shadow position.
    pub fn charge_funding(&mut self, symbol: SymbolId, rate: f64) -> Option<Money> {
        let pos = self.positions.get_mut(symbol)?;
        let amount = pos.funding_at(rate);
        pos.funding += amount;
        Some(amount)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::portfolio::{ExitReason, FillAt, OpenParams};
    use crate::types::{Qty, Side};

    const P: OpenParams = OpenParams {
        leverage: 1.0,
        take_profit: Some(0.01),
        stop_loss: Some(0.005),
        maintenance_margin: 0.004,
    };

    fn m(x: f64) -> Money {
        Money::from_f64(x).unwrap()
    }

    fn at(t: i64) -> FillAt {
        FillAt {
            ts_recv: t,
            ts_event: t,
            seq: t as u64,
            decided_at: t,
            decided_seq: t as u64,
            order_id: 0,
            depth_seq: None,
        }
    }

    fn entry(
        symbol: SymbolId,
        side: Side,
        qty: f64,
        price: f64,
        fee_bps: f64,
        params: OpenParams,
    ) -> EntryFill {
        EntryFill {
            symbol,
            side,
            qty: Qty::from_f64(qty).unwrap(),
            price,
            at: at(1),
            fee_bps,
            maker: false,
            params,
            confidence: 0.9,
            strategy: "t".into(),
            signal_id: None,
        }
    }

    #[test]
    fn long_round_trip_with_fees() {
        let mut a = Account::new(m(10_000.0));
        let f = a.open(entry(0, Side::Long, 0.01, 65_000.0, 5.0, P));
        assert_eq!(f.fee.to_string(), "0.32500000");
        assert_eq!(a.equity().to_string(), "9999.67500000");
        let p = a.position(0).unwrap();
        assert_eq!(p.take_profit.unwrap().to_string(), "65650.00000000");
        assert_eq!(p.stop_loss.unwrap().to_string(), "64675.00000000");
        a.mark(0, 66_000.0);
        assert_eq!(a.unrealized().to_string(), "10.00000000");
        let (_, t) = a
            .close(
                0,
                &ExitFill {
                    price: 66_000.0,
                    at: at(2),
                    fee_bps: 5.0,
                    maker: true,
                    reason: ExitReason::TakeProfit,
                    signal_id: None,
                },
            )
            .unwrap();
        assert_eq!(t.gross_pnl.to_string(), "10.00000000");
        assert_eq!(t.fees.to_string(), "0.65500000");
        assert_eq!(t.pnl.to_string(), "9.34500000");
        assert_eq!(a.equity(), m(10_000.0) + t.pnl);
        assert_eq!(a.open_count(), 0);
    }

    #[test]
    fn short_levels_are_mirrored_and_profit_when_price_falls() {
        let mut a = Account::new(m(10_000.0));
        a.open(entry(0, Side::Short, 1.0, 100.0, 0.0, P));
        let p = a.position(0).unwrap();
        assert_eq!(
            (
                p.take_profit.unwrap().to_f64(),
                p.stop_loss.unwrap().to_f64()
            ),
            (99.0, 100.5)
        );
        let (_, t) = a
            .close(
                0,
                &ExitFill {
                    price: 99.0,
                    at: at(2),
                    fee_bps: 0.0,
                    maker: true,
                    reason: ExitReason::TakeProfit,
                    signal_id: None,
                },
            )
            .unwrap();
        assert_eq!(t.pnl, m(1.0));
    }

    #[test]
    fn a_take_profit_beyond_the_price_range_is_unreachable_not_zero() {
        let mut a = Account::new(m(10_000.0));
        let huge = OpenParams {
            take_profit: Some(1e9),
            ..P
        };
        a.open(entry(0, Side::Long, 1.0, 100.0, 0.0, huge));
        assert_eq!(
            a.position(0).unwrap().take_profit,
            Some(crate::types::Price(i64::MAX))
        );
    }

    #[test]
    fn funding_longs_pay_positive_rates() {
        let mut a = Account::new(m(10_000.0));
        a.open(entry(0, Side::Long, 1.0, 100.0, 0.0, P));
        assert_eq!(a.charge_funding(0, 0.0001), Some(m(0.01)));
        a.open(entry(1, Side::Short, 1.0, 100.0, 0.0, P));
        assert_eq!(
            a.charge_funding(1, 0.0001),
            Some(m(-0.01)),
            "shorts receive"
        );
        assert_eq!(a.equity(), m(10_000.0));
    }

    #[test]
    fn shadow_positions_follow_the_same_arithmetic_without_touching_cash() {
        let mut a = Account::new(m(10_000.0));
        let mut s = ShadowBook::default();
        let real = a.open(entry(0, Side::Long, 0.01, 65_000.0, 5.0, P));
        let shadow = s.open(entry(0, Side::Long, 0.01, 65_000.0, 5.0, P));
        assert_eq!(
            (real.fee, real.price, real.shadow, shadow.shadow),
            (shadow.fee, shadow.price, false, true)
        );
        s.charge_funding(0, 0.0001);
        a.charge_funding(0, 0.0001);
        let (_, rt) = a
            .close(
                0,
                &ExitFill {
                    price: 64_000.0,
                    at: at(2),
                    fee_bps: 5.0,
                    maker: false,
                    reason: ExitReason::StopLoss,
                    signal_id: None,
                },
            )
            .unwrap();
        let (_, st) = s
            .close(
                0,
                &ExitFill {
                    price: 64_000.0,
                    at: at(2),
                    fee_bps: 5.0,
                    maker: false,
                    reason: ExitReason::StopLoss,
                    signal_id: None,
                },
            )
            .unwrap();
        assert_eq!(rt, st);
        assert_eq!(s.open_count(), 0);
        assert_eq!(
            a.equity(),
            m(10_000.0) + rt.pnl,
            "only the real trade moved equity"
        );
    }

    #[test]
    fn random_fills_of_any_size_keep_both_ledgers_equal_to_the_unit() {
        // Adds, partial reductions, closes and flips at random prices, sizes and fees (rebates
        // too), funding between them: cash + position values must equal capital + realised −
        // fees − funding + unrealised exactly, and a round trip's P&L its share of the ledger.
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut rnd = move |n: u64| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x % n
        };
        let mut a = Account::new(m(10_000.0));
        let mut closed = Money::ZERO;
        for i in 0..20_000u64 {
            let symbol = rnd(3) as SymbolId;
            let side = if rnd(2) == 0 {
                OrderSide::Buy
            } else {
                OrderSide::Sell
            };
            let qty = Qty(1 + rnd(300_000) as i64);
            let price = 90.0 + rnd(2_000_000) as f64 * 1e-5;
            let fee_bps = [5.0, 2.0, -0.5, 0.0][rnd(4) as usize];
            let booked = a.apply(Execution {
                symbol,
                side,
                qty,
                price,
                fee_bps,
                maker: fee_bps < 5.0,
                at: at(i as i64),
                reason: ExitReason::Order,
                params: P,
                confidence: 1.0,
                strategy: "t".into(),
                signal_id: None,
            });
            assert_eq!(
                booked.fills.iter().map(|f| f.qty.units()).sum::<i64>(),
                qty.units()
            );
            if let Some(t) = booked.trade {
                closed += t.pnl;
            }
            if rnd(10) == 0 {
                a.charge_funding(symbol, 0.0001 * (rnd(3) as f64 - 1.0));
            }
            a.mark(symbol, price * (1.0 + (rnd(100) as f64 - 50.0) * 1e-4));
            let ledger = a.initial_capital + a.realized - a.fees - a.funding + a.unrealized();
            assert_eq!(a.equity(), ledger, "after fill {i}");
        }
        // Every round trip closed so far plus what is still open accounts for all of it.
        let open_pnl: Money = a.positions().fold(Money::ZERO, |s, p| {
            s + p.realized - p.entry_fee - p.exit_fees - p.funding
        });
        assert_eq!(a.realized - a.fees - a.funding, closed + open_pnl);
    }
}
