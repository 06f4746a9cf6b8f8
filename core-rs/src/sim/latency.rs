//! Latency models: how long an order takes to reach the venue (entry), how long the venue's
//! answer takes to come back (response), and how late the strategy sees the market (feed).
//!
//! The empirical models draw from recorded samples with their own seeded generator, so a run
//! is reproducible: same data, same seed, same latencies, same fills.

use serde::Deserialize;

use crate::types::{UnixNanos, NANOS_PER_MILLI};

/// Order latency: strategy → venue, and venue → strategy.
pub trait LatencyModel {
    /// Entry latency of a request sent at local time `ts_local`.
    fn entry(&mut self, ts_local: UnixNanos) -> UnixNanos;
    /// Response latency of an answer the venue sends at exchange time `ts_event`.
    fn response(&mut self, ts_event: UnixNanos) -> UnixNanos;
}

/// The same latencies every time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ConstantLatency {
    /// Strategy → venue, ns.
    pub entry_ns: UnixNanos,
    /// Venue → strategy, ns.
    pub response_ns: UnixNanos,
}

impl LatencyModel for ConstantLatency {
    #[inline]
    fn entry(&mut self, _ts_local: UnixNanos) -> UnixNanos {
        self.entry_ns
    }

    #[inline]
    fn response(&mut self, _ts_event: UnixNanos) -> UnixNanos {
        self.response_ns
    }
}

/// SplitMix64: a small, fast, well-mixed generator; the whole state is one word, so a run's
/// latencies depend only on the seed and how many were drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SplitMix64(pub u64);

impl SplitMix64 {
    /// The next 64 random bits.
    #[inline]
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A uniform index below `n` (> 0).
    #[inline]
    pub fn below(&mut self, n: usize) -> usize {
        ((self.next_u64() as u128 * n as u128) >> 64) as usize
    }
}

/// Latencies drawn from recorded samples: entry latencies from the samples' entry column and
/// response latencies from their response column, each with its own seeded stream. Two streams
/// keep the entry draws (which decide fills) independent of how many answers were drawn (which
/// depends on who listens); the cost is that a sample's entry and response are not drawn
/// together.
#[derive(Debug, Clone)]
pub struct EmpiricalLatency {
    samples: Vec<(UnixNanos, UnixNanos)>,
    entry_rng: SplitMix64,
    response_rng: SplitMix64,
}

impl EmpiricalLatency {
    /// A model over `samples` (non-empty, non-negative) with `seed`.
    pub fn new(samples: Vec<(UnixNanos, UnixNanos)>, seed: u64) -> Result<Self, String> {
        if samples.is_empty() {
            return Err("an empirical latency model needs at least one sample".into());
        }
        if let Some(bad) = samples.iter().find(|(e, r)| *e < 0 || *r < 0) {
            return Err(format!("latency samples must not be negative, got {bad:?}"));
        }
        Ok(EmpiricalLatency {
            samples,
            entry_rng: SplitMix64(seed),
            response_rng: SplitMix64(seed ^ 0x5EED_5EED_5EED_5EED),
        })
    }

    /// Parses a samples file: one sample per line, nanoseconds, either one number (used for
    /// both directions) or two (entry and response) separated by a comma or whitespace; blank
    /// lines and lines starting with `#` are skipped.
    pub fn parse_samples(text: &str) -> Result<Vec<(UnixNanos, UnixNanos)>, String> {
        let mut out = Vec::new();
        for (n, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let nums: Result<Vec<i64>, _> = line
                .split(|c: char| c == ',' || c.is_whitespace())
                .filter(|s| !s.is_empty())
                .map(str::parse::<i64>)
                .collect();
            match nums.as_deref() {
                Ok([x]) => out.push((*x, *x)),
                Ok([e, r]) => out.push((*e, *r)),
                _ => {
                    return Err(format!(
                        "line {}: expected one or two integers (ns), got {line:?}",
                        n + 1
                    ))
                }
            }
        }
        Ok(out)
    }
}

impl LatencyModel for EmpiricalLatency {
    fn entry(&mut self, _ts_local: UnixNanos) -> UnixNanos {
        self.samples[self.entry_rng.below(self.samples.len())].0
    }

    fn response(&mut self, _ts_event: UnixNanos) -> UnixNanos {
        self.samples[self.response_rng.below(self.samples.len())].1
    }
}

/// Latency settings (config `execution.order_latency` and `execution.feed_latency`). Read from
/// one flat shape — `kind` and every field, those of other kinds ignored — which is how the
/// Python config writes it.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(from = "LatencyFields")]
pub enum LatencyConfig {
    /// The data's own receive times (feed latency only; `ts_recv`, or none where absent).
    Recorded,
    /// Constant, ns.
    Constant {
        /// Entry (order) or delivery (feed) latency, ns.
        entry_ns: UnixNanos,
        /// Response latency, ns (order latency only).
        response_ns: UnixNanos,
    },
    /// Drawn from samples with a seed.
    Empirical {
        /// The samples as (entry, response) pairs, ns.
        samples_ns: Vec<(UnixNanos, UnixNanos)>,
        /// A samples file (see [`EmpiricalLatency::parse_samples`]); read when `samples_ns` is
        /// empty.
        file: Option<String>,
        /// Seed of the draws. Default 0.
        seed: u64,
    },
}

/// The flat form of [`LatencyConfig`].
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
struct LatencyFields {
    kind: LatencyKind,
    #[serde(default)]
    entry_ns: UnixNanos,
    #[serde(default)]
    response_ns: UnixNanos,
    #[serde(default)]
    samples_ns: Vec<(UnixNanos, UnixNanos)>,
    #[serde(default)]
    file: Option<String>,
    #[serde(default)]
    seed: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
enum LatencyKind {
    Recorded,
    Constant,
    Empirical,
}

impl From<LatencyFields> for LatencyConfig {
    fn from(f: LatencyFields) -> Self {
        match f.kind {
            LatencyKind::Recorded => LatencyConfig::Recorded,
            LatencyKind::Constant => LatencyConfig::Constant {
                entry_ns: f.entry_ns,
                response_ns: f.response_ns,
            },
            LatencyKind::Empirical => LatencyConfig::Empirical {
                samples_ns: f.samples_ns,
                file: f.file,
                seed: f.seed,
            },
        }
    }
}

impl LatencyConfig {
    /// A constant order latency of `entry_ms` and `response_ms` milliseconds.
    pub fn constant_ms(entry_ms: f64, response_ms: f64) -> Self {
        let ns = |ms: f64| (ms * NANOS_PER_MILLI as f64).round() as UnixNanos;
        LatencyConfig::Constant {
            entry_ns: ns(entry_ms),
            response_ns: ns(response_ms),
        }
    }

    /// The model this config names.
    pub fn build(&self) -> Result<AnyLatency, String> {
        match self {
            LatencyConfig::Recorded => Ok(AnyLatency::Constant(ConstantLatency::default())),
            LatencyConfig::Constant {
                entry_ns,
                response_ns,
            } => {
                if *entry_ns < 0 || *response_ns < 0 {
                    return Err("latencies must not be negative".into());
                }
                Ok(AnyLatency::Constant(ConstantLatency {
                    entry_ns: *entry_ns,
                    response_ns: *response_ns,
                }))
            }
            LatencyConfig::Empirical {
                samples_ns,
                file,
                seed,
            } => {
                let samples = if !samples_ns.is_empty() {
                    samples_ns.clone()
                } else if let Some(path) = file {
                    let text = std::fs::read_to_string(path)
                        .map_err(|e| format!("latency samples {path}: {e}"))?;
                    EmpiricalLatency::parse_samples(&text)?
                } else {
                    Vec::new()
                };
                EmpiricalLatency::new(samples, *seed).map(AnyLatency::Empirical)
            }
        }
    }
}

/// The configured latency model.
#[derive(Debug, Clone)]
pub enum AnyLatency {
    /// Constant.
    Constant(ConstantLatency),
    /// Empirical.
    Empirical(EmpiricalLatency),
}

impl LatencyModel for AnyLatency {
    #[inline]
    fn entry(&mut self, ts_local: UnixNanos) -> UnixNanos {
        match self {
            AnyLatency::Constant(m) => m.entry(ts_local),
            AnyLatency::Empirical(m) => m.entry(ts_local),
        }
    }

    #[inline]
    fn response(&mut self, ts_event: UnixNanos) -> UnixNanos {
        match self {
            AnyLatency::Constant(m) => m.response(ts_event),
            AnyLatency::Empirical(m) => m.response(ts_event),
        }
    }
}

/// When the strategy sees a market event: the data's receive time, or the event time plus a
/// modelled delivery latency. Deliveries stay in order (one connection delivers in order), so a
/// modelled receive time is never before the previous one.
#[derive(Debug, Clone)]
pub struct FeedClock {
    model: Option<AnyLatency>,
    last: UnixNanos,
}

impl FeedClock {
    /// The feed clock `c` names (`recorded`: the data's receive times).
    pub fn new(c: &LatencyConfig) -> Result<Self, String> {
        let model = match c {
            LatencyConfig::Recorded => None,
            other => Some(other.build()?),
        };
        Ok(FeedClock {
            model,
            last: UnixNanos::MIN,
        })
    }

    /// Whether receive times come from the data.
    #[inline]
    pub fn is_recorded(&self) -> bool {
        self.model.is_none()
    }

    /// The local receive time of an event at `ts_event` recorded as received at `ts_recv`.
    #[inline]
    pub fn receive(&mut self, ts_event: UnixNanos, ts_recv: UnixNanos) -> UnixNanos {
        let Some(m) = &mut self.model else {
            return ts_recv;
        };
        let t = ts_event.saturating_add(m.entry(ts_event)).max(self.last);
        self.last = t;
        t
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constant_latency_is_constant() {
        let mut m = LatencyConfig::constant_ms(1.5, 2.0).build().unwrap();
        assert_eq!((m.entry(0), m.response(5)), (1_500_000, 2_000_000));
    }

    #[test]
    fn empirical_draws_are_reproducible_and_from_the_samples() {
        let samples = vec![(100, 1_000), (200, 2_000), (300, 3_000)];
        let run = |seed| {
            let mut m = EmpiricalLatency::new(samples.clone(), seed).unwrap();
            (0..1_000)
                .map(|_| (m.entry(0), m.response(0)))
                .collect::<Vec<_>>()
        };
        let a = run(7);
        assert_eq!(a, run(7), "same seed, same draws");
        assert_ne!(a, run(8), "another seed, other draws");
        for s in &samples {
            let n = a.iter().filter(|p| p.0 == s.0).count();
            assert!(
                (250..420).contains(&n),
                "each entry sample about a third of the time: {n}"
            );
            let n = a.iter().filter(|p| p.1 == s.1).count();
            assert!(
                (250..420).contains(&n),
                "each response sample about a third of the time: {n}"
            );
        }
        // Drawing more answers does not move the entry draws (they decide the fills).
        let mut m = EmpiricalLatency::new(samples.clone(), 7).unwrap();
        let entries: Vec<_> = (0..1_000)
            .map(|_| {
                let e = m.entry(0);
                m.response(0);
                m.response(0);
                e
            })
            .collect();
        assert_eq!(entries, a.iter().map(|p| p.0).collect::<Vec<_>>());
    }

    #[test]
    fn samples_files_parse_one_or_two_columns() {
        let text = "# ns\n1000\n\n2000, 3000\n4000 5000\n";
        assert_eq!(
            EmpiricalLatency::parse_samples(text).unwrap(),
            vec![(1000, 1000), (2000, 3000), (4000, 5000)]
        );
        assert!(EmpiricalLatency::parse_samples("1,2,3").is_err());
        assert!(EmpiricalLatency::parse_samples("x").is_err());
        assert!(EmpiricalLatency::new(vec![], 1).is_err());
        assert!(EmpiricalLatency::new(vec![(-1, 0)], 1).is_err());
    }

    #[test]
    fn a_modelled_feed_keeps_deliveries_in_order() {
        let cfg = LatencyConfig::Empirical {
            samples_ns: vec![(10, 10), (1_000, 1_000)],
            file: None,
            seed: 3,
        };
        let mut clock = FeedClock::new(&cfg).unwrap();
        let mut last = UnixNanos::MIN;
        for ts in 0..10_000 {
            let t = clock.receive(ts * 100, 0);
            assert!(t >= last && t >= ts * 100 + 10);
            last = t;
        }
        let mut recorded = FeedClock::new(&LatencyConfig::Recorded).unwrap();
        assert_eq!(recorded.receive(5, 9), 9);
    }
}
