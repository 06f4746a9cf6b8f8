//! Strategies that trade with orders: they see the market as of their local clock, place,
//! modify and cancel orders, and receive their own orders' events after the response latency.
//! The built-in market maker is one; a Python class is another (through the same trait).

use super::StrategyError;
use crate::book::OrderBook;
use crate::orders::{ClientOrderId, NewOrder, OrderEvent, OrderRequest};
use crate::sim::MarketMemory;
use crate::tick::Tick;
use crate::types::{SymbolId, UnixNanos};

/// What a callback sees, and where its requests go. Requests are sent when the callback returns,
/// at its local time; their answers come back as order events.
pub struct OrderContext<'a> {
    /// Local time now.
    pub now: UnixNanos,
    /// Exchange time of the market event being delivered (or of the order event).
    pub ts_event: UnixNanos,
    /// The symbol the event is about.
    pub symbol: SymbolId,
    /// The account's position in `symbol` as the strategy knows it: the sum of the fills whose
    /// events have reached it (base units, positive long).
    pub position: f64,
    /// The symbol's order book, when depth data drives one (as of the local clock).
    pub book: Option<&'a OrderBook>,
    /// The symbol's latest quote and trade.
    pub market: MarketMemory,
    /// The market event, when the callback is for one (None for a book update or an order event).
    pub tick: Option<&'a Tick>,
    pub(crate) requests: Vec<OrderRequest>,
}

impl<'a> OrderContext<'a> {
    /// A context for a callback at local time `now`.
    pub fn new(
        now: UnixNanos,
        ts_event: UnixNanos,
        symbol: SymbolId,
        position: f64,
        book: Option<&'a OrderBook>,
        market: MarketMemory,
    ) -> Self {
        OrderContext {
            now,
            ts_event,
            symbol,
            position,
            book,
            market,
            tick: None,
            requests: Vec::new(),
        }
    }

    /// Best bid and ask: the book's when depth drives one, else the latest quote's (NaN unknown).
    pub fn touch(&self) -> (f64, f64) {
        if let Some(b) = self.book {
            if let (Some(bid), Some(ask)) = (b.best_bid(), b.best_ask()) {
                return (bid.price.to_f64(), ask.price.to_f64());
            }
        }
        (self.market.bid, self.market.ask)
    }

    /// Sends a new order.
    pub fn submit(&mut self, o: NewOrder) {
        self.requests.push(OrderRequest::New(o));
    }

    /// Asks to cancel an order.
    pub fn cancel(&mut self, client_id: ClientOrderId) {
        self.requests.push(OrderRequest::Cancel(client_id));
    }

    /// Asks to change a working limit order's price and/or quantity.
    pub fn modify(&mut self, client_id: ClientOrderId, price: Option<f64>, qty: Option<f64>) {
        self.requests.push(OrderRequest::Modify {
            client_id,
            price,
            qty,
        });
    }

    /// The requests made so far, to send.
    pub fn take_requests(&mut self) -> Vec<OrderRequest> {
        std::mem::take(&mut self.requests)
    }
}

/// A strategy that trades with orders.
pub trait OrderStrategy: Send + Sync {
    /// Name in orders, fills and trades.
    fn name(&self) -> &str;

    /// The market changed: an accepted tick (`ctx.tick`) or a book update of `ctx.symbol`.
    fn on_market(&mut self, ctx: &mut OrderContext<'_>) -> Result<(), StrategyError>;

    /// One of its orders' events reached it.
    fn on_order_event(
        &mut self,
        ctx: &mut OrderContext<'_>,
        event: &OrderEvent,
    ) -> Result<(), StrategyError>;
}
