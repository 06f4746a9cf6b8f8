//! What a strategy emits.

use std::borrow::Cow;

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

/// A strategy's wish to hold a position, before DRB-Guard and the portfolio decide.
#[derive(Debug, Clone, PartialEq)]
pub struct Signal {
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
        SignalDraft { target, confidence, reason: Cow::Borrowed(reason) }
    }

    /// A wish to hold nothing.
    pub const fn flat(confidence: f64, reason: &'static str) -> Self {
        SignalDraft { target: Target::Flat, confidence, reason: Cow::Borrowed(reason) }
    }

    /// The side wanted, None for flat.
    #[inline]
    pub const fn side(&self) -> Option<Side> {
        self.target.side()
    }
}
