//! Manual orders: an executed signal or a user's order. DRB-Guard checks them now; they fill on
//! the symbol's next tick, like an automated decision.

use std::borrow::Cow;

use super::core::{Engine, EngineError, PendingEntry, PendingOrder};
use crate::portfolio::ExitReason;
use crate::types::{Qty, Side, SymbolId, UnixNanos};

/// Who a manual entry is for: the strategy and confidence of an executed signal (and its id),
/// or a user's own order (`manual`, confidence 1).
#[derive(Debug, Clone)]
pub struct Provenance {
    /// Strategy name.
    pub strategy: Cow<'static, str>,
    /// Confidence in [0, 1].
    pub confidence: f64,
    /// The executed signal's id, if any.
    pub signal_id: Option<u64>,
}

impl Provenance {
    /// A user's own order.
    pub fn manual() -> Self {
        Provenance { strategy: Cow::Borrowed("manual"), confidence: 1.0, signal_id: None }
    }
}

impl Engine {
    /// A manual entry: DRB-Guard checks it now, and it fills on the symbol's next tick. `qty`
    /// None sizes it like an automated entry of its strategy. An open position on the other side
    /// is reversed; a shadow position in the symbol is closed first (the user's order replaces
    /// the hypothesis).
    #[allow(clippy::too_many_arguments)]
    pub fn submit_entry(
        &mut self,
        symbol: SymbolId,
        side: Side,
        qty: Option<f64>,
        leverage: Option<f64>,
        ts_recv: UnixNanos,
        ts_event: UnixNanos,
        provenance: Provenance,
    ) -> Result<Qty, EngineError> {
        let st = self.state(symbol)?;
        if st.pending.is_some() {
            return Err(EngineError::Order("an order for this symbol is already pending"));
        }
        let price = st.last_price;
        if !price.is_finite() {
            return Err(EngineError::Order("no price seen yet for this symbol"));
        }
        if let Some(q) = qty {
            if !(q > 0.0) || !q.is_finite() {
                return Err(EngineError::Order("quantity must be a positive number"));
            }
        }
        let held = self.held(symbol);
        if held.is_some_and(|(s, shadow, _)| s == side && !shadow) {
            return Err(EngineError::Order("a position on this side is already open"));
        }
        let leverage = leverage.unwrap_or(self.open_params.leverage);
        let q = match self.size_entry(symbol, price, qty, leverage, ts_event, &provenance.strategy) {
            Ok(q) => q,
            Err(reason) => {
                self.stats.orders_rejected[reason as usize] += 1;
                return Err(reason.into());
            }
        };
        let exit = held.map(|(_, shadow, _)| (if shadow { ExitReason::Manual } else { ExitReason::Reverse }, provenance.signal_id));
        let decided_seq = self.seq();
        self.symbols[symbol as usize].pending = Some(PendingOrder {
            decided_at: ts_recv,
            decided_seq,
            exit,
            entry: Some(PendingEntry {
                side,
                qty: q,
                leverage,
                confidence: provenance.confidence,
                strategy: provenance.strategy,
                shadow: false,
                signal_id: provenance.signal_id,
            }),
        });
        Ok(q)
    }

    /// Withdraws the entry waiting to fill for `symbol` (e.g. the venue refused the live order
    /// this entry mirrors); a pending exit stays. Returns whether an entry was withdrawn. The
    /// day's trade count keeps it: DRB-Guard counted the attempt.
    pub fn cancel_pending_entry(&mut self, symbol: SymbolId) -> bool {
        let Some(st) = self.symbols.get_mut(symbol as usize) else { return false };
        let Some(p) = &mut st.pending else { return false };
        let had = p.entry.take().is_some();
        if p.exit.is_none() {
            st.pending = None;
        }
        had
    }

    /// Closes `symbol`'s position on its next tick (a manual close).
    pub fn submit_close(&mut self, symbol: SymbolId, ts_recv: UnixNanos) -> Result<(), EngineError> {
        if self.account.position(symbol).is_none() {
            return Err(EngineError::Order("no open position for this symbol"));
        }
        let seq = self.seq();
        let st = self.state(symbol)?;
        match &mut st.pending {
            Some(p) => p.exit = Some((ExitReason::Manual, None)),
            None => {
                st.pending = Some(PendingOrder { decided_at: ts_recv, decided_seq: seq, exit: Some((ExitReason::Manual, None)), entry: None })
            }
        }
        Ok(())
    }
}
