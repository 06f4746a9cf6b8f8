//! Manual orders: an executed signal or a user's order. DRB-Guard checks them now; they go to the
//! venue like an automated decision's orders and fill after the order latency.

use std::borrow::Cow;

use super::core::{Engine, EngineError};
use super::orders::EntrySpec;
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
        Provenance {
            strategy: Cow::Borrowed("manual"),
            confidence: 1.0,
            signal_id: None,
        }
    }
}

impl Engine {
    /// A manual entry: DRB-Guard checks it now, and its market order (with the bracket) goes to
    /// the venue. `qty` None sizes it like an automated entry of its strategy. An open position
    /// on the other side is reversed; a shadow position in the symbol is closed first (the
    /// user's order replaces the hypothesis).
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
        let price = self.state(symbol)?.last_price;
        if self.target_pending(symbol) {
            return Err(EngineError::Order(
                "an order for this symbol is already pending",
            ));
        }
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
            return Err(EngineError::Order(
                "a position on this side is already open",
            ));
        }
        let leverage = leverage.unwrap_or(self.open_params.leverage);
        let q = match self.size_entry(
            symbol,
            side,
            price,
            qty,
            leverage,
            ts_event,
            &provenance.strategy,
        ) {
            Ok(q) => q,
            Err(reason) => {
                self.stats.orders_rejected[reason as usize] += 1;
                return Err(reason.into());
            }
        };
        let exit = held.map(|(_, shadow, _)| {
            (
                if shadow {
                    ExitReason::Manual
                } else {
                    ExitReason::Reverse
                },
                provenance.signal_id,
            )
        });
        let entry = EntrySpec {
            side,
            qty: q,
            leverage,
            confidence: provenance.confidence,
            strategy: provenance.strategy,
            signal_id: provenance.signal_id,
            shadow: false,
        };
        self.send_target(symbol, exit, Some(entry), ts_recv);
        Ok(q)
    }

    /// Withdraws the manual or automated entry of `symbol` that has not filled (e.g. the live
    /// venue refused the order this entry mirrors): taken back if it has not reached the venue,
    /// else a cancel goes there. An exit sent with it stays. Returns whether there was such an
    /// entry. The day's count is untouched: only a fill starts a round trip.
    pub fn cancel_pending_entry(&mut self, symbol: SymbolId, ts_recv: UnixNanos) -> bool {
        let Some(st) = self.symbols.get_mut(symbol as usize) else {
            return false;
        };
        let Some((id, shadow)) = st.target.entry.take() else {
            return false;
        };
        let venue = if shadow {
            &mut self.shadow_venue
        } else {
            &mut self.venue
        };
        if venue.withdraw(id, ts_recv) {
            return true;
        }
        let Some(o) = venue.order(id) else {
            return false;
        };
        if !o.core().filled.is_zero() {
            return false;
        }
        let client_id = o.core().client_id.clone();
        venue.cancel(&client_id, ts_recv).is_some()
    }

    /// Closes `symbol`'s position with a market order (a manual close).
    pub fn submit_close(
        &mut self,
        symbol: SymbolId,
        ts_recv: UnixNanos,
    ) -> Result<(), EngineError> {
        if self.account.position(symbol).is_none() {
            return Err(EngineError::Order("no open position for this symbol"));
        }
        self.close_position_order(symbol, ts_recv, ExitReason::Manual);
        Ok(())
    }
}
