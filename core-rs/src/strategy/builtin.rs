//! The three built-in strategies of SPEC §6 (plus EMA-cross). Each is a pure function of its
//! inputs — a completed bar's features, or the Liquidation Hunter's window — so one instance
//! serves every symbol and the engine evaluates them inline.

use serde::Deserialize;

use super::features::{rsi_above, rsi_below, BarFeatures, SymbolFeatures};
use super::liq_window::LiqReading;
use super::signal::SignalDraft;
use crate::types::{Side, UnixNanos, NANOS_PER_SECOND};

/// Liquidation Hunter: liquidations that make up most of the volume traded over a short window
/// mark a cluster; trade with the flush (longs liquidated → LONG, the forced selling is done).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LiquidationHunterConfig {
    /// Run this strategy. Default true.
    pub enabled: bool,
    /// Liquidated volume / traded volume over the window above which a cluster is marked.
    /// Default 0.8.
    pub min_liq_ratio: f64,
    /// The rolling window of exchange time both volumes are summed over, ns. Default 1 s.
    pub window_ns: UnixNanos,
    /// Liquidation messages the window must hold. Default 1.
    pub min_events: u32,
    /// Signal confidence. Default 0.85.
    pub confidence: f64,
}

impl Default for LiquidationHunterConfig {
    fn default() -> Self {
        LiquidationHunterConfig {
            enabled: true,
            min_liq_ratio: 0.8,
            window_ns: NANOS_PER_SECOND,
            min_events: 1,
            confidence: 0.85,
        }
    }
}

impl LiquidationHunterConfig {
    /// The signal for the window's reading, if any (the engine asks on ticks that carry a
    /// liquidation).
    #[inline]
    pub fn evaluate(&self, r: &LiqReading) -> Option<SignalDraft> {
        // `!(r > min)` also refuses an unknown (NaN) ratio.
        if !(r.ratio > self.min_liq_ratio) || r.events < self.min_events {
            return None;
        }
        Some(match r.side {
            Side::Long => SignalDraft::new(Side::Long, self.confidence, "longs liquidated"),
            Side::Short => SignalDraft::new(Side::Short, self.confidence, "shorts liquidated"),
        })
    }
}

/// Order Flow: book imbalance against an RSI extreme (exhausted selling → LONG).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct OrderFlowConfig {
    /// Run this strategy. Default true.
    pub enabled: bool,
    /// |imbalance| above this scores +1. Default 0.15.
    pub imbalance_threshold: f64,
    /// RSI below this scores +0.5 and allows LONG. Default 40.
    pub rsi_low: f64,
    /// RSI above this scores +0.5 and allows SHORT. Default 60.
    pub rsi_high: f64,
    /// Liquidity score above this scores +0.5. Default 0.5.
    pub liquidity_threshold: f64,
    /// Minimum score to signal. Default 1.5.
    pub min_score: f64,
    /// Confidence = score / max_score. Default 2.5.
    pub max_score: f64,
}

impl Default for OrderFlowConfig {
    fn default() -> Self {
        OrderFlowConfig {
            enabled: true,
            imbalance_threshold: 0.15,
            rsi_low: 40.0,
            rsi_high: 60.0,
            liquidity_threshold: 0.5,
            min_score: 1.5,
            max_score: 2.5,
        }
    }
}

impl OrderFlowConfig {
    /// The signal for a completed bar, if any. The liquidity median is computed only for
    /// candidates.
    #[inline(always)]
    pub fn evaluate(&self, f: &BarFeatures, feats: &SymbolFeatures) -> Option<SignalDraft> {
        // Unknown volumes or a cold RSI are NaN: every comparison below is then false.
        let (b, a) = (f.bid_volume, f.ask_volume);
        let (gain, loss) = (f.rsi_gain, f.rsi_loss);
        // Both sides' conditions are computed whole and combined without short-circuiting: on
        // random order flow `b < a` is a coin flip, a branch the CPU would mispredict half the
        // time, while the combined test is false on most ticks (no RSI extreme). The two sides
        // exclude each other (`b < a` and `b > a`).
        let long = (b < a) & rsi_below(gain, loss, self.rsi_low);
        let short = (b > a) & rsi_above(gain, loss, self.rsi_high);
        if !(long | short) {
            return None;
        }
        let (side, reason) = if long {
            (Side::Long, "exhausted selling")
        } else {
            (Side::Short, "exhausted buying")
        };
        // The RSI condition above holds: 0.5; |imbalance| > threshold, i.e.
        // |b − a| / (b + a) > threshold without dividing, adds 1.
        let imbalanced = (b - a).abs() > self.imbalance_threshold * (b + a);
        let mut score = if imbalanced { 1.5 } else { 0.5 };
        // The liquidity point (a rank count over the window) only matters when it can decide the
        // signal or its confidence: skip it when even with it the score stays below the minimum.
        if score + 0.5 >= self.min_score
            && feats.liquidity_above(self.liquidity_threshold) == Some(true)
        {
            score += 0.5;
        }
        (score >= self.min_score)
            .then(|| SignalDraft::new(side, (score / self.max_score).min(1.0), reason))
    }
}

/// Volatility Spike Fader: a true range far above its recent mean is faded.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct VolatilityFaderConfig {
    /// Run this strategy. Default true.
    pub enabled: bool,
    /// Spike when true range / close exceeds this multiple of its mean. Default 2.
    pub multiple: f64,
    /// Signal confidence. Default 0.75.
    pub confidence: f64,
}

impl Default for VolatilityFaderConfig {
    fn default() -> Self {
        VolatilityFaderConfig {
            enabled: true,
            multiple: 2.0,
            confidence: 0.75,
        }
    }
}

impl VolatilityFaderConfig {
    /// The signal for a completed bar, if any (none before a full window of history).
    #[inline(always)]
    pub fn evaluate(&self, f: &BarFeatures) -> Option<SignalDraft> {
        // An unknown (NaN) ratio or mean fails the comparison.
        // A spike is rare, so its branch predicts well: test it alone first. Whether the price
        // moved is a coin flip from tick to tick: only spikes look, and the side is selected.
        let (tr, mean) = (f.tr_ratio, f.tr_mean);
        if !(mean > 0.0 && tr > self.multiple * mean) {
            return None;
        }
        let moved = f.price - f.prev_price;
        let (up, down) = (moved > 0.0, moved < 0.0);
        if !(up | down) {
            return None;
        }
        let (side, reason) = if up {
            (Side::Short, "fade spike up")
        } else {
            (Side::Long, "fade spike down")
        };
        Some(SignalDraft::new(side, self.confidence, reason))
    }
}

/// EMA-cross: hold long while price is above its EMA; below it, be flat (or short). The simplest
/// trend rule, and the workload of the peer comparison in `benches/peers/`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct EmaCrossConfig {
    /// Run this strategy. Default false (not one of the SPEC's three).
    pub enabled: bool,
    /// Go short below the EMA instead of flat. Default false.
    pub short_below: bool,
    /// Signal confidence. Default 0.5.
    pub confidence: f64,
}

impl Default for EmaCrossConfig {
    fn default() -> Self {
        EmaCrossConfig {
            enabled: false,
            short_below: false,
            confidence: 0.5,
        }
    }
}

impl EmaCrossConfig {
    /// The target after a completed bar (every bar once the EMA is warm; the engine ignores
    /// repeats).
    #[inline(always)]
    pub fn evaluate(&self, f: &BarFeatures) -> Option<SignalDraft> {
        // A cold (NaN) EMA is neither above nor below.
        let ema = f.ema;
        if f.price > ema {
            Some(SignalDraft::new(
                Side::Long,
                self.confidence,
                "price above EMA",
            ))
        } else if f.price < ema {
            Some(if self.short_below {
                SignalDraft::new(Side::Short, self.confidence, "price below EMA")
            } else {
                SignalDraft::flat(self.confidence, "price below EMA")
            })
        } else {
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::strategy::features::{FeatureConfig, FeatureSnapshot};

    /// The plain-float view the strategies read.
    fn v(f: FeatureSnapshot) -> BarFeatures {
        BarFeatures::from(&f)
    }

    /// RSI `r` as Wilder parts, imbalance `i` as volumes.
    fn rsi(r: f64) -> Option<(f64, f64)> {
        Some((r, 100.0 - r))
    }

    fn imb(i: f64) -> Option<(f64, f64)> {
        Some(((1.0 + i) / 2.0, (1.0 - i) / 2.0))
    }

    fn snap() -> FeatureSnapshot {
        FeatureSnapshot {
            price: 100.0,
            prev_price: 101.0,
            rsi_parts: rsi(30.0),
            volumes: imb(-0.3),
            tr_ratio: Some(0.03),
            tr_mean: Some(0.01),
            liq_ratio: Some(0.9),
            liquidity: None,
            ema: Some(100.5),
        }
    }

    #[test]
    fn liquidation_hunter_follows_the_flush() {
        let c = LiquidationHunterConfig::default();
        let r = |ratio: f64, side: Side, events: u32| LiqReading {
            ratio,
            side,
            events,
        };
        assert_eq!(
            c.evaluate(&r(0.9, Side::Long, 1)).unwrap().side(),
            Some(Side::Long)
        );
        assert_eq!(
            c.evaluate(&r(f64::INFINITY, Side::Short, 3))
                .unwrap()
                .side(),
            Some(Side::Short)
        );
        assert!(
            c.evaluate(&r(0.8, Side::Long, 4)).is_none(),
            "ratio must be strictly above 0.8"
        );
        assert!(
            c.evaluate(&r(f64::NAN, Side::Long, 4)).is_none(),
            "unknown volume is silence"
        );
        let cluster = LiquidationHunterConfig { min_events: 3, ..c };
        assert!(cluster.evaluate(&r(0.9, Side::Long, 2)).is_none());
        assert!(cluster.evaluate(&r(0.9, Side::Long, 3)).is_some());
    }

    #[test]
    fn order_flow_scores_and_sides() {
        let c = OrderFlowConfig::default();
        let feats = SymbolFeatures::new(&FeatureConfig::default());
        let s = c.evaluate(&v(snap()), &feats).unwrap();
        assert_eq!(s.side(), Some(Side::Long));
        assert!(
            (s.confidence - 0.6).abs() < 1e-12,
            "1.5 / 2.5 without liquidity"
        );
        let short = FeatureSnapshot {
            rsi_parts: rsi(70.0),
            volumes: imb(0.2),
            ..snap()
        };
        assert_eq!(
            c.evaluate(&v(short), &feats).unwrap().side(),
            Some(Side::Short)
        );
        let weak = FeatureSnapshot {
            volumes: imb(-0.1),
            ..snap()
        };
        assert!(c.evaluate(&v(weak), &feats).is_none(), "score 0.5 < 1.5");
        let neutral = FeatureSnapshot {
            rsi_parts: rsi(50.0),
            ..snap()
        };
        assert!(c.evaluate(&v(neutral), &feats).is_none());
        let no_book = FeatureSnapshot {
            volumes: None,
            ..snap()
        };
        assert!(
            c.evaluate(&v(no_book), &feats).is_none(),
            "unknown imbalance is silence"
        );
    }

    #[test]
    fn order_flow_adds_liquidity_to_confidence() {
        let c = OrderFlowConfig::default();
        let mut feats = SymbolFeatures::new(&FeatureConfig {
            bar_ns: 0,
            ..Default::default()
        });
        let mut t = crate::tick::Tick::empty(0, 0, 0);
        (t.price, t.bid_qty, t.ask_qty) = (100.0, 5.0, 5.0);
        feats.on_tick(&t, 100.0);
        feats.commit();
        feats.on_tick(&t, 100.0);
        let s = c.evaluate(&v(snap()), &feats).unwrap();
        assert!((s.confidence - 0.8).abs() < 1e-12);
    }

    #[test]
    fn ema_cross_is_long_above_and_flat_or_short_below() {
        let c = EmaCrossConfig {
            enabled: true,
            ..Default::default()
        };
        assert_eq!(
            c.evaluate(&v(snap())).unwrap().target,
            crate::strategy::Target::Flat
        );
        let above = FeatureSnapshot {
            price: 101.0,
            ..snap()
        };
        assert_eq!(c.evaluate(&v(above)).unwrap().side(), Some(Side::Long));
        let short = EmaCrossConfig {
            short_below: true,
            ..c.clone()
        };
        assert_eq!(
            short.evaluate(&v(snap())).unwrap().side(),
            Some(Side::Short)
        );
        assert!(
            c.evaluate(&v(FeatureSnapshot {
                ema: None,
                ..snap()
            }))
            .is_none(),
            "warming up"
        );
    }

    /// The branching forms the selects replaced, kept as the reference.
    fn reference_order_flow_side(c: &OrderFlowConfig, f: &BarFeatures) -> Option<Side> {
        let below = |g: f64, l: f64, x: f64| {
            if g + l == 0.0 {
                50.0 < x
            } else {
                100.0 * g < x * (g + l)
            }
        };
        let above = |g: f64, l: f64, x: f64| {
            if g + l == 0.0 {
                50.0 > x
            } else {
                100.0 * g > x * (g + l)
            }
        };
        let (b, a) = (f.bid_volume, f.ask_volume);
        if b < a && below(f.rsi_gain, f.rsi_loss, c.rsi_low) {
            Some(Side::Long)
        } else if b > a && above(f.rsi_gain, f.rsi_loss, c.rsi_high) {
            Some(Side::Short)
        } else {
            None
        }
    }

    fn reference_fader_side(c: &VolatilityFaderConfig, f: &BarFeatures) -> Option<Side> {
        if !(f.tr_mean > 0.0 && f.tr_ratio > c.multiple * f.tr_mean) {
            return None;
        }
        let moved = f.price - f.prev_price;
        if moved > 0.0 {
            Some(Side::Short)
        } else if moved < 0.0 {
            Some(Side::Long)
        } else {
            None
        }
    }

    #[test]
    fn branch_free_decisions_match_the_branching_ones() {
        let of = OrderFlowConfig {
            imbalance_threshold: -1.0,
            min_score: 0.0,
            ..Default::default()
        };
        let fader = VolatilityFaderConfig::default();
        let feats = SymbolFeatures::new(&FeatureConfig::default());
        let vals = [f64::NAN, 0.0, -0.0, 1.0, 2.0, 3.0, 60.0, f64::INFINITY];
        let mut checked = 0;
        for &g in &vals {
            for &l in &vals {
                for &b in &vals[..6] {
                    for &a in &vals[..6] {
                        for (lo, hi) in [(40.0, 60.0), (50.0, 50.0), (60.0, 40.0)] {
                            let c = OrderFlowConfig {
                                rsi_low: lo,
                                rsi_high: hi,
                                ..of.clone()
                            };
                            let f = BarFeatures {
                                rsi_gain: g,
                                rsi_loss: l,
                                bid_volume: b,
                                ask_volume: a,
                                ..v(snap())
                            };
                            assert_eq!(
                                c.evaluate(&f, &feats).and_then(|d| d.side()),
                                reference_order_flow_side(&c, &f)
                            );
                            checked += 1;
                        }
                    }
                }
                // Fader: g, l stand for the true-range ratio and mean; b for the price move.
                for &m in &vals {
                    for moved in [f64::NAN, 0.0, -1.0, 1.0] {
                        let f = BarFeatures {
                            tr_ratio: g,
                            tr_mean: l * m,
                            price: 100.0 + moved,
                            prev_price: 100.0,
                            ..v(snap())
                        };
                        assert_eq!(
                            fader.evaluate(&f).and_then(|d| d.side()),
                            reference_fader_side(&fader, &f)
                        );
                    }
                }
            }
        }
        assert!(checked > 1000);
    }

    #[test]
    fn fader_fades_the_last_move() {
        let c = VolatilityFaderConfig::default();
        assert_eq!(
            c.evaluate(&v(snap())).unwrap().side(),
            Some(Side::Long),
            "price fell → LONG"
        );
        let up = FeatureSnapshot {
            prev_price: 99.0,
            ..snap()
        };
        assert_eq!(c.evaluate(&v(up)).unwrap().side(), Some(Side::Short));
        let calm = FeatureSnapshot {
            tr_ratio: Some(0.02),
            ..snap()
        };
        assert!(c.evaluate(&v(calm)).is_none(), "exactly 2× is not above 2×");
        let young = FeatureSnapshot {
            tr_mean: None,
            ..snap()
        };
        assert!(c.evaluate(&v(young)).is_none());
    }
}
