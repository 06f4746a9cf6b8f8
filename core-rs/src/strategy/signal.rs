//! What a strategy emits.

use std::borrow::Cow;

use crate::types::{Side, SymbolId, UnixNanos};

/// A strategy's wish to hold `side`, before DRB-Guard and the portfolio decide.
#[derive(Debug, Clone, PartialEq)]
pub struct Signal {
    /// Exchange time of the tick that produced it.
    pub ts_event: UnixNanos,
    /// Local receive time of that tick (the engine's clock).
    pub ts_recv: UnixNanos,
    /// Symbol id.
    pub symbol: SymbolId,
    /// Desired direction.
    pub side: Side,
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
    /// Desired direction.
    pub side: Side,
    /// In [0, 1].
    pub confidence: f64,
    /// Why, in a few words.
    pub reason: Cow<'static, str>,
}

impl SignalDraft {
    /// A draft with a static reason.
    pub const fn new(side: Side, confidence: f64, reason: &'static str) -> Self {
        SignalDraft { side, confidence, reason: Cow::Borrowed(reason) }
    }
}
