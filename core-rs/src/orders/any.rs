//! Any order, as the simulator stores it.

use super::core::OrderCore;
use super::enums::{OrderKind, TriggerSource};
use super::limit::LimitOrder;
use super::market::MarketOrder;
use super::stop_market::StopMarketOrder;
use super::take_profit::TakeProfitOrder;
use crate::types::{OrderSide, Price};

/// One of the order kinds.
#[derive(Debug, Clone, PartialEq)]
pub enum AnyOrder {
    /// Market.
    Market(MarketOrder),
    /// Limit (GTC, post-only, IOC, FOK).
    Limit(LimitOrder),
    /// Stop-market.
    StopMarket(StopMarketOrder),
    /// Take-profit.
    TakeProfit(TakeProfitOrder),
}

impl AnyOrder {
    /// Shared fields.
    #[inline]
    pub fn core(&self) -> &OrderCore {
        match self {
            AnyOrder::Market(o) => &o.core,
            AnyOrder::Limit(o) => &o.core,
            AnyOrder::StopMarket(o) => &o.core,
            AnyOrder::TakeProfit(o) => &o.core,
        }
    }

    /// Shared fields, to change.
    #[inline]
    pub fn core_mut(&mut self) -> &mut OrderCore {
        match self {
            AnyOrder::Market(o) => &mut o.core,
            AnyOrder::Limit(o) => &mut o.core,
            AnyOrder::StopMarket(o) => &mut o.core,
            AnyOrder::TakeProfit(o) => &mut o.core,
        }
    }

    /// The kind.
    pub fn kind(&self) -> OrderKind {
        match self {
            AnyOrder::Market(_) => OrderKind::Market,
            AnyOrder::Limit(_) => OrderKind::Limit,
            AnyOrder::StopMarket(_) => OrderKind::StopMarket,
            AnyOrder::TakeProfit(_) => OrderKind::TakeProfit,
        }
    }

    /// The limit price (limit orders only).
    pub fn limit_price(&self) -> Option<Price> {
        match self {
            AnyOrder::Limit(o) => Some(o.price),
            _ => None,
        }
    }

    /// The trigger price and its source (stop-market and take-profit orders).
    pub fn trigger(&self) -> Option<(Price, TriggerSource)> {
        match self {
            AnyOrder::StopMarket(o) => Some((o.trigger, o.source)),
            AnyOrder::TakeProfit(o) => Some((o.trigger, o.source)),
            _ => None,
        }
    }

    /// Whether `price` reaches this order's trigger: stops against the order's side, take-profits
    /// in its favour. False for other kinds.
    #[inline]
    pub fn triggered_by(&self, price: Price) -> bool {
        let side = self.core().side;
        match self {
            AnyOrder::StopMarket(o) => match side {
                OrderSide::Sell => price <= o.trigger,
                OrderSide::Buy => price >= o.trigger,
            },
            AnyOrder::TakeProfit(o) => match side {
                OrderSide::Sell => price >= o.trigger,
                OrderSide::Buy => price <= o.trigger,
            },
            _ => false,
        }
    }
}
