//! Orders: one type per order kind, one type per event, and the state machine between them, laid
//! out the way NautilusTrader's model is (one file each). The exchange simulator
//! ([`crate::sim`]) creates and moves them; strategies see their events.

mod any;
mod core;
mod enums;
pub mod events;
mod ids;
mod limit;
mod market;
mod reject;
mod request;
mod state;
mod stop_market;
mod take_profit;

pub use any::AnyOrder;
pub use core::OrderCore;
pub use enums::{LiquiditySide, OrderKind, TimeInForce, TriggerSource};
pub use events::{
    FillDetail, OrderAccepted, OrderCanceled, OrderEvent, OrderExpired, OrderFilled, OrderModified,
    OrderPartiallyFilled, OrderRejected, OrderTriggered,
};
pub use ids::{ClientOrderId, OrderId};
pub use limit::LimitOrder;
pub use market::MarketOrder;
pub use reject::OrderRejectReason;
pub use request::{NewOrder, OrderRequest, OrderType};
pub use state::{InvalidTransition, OrderStatus, Transition};
pub use stop_market::StopMarketOrder;
pub use take_profit::TakeProfitOrder;
