//! An open net position and a closed trade.

use std::borrow::Cow;

use crate::types::{Money, Price, Qty, Side, SymbolId, UnixNanos};

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
        }
    }
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
}

impl Position {
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
}
