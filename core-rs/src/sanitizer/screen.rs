//! The stateless sanitizer checks run over a batch's columns, a chunk at a time, so the compiler
//! can vectorise them and the per-tick loop only runs the checks that need history. A tick the
//! screen passes is one [`Sanitizer::check_stateless`] accepts, with the same reference price;
//! a tick it flags goes through the full per-tick check, which names the reason.

use super::Sanitizer;
use crate::tick::TickColumns;

/// Ticks per screened chunk: the outputs stay in L1 next to the columns being read.
pub const SCREEN_CHUNK: usize = 256;

/// What a single-column rule requires of each value. NaN ("not provided") passes them all.
#[derive(Clone, Copy)]
enum ValueRule {
    /// Finite and positive.
    Price,
    /// Finite and not negative.
    Size,
    /// Finite.
    Finite,
}

impl ValueRule {
    /// The value breaks the rule. `x <= 0` and `x < 0` are false for NaN.
    #[inline(always)]
    fn breaks(self, x: f64) -> bool {
        match self {
            ValueRule::Price => x.is_infinite() | (x <= 0.0),
            ValueRule::Size => x.is_infinite() | (x < 0.0),
            ValueRule::Finite => x.is_infinite(),
        }
    }

    /// Some value breaks the rule, from the column's extremes over its non-NaN values (+∞ and
    /// −∞ for a column of NaN): plain float comparisons, no bit tests. A value ≤ 0 (or < 0)
    /// puts `lo` below the bound, an infinite value makes `lo` or `hi` infinite; a column of
    /// NaN (`lo` = +∞, `hi` = −∞) passes, as NaN does.
    #[inline(always)]
    fn extremes_break(self, lo: f64, hi: f64) -> bool {
        let below = match self {
            ValueRule::Price => !(lo > 0.0),
            ValueRule::Size => !(lo >= 0.0),
            ValueRule::Finite => !(lo > f64::NEG_INFINITY),
        };
        below | !(hi < f64::INFINITY)
    }
}

/// Lanes of the extremes reduction: four `f64`, one AVX2 register.
const LANES: usize = 4;

/// Minimum and maximum of the non-NaN values of `col` (+∞, −∞ when there are none). A NaN
/// compares false and keeps the running value; the lanes are explicit, so the loop vectorises
/// into one min and one max per register of values without reordering anything.
#[inline(always)]
fn extremes(col: &[f64]) -> (f64, f64) {
    let mut lo = [f64::INFINITY; LANES];
    let mut hi = [f64::NEG_INFINITY; LANES];
    let chunks = col.chunks_exact(LANES);
    let rest = chunks.remainder();
    for c in chunks {
        for l in 0..LANES {
            lo[l] = if c[l] < lo[l] { c[l] } else { lo[l] };
            hi[l] = if c[l] > hi[l] { c[l] } else { hi[l] };
        }
    }
    for &x in rest {
        lo[0] = if x < lo[0] { x } else { lo[0] };
        hi[0] = if x > hi[0] { x } else { hi[0] };
    }
    let lo = lo
        .iter()
        .fold(f64::INFINITY, |a, &x| if x < a { x } else { a });
    let hi = hi
        .iter()
        .fold(f64::NEG_INFINITY, |a, &x| if x > a { x } else { a });
    (lo, hi)
}

/// Where the screen's rule flags go: one flag per tick, or one for the whole chunk. The rules
/// are written once ([`Sanitizer::flag_rules`]) and run into either.
trait Flags {
    /// ORs one flag per tick (`flags` yields them in tick order) into the destination.
    fn or_each(&mut self, flags: impl Iterator<Item = u64>);
    /// Flags the ticks whose value in `col` breaks `rule`.
    fn check_column(&mut self, col: &[f64], rule: ValueRule);
    /// Sets every tick's flag.
    fn set_all(&mut self);
}

/// A flag per tick, kept as one `u64` per tick, the width of an `f64`, so the loops vectorise
/// without repacking comparison masks.
impl Flags for [u64] {
    #[inline(always)]
    fn or_each(&mut self, flags: impl Iterator<Item = u64>) {
        for (b, f) in self.iter_mut().zip(flags) {
            *b |= f;
        }
    }

    #[inline(always)]
    fn check_column(&mut self, col: &[f64], rule: ValueRule) {
        self.or_each(col.iter().map(|&x| u64::from(rule.breaks(x))));
    }

    fn set_all(&mut self) {
        self.fill(1);
    }
}

/// One flag for the chunk: set when any tick breaks any rule. Most chunks are clean, and this
/// answers them with register reductions (a column's extremes settle its value rule), no
/// store per tick.
impl Flags for u64 {
    #[inline(always)]
    fn or_each(&mut self, flags: impl Iterator<Item = u64>) {
        *self |= flags.fold(0, |acc, f| acc | f);
    }

    #[inline(always)]
    fn check_column(&mut self, col: &[f64], rule: ValueRule) {
        let (lo, hi) = extremes(col);
        *self |= u64::from(rule.extremes_break(lo, hi));
    }

    fn set_all(&mut self) {
        *self = 1;
    }
}

/// `out[i] = if x[i].is_finite() { x[i] } else { out[i] }`: a higher-priority price source.
#[inline(always)]
fn prefer_finite(out: &mut [f64], col: &[f64]) {
    for (o, &x) in out.iter_mut().zip(col) {
        *o = if x.is_finite() { x } else { *o };
    }
}

impl Sanitizer {
    /// Screens ticks `start..start + clean.len()` of a validated batch. `price[i]` receives each
    /// tick's reference price ([`Tick::reference_price`](crate::tick::Tick::reference_price));
    /// `clean[i]` is true only for a tick that passes every stateless check.
    ///
    /// Panics if the range is beyond the batch, the two outputs differ in length or are longer
    /// than [`SCREEN_CHUNK`].
    #[inline(never)]
    pub fn screen(
        &self,
        cols: &TickColumns<'_>,
        start: usize,
        price: &mut [f64],
        clean: &mut [bool],
    ) {
        let n = clean.len();
        assert_eq!(price.len(), n, "screen outputs must have one slot per tick");
        self.reference_prices(cols, start, price);
        // Most chunks are clean: one flag for the whole chunk settles them.
        let mut any = 0u64;
        self.flag_rules(cols, start, price, &mut any);
        if any == 0 {
            clean.fill(true);
            return;
        }
        let mut bad = [0u64; SCREEN_CHUNK];
        let bad = &mut bad[..n];
        self.flag_rules(cols, start, price, bad);
        for (o, &b) in clean.iter_mut().zip(bad.iter()) {
            *o = b == 0;
        }
    }

    /// Reference price of ticks `start..start + price.len()`: last price, else close, else
    /// quote mid; each source only where finite.
    #[inline(always)]
    fn reference_prices(&self, cols: &TickColumns<'_>, start: usize, price: &mut [f64]) {
        let end = start + price.len();
        if let (Some(bid), Some(ask)) = (cols.bid, cols.ask) {
            for ((p, &b), &a) in price.iter_mut().zip(&bid[start..end]).zip(&ask[start..end]) {
                *p = if b.is_finite() & a.is_finite() {
                    0.5 * (b + a)
                } else {
                    f64::NAN
                };
            }
        } else {
            price.fill(f64::NAN);
        }
        if let Some(col) = cols.close {
            prefer_finite(price, &col[start..end]);
        }
        if let Some(col) = cols.price {
            prefer_finite(price, &col[start..end]);
        }
    }

    /// Every stateless rule over ticks `start..start + price.len()` (`price`: their reference
    /// prices), flagging the ticks that break one into `flags`.
    #[inline(always)]
    fn flag_rules<'a, F: Flags + ?Sized>(
        &self,
        cols: &TickColumns<'a>,
        start: usize,
        price: &[f64],
        flags: &mut F,
    ) {
        let end = start + price.len();
        let part = |c: Option<&'a [f64]>| c.map(|c| &c[start..end]);
        let c = &self.config;

        // Prices: finite (NaN is "not provided") and positive.
        let prices = [
            cols.price, cols.bid, cols.ask, cols.open, cols.high, cols.low, cols.close,
        ];
        for col in prices.into_iter().filter_map(part) {
            flags.check_column(col, ValueRule::Price);
        }
        // Sizes: finite and not negative.
        let sizes = [
            cols.bid_qty,
            cols.ask_qty,
            cols.volume,
            cols.buy_volume,
            cols.sell_volume,
            cols.liq_volume,
            cols.open_interest,
        ];
        for col in sizes.into_iter().filter_map(part) {
            flags.check_column(col, ValueRule::Size);
        }
        if let Some(col) = part(cols.funding_rate) {
            flags.check_column(col, ValueRule::Finite);
        }
        flags.or_each(price.iter().map(|&p| u64::from(p.is_nan())));

        if let Some(side) = cols.liq_side {
            flags.or_each(
                side[start..end]
                    .iter()
                    .map(|&s| u64::from(!(-1..=1).contains(&s))),
            );
        }
        match cols.ts_recv {
            Some(recv) => {
                let max = c.max_latency_ns;
                let pairs = recv[start..end].iter().zip(&cols.ts_event[start..end]);
                flags.or_each(pairs.map(|(&r, &e)| u64::from(r.wrapping_sub(e) > max)));
            }
            // Receive time defaults to event time: zero latency.
            None if 0 > c.max_latency_ns => flags.set_all(),
            None => {}
        }
        // A quote with a missing side compares false both ways, like the per-tick check's
        // `has_quote` guard; infinite sides are already flagged.
        if let (Some(bid), Some(ask)) = (part(cols.bid), part(cols.ask)) {
            let max_spread = c.max_spread;
            flags.or_each(bid.iter().zip(ask).map(|(&bp, &ap)| {
                let mid = 0.5 * (bp + ap);
                u64::from((bp > ap) | ((ap - bp) > max_spread * mid))
            }));
        }
        if let (Some(high), Some(low)) = (part(cols.high), part(cols.low)) {
            flags.or_each(high.iter().zip(low).zip(price).map(|((&h, &l), &p)| {
                let bar = h.is_finite() & l.is_finite();
                u64::from(bar & ((h < l) | (p > h) | (p < l)))
            }));
            // An open outside the bar's range (NaN, "no open", compares false both ways).
            if let Some(open) = part(cols.open) {
                flags.or_each(high.iter().zip(low).zip(open).map(|((&h, &l), &o)| {
                    let bar = h.is_finite() & l.is_finite();
                    u64::from(bar & ((o > h) | (o < l)))
                }));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sanitizer::SanitizerConfig;

    /// Small values with every kind of defect, so random rows hit each rule.
    fn pick(x: u64) -> f64 {
        const V: [f64; 10] = [
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
            -1.0,
            0.0,
            99.0,
            100.0,
            100.2,
            101.0,
            0.5,
        ];
        V[(x % V.len() as u64) as usize]
    }

    #[test]
    fn screen_agrees_with_the_per_tick_check() {
        let n = 20_000;
        let mut x: u64 = 0x2545_F491_4F6C_DD1D;
        let mut next = || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        let mut floats: Vec<Vec<f64>> = vec![Vec::new(); 15];
        let (mut ts, mut recv, mut side) = (Vec::new(), Vec::new(), Vec::new());
        for i in 0..n {
            for (k, col) in floats.iter_mut().enumerate() {
                // Mostly clean quotes and bars, sometimes a defect.
                let r = next();
                let v = if r % 4 == 0 {
                    pick(r >> 8)
                } else if (1..=2).contains(&k) || (8..=12).contains(&k) {
                    100.0 + (r >> 40) as f64 * 1e-9
                } else {
                    1.0
                };
                col.push(v);
            }
            ts.push(i as i64 * 1_000);
            recv.push(i as i64 * 1_000 + (next() % 3) as i64 * 60_000_000);
            side.push((next() % 5) as i8 - 2);
        }
        let f = |k: usize| Some(floats[k].as_slice());
        for mask in [0u32, 0x7fff, 0x0006, 0x0e01, 0x7ffe, 0x1e06, 0x0f00] {
            let on = |k: usize| if mask >> k & 1 == 1 { f(k) } else { None };
            let cols = TickColumns {
                ts_event: &ts,
                ts_recv: (mask & 1 == 1).then_some(recv.as_slice()),
                symbol: None,
                liq_side: (mask & 2 == 2).then_some(side.as_slice()),
                price: on(0),
                bid: on(1),
                ask: on(2),
                bid_qty: on(3),
                ask_qty: on(4),
                volume: on(5),
                buy_volume: on(6),
                sell_volume: on(7),
                open: on(8),
                high: on(9),
                low: on(10),
                close: on(11),
                liq_volume: on(12),
                funding_rate: on(13),
                open_interest: on(14),
            };
            cols.validate().unwrap();
            for config in [
                SanitizerConfig::default(),
                SanitizerConfig {
                    max_spread: 0.01,
                    max_latency_ns: -1,
                    ..Default::default()
                },
            ] {
                let s = Sanitizer::new(config);
                let m = SCREEN_CHUNK;
                let (mut price, mut clean) = (vec![0.0; m], vec![false; m]);
                let mut passed = 0;
                for start in (0..n).step_by(m) {
                    let m = m.min(n - start);
                    s.screen(&cols, start, &mut price[..m], &mut clean[..m]);
                    for k in 0..m {
                        let t = cols.tick(start + k);
                        let expected = s.check_stateless(&t);
                        assert_eq!(
                            clean[k],
                            expected.is_ok(),
                            "tick {} mask {mask:#x}: {t:?}",
                            start + k
                        );
                        passed += usize::from(clean[k]);
                        let want = t.reference_price();
                        assert!(
                            price[k] == want || (price[k].is_nan() && want.is_nan()),
                            "price of {}",
                            start + k
                        );
                        if let Ok(p) = expected {
                            assert_eq!(p.to_bits(), price[k].to_bits());
                        }
                    }
                }
                assert!(
                    mask == 0 || passed > 0 || s.config().max_latency_ns < 0,
                    "mask {mask:#x}: some ticks must pass"
                );
            }
        }
    }

    /// Clean chunks with at most one defect each: the chunk-wide answer (extremes, reductions)
    /// must send every chunk with a defect, and only those, to the per-tick flags.
    #[test]
    fn single_defects_in_clean_chunks_are_found() {
        let n = 64 * 400;
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        let mut floats: Vec<Vec<f64>> = (0..15)
            .map(|k| {
                vec![
                    if k <= 2 || (8..=11).contains(&k) {
                        100.0
                    } else {
                        1.0
                    };
                    n
                ]
            })
            .collect();
        floats[2].fill(100.01);
        floats[9].fill(100.5);
        floats[10].fill(99.5);
        let (ts, mut recv, mut side) = (
            (0..n as i64).collect::<Vec<_>>(),
            (0..n as i64).collect::<Vec<_>>(),
            vec![0i8; n],
        );
        for chunk in 0..n / 64 {
            let r = next();
            if r % 5 == 0 {
                continue; // a clean chunk
            }
            let row = chunk * 64 + (r >> 8) as usize % 64;
            match (r >> 16) % 17 {
                15 => side[row] = 2,
                16 => recv[row] += 200_000_000,
                k => floats[k as usize][row] = pick(r >> 24),
            }
        }
        let f = |k: usize| Some(floats[k].as_slice());
        let cols = TickColumns {
            ts_event: &ts,
            ts_recv: Some(&recv),
            symbol: None,
            liq_side: Some(&side),
            price: f(0),
            bid: f(1),
            ask: f(2),
            bid_qty: f(3),
            ask_qty: f(4),
            volume: f(5),
            buy_volume: f(6),
            sell_volume: f(7),
            open: f(8),
            high: f(9),
            low: f(10),
            close: f(11),
            liq_volume: f(12),
            funding_rate: f(13),
            open_interest: f(14),
        };
        cols.validate().unwrap();
        let s = Sanitizer::new(SanitizerConfig::default());
        let (mut price, mut clean) = ([0.0; 64], [false; 64]);
        let (mut dirty_chunks, mut clean_chunks) = (0, 0);
        for start in (0..n).step_by(64) {
            s.screen(&cols, start, &mut price, &mut clean);
            let mut all = true;
            for (k, &screened) in clean.iter().enumerate() {
                let ok = s.check_stateless(&cols.tick(start + k)).is_ok();
                assert_eq!(
                    screened,
                    ok,
                    "tick {}: {:?}",
                    start + k,
                    cols.tick(start + k)
                );
                all &= ok;
            }
            if all {
                clean_chunks += 1
            } else {
                dirty_chunks += 1
            }
        }
        assert!(
            clean_chunks > 50 && dirty_chunks > 100,
            "{clean_chunks} clean, {dirty_chunks} dirty"
        );
    }
}
