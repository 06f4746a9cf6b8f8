//! Per-symbol features the strategies read: RSI, true range against its rolling mean, bid/ask
//! volume imbalance and the liquidity score, computed over bars — the data's own bars, or time
//! bars built from a tick feed ([`BarBuilder`]). Each is O(1) per bar, except the liquidity
//! median, which is computed only when a strategy asks for it.

use serde::Deserialize;

use super::depth_window::DepthWindow;
use super::time_bar::{Bar, BarBuilder};
use crate::tick::Tick;
use crate::types::{UnixNanos, NANOS_PER_SECOND};

/// Longest rolling window supported (keeps the per-symbol state on the stack-friendly side).
pub const MAX_WINDOW: usize = 256;

/// Where the bid/ask volume imbalance comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ImbalanceSource {
    /// Resting volume: `bid_qty` vs `ask_qty` (top of book, or depth near the touch from the book).
    Quotes,
    /// Traded volume: `buy_volume` vs `sell_volume` (taker flow).
    TradeFlow,
}

/// Feature windows.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct FeatureConfig {
    /// RSI period (Wilder), in bars. Default 14.
    pub rsi_period: usize,
    /// Bars in the true-range mean. Default 20.
    pub tr_window: usize,
    /// Bars in the liquidity median. Default 100.
    pub liquidity_window: usize,
    /// Imbalance source. Default quotes.
    pub imbalance_source: ImbalanceSource,
    /// EMA period on bar closes (EMA-cross). Default 20.
    pub ema_period: usize,
    /// Span of the time bars built from tick feeds, ns of exchange time (UTC-aligned); 0 makes
    /// every tick a bar. Ticks that are bars themselves (they have a high and a low) are used as
    /// they are. Default 1 s.
    pub bar_ns: UnixNanos,
}

impl Default for FeatureConfig {
    fn default() -> Self {
        FeatureConfig {
            rsi_period: 14,
            tr_window: 20,
            liquidity_window: 100,
            imbalance_source: ImbalanceSource::Quotes,
            ema_period: 20,
            bar_ns: NANOS_PER_SECOND,
        }
    }
}

/// A fixed-capacity ring of the last `cap` values with their running sum. The buffer is always
/// [`MAX_WINDOW`] long (only its first `cap` slots are used), so a slot index masked to the
/// buffer needs no bounds check.
#[derive(Debug, Clone)]
struct Ring {
    buf: Box<[f64; MAX_WINDOW]>,
    cap: usize,
    next: usize,
    /// Whether `cap` values were pushed (once full, a push evicts the oldest).
    full: bool,
    sum: f64,
    cap_f64: f64,
}

const _: () = assert!(
    MAX_WINDOW.is_power_of_two(),
    "ring slots are masked with MAX_WINDOW - 1"
);

impl Ring {
    fn new(cap: usize) -> Self {
        let cap = cap.clamp(1, MAX_WINDOW);
        Ring {
            buf: Box::new([0.0; MAX_WINDOW]),
            cap,
            next: 0,
            full: false,
            sum: 0.0,
            cap_f64: cap as f64,
        }
    }

    /// Pushes `x`, evicting the oldest value once the ring is full.
    fn push(&mut self, x: f64) {
        let next = self.next;
        let slot = &mut self.buf[next & (MAX_WINDOW - 1)];
        if self.full {
            self.sum -= *slot;
        }
        *slot = x;
        self.sum += x;
        if next + 1 == self.cap {
            self.next = 0;
            self.full = true;
            // Re-sum once per lap so floating error cannot accumulate.
            self.sum = self.buf[..self.cap].iter().sum();
        } else {
            self.next = next + 1;
        }
    }

    /// The mean of a full ring, or NaN until it is full.
    fn full_mean(&self) -> f64 {
        if self.full {
            self.sum / self.cap_f64
        } else {
            f64::NAN
        }
    }
}

/// Wilder's RSI, updated per bar close.
#[derive(Debug, Clone)]
struct Rsi {
    period: usize,
    inv_period: f64,
    seen: usize,
    seed_gain: f64,
    seed_loss: f64,
    /// Wilder's averages: NaN until the seed (the first `period` changes) is complete.
    avg_gain: f64,
    avg_loss: f64,
}

impl Rsi {
    fn new(period: usize) -> Self {
        let period = period.max(1);
        Rsi {
            period,
            inv_period: 1.0 / period as f64,
            seen: 0,
            seed_gain: 0.0,
            seed_loss: 0.0,
            avg_gain: f64::NAN,
            avg_loss: f64::NAN,
        }
    }

    fn update(&mut self, change: f64) {
        let (gain, loss) = if change > 0.0 {
            (change, 0.0)
        } else {
            (0.0, -change)
        };
        let k = self.inv_period;
        if self.seen < self.period {
            self.seed_gain += gain * k;
            self.seed_loss += loss * k;
            self.seen += 1;
            if self.seen == self.period {
                (self.avg_gain, self.avg_loss) = (self.seed_gain, self.seed_loss);
            }
        } else {
            self.avg_gain += (gain - self.avg_gain) * k;
            self.avg_loss += (loss - self.avg_loss) * k;
        }
    }
}

/// Features of a completed bar, `None` where an input is unknown: what custom strategies see.
/// RSI and imbalance are kept as their raw parts (averages, volumes) and derived on demand.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FeatureSnapshot {
    /// Close of the bar.
    pub price: f64,
    /// Close of the previous bar (NaN on the first).
    pub prev_price: f64,
    /// Wilder averages of gains and losses, once the RSI has warmed up.
    pub rsi_parts: Option<(f64, f64)>,
    /// Bid-side and ask-side volume behind the imbalance, when both are known.
    pub volumes: Option<(f64, f64)>,
    /// True range of the bar divided by its close.
    pub tr_ratio: Option<f64>,
    /// Mean of `tr_ratio` over the previous `tr_window` bars, once that many exist.
    pub tr_mean: Option<f64>,
    /// Dominant liquidated volume / traded volume over the Liquidation Hunter's window.
    pub liq_ratio: Option<f64>,
    /// Liquidity score in [0, 1].
    pub liquidity: Option<f64>,
    /// EMA of bar closes including this bar, once `ema_period` bars were seen.
    pub ema: Option<f64>,
}

impl FeatureSnapshot {
    /// RSI on price in [0, 100]; 50 for a perfectly flat market.
    #[inline]
    pub fn rsi(&self) -> Option<f64> {
        self.rsi_parts.map(|(g, l)| {
            if g + l == 0.0 {
                50.0
            } else {
                100.0 * g / (g + l)
            }
        })
    }

    /// `rsi < level`, without dividing.
    #[inline]
    pub fn rsi_below(&self, level: f64) -> Option<bool> {
        self.rsi_parts.map(|(g, l)| rsi_below(g, l, level))
    }

    /// `rsi > level`, without dividing.
    #[inline]
    pub fn rsi_above(&self, level: f64) -> Option<bool> {
        self.rsi_parts.map(|(g, l)| rsi_above(g, l, level))
    }

    /// (bid − ask) / (bid + ask) volume.
    #[inline]
    pub fn imbalance(&self) -> Option<f64> {
        self.volumes.map(|(b, a)| (b - a) / (b + a))
    }
}

/// [`FeatureSnapshot`] as plain floats, NaN where unknown: what the built-in bar strategies
/// read. The volumes are NaN unless their sum is positive.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BarFeatures {
    /// Close of the bar.
    pub price: f64,
    /// Close of the previous bar.
    pub prev_price: f64,
    /// Wilder average gain, once the RSI has warmed up.
    pub rsi_gain: f64,
    /// Wilder average loss, once the RSI has warmed up.
    pub rsi_loss: f64,
    /// Bid-side volume behind the imbalance.
    pub bid_volume: f64,
    /// Ask-side volume behind the imbalance.
    pub ask_volume: f64,
    /// True range of the bar divided by its close.
    pub tr_ratio: f64,
    /// Mean of `tr_ratio` over the previous `tr_window` bars.
    pub tr_mean: f64,
    /// EMA of closes including this bar.
    pub ema: f64,
}

impl BarFeatures {
    /// Nothing known yet.
    pub const UNKNOWN: BarFeatures = BarFeatures {
        price: f64::NAN,
        prev_price: f64::NAN,
        rsi_gain: f64::NAN,
        rsi_loss: f64::NAN,
        bid_volume: f64::NAN,
        ask_volume: f64::NAN,
        tr_ratio: f64::NAN,
        tr_mean: f64::NAN,
        ema: f64::NAN,
    };

    /// The snapshot custom strategies see, with the liquidation ratio and liquidity given.
    pub fn snapshot(&self, liq_ratio: f64, liquidity: Option<f64>) -> FeatureSnapshot {
        let (g, l, b, a) = (
            self.rsi_gain,
            self.rsi_loss,
            self.bid_volume,
            self.ask_volume,
        );
        FeatureSnapshot {
            price: self.price,
            prev_price: self.prev_price,
            rsi_parts: (!(g.is_nan() && l.is_nan())).then_some((g, l)),
            volumes: (b + a > 0.0).then_some((b, a)),
            tr_ratio: self.tr_ratio.is_finite().then_some(self.tr_ratio),
            tr_mean: known(self.tr_mean),
            liq_ratio: known(liq_ratio),
            liquidity,
            ema: known(self.ema),
        }
    }
}

impl From<&FeatureSnapshot> for BarFeatures {
    fn from(f: &FeatureSnapshot) -> Self {
        let (rsi_gain, rsi_loss) = f.rsi_parts.unwrap_or((f64::NAN, f64::NAN));
        let (bid_volume, ask_volume) = f.volumes.unwrap_or((f64::NAN, f64::NAN));
        BarFeatures {
            price: f.price,
            prev_price: f.prev_price,
            rsi_gain,
            rsi_loss,
            bid_volume,
            ask_volume,
            tr_ratio: f.tr_ratio.unwrap_or(f64::NAN),
            tr_mean: f.tr_mean.unwrap_or(f64::NAN),
            ema: f.ema.unwrap_or(f64::NAN),
        }
    }
}

/// `x.is_finite()` as float arithmetic: `x − x` is exactly 0 for every finite `x` and NaN for
/// ±∞ and NaN (a subtraction and a compare instead of two 64-bit constants in registers).
#[inline(always)]
#[allow(clippy::eq_op)] // `x - x` is the point: it is NaN exactly when `x` is not finite.
pub(crate) fn finite(x: f64) -> bool {
    x - x == 0.0
}

/// `Some(x)` unless `x` is NaN.
#[inline(always)]
fn known(x: f64) -> Option<f64> {
    (!x.is_nan()).then_some(x)
}

/// RSI from Wilder parts (average gain `g`, average loss `l`) is below `level`; 50 when flat.
#[inline(always)]
pub(crate) fn rsi_below(g: f64, l: f64, level: f64) -> bool {
    let s = g + l;
    let (lhs, rhs) = if s == 0.0 {
        (50.0, level)
    } else {
        (100.0 * g, level * s)
    };
    lhs < rhs
}

/// RSI from Wilder parts is above `level`; 50 when flat.
#[inline(always)]
pub(crate) fn rsi_above(g: f64, l: f64, level: f64) -> bool {
    let s = g + l;
    let (lhs, rhs) = if s == 0.0 {
        (50.0, level)
    } else {
        (100.0 * g, level * s)
    };
    lhs > rhs
}

/// The two volumes behind the imbalance of a tick, from `source` (a bar counts them only when
/// their sum is positive).
#[inline(always)]
fn imbalance_volumes(t: &Tick, source: ImbalanceSource) -> (f64, f64) {
    match source {
        ImbalanceSource::Quotes => (t.bid_qty, t.ask_qty),
        ImbalanceSource::TradeFlow => (t.buy_volume, t.sell_volume),
    }
}

/// Rolling feature state for one symbol.
#[derive(Debug, Clone)]
pub struct SymbolFeatures {
    builder: BarBuilder,
    /// Every tick is a bar (`bar_ns` 0).
    per_tick: bool,
    source: ImbalanceSource,
    rsi: Rsi,
    tr: Ring,
    depth: DepthWindow,
    prev_close: f64,
    /// The completed bar not yet committed to the windows: its true-range ratio, depth, close.
    cur_tr: f64,
    cur_depth: f64,
    cur_close: f64,
    staged: bool,
    ema: f64,
    ema_alpha: f64,
    ema_seen: usize,
    ema_period: usize,
    /// Whether the EMA is kept: only EMA-cross and custom strategies read it.
    ema_on: bool,
    /// Features of the last completed bar.
    last: BarFeatures,
    /// Bars started so far: the key of the bar the latest tick is in.
    bar_seq: u64,
}

impl SymbolFeatures {
    /// Empty state with these windows.
    pub fn new(c: &FeatureConfig) -> Self {
        SymbolFeatures {
            builder: BarBuilder::new(c.bar_ns),
            per_tick: c.bar_ns <= 0,
            source: c.imbalance_source,
            rsi: Rsi::new(c.rsi_period),
            tr: Ring::new(c.tr_window.min(MAX_WINDOW)),
            depth: DepthWindow::new(c.liquidity_window.min(MAX_WINDOW)),
            prev_close: f64::NAN,
            cur_tr: f64::NAN,
            cur_depth: f64::NAN,
            cur_close: f64::NAN,
            staged: false,
            ema: f64::NAN,
            ema_alpha: 2.0 / (c.ema_period.max(1) as f64 + 1.0),
            ema_seen: 0,
            ema_period: c.ema_period.max(1),
            ema_on: true,
            last: BarFeatures::UNKNOWN,
            bar_seq: 0,
        }
    }

    /// The same without the EMA, for an engine where nothing reads it (it reports NaN).
    pub fn without_ema(mut self) -> Self {
        self.ema_on = false;
        self
    }

    /// Starts the EMA if it was off: seeded with the next bar's close.
    pub fn start_ema(&mut self) {
        self.ema_on = true;
    }

    /// The key of the bar the latest tick belongs to (the bar in progress on a tick feed).
    #[inline]
    pub fn bar_key(&self) -> u64 {
        self.bar_seq
    }

    /// Features of the last completed bar.
    #[inline]
    pub fn last(&self) -> &BarFeatures {
        &self.last
    }

    /// Folds an accepted tick with reference price `price` in. Returns the features of the bar
    /// it completes, if it completes one: a bar tick (or any tick with `bar_ns` 0) completes
    /// itself; on a tick feed, the first tick of a later span completes the bar in progress.
    /// The windows are compared against their *previous* contents; call
    /// [`commit`](Self::commit) after the strategies ran.
    #[inline(always)]
    pub fn on_tick(&mut self, t: &Tick, price: f64) -> Option<BarFeatures> {
        if self.per_tick || t.is_bar() {
            return Some(self.on_bar_tick(t, price));
        }
        let (b, a) = imbalance_volumes(t, self.source);
        let depth = t.bid_qty + t.ask_qty;
        if self.builder.contains(t.ts_event) {
            self.builder.add(price, depth, b, a);
            return None;
        }
        self.bar_seq += 1;
        let done = self.builder.start(t.ts_event, price, depth, b, a)?;
        Some(self.complete(&done))
    }

    #[inline(never)]
    fn on_bar_tick(&mut self, t: &Tick, price: f64) -> BarFeatures {
        if let Some(partial) = self.builder.take() {
            // A bar tick after ticks of a time bar (mixed data): the time bar ends here, folded
            // into the windows without being evaluated.
            self.complete(&partial);
            self.commit();
        }
        self.bar_seq += 1;
        let (b, a) = imbalance_volumes(t, self.source);
        let (b, a) = if b + a > 0.0 {
            (b, a)
        } else {
            (f64::NAN, f64::NAN)
        };
        let mut bar = Bar::of_bar_tick(t, price, b, a);
        if !t.is_bar() {
            (bar.high, bar.low) = (price, price);
        }
        self.complete(&bar)
    }

    /// The features of a completed bar against the windows of the bars before it.
    fn complete(&mut self, bar: &Bar) -> BarFeatures {
        let prev = self.prev_close;
        let close = bar.close;
        if finite(prev) {
            self.rsi.update(close - prev);
        }
        // True range: the bar's range extended to the previous close. A first bar of one price
        // (a single tick) has no range yet.
        let hi = if prev > bar.high { prev } else { bar.high };
        let lo = if prev < bar.low { prev } else { bar.low };
        let ratio = if finite(prev) || bar.high > bar.low {
            (hi - lo) / close
        } else {
            f64::NAN
        };
        self.cur_tr = if finite(ratio) { ratio } else { f64::NAN };
        self.cur_depth = bar.depth;
        self.cur_close = close;
        self.staged = true;
        let ema = if self.ema_on {
            self.ema = if self.ema_seen == 0 {
                close
            } else {
                self.ema + self.ema_alpha * (close - self.ema)
            };
            self.ema_seen += 1;
            if self.ema_seen >= self.ema_period {
                self.ema
            } else {
                f64::NAN
            }
        } else {
            f64::NAN
        };
        self.last = BarFeatures {
            price: close,
            prev_price: prev,
            rsi_gain: self.rsi.avg_gain,
            rsi_loss: self.rsi.avg_loss,
            bid_volume: bar.bid_volume,
            ask_volume: bar.ask_volume,
            tr_ratio: self.cur_tr,
            tr_mean: self.tr.full_mean(),
            ema,
        };
        self.last
    }

    /// The liquidity score of the last completed bar (computed on demand: it needs a median).
    pub fn liquidity(&self) -> Option<f64> {
        if !(self.cur_depth >= 0.0) {
            return None;
        }
        let median = self.depth.median()?;
        if median <= 0.0 {
            return Some(if self.cur_depth > 0.0 { 1.0 } else { 0.0 });
        }
        Some((self.cur_depth / median).min(1.0))
    }

    /// `liquidity() > threshold`, answered with a rank count instead of a median:
    /// liquidity = min(depth / median, 1) exceeds t < 1 exactly when median < depth / t.
    pub fn liquidity_above(&self, threshold: f64) -> Option<bool> {
        if !(self.cur_depth >= 0.0) {
            return None;
        }
        if threshold >= 1.0 {
            return (!self.depth.is_empty()).then_some(false);
        }
        if threshold < 0.0 {
            return (!self.depth.is_empty()).then_some(true);
        }
        if threshold == 0.0 {
            return self.liquidity().map(|l| l > 0.0);
        }
        self.depth.median_below(self.cur_depth / threshold)
    }

    /// Pushes the completed bar into the rolling windows (after the strategies saw it).
    pub fn commit(&mut self) {
        if !self.staged {
            return;
        }
        self.staged = false;
        if !self.cur_tr.is_nan() {
            self.tr.push(self.cur_tr);
        }
        if self.cur_depth >= 0.0 {
            self.depth.push(self.cur_depth);
        }
        self.prev_close = self.cur_close;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn px(p: f64) -> Tick {
        let mut t = Tick::empty(0, 0, 0);
        t.price = p;
        t
    }

    fn per_tick() -> FeatureConfig {
        FeatureConfig {
            bar_ns: 0,
            ..Default::default()
        }
    }

    /// Feeds `t` and commits; returns the completed bar's features, if any.
    fn feed(f: &mut SymbolFeatures, t: &Tick) -> Option<BarFeatures> {
        let out = f.on_tick(t, t.reference_price());
        f.commit();
        out
    }

    #[test]
    fn rsi_matches_wilder_on_a_known_series() {
        let mut f = SymbolFeatures::new(&per_tick());
        // 14 up-moves of 1 then one down-move of 1: avg gain 1 → 13/14, avg loss 0 → 1/14.
        let mut p = 100.0;
        let mut last = None;
        for _ in 0..15 {
            last = feed(&mut f, &px(p))
                .map(|b| b.snapshot(f64::NAN, None))
                .and_then(|s| s.rsi());
            p += 1.0;
        }
        assert_eq!(last, Some(100.0));
        let snap = f
            .on_tick(&px(p - 2.0), p - 2.0)
            .unwrap()
            .snapshot(f64::NAN, None);
        let expected = 100.0 * (13.0 / 14.0) / (13.0 / 14.0 + 1.0 / 14.0);
        assert!((snap.rsi().unwrap() - expected).abs() < 1e-12);
        assert_eq!(snap.rsi_below(92.8), Some(false));
        assert_eq!(snap.rsi_below(92.9), Some(true));
    }

    #[test]
    fn tr_mean_needs_a_full_window_and_excludes_the_current_bar() {
        let mut f = SymbolFeatures::new(&per_tick());
        for i in 0..21 {
            let s = feed(&mut f, &px(100.0 + (i % 2) as f64)).unwrap();
            assert!(s.tr_mean.is_nan(), "bar {i}");
        }
        let s = f.on_tick(&px(110.0), 110.0).unwrap();
        assert!(s.tr_mean > 0.0095 && s.tr_mean < 0.0101, "{}", s.tr_mean);
        assert!((s.tr_ratio - 10.0 / 110.0).abs() < 1e-12);
    }

    #[test]
    fn time_bars_aggregate_ticks_and_complete_on_the_next_span() {
        let s = NANOS_PER_SECOND;
        let mut f = SymbolFeatures::new(&FeatureConfig::default());
        let tick = |ts: i64, p: f64, bq: f64, aq: f64| {
            let mut t = Tick::empty(ts, ts, 0);
            (t.price, t.bid_qty, t.ask_qty) = (p, bq, aq);
            t
        };
        assert!(feed(&mut f, &tick(s, 100.0, 1.0, 3.0)).is_none());
        assert!(feed(&mut f, &tick(s + 500_000_000, 102.0, 3.0, 1.0)).is_none());
        assert!(feed(&mut f, &tick(2 * s - 1, 101.0, 2.0, 2.0)).is_none());
        assert_eq!(f.bar_key(), 1);
        let done = f.on_tick(&tick(3 * s, 90.0, 1.0, 1.0), 90.0).unwrap();
        assert_eq!(f.bar_key(), 2, "the completing tick is in the next bar");
        // The bar [1 s, 2 s): close 101, range 100..102, volumes summed, nothing of the 90 tick.
        assert_eq!(
            (done.price, done.bid_volume, done.ask_volume),
            (101.0, 6.0, 6.0)
        );
        assert!((done.tr_ratio - 2.0 / 101.0).abs() < 1e-15);
        f.commit();
        let next = feed(&mut f, &tick(4 * s, 91.0, 1.0, 1.0)).unwrap();
        assert_eq!((next.price, next.prev_price), (90.0, 101.0));
        assert!(
            (next.tr_ratio - 11.0 / 90.0).abs() < 1e-15,
            "extended to the previous close"
        );
    }

    #[test]
    fn bar_ticks_are_their_own_bars() {
        let mut f = SymbolFeatures::new(&FeatureConfig::default());
        let mut t = Tick::empty(0, 0, 0);
        (t.open, t.high, t.low, t.close) = (100.0, 104.0, 98.0, 101.0);
        let b = feed(&mut f, &t).unwrap();
        assert!((b.tr_ratio - 6.0 / 101.0).abs() < 1e-15);
        assert_eq!(f.bar_key(), 1);
    }

    #[test]
    fn liquidity_above_agrees_with_the_median_score() {
        let mut f = SymbolFeatures::new(&FeatureConfig {
            liquidity_window: 9,
            ..per_tick()
        });
        let mut x: u64 = 1;
        for i in 0..3_000 {
            x = x.wrapping_mul(6364136223846793005).wrapping_add(1);
            let q = ((x >> 40) % 7) as f64; // many ties and zeros on purpose
            let mut t = Tick::empty(i, i, 0);
            (t.price, t.bid_qty, t.ask_qty) = (100.0, q, (x >> 50) as f64 % 3.0);
            f.on_tick(&t, 100.0);
            for th in [0.0, 0.25, 0.5, 0.75, 1.0] {
                assert_eq!(
                    f.liquidity_above(th),
                    f.liquidity().map(|l| l > th),
                    "tick {i} t {th}"
                );
            }
            f.commit();
        }
    }

    #[test]
    fn unknown_inputs_stay_unknown() {
        let mut f = SymbolFeatures::new(&per_tick());
        let s = f
            .on_tick(&px(100.0), 100.0)
            .unwrap()
            .snapshot(f64::NAN, None);
        assert_eq!(
            (s.imbalance(), s.liq_ratio, f.liquidity()),
            (None, None, None)
        );
    }

    #[test]
    fn liquidity_is_depth_over_median_capped_at_one() {
        let mut f = SymbolFeatures::new(&per_tick());
        for q in [10.0, 20.0, 30.0] {
            let mut t = px(100.0);
            (t.bid_qty, t.ask_qty) = (q / 2.0, q / 2.0);
            feed(&mut f, &t);
        }
        let mut t = px(100.0);
        (t.bid_qty, t.ask_qty) = (5.0, 5.0);
        let s = f.on_tick(&t, 100.0).unwrap().snapshot(f64::NAN, None);
        assert_eq!(s.imbalance(), Some(0.0));
        assert_eq!(f.liquidity(), Some(0.5));
    }

    #[test]
    fn finite_is_is_finite() {
        for x in [
            0.0,
            -0.0,
            1.0,
            -1.0,
            f64::MAX,
            f64::MIN,
            f64::MIN_POSITIVE,
            5e-324,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NAN,
            -f64::NAN,
        ] {
            assert_eq!(finite(x), x.is_finite(), "{x}");
        }
    }
}
