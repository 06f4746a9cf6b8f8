//! Incremental per-symbol features the strategies read: RSI, true range against its rolling mean,
//! bid/ask volume imbalance and the liquidity score. Each is O(1) per tick, except the liquidity
//! median, which is computed only when a strategy asks for it.

use serde::Deserialize;

use super::depth_window::DepthWindow;
use crate::tick::{Tick, TickColumns};

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
    /// RSI period (Wilder). Default 14.
    pub rsi_period: usize,
    /// Ticks in the true-range mean. Default 20.
    pub tr_window: usize,
    /// Ticks in the liquidity median. Default 100.
    pub liquidity_window: usize,
    /// Imbalance source. Default quotes.
    pub imbalance_source: ImbalanceSource,
    /// EMA period on price (EMA-cross). Default 20.
    pub ema_period: usize,
}

impl Default for FeatureConfig {
    fn default() -> Self {
        FeatureConfig {
            rsi_period: 14,
            tr_window: 20,
            liquidity_window: 100,
            imbalance_source: ImbalanceSource::Quotes,
            ema_period: 20,
        }
    }
}

/// A fixed-capacity ring of the last `cap` values with their running sum. The buffer is always
/// [`MAX_WINDOW`] long (only its first `cap` slots are used), so a slot index masked to the
/// buffer needs no bounds check on the hot path.
#[derive(Debug, Clone)]
struct Ring {
    buf: Box<[f64; MAX_WINDOW]>,
    cap: usize,
    next: usize,
    /// Whether `cap` values were pushed (once full, a push evicts the oldest).
    full: bool,
    sum: f64,
    /// `cap` as a float: the divisor of the mean of a full ring.
    cap_f64: f64,
}

const _: () = assert!(MAX_WINDOW.is_power_of_two(), "ring slots are masked with MAX_WINDOW - 1");

impl Ring {
    fn new(cap: usize) -> Self {
        let cap = cap.clamp(1, MAX_WINDOW);
        Ring { buf: Box::new([0.0; MAX_WINDOW]), cap, next: 0, full: false, sum: 0.0, cap_f64: cap as f64 }
    }

    /// Pushes `x`, evicting the oldest value once the ring is full.
    #[inline]
    fn push(&mut self, x: f64) {
        let next = self.next;
        // `next < cap <= MAX_WINDOW`: the mask changes nothing but proves the index in bounds.
        let slot = &mut self.buf[next & (MAX_WINDOW - 1)];
        if self.full {
            self.sum -= *slot;
        }
        *slot = x;
        self.sum += x;
        if next + 1 == self.cap {
            self.next = 0;
            self.full = true;
            // Re-sum once per lap so floating error cannot accumulate over millions of ticks.
            self.sum = self.buf[..self.cap].iter().sum();
        } else {
            self.next = next + 1;
        }
    }

    /// The mean of a full ring (its divisor as a float is kept), or NaN until it is full.
    #[inline]
    fn full_mean(&self) -> f64 {
        if self.full { self.sum / self.cap_f64 } else { f64::NAN }
    }
}

/// Wilder's RSI, updated per price.
#[derive(Debug, Clone)]
struct Rsi {
    period: usize,
    inv_period: f64,
    /// Changes seen, up to `period`.
    seen: usize,
    /// The seed's sums of gains and losses (each over `period`) until it is complete.
    seed_gain: f64,
    seed_loss: f64,
    /// Wilder's averages: NaN until the seed is complete, so reading them needs no test.
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

    #[inline]
    fn update(&mut self, change: f64) {
        let (gain, loss) = if change > 0.0 { (change, 0.0) } else { (0.0, -change) };
        let k = self.inv_period;
        if self.seen < self.period {
            // Seed with the simple average of the first `period` changes. The count stops at
            // `period`: past the seed it tells nothing more (and costs no add per tick).
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

    /// The averages of gains and losses, NaN until the seed is complete.
    #[inline]
    fn parts(&self) -> (f64, f64) {
        (self.avg_gain, self.avg_loss)
    }
}

/// Features of the current tick; `None` / NaN where an input is unknown. RSI and imbalance are
/// kept as their raw parts (averages, volumes) and derived on demand, so the built-in strategies
/// compare them without a division on every tick.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FeatureSnapshot {
    /// Reference price of this tick.
    pub price: f64,
    /// Reference price of the previous accepted tick (NaN on the first).
    pub prev_price: f64,
    /// Wilder averages of gains and losses, once the RSI has warmed up.
    pub rsi_parts: Option<(f64, f64)>,
    /// Bid-side and ask-side volume behind the imbalance, when both are known.
    pub volumes: Option<(f64, f64)>,
    /// True range of this tick divided by its close.
    pub tr_ratio: Option<f64>,
    /// Mean of `tr_ratio` over the previous `tr_window` ticks, once that many exist.
    pub tr_mean: Option<f64>,
    /// Liquidation volume / total volume, when both are known and volume > 0.
    pub liq_ratio: Option<f64>,
    /// Liquidity score in [0, 1] (filled in for custom strategies only; built-ins ask the
    /// symbol's features directly).
    pub liquidity: Option<f64>,
    /// EMA of price including this tick, once `ema_period` prices were seen.
    pub ema: Option<f64>,
}

impl FeatureSnapshot {
    /// RSI on price in [0, 100]; 50 for a perfectly flat market.
    #[inline]
    pub fn rsi(&self) -> Option<f64> {
        self.rsi_parts.map(|(g, l)| if g + l == 0.0 { 50.0 } else { 100.0 * g / (g + l) })
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

/// [`FeatureSnapshot`] as plain floats, NaN where unknown: what the built-in strategies read
/// (no option tags to test or move on every tick). Each field is the snapshot's field with
/// `None` as NaN; the volumes are NaN unless their sum is positive.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TickFeatures {
    /// Reference price of this tick.
    pub price: f64,
    /// Reference price of the previous accepted tick.
    pub prev_price: f64,
    /// Wilder average gain, once the RSI has warmed up.
    pub rsi_gain: f64,
    /// Wilder average loss, once the RSI has warmed up.
    pub rsi_loss: f64,
    /// Bid-side volume behind the imbalance.
    pub bid_volume: f64,
    /// Ask-side volume behind the imbalance.
    pub ask_volume: f64,
    /// True range of this tick divided by its close.
    pub tr_ratio: f64,
    /// Mean of `tr_ratio` over the previous `tr_window` ticks.
    pub tr_mean: f64,
    /// Liquidation volume / total volume.
    pub liq_ratio: f64,
    /// EMA of price including this tick.
    pub ema: f64,
}

/// `x.is_finite()` as float arithmetic: `x − x` is exactly 0 for every finite `x` and NaN for
/// ±∞ and NaN. The compiler turns `is_finite` into integer bit tests that need two 64-bit
/// constants in registers; on the per-tick path this form is a subtraction and a compare.
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

impl TickFeatures {
    /// The snapshot custom strategies see (liquidity left unknown: it is computed on demand).
    pub fn snapshot(&self) -> FeatureSnapshot {
        let (g, l, b, a) = (self.rsi_gain, self.rsi_loss, self.bid_volume, self.ask_volume);
        FeatureSnapshot {
            price: self.price,
            prev_price: self.prev_price,
            rsi_parts: (!(g.is_nan() && l.is_nan())).then_some((g, l)),
            volumes: (b + a > 0.0).then_some((b, a)),
            tr_ratio: self.tr_ratio.is_finite().then_some(self.tr_ratio),
            tr_mean: known(self.tr_mean),
            liq_ratio: known(self.liq_ratio),
            liquidity: None,
            ema: known(self.ema),
        }
    }
}

impl From<&FeatureSnapshot> for TickFeatures {
    fn from(f: &FeatureSnapshot) -> Self {
        let (rsi_gain, rsi_loss) = f.rsi_parts.unwrap_or((f64::NAN, f64::NAN));
        let (bid_volume, ask_volume) = f.volumes.unwrap_or((f64::NAN, f64::NAN));
        TickFeatures {
            price: f.price,
            prev_price: f.prev_price,
            rsi_gain,
            rsi_loss,
            bid_volume,
            ask_volume,
            tr_ratio: f.tr_ratio.unwrap_or(f64::NAN),
            tr_mean: f.tr_mean.unwrap_or(f64::NAN),
            liq_ratio: f.liq_ratio.unwrap_or(f64::NAN),
            ema: f.ema.unwrap_or(f64::NAN),
        }
    }
}

/// RSI from Wilder parts (average gain `g`, average loss `l`) is below `level`; 50 when flat.
/// The operands are selected and compared once (no branch on the comparison's outcome).
#[inline(always)]
pub(crate) fn rsi_below(g: f64, l: f64, level: f64) -> bool {
    let s = g + l;
    let (lhs, rhs) = if s == 0.0 { (50.0, level) } else { (100.0 * g, level * s) };
    lhs < rhs
}

/// RSI from Wilder parts is above `level`; 50 when flat.
#[inline(always)]
pub(crate) fn rsi_above(g: f64, l: f64, level: f64) -> bool {
    let s = g + l;
    let (lhs, rhs) = if s == 0.0 { (50.0, level) } else { (100.0 * g, level * s) };
    lhs > rhs
}

/// What the features take from a tick alone, before any history: a pure function of the tick's
/// fields ([`TickInputs::of`]). The per-tick path computes it per tick; the batch path computes
/// it for a whole chunk in one vectorised pass over the columns ([`InputChunk::fill`]) with the
/// same function, so both feed [`SymbolFeatures::observe_inputs`] the same bits.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TickInputs {
    /// Depth near the touch: `bid_qty + ask_qty` (NaN when unknown).
    pub depth: f64,
    /// Bid-side volume behind the imbalance, NaN unless both sides sum to more than zero.
    pub bid_volume: f64,
    /// Ask-side volume behind the imbalance, NaN unless both sides sum to more than zero.
    pub ask_volume: f64,
    /// Liquidation volume / total volume, NaN unless volume > 0 and liquidations >= 0.
    pub liq_ratio: f64,
    /// The tick is a bar (its high and low are known).
    pub bar: bool,
}

impl TickInputs {
    /// The inputs of tick `t`, the imbalance read from `source`.
    #[inline(always)]
    pub fn of(t: &Tick, source: ImbalanceSource) -> Self {
        let (b, a) = match source {
            ImbalanceSource::Quotes => (t.bid_qty, t.ask_qty),
            ImbalanceSource::TradeFlow => (t.buy_volume, t.sell_volume),
        };
        Self::from_fields(t.bid_qty, t.ask_qty, b, a, t.liq_volume, t.volume, t.high, t.low)
    }

    /// The inputs from the fields they read (`b`, `a`: the imbalance source's two volumes).
    /// Branch-free, so the chunk pass vectorises it.
    #[allow(clippy::too_many_arguments)]
    #[inline(always)]
    fn from_fields(bid_qty: f64, ask_qty: f64, b: f64, a: f64, liq_volume: f64, volume: f64, high: f64, low: f64) -> Self {
        let known = b + a > 0.0;
        // Divide unconditionally and select: no branch on the tick's values.
        let ratio = liq_volume / volume;
        TickInputs {
            depth: bid_qty + ask_qty,
            bid_volume: if known { b } else { f64::NAN },
            ask_volume: if known { a } else { f64::NAN },
            liq_ratio: if (volume > 0.0) & (liq_volume >= 0.0) { ratio } else { f64::NAN },
            bar: high.is_finite() & low.is_finite(),
        }
    }
}

/// Ticks per [`InputChunk`].
pub const INPUT_CHUNK: usize = 128;

/// [`TickInputs`] of up to [`INPUT_CHUNK`] consecutive ticks of a batch, as columns.
#[derive(Debug, Clone)]
pub struct InputChunk {
    depth: [f64; INPUT_CHUNK],
    bid_volume: [f64; INPUT_CHUNK],
    ask_volume: [f64; INPUT_CHUNK],
    liq_ratio: [f64; INPUT_CHUNK],
    bar: [bool; INPUT_CHUNK],
}

impl Default for InputChunk {
    fn default() -> Self {
        InputChunk {
            depth: [0.0; INPUT_CHUNK],
            bid_volume: [0.0; INPUT_CHUNK],
            ask_volume: [0.0; INPUT_CHUNK],
            liq_ratio: [0.0; INPUT_CHUNK],
            bar: [false; INPUT_CHUNK],
        }
    }
}

/// An absent column reads as unknown: NaN in every row.
static UNKNOWN: [f64; INPUT_CHUNK] = [f64::NAN; INPUT_CHUNK];

impl InputChunk {
    /// Computes the inputs of ticks `start..start + n` of a validated batch, one pass over the
    /// columns (absent ones read as NaN, like [`TickColumns::tick`]). Panics if `n` exceeds
    /// [`INPUT_CHUNK`] or the range is beyond the batch.
    #[inline(never)]
    pub fn fill<'a>(&mut self, cols: &TickColumns<'a>, start: usize, n: usize, source: ImbalanceSource) {
        assert!(n <= INPUT_CHUNK, "an input chunk holds at most {INPUT_CHUNK} ticks");
        let col = |c: Option<&'a [f64]>| -> &'a [f64] { c.map_or(&UNKNOWN[..n], |c| &c[start..start + n]) };
        let (b, a) = match source {
            ImbalanceSource::Quotes => (cols.bid_qty, cols.ask_qty),
            ImbalanceSource::TradeFlow => (cols.buy_volume, cols.sell_volume),
        };
        let (bq, aq, b, a) = (col(cols.bid_qty), col(cols.ask_qty), col(b), col(a));
        let (liq, vol, high, low) = (col(cols.liq_volume), col(cols.volume), col(cols.high), col(cols.low));
        for k in 0..n {
            let x = TickInputs::from_fields(bq[k], aq[k], b[k], a[k], liq[k], vol[k], high[k], low[k]);
            self.depth[k] = x.depth;
            self.bid_volume[k] = x.bid_volume;
            self.ask_volume[k] = x.ask_volume;
            self.liq_ratio[k] = x.liq_ratio;
            self.bar[k] = x.bar;
        }
    }

    /// The inputs of the chunk's `k`-th tick.
    #[inline(always)]
    pub fn get(&self, k: usize) -> TickInputs {
        TickInputs {
            depth: self.depth[k],
            bid_volume: self.bid_volume[k],
            ask_volume: self.ask_volume[k],
            liq_ratio: self.liq_ratio[k],
            bar: self.bar[k],
        }
    }
}

/// Rolling feature state for one symbol.
#[derive(Debug, Clone)]
pub struct SymbolFeatures {
    rsi: Rsi,
    tr: Ring,
    depth: DepthWindow,
    prev_price: f64,
    cur_tr: f64,
    cur_depth: f64,
    source: ImbalanceSource,
    ema: f64,
    ema_alpha: f64,
    ema_seen: usize,
    ema_period: usize,
    /// Whether the EMA is kept: only EMA-cross and custom strategies read it.
    ema_on: bool,
    /// The EMA as reported: NaN until a full period (and while it is not kept).
    ema_out: f64,
}

impl SymbolFeatures {
    /// Empty state with these windows.
    pub fn new(c: &FeatureConfig) -> Self {
        SymbolFeatures {
            rsi: Rsi::new(c.rsi_period),
            tr: Ring::new(c.tr_window.min(MAX_WINDOW)),
            depth: DepthWindow::new(c.liquidity_window.min(MAX_WINDOW)),
            prev_price: f64::NAN,
            cur_tr: f64::NAN,
            cur_depth: f64::NAN,
            source: c.imbalance_source,
            ema: f64::NAN,
            ema_alpha: 2.0 / (c.ema_period.max(1) as f64 + 1.0),
            ema_seen: 0,
            ema_period: c.ema_period.max(1),
            ema_on: true,
            ema_out: f64::NAN,
        }
    }

    /// The same without the EMA, for an engine where nothing reads it (it reports NaN): one
    /// recurrence less per tick.
    pub fn without_ema(mut self) -> Self {
        self.ema_on = false;
        self
    }

    /// Starts the EMA if it was off: seeded with the next price, reported after a full period,
    /// as at the start of the data.
    pub fn start_ema(&mut self) {
        self.ema_on = true;
    }

    /// Folds an accepted tick in and returns its features. The windows are compared against
    /// their *previous* contents; call [`commit`](Self::commit) after the strategies ran.
    #[inline]
    pub fn observe(&mut self, t: &Tick) -> FeatureSnapshot {
        self.observe_values(t, t.reference_price()).snapshot()
    }

    /// [`observe`](Self::observe) with the tick's reference price already known, as plain
    /// floats (the engine's per-tick path).
    #[inline]
    pub fn observe_values(&mut self, t: &Tick, price: f64) -> TickFeatures {
        self.observe_inputs(t, price, &TickInputs::of(t, self.source))
    }

    /// [`observe_values`](Self::observe_values) with the tick's own inputs already computed
    /// (the batch path computes them a chunk at a time, [`InputChunk::fill`]). `inputs` must be
    /// [`TickInputs::of`] this tick with this symbol's imbalance source.
    #[inline(always)]
    pub fn observe_inputs(&mut self, t: &Tick, price: f64, inputs: &TickInputs) -> TickFeatures {
        let prev = self.prev_price;
        if finite(prev) {
            self.rsi.update(price - prev);
        }
        // True range: the bar's range extended to the previous close; for ticks, the move.
        let tr = if inputs.bar {
            let hi = if prev > t.high { prev } else { t.high };
            let lo = if prev < t.low { prev } else { t.low };
            hi - lo
        } else if finite(prev) {
            (price - prev).abs()
        } else {
            f64::NAN
        };
        // Kept finite or NaN (unknown), the form both the strategies and the window take.
        let ratio = tr / price;
        self.cur_tr = if finite(ratio) { ratio } else { f64::NAN };
        // Depth near the touch: resting sizes (the engine puts book depth within 10 bps here).
        self.cur_depth = inputs.depth;
        // EMA seeded with the first price (the common convention); reported after a full period.
        if self.ema_on {
            self.ema = if self.ema_seen == 0 { price } else { self.ema + self.ema_alpha * (price - self.ema) };
            self.ema_seen += 1;
            self.ema_out = if self.ema_seen >= self.ema_period { self.ema } else { f64::NAN };
        }
        let (rsi_gain, rsi_loss) = self.rsi.parts();
        TickFeatures {
            price,
            prev_price: prev,
            rsi_gain,
            rsi_loss,
            bid_volume: inputs.bid_volume,
            ask_volume: inputs.ask_volume,
            tr_ratio: self.cur_tr,
            tr_mean: self.tr.full_mean(),
            liq_ratio: inputs.liq_ratio,
            ema: self.ema_out,
        }
    }

    /// The liquidity score of the current tick (computed on demand: it needs a median).
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

    /// `liquidity() > threshold`, answered with a rank count instead of a median (the strategies'
    /// hot path): liquidity = min(depth / median, 1) exceeds t < 1 exactly when median < depth / t.
    #[inline(never)]
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

    /// Pushes the current tick into the rolling windows.
    #[inline(always)]
    pub fn commit(&mut self, price: f64) {
        if !self.cur_tr.is_nan() {
            self.tr.push(self.cur_tr);
        }
        if self.cur_depth >= 0.0 {
            self.depth.push(self.cur_depth);
        }
        self.prev_price = price;
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

    #[test]
    fn rsi_matches_wilder_on_a_known_series() {
        let mut f = SymbolFeatures::new(&FeatureConfig::default());
        // 14 up-moves of 1 then one down-move of 1: avg gain 1 → 13/14, avg loss 0 → 1/14.
        let mut p = 100.0;
        let mut last = None;
        for _ in 0..15 {
            last = f.observe(&px(p)).rsi();
            f.commit(p);
            p += 1.0;
        }
        assert_eq!(last, Some(100.0));
        let snap = f.observe(&px(p - 2.0));
        let expected = 100.0 * (13.0 / 14.0) / (13.0 / 14.0 + 1.0 / 14.0);
        assert!((snap.rsi().unwrap() - expected).abs() < 1e-12);
        assert_eq!(snap.rsi_below(92.8), Some(false));
        assert_eq!(snap.rsi_below(92.9), Some(true));
    }

    #[test]
    fn tr_mean_needs_a_full_window_and_excludes_the_current_tick() {
        let mut f = SymbolFeatures::new(&FeatureConfig::default());
        for i in 0..21 {
            let s = f.observe(&px(100.0 + (i % 2) as f64));
            assert!(s.tr_mean.is_none(), "tick {i}");
            f.commit(s.price);
        }
        let s = f.observe(&px(110.0));
        let mean = s.tr_mean.unwrap();
        assert!(mean > 0.0095 && mean < 0.0101, "{mean}");
        assert!((s.tr_ratio.unwrap() - 10.0 / 110.0).abs() < 1e-12);
    }

    #[test]
    fn liquidity_above_agrees_with_the_median_score() {
        let mut f = SymbolFeatures::new(&FeatureConfig { liquidity_window: 9, ..Default::default() });
        let mut x: u64 = 1;
        for i in 0..3_000 {
            x = x.wrapping_mul(6364136223846793005).wrapping_add(1);
            let q = ((x >> 40) % 7) as f64; // many ties and zeros on purpose
            let mut t = Tick::empty(i, i, 0);
            (t.price, t.bid_qty, t.ask_qty) = (100.0, q, (x >> 50) as f64 % 3.0);
            f.observe(&t);
            for th in [0.0, 0.25, 0.5, 0.75, 1.0] {
                assert_eq!(f.liquidity_above(th), f.liquidity().map(|l| l > th), "tick {i} t {th}");
            }
            f.commit(100.0);
        }
    }

    #[test]
    fn unknown_inputs_stay_unknown() {
        let mut f = SymbolFeatures::new(&FeatureConfig::default());
        let s = f.observe(&px(100.0));
        assert_eq!((s.imbalance(), s.liq_ratio, f.liquidity()), (None, None, None));
    }

    #[test]
    fn liquidity_is_depth_over_median_capped_at_one() {
        let mut f = SymbolFeatures::new(&FeatureConfig::default());
        for q in [10.0, 20.0, 30.0] {
            let mut t = px(100.0);
            (t.bid_qty, t.ask_qty) = (q / 2.0, q / 2.0);
            f.observe(&t);
            f.commit(100.0);
        }
        let mut t = px(100.0);
        (t.bid_qty, t.ask_qty) = (5.0, 5.0);
        let s = f.observe(&t);
        assert_eq!(s.imbalance(), Some(0.0));
        assert_eq!(f.liquidity(), Some(0.5));
    }

    #[test]
    fn finite_is_is_finite() {
        for x in [0.0, -0.0, 1.0, -1.0, f64::MAX, f64::MIN, f64::MIN_POSITIVE, 5e-324, f64::INFINITY, f64::NEG_INFINITY, f64::NAN, -f64::NAN] {
            assert_eq!(finite(x), x.is_finite(), "{x}");
        }
    }

    #[test]
    fn input_chunk_matches_per_tick_inputs() {
        const V: [f64; 8] = [f64::NAN, f64::INFINITY, -1.0, 0.0, -0.0, 0.5, 3.0, 1e300];
        let n = 200;
        let mut x: u64 = 7;
        let mut cols: Vec<Vec<f64>> = vec![Vec::new(); 8];
        for _ in 0..n {
            for c in &mut cols {
                x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                c.push(V[(x >> 59) as usize % V.len()]);
            }
        }
        let ts: Vec<i64> = (0..n as i64).collect();
        for present in [0xffu32, 0x00, 0x0f, 0xf0, 0x35] {
            let on = |k: usize| (present >> k & 1 == 1).then_some(cols[k].as_slice());
            let batch = TickColumns {
                ts_event: &ts,
                bid_qty: on(0),
                ask_qty: on(1),
                buy_volume: on(2),
                sell_volume: on(3),
                liq_volume: on(4),
                volume: on(5),
                high: on(6),
                low: on(7),
                ..Default::default()
            };
            for source in [ImbalanceSource::Quotes, ImbalanceSource::TradeFlow] {
                let mut chunk = InputChunk::default();
                for start in (0..n).step_by(INPUT_CHUNK) {
                    let m = INPUT_CHUNK.min(n - start);
                    chunk.fill(&batch, start, m, source);
                    for k in 0..m {
                        let want = TickInputs::of(&batch.tick(start + k), source);
                        // Debug text compares NaN as equal to NaN.
                        assert_eq!(format!("{:?}", chunk.get(k)), format!("{want:?}"), "row {} {present:#x}", start + k);
                    }
                }
            }
        }
    }
}
