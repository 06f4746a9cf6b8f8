//! Queue models: where a resting limit order stands in its level's queue.
//!
//! L2 data shows each level's total size, not the orders in it. An order placed at a level joins
//! the back of the queue: the displayed size is ahead of it. Trades at the level eat the queue
//! from the front. When the level shrinks without a trade, someone canceled; whether those
//! cancellations were ahead of the order (moving it up) or behind it is what the models differ
//! on. A trade through the price, or the opposite side reaching it, fills the order whatever the
//! model says.

use serde::Deserialize;

/// The queue state of one resting order.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct QueuePos {
    /// Displayed quantity ahead of the order (≥ 0 between calls).
    pub ahead: f64,
    /// Traded at the level since its last size change: the next change already contains it.
    pub traded: f64,
}

/// How a resting order's place in the queue moves.
pub trait QueueModel {
    /// The queue of an order that starts resting at a level showing `level_qty`.
    fn join(&self, level_qty: f64) -> QueuePos;

    /// A trade of `qty` at the order's price. Returns the quantity that reached the order (the
    /// part of the trade beyond the queue ahead); the caller fills at most the order's rest.
    fn trade(&self, q: &mut QueuePos, qty: f64) -> f64;

    /// The level's displayed size changed from `prev` to `new` (a book update at the price).
    fn depth(&self, q: &mut QueuePos, prev: f64, new: f64);
}

/// Only trades advance the order; a level that shrinks below the queue ahead caps it (those
/// cancellations must have been ahead), and nothing else moves it. The most conservative model.
#[derive(Debug, Clone, Copy, Default)]
pub struct RiskAverse;

impl QueueModel for RiskAverse {
    fn join(&self, level_qty: f64) -> QueuePos {
        QueuePos {
            ahead: level_qty.max(0.0),
            traded: 0.0,
        }
    }

    fn trade(&self, q: &mut QueuePos, qty: f64) -> f64 {
        consume(q, qty)
    }

    fn depth(&self, q: &mut QueuePos, _prev: f64, new: f64) {
        q.ahead = q.ahead.min(new.max(0.0));
        q.traded = 0.0;
    }
}

/// The shape `f` of a probabilistic model: a decrease of the level is behind the order with
/// probability `f(back) / (f(back) + f(front))`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ProbShape {
    /// `f(x) = x^n`: larger `n` puts cancellations more at the back of a long queue.
    Power(f64),
    /// `f(x) = ln(1 + x)`.
    Log,
}

/// Trades advance the order; a decrease of the level without a trade is split between the front
/// and the back of the queue by a probability that depends on where the order stands (the model
/// hftbacktest implements from Rigtorp's and the quant.stackexchange estimates).
#[derive(Debug, Clone, Copy)]
pub struct Probabilistic {
    /// The shape.
    pub shape: ProbShape,
}

impl Probabilistic {
    fn f(&self, x: f64) -> f64 {
        match self.shape {
            ProbShape::Power(n) => x.max(0.0).powf(n),
            ProbShape::Log => x.max(0.0).ln_1p(),
        }
    }

    /// Probability that a decrease came from behind the order.
    pub fn behind(&self, front: f64, back: f64) -> f64 {
        let (b, f) = (self.f(back), self.f(front));
        let p = b / (b + f);
        if p.is_finite() {
            p
        } else {
            // 0/0: an empty level on both sides of the order; an infinity: take it as certain.
            1.0
        }
    }
}

impl QueueModel for Probabilistic {
    fn join(&self, level_qty: f64) -> QueuePos {
        QueuePos {
            ahead: level_qty.max(0.0),
            traded: 0.0,
        }
    }

    fn trade(&self, q: &mut QueuePos, qty: f64) -> f64 {
        q.traded += qty;
        consume(q, qty)
    }

    fn depth(&self, q: &mut QueuePos, prev: f64, new: f64) {
        // The part of the decrease the trades already explain is not a cancellation.
        let chg = prev - new - q.traded;
        q.traded = 0.0;
        if chg <= 0.0 {
            q.ahead = q.ahead.min(new.max(0.0));
            return;
        }
        let front = q.ahead;
        let back = (prev - front).max(0.0);
        let p = self.behind(front, back);
        // (1 - p) of the cancellation was ahead; whatever exceeds what is behind was ahead too.
        let est = front - (1.0 - p) * chg + (back - p * chg).min(0.0);
        q.ahead = est.clamp(0.0, new.max(0.0));
    }
}

/// No queue: the order fills completely as soon as a trade touches its price.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoQueue;

impl QueueModel for NoQueue {
    fn join(&self, _level_qty: f64) -> QueuePos {
        QueuePos::default()
    }

    fn trade(&self, _q: &mut QueuePos, _qty: f64) -> f64 {
        f64::INFINITY
    }

    fn depth(&self, _q: &mut QueuePos, _prev: f64, _new: f64) {}
}

/// Eats `qty` of the queue; returns what went beyond it (and leaves the order at the front).
#[inline]
fn consume(q: &mut QueuePos, qty: f64) -> f64 {
    q.ahead -= qty;
    if q.ahead < 0.0 {
        let through = -q.ahead;
        q.ahead = 0.0;
        through
    } else {
        0.0
    }
}

/// Which queue model a run uses (config `execution.queue`).
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct QueueConfig {
    /// `"risk_averse"` (default), `"prob"` or `"none"`.
    pub model: QueueKind,
    /// Shape of the probabilistic model: `"power"` (default) or `"log"`.
    pub shape: ProbShapeKind,
    /// Exponent `n` of the power shape. Default 3 (hftbacktest's examples use 2 to 3).
    pub power: f64,
}

impl Default for QueueConfig {
    fn default() -> Self {
        QueueConfig {
            model: QueueKind::RiskAverse,
            shape: ProbShapeKind::Power,
            power: 3.0,
        }
    }
}

/// The model names of [`QueueConfig`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum QueueKind {
    /// [`RiskAverse`].
    RiskAverse,
    /// [`Probabilistic`].
    Prob,
    /// [`NoQueue`].
    None,
}

/// The shape names of [`QueueConfig`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProbShapeKind {
    /// [`ProbShape::Power`].
    Power,
    /// [`ProbShape::Log`].
    Log,
}

/// The configured model, dispatched without a virtual call.
#[derive(Debug, Clone, Copy)]
pub enum AnyQueueModel {
    /// Risk-averse.
    RiskAverse(RiskAverse),
    /// Probabilistic.
    Prob(Probabilistic),
    /// None.
    None(NoQueue),
}

impl AnyQueueModel {
    /// The model `c` names.
    pub fn from_config(c: &QueueConfig) -> Self {
        match c.model {
            QueueKind::RiskAverse => AnyQueueModel::RiskAverse(RiskAverse),
            QueueKind::None => AnyQueueModel::None(NoQueue),
            QueueKind::Prob => AnyQueueModel::Prob(Probabilistic {
                shape: match c.shape {
                    ProbShapeKind::Power => ProbShape::Power(c.power),
                    ProbShapeKind::Log => ProbShape::Log,
                },
            }),
        }
    }
}

impl QueueModel for AnyQueueModel {
    #[inline]
    fn join(&self, level_qty: f64) -> QueuePos {
        match self {
            AnyQueueModel::RiskAverse(m) => m.join(level_qty),
            AnyQueueModel::Prob(m) => m.join(level_qty),
            AnyQueueModel::None(m) => m.join(level_qty),
        }
    }

    #[inline]
    fn trade(&self, q: &mut QueuePos, qty: f64) -> f64 {
        match self {
            AnyQueueModel::RiskAverse(m) => m.trade(q, qty),
            AnyQueueModel::Prob(m) => m.trade(q, qty),
            AnyQueueModel::None(m) => m.trade(q, qty),
        }
    }

    #[inline]
    fn depth(&self, q: &mut QueuePos, prev: f64, new: f64) {
        match self {
            AnyQueueModel::RiskAverse(m) => m.depth(q, prev, new),
            AnyQueueModel::Prob(m) => m.depth(q, prev, new),
            AnyQueueModel::None(m) => m.depth(q, prev, new),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn risk_averse_moves_only_on_trades_and_caps_at_the_level() {
        let m = RiskAverse;
        let mut q = m.join(10.0);
        assert_eq!(m.trade(&mut q, 4.0), 0.0);
        assert_eq!(q.ahead, 6.0);
        m.depth(&mut q, 6.0, 8.0); // the level grew: behind us
        assert_eq!(q.ahead, 6.0);
        m.depth(&mut q, 8.0, 7.0); // shrank but still above the queue: behind us
        assert_eq!(q.ahead, 6.0);
        m.depth(&mut q, 7.0, 2.0); // below the queue: those were ahead
        assert_eq!(q.ahead, 2.0);
        assert_eq!(
            m.trade(&mut q, 5.0),
            3.0,
            "3 of the trade reached the order"
        );
        assert_eq!(q.ahead, 0.0);
    }

    #[test]
    fn probabilistic_power_splits_cancellations_by_position() {
        let m = Probabilistic {
            shape: ProbShape::Power(2.0),
        };
        // At the very front (nothing ahead): every cancellation is behind.
        assert_eq!(m.behind(0.0, 10.0), 1.0);
        // At the very back: every cancellation is ahead.
        assert_eq!(m.behind(10.0, 0.0), 0.0);
        // In the middle, symmetric.
        assert!((m.behind(5.0, 5.0) - 0.5).abs() < 1e-12);
        let mut q = m.join(10.0);
        m.depth(&mut q, 10.0, 6.0); // 4 canceled; we are at the back: all of it ahead
        assert!((q.ahead - 6.0).abs() < 1e-12);
        let mut q = QueuePos {
            ahead: 5.0,
            traded: 0.0,
        };
        m.depth(&mut q, 10.0, 8.0); // middle: half of 2 ahead
        assert!((q.ahead - 4.0).abs() < 1e-12);
    }

    #[test]
    fn probabilistic_does_not_count_a_trade_twice() {
        let m = Probabilistic {
            shape: ProbShape::Log,
        };
        let mut q = m.join(10.0);
        m.trade(&mut q, 3.0);
        assert_eq!(q.ahead, 7.0);
        // The book then shows the level at 7: the trade, already counted; no cancellation.
        m.depth(&mut q, 10.0, 7.0);
        assert_eq!(q.ahead, 7.0);
        assert_eq!(q.traded, 0.0);
    }

    #[test]
    fn the_queue_never_goes_negative_nor_above_the_level() {
        let models = [
            AnyQueueModel::RiskAverse(RiskAverse),
            AnyQueueModel::Prob(Probabilistic {
                shape: ProbShape::Power(3.0),
            }),
            AnyQueueModel::Prob(Probabilistic {
                shape: ProbShape::Log,
            }),
            AnyQueueModel::None(NoQueue),
        ];
        let mut x: u64 = 99;
        let mut next = move || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x % 1000) as f64 / 10.0
        };
        for m in models {
            let mut level = 50.0;
            let mut q = m.join(level);
            for _ in 0..100_000 {
                if next() < 50.0 {
                    let t = next() / 5.0;
                    let reached = m.trade(&mut q, t);
                    assert!(reached >= 0.0);
                } else {
                    let new = next();
                    m.depth(&mut q, level, new);
                    level = new;
                    assert!(
                        q.ahead <= level + 1e-9,
                        "{m:?}: ahead {} above the level {level}",
                        q.ahead
                    );
                }
                assert!(q.ahead >= 0.0 && q.ahead.is_finite(), "{m:?}: {q:?}");
            }
        }
    }

    #[test]
    fn no_queue_fills_on_touch() {
        let mut q = NoQueue.join(100.0);
        assert_eq!(q.ahead, 0.0);
        assert_eq!(NoQueue.trade(&mut q, 0.001), f64::INFINITY);
    }
}
