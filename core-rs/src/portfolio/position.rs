//! An open net position, a fill, a closed trade, and the arithmetic between them. Real and
//! shadow positions share all of it; only the ledger that pays for them differs.

use std::borrow::Cow;

use crate::types::{Money, OrderSide, Price, Qty, Side, SymbolId, UnixNanos};

/// Why a position was closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ExitReason {
    /// Take-profit level reached.
    TakeProfit,
    /// Stop-loss level reached.
    StopLoss,
    /// An opposite signal closed it.
    Reverse,
    /// A strategy asked to be flat.
    Signal,
    /// The isolated-margin liquidation price was reached.
    Liquidation,
    /// DRB-Guard's kill switch flattened it.
    KillSwitch,
    /// Closed by an operator or user.
    Manual,
    /// Still open when the backtest data ended; marked at the last price.
    EndOfData,
    /// A strategy's own order (not a signal's target) reduced it.
    Order,
}

impl ExitReason {
    /// Stable snake_case name for the store and the API.
    pub const fn as_str(self) -> &'static str {
        match self {
            ExitReason::TakeProfit => "take_profit",
            ExitReason::StopLoss => "stop_loss",
            ExitReason::Reverse => "reverse",
            ExitReason::Signal => "signal",
            ExitReason::Liquidation => "liquidation",
            ExitReason::KillSwitch => "kill_switch",
            ExitReason::Manual => "manual",
            ExitReason::EndOfData => "end_of_data",
            ExitReason::Order => "order",
        }
    }
}

/// What a fill did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FillKind {
    /// Opened a position.
    Open,
    /// Closed a position.
    Close(ExitReason),
}

/// Where and when a fill happened, and for what decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FillAt {
    /// Local time of the fill tick.
    pub ts_recv: UnixNanos,
    /// Exchange time of the fill tick.
    pub ts_event: UnixNanos,
    /// Arrival number of the fill tick.
    pub seq: u64,
    /// Local time of the decision (the fill tick's own for exits that trigger on it).
    pub decided_at: UnixNanos,
    /// Arrival number of the decision tick (the fill tick's own for exits that trigger on it).
    pub decided_seq: u64,
    /// The order it executed (0: none, e.g. a test's direct booking).
    pub order_id: u64,
    /// When it executed while a depth message was applied: that message's arrival number among
    /// the run's depth messages (1-based); None during a tick.
    pub depth_seq: Option<u64>,
}

/// One execution.
#[derive(Debug, Clone, PartialEq)]
pub struct Fill {
    /// Local time the order was decided (equal to `ts_recv` for exits that trigger on the tick
    /// that reaches them: take-profit, stop-loss, liquidation).
    pub decided_at: UnixNanos,
    /// Arrival number of the decision tick.
    pub decided_seq: u64,
    /// Local time of the fill.
    pub ts_recv: UnixNanos,
    /// Exchange time of the tick it filled on.
    pub ts_event: UnixNanos,
    /// Arrival number of the tick it filled on.
    pub seq: u64,
    /// Symbol id.
    pub symbol: SymbolId,
    /// Buy or sell.
    pub order_side: OrderSide,
    /// Size.
    pub qty: Qty,
    /// Price.
    pub price: Price,
    /// Fee paid (or, for a shadow fill, the fee it would have paid).
    pub fee: Money,
    /// Fee rate applied, bps of notional.
    pub fee_bps: f64,
    /// A resting order's fill (maker fee) rather than a market one.
    pub maker: bool,
    /// Open or close.
    pub kind: FillKind,
    /// A shadow fill: followed for the strategy's edge estimate, no capital.
    pub shadow: bool,
    /// The signal that decided the order (none for manual orders and triggered exits).
    pub signal_id: Option<u64>,
    /// The order it executed (0: none).
    pub order_id: u64,
    /// The depth message it executed on (see [`FillAt::depth_seq`]).
    pub depth_seq: Option<u64>,
}

/// Parameters of a new position that come from the execution config.
#[derive(Debug, Clone, Copy, PartialEq)]
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

/// An entry about to fill.
#[derive(Debug, Clone)]
pub struct EntryFill {
    /// Symbol id.
    pub symbol: SymbolId,
    /// Side of the new position.
    pub side: Side,
    /// Size.
    pub qty: Qty,
    /// Fill price (a float from the fill model; rounded to 10⁻⁸ once).
    pub price: f64,
    /// When and for which decision.
    pub at: FillAt,
    /// Fee rate, bps.
    pub fee_bps: f64,
    /// A resting order's fill (maker fee).
    pub maker: bool,
    /// Levels and leverage.
    pub params: OpenParams,
    /// Confidence of the opening signal (1 for manual orders).
    pub confidence: f64,
    /// Strategy that opened it (`manual` for manual orders).
    pub strategy: Cow<'static, str>,
    /// The opening signal.
    pub signal_id: Option<u64>,
}

/// An exit about to fill.
#[derive(Debug, Clone, Copy)]
pub struct ExitFill {
    /// Fill price (a float from the fill model or a level; rounded to 10⁻⁸ once).
    pub price: f64,
    /// When and for which decision.
    pub at: FillAt,
    /// Fee rate, bps.
    pub fee_bps: f64,
    /// A resting order's fill (maker fee).
    pub maker: bool,
    /// Why.
    pub reason: ExitReason,
    /// The signal that decided it (none for triggered exits and manual closes).
    pub signal_id: Option<u64>,
}

/// One net position in one symbol.
#[derive(Debug, Clone, PartialEq)]
pub struct Position {
    /// Symbol id.
    pub symbol: SymbolId,
    /// Long or short.
    pub side: Side,
    /// Size, always positive; the side gives the sign.
    pub qty: Qty,
    /// Fill price of the entry.
    pub entry_price: Price,
    /// Local time of the entry fill.
    pub entry_ts: UnixNanos,
    /// Exchange time of the entry fill tick: funding times after it are held.
    pub entry_event: UnixNanos,
    /// `qty × entry_price`, rounded once: the cost basis for P&L.
    pub cost_basis: Money,
    /// Fees paid on the fills that opened or added to it.
    pub entry_fee: Money,
    /// Fees paid on the fills that reduced it so far.
    pub exit_fees: Money,
    /// Gross P&L realised by the reductions so far.
    pub realized: Money,
    /// Σ quantity of the fills that opened or added to it (the round trip's size).
    pub opened_qty: Qty,
    /// Σ notional of those fills (their average is the trade's entry price).
    pub opened_notional: Money,
    /// Σ quantity and notional of the reductions so far (the trade's exit price).
    pub closed_qty: Qty,
    /// Σ notional of the reductions.
    pub closed_notional: Money,
    /// Parameters it was opened with (levels are recomputed from them as it grows).
    pub params: OpenParams,
    /// Funding paid while open (negative when received).
    pub funding: Money,
    /// Leverage of the position.
    pub leverage: f64,
    /// Take-profit level, if any.
    pub take_profit: Option<Price>,
    /// Stop-loss level, if any.
    pub stop_loss: Option<Price>,
    /// Isolated-margin liquidation price.
    pub liquidation_price: Price,
    /// Last mark price.
    pub mark: Price,
    /// Confidence of the signal that opened it (1 for manual orders).
    pub confidence: f64,
    /// Strategy that opened it (`manual` for manual orders).
    pub strategy: Cow<'static, str>,
    /// The opening signal.
    pub signal_id: Option<u64>,
}

/// A closed round trip.
#[derive(Debug, Clone, PartialEq)]
pub struct Trade {
    /// Symbol id.
    pub symbol: SymbolId,
    /// Side of the position.
    pub side: Side,
    /// Size.
    pub qty: Qty,
    /// Entry fill price.
    pub entry_price: Price,
    /// Exit fill price.
    pub exit_price: Price,
    /// Entry fill time (local clock).
    pub entry_ts: UnixNanos,
    /// Exit fill time (local clock).
    pub exit_ts: UnixNanos,
    /// P&L before fees and funding.
    pub gross_pnl: Money,
    /// Entry + exit fees.
    pub fees: Money,
    /// Funding paid while open.
    pub funding: Money,
    /// `gross_pnl − fees − funding`.
    pub pnl: Money,
    /// Net P&L over the cost basis, as a fraction.
    pub pnl_pct: f64,
    /// Why it closed.
    pub exit_reason: ExitReason,
    /// Confidence of the opening signal.
    pub confidence: f64,
    /// Strategy that opened it.
    pub strategy: Cow<'static, str>,
    /// The opening signal.
    pub signal_id: Option<u64>,
}

/// A price from a float. Fill prices come from accepted ticks (finite, positive, in range); a
/// level computed from a huge take-profit fraction saturates to the largest price (unreachable)
/// rather than collapsing to zero (which a long would "reach" at once).
pub(crate) fn price_of(x: f64) -> Price {
    match Price::from_f64(x) {
        Ok(p) => p,
        Err(_) if x > 0.0 => Price(i64::MAX),
        Err(_) => Price::ZERO,
    }
}

/// The fixed-point mark of an accepted tick's reference price (finite and positive): one
/// multiply and round, the checks of [`price_of`] only for a price beyond the range.
#[inline(always)]
pub(crate) fn mark_of(x: f64) -> Price {
    let units = (x * 1e8).round();
    if units < 9.2e18 {
        Price(units as i64)
    } else {
        price_of(x)
    }
}

/// The isolated-margin liquidation price of a position on `side` with average entry `avg`:
/// avg × (1 − 1/leverage + maintenance margin) for a long, mirrored for a short.
pub(crate) fn liquidation_price(
    side: Side,
    avg: f64,
    leverage: f64,
    maintenance_margin: f64,
) -> Price {
    let s = side.sign() as f64;
    price_of((avg * (1.0 - s * (1.0 / leverage - maintenance_margin))).max(1e-8))
}

/// The part of the cost basis `cost` of a position of `qty` that leaves with `removed` of it:
/// in proportion, rounded to the unit (all of it when the whole position goes).
pub(crate) fn basis_removed(cost: Money, qty: Qty, removed: Qty) -> Money {
    if removed >= qty {
        return cost;
    }
    Money(((cost.0 as i128 * removed.0 as i128 + qty.0 as i128 / 2) / qty.0 as i128) as i64)
}

impl Position {
    /// The position an entry opens, and its fill.
    pub fn open(e: EntryFill, shadow: bool) -> (Position, Fill) {
        let fee = e.qty.notional(price_of(e.price)).mul_bps(e.fee_bps);
        Self::open_with_fee(e, fee, shadow)
    }

    /// [`open`](Self::open) with the fee given (part of a fill that also closed a position).
    pub fn open_with_fee(e: EntryFill, fee: Money, shadow: bool) -> (Position, Fill) {
        let entry = price_of(e.price);
        let cost_basis = e.qty.notional(entry);
        let s = e.side.sign() as f64;
        let p = e.params;
        let lev = p.leverage;
        let pos = Position {
            symbol: e.symbol,
            side: e.side,
            qty: e.qty,
            entry_price: entry,
            entry_ts: e.at.ts_recv,
            entry_event: e.at.ts_event,
            cost_basis,
            entry_fee: fee,
            exit_fees: Money::ZERO,
            realized: Money::ZERO,
            opened_qty: e.qty,
            opened_notional: cost_basis,
            closed_qty: Qty::ZERO,
            closed_notional: Money::ZERO,
            params: e.params,
            funding: Money::ZERO,
            leverage: lev,
            take_profit: p.take_profit.map(|f| price_of(e.price * (1.0 + s * f))),
            stop_loss: p.stop_loss.map(|f| price_of(e.price * (1.0 - s * f))),
            liquidation_price: liquidation_price(e.side, e.price, lev, p.maintenance_margin),
            mark: entry,
            confidence: e.confidence,
            strategy: e.strategy,
            signal_id: e.signal_id,
        };
        let fill = Fill {
            decided_at: e.at.decided_at,
            decided_seq: e.at.decided_seq,
            ts_recv: e.at.ts_recv,
            ts_event: e.at.ts_event,
            seq: e.at.seq,
            symbol: e.symbol,
            order_side: OrderSide::opening(e.side),
            qty: e.qty,
            price: entry,
            fee,
            fee_bps: e.fee_bps,
            maker: e.maker,
            kind: FillKind::Open,
            shadow,
            signal_id: e.signal_id,
            order_id: e.at.order_id,
            depth_seq: e.at.depth_seq,
        };
        (pos, fill)
    }

    /// The fill and trade of closing this whole position with `x`.
    pub fn close(mut self, x: &ExitFill, shadow: bool) -> (Fill, Trade) {
        let qty = self.qty;
        let (fill, _) = self.reduce(qty, x, None, shadow);
        let trade = self.into_trade(x.at.ts_recv, x.reason);
        (fill, trade)
    }

    /// Adds `e` (same side) to the position: size, cost basis and fees grow; the average entry,
    /// its levels and the liquidation price follow the new average.
    pub fn add(&mut self, e: &EntryFill, fee: Money, shadow: bool) -> Fill {
        let price = price_of(e.price);
        let notional = e.qty.notional(price);
        self.qty += e.qty;
        self.cost_basis += notional;
        self.entry_fee += fee;
        self.opened_qty += e.qty;
        self.opened_notional += notional;
        let avg = self.cost_basis.to_f64() / self.qty.to_f64();
        self.set_levels(avg);
        self.mark = price;
        Fill {
            decided_at: e.at.decided_at,
            decided_seq: e.at.decided_seq,
            ts_recv: e.at.ts_recv,
            ts_event: e.at.ts_event,
            seq: e.at.seq,
            symbol: self.symbol,
            order_side: OrderSide::opening(self.side),
            qty: e.qty,
            price,
            fee,
            fee_bps: e.fee_bps,
            maker: e.maker,
            kind: FillKind::Open,
            shadow,
            signal_id: e.signal_id,
            order_id: e.at.order_id,
            depth_seq: e.at.depth_seq,
        }
    }

    /// Entry price, levels and liquidation price for an average entry of `avg`.
    fn set_levels(&mut self, avg: f64) {
        let s = self.side.sign() as f64;
        let p = self.params;
        self.entry_price = price_of(avg);
        self.take_profit = p.take_profit.map(|f| price_of(avg * (1.0 + s * f)));
        self.stop_loss = p.stop_loss.map(|f| price_of(avg * (1.0 - s * f)));
        self.liquidation_price =
            liquidation_price(self.side, avg, p.leverage, p.maintenance_margin);
    }

    /// Reduces the position by `qty` (at most its size) with exit `x`; `fee` overrides the fee
    /// computed from `x.fee_bps` (a fill split between a reduction and a new position). Returns
    /// the fill and the gross P&L it realised. The cost basis leaves in proportion, rounded to
    /// the unit, so cash and the P&L ledger stay equal to the last unit.
    pub fn reduce(
        &mut self,
        qty: Qty,
        x: &ExitFill,
        fee: Option<Money>,
        shadow: bool,
    ) -> (Fill, Money) {
        let ExitFill {
            price,
            at,
            fee_bps,
            maker,
            reason,
            signal_id,
        } = *x;
        let qty = qty.min(self.qty);
        let exit = price_of(price);
        let exit_notional = qty.notional(exit);
        let fee = fee.unwrap_or_else(|| exit_notional.mul_bps(fee_bps));
        let removed = basis_removed(self.cost_basis, self.qty, qty);
        let gross = Money((exit_notional.0 - removed.0) * self.side.sign());
        self.qty -= qty;
        self.cost_basis -= removed;
        self.exit_fees += fee;
        self.realized += gross;
        self.closed_qty += qty;
        self.closed_notional += exit_notional;
        self.mark = exit;
        let fill = Fill {
            decided_at: at.decided_at,
            decided_seq: at.decided_seq,
            ts_recv: at.ts_recv,
            ts_event: at.ts_event,
            seq: at.seq,
            symbol: self.symbol,
            order_side: OrderSide::opening(self.side.opposite()),
            qty,
            price: exit,
            fee,
            fee_bps,
            maker,
            kind: FillKind::Close(reason),
            shadow,
            signal_id,
            order_id: at.order_id,
            depth_seq: at.depth_seq,
        };
        (fill, gross)
    }

    /// The round trip of a position that is now flat, closed at local time `exit_ts` by `reason`.
    pub fn into_trade(self, exit_ts: UnixNanos, reason: ExitReason) -> Trade {
        let fees = self.entry_fee + self.exit_fees;
        let pnl = self.realized - fees - self.funding;
        let basis = self.opened_notional.to_f64();
        // One reduction: its price; several: their average.
        let exit_price = if self.closed_notional == self.closed_qty.notional(self.mark) {
            self.mark
        } else {
            price_of(self.closed_notional.to_f64() / self.closed_qty.to_f64())
        };
        Trade {
            symbol: self.symbol,
            side: self.side,
            qty: self.opened_qty,
            // The average cost of what was opened (the entry price itself for one fill).
            entry_price: self.entry_price,
            exit_price,
            entry_ts: self.entry_ts,
            exit_ts,
            gross_pnl: self.realized,
            fees,
            funding: self.funding,
            pnl,
            pnl_pct: if basis > 0.0 {
                pnl.to_f64() / basis
            } else {
                0.0
            },
            exit_reason: reason,
            confidence: self.confidence,
            strategy: self.strategy,
            signal_id: self.signal_id,
        }
    }

    /// Signed size: positive long, negative short.
    #[inline]
    pub fn signed_qty(&self) -> Qty {
        Qty(self.qty.0 * self.side.sign())
    }

    /// Signed market value at `mark`: what the position adds to equity on top of cash.
    #[inline]
    pub fn value_at(&self, mark: Price) -> Money {
        self.signed_qty().notional(mark)
    }

    /// Unrealised P&L at the last mark.
    #[inline]
    pub fn unrealized(&self) -> Money {
        self.value_at(self.mark) - Money(self.cost_basis.0 * self.side.sign())
    }

    /// One funding payment at `rate` on the value at the last mark (longs pay a positive rate).
    #[inline]
    pub fn funding_at(&self, rate: f64) -> Money {
        self.value_at(self.mark).mul_rate(rate)
    }
}
