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
    /// Fee paid on entry.
    pub entry_fee: Money,
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

impl Position {
    /// The position an entry opens, and its fill.
    pub fn open(e: EntryFill, shadow: bool) -> (Position, Fill) {
        let entry = price_of(e.price);
        let cost_basis = e.qty.notional(entry);
        let fee = cost_basis.mul_bps(e.fee_bps);
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
            funding: Money::ZERO,
            leverage: lev,
            take_profit: p.take_profit.map(|f| price_of(e.price * (1.0 + s * f))),
            stop_loss: p.stop_loss.map(|f| price_of(e.price * (1.0 - s * f))),
            liquidation_price: price_of((e.price * (1.0 - s * (1.0 / lev - p.maintenance_margin))).max(1e-8)),
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
            maker: false,
            kind: FillKind::Open,
            shadow,
            signal_id: e.signal_id,
        };
        (pos, fill)
    }

    /// The fill and trade of closing this position with `x`.
    pub fn close(self, x: &ExitFill, shadow: bool) -> (Fill, Trade) {
        let ExitFill { price, at, fee_bps, maker, reason, signal_id } = *x;
        let exit = price_of(price);
        let exit_notional = self.qty.notional(exit);
        let fee = exit_notional.mul_bps(fee_bps);
        let gross = Money((exit_notional.0 - self.cost_basis.0) * self.side.sign());
        let fees = self.entry_fee + fee;
        let pnl = gross - fees - self.funding;
        let basis = self.cost_basis.to_f64();
        let fill = Fill {
            decided_at: at.decided_at,
            decided_seq: at.decided_seq,
            ts_recv: at.ts_recv,
            ts_event: at.ts_event,
            seq: at.seq,
            symbol: self.symbol,
            order_side: OrderSide::opening(self.side.opposite()),
            qty: self.qty,
            price: exit,
            fee,
            fee_bps,
            maker,
            kind: FillKind::Close(reason),
            shadow,
            signal_id,
        };
        let trade = Trade {
            symbol: self.symbol,
            side: self.side,
            qty: self.qty,
            entry_price: self.entry_price,
            exit_price: exit,
            entry_ts: self.entry_ts,
            exit_ts: at.ts_recv,
            gross_pnl: gross,
            fees,
            funding: self.funding,
            pnl,
            pnl_pct: if basis > 0.0 { pnl.to_f64() / basis } else { 0.0 },
            exit_reason: reason,
            confidence: self.confidence,
            strategy: self.strategy,
            signal_id: self.signal_id,
        };
        (fill, trade)
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
