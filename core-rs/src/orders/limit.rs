//! A limit order: at its price or better, resting in the book for the rest.

use super::core::OrderCore;
use super::enums::TimeInForce;
use crate::types::{Price, Qty};

/// A limit order and, while it rests, its place in the level's queue.
#[derive(Debug, Clone, PartialEq)]
pub struct LimitOrder {
    /// Shared fields.
    pub core: OrderCore,
    /// Limit price.
    pub price: Price,
    /// Time in force.
    pub tif: TimeInForce,
    /// Displayed quantity ahead of it at its level, as the queue model estimates it (negative:
    /// the queue is through and the order fills by that much); None until it rests.
    pub queue_ahead: Option<f64>,
    /// Trades at its level since the level's last book update (the probabilistic queue models
    /// subtract them from the next size change, which already contains them).
    pub traded_since_update: f64,
    /// The level's displayed size when the order last looked (the queue models' "previous").
    pub level_qty: Qty,
}
