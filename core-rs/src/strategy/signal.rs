//! What a strategy emits.

use std::borrow::Cow;

use crate::risk::RiskReject;
use crate::types::{Side, SymbolId, UnixNanos};

/// The position a strategy wants: long, short, or none.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Target {
    /// Hold a long position.
    Long,
    /// Hold a short position.
    Short,
    /// Hold nothing: close any open position, open none.
    Flat,
}

impl Target {
    /// The position side, or None for flat.
    #[inline]
    pub const fn side(self) -> Option<Side> {
        match self {
            Target::Long => Some(Side::Long),
            Target::Short => Some(Side::Short),
            Target::Flat => None,
        }
    }

    /// `"LONG"`, `"SHORT"` or `"FLAT"`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Target::Long => "LONG",
            Target::Short => "SHORT",
            Target::Flat => "FLAT",
        }
    }
}

impl From<Side> for Target {
    fn from(side: Side) -> Self {
        match side {
            Side::Long => Target::Long,
            Side::Short => Target::Short,
        }
    }
}

/// Why a signal was not acted on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum IgnoreReason {
    /// Automated execution is off: the signal waits for a user to execute it.
    ManualMode = 0,
    /// A position on the signal's side is already open (or shadowed).
    SameSide,
    /// A flat target with nothing open.
    NoPosition,
    /// An order for the symbol is still waiting to fill.
    OrderPending,
    /// The open position is younger than the minimum holding time.
    MinHold,
    /// The same bar already signalled the other way.
    OppositeInBar,
}

impl IgnoreReason {
    /// Every reason, in counter order.
    pub const ALL: [IgnoreReason; 6] = [
        IgnoreReason::ManualMode,
        IgnoreReason::SameSide,
        IgnoreReason::NoPosition,
        IgnoreReason::OrderPending,
        IgnoreReason::MinHold,
        IgnoreReason::OppositeInBar,
    ];

    /// Stable snake_case name for reports, the store and the API.
    pub const fn as_str(self) -> &'static str {
        match self {
            IgnoreReason::ManualMode => "manual_mode",
            IgnoreReason::SameSide => "same_side",
            IgnoreReason::NoPosition => "no_position",
            IgnoreReason::OrderPending => "order_pending",
            IgnoreReason::MinHold => "min_hold",
            IgnoreReason::OppositeInBar => "opposite_in_bar",
        }
    }
}

/// What the engine did with a signal, decided on the tick that produced it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SignalDisposition {
    /// An order was decided; it fills on a later tick (its fills carry the signal's id).
    Accepted,
    /// Not acted on.
    Ignored(IgnoreReason),
    /// DRB-Guard refused the entry (an exit of the opposite position still goes ahead).
    Rejected(RiskReject),
    /// Sizing gave zero: the entry is followed as a shadow trade (no capital).
    Shadow,
}

impl SignalDisposition {
    /// `accepted`, `shadow`, or the reason's name.
    pub const fn as_str(self) -> &'static str {
        match self {
            SignalDisposition::Accepted => "accepted",
            SignalDisposition::Shadow => "shadow",
            SignalDisposition::Ignored(r) => r.as_str(),
            SignalDisposition::Rejected(r) => r.as_str(),
        }
    }
}

/// A strategy's wish to hold a position, and what the engine did with it.
#[derive(Debug, Clone, PartialEq)]
pub struct Signal {
    /// The engine's id of the signal: the arrival number of the tick that produced it.
    pub id: u64,
    /// Exchange time of the tick that produced it.
    pub ts_event: UnixNanos,
    /// Local receive time of that tick (the engine's clock).
    pub ts_recv: UnixNanos,
    /// Symbol id.
    pub symbol: SymbolId,
    /// Desired position.
    pub target: Target,
    /// Reference price of the tick.
    pub price: f64,
    /// In [0, 1]; the highest confidence wins when several strategies signal on one tick.
    pub confidence: f64,
    /// Name of the strategy.
    pub strategy: Cow<'static, str>,
    /// Why, in a few words.
    pub reason: Cow<'static, str>,
    /// What the engine did with it.
    pub disposition: SignalDisposition,
}

/// A strategy's output for one tick, before the engine stamps clocks and symbol.
#[derive(Debug, Clone, PartialEq)]
pub struct SignalDraft {
    /// Desired position.
    pub target: Target,
    /// In [0, 1].
    pub confidence: f64,
    /// Why, in a few words.
    pub reason: Cow<'static, str>,
}

impl SignalDraft {
    /// A draft with a static reason.
    pub const fn new(side: Side, confidence: f64, reason: &'static str) -> Self {
        let target = match side {
            Side::Long => Target::Long,
            Side::Short => Target::Short,
        };
        SignalDraft {
            target,
            confidence,
            reason: Cow::Borrowed(reason),
        }
    }

    /// A wish to hold nothing.
    pub const fn flat(confidence: f64, reason: &'static str) -> Self {
        SignalDraft {
            target: Target::Flat,
            confidence,
            reason: Cow::Borrowed(reason),
        }
    }

    /// The side wanted, None for flat.
    #[inline]
    pub const fn side(&self) -> Option<Side> {
        self.target.side()
    }
}
