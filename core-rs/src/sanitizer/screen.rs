//! The stateless sanitizer checks run over a batch's columns, a chunk at a time, so the compiler
//! can vectorise them and the per-tick loop only runs the checks that need history. A tick the
//! screen passes is one [`Sanitizer::check_stateless`] accepts, with the same reference price;
//! a tick it flags goes through the full per-tick check, which names the reason.

use super::Sanitizer;
use crate::tick::TickColumns;

/// Ticks per screened chunk: the outputs stay in L1 next to the columns being read.
pub const SCREEN_CHUNK: usize = 256;

/// `bad[i] |= flag(x[i])` over one column. Flags are kept as one `u64` per tick, the width of
/// an `f64`, so the loop vectorises without repacking comparison masks.
#[inline(always)]
fn flag_each(bad: &mut [u64], col: &[f64], flag: impl Fn(f64) -> bool) {
    for (b, &x) in bad.iter_mut().zip(col) {
        *b |= u64::from(flag(x));
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
    pub fn screen<'a>(&self, cols: &TickColumns<'a>, start: usize, price: &mut [f64], clean: &mut [bool]) {
        let n = clean.len();
        assert_eq!(price.len(), n, "screen outputs must have one slot per tick");
        let end = start + n;
        let part = |c: Option<&'a [f64]>| c.map(|c| &c[start..end]);
        let c = &self.config;
        let mut bad = [0u64; SCREEN_CHUNK];
        let bad = &mut bad[..n];

        // Prices: finite (NaN is "not provided") and positive. `x <= 0` is false for NaN.
        let prices = [cols.price, cols.bid, cols.ask, cols.open, cols.high, cols.low, cols.close];
        for col in prices.into_iter().filter_map(part) {
            flag_each(bad, col, |x| x.is_infinite() | (x <= 0.0));
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
            flag_each(bad, col, |x| x.is_infinite() | (x < 0.0));
        }
        if let Some(col) = part(cols.funding_rate) {
            flag_each(bad, col, f64::is_infinite);
        }

        // Reference price: last price, else close, else quote mid; each source only where finite.
        price.fill(f64::NAN);
        let (bid, ask) = (part(cols.bid), part(cols.ask));
        if let (Some(bid), Some(ask)) = (bid, ask) {
            for ((p, &b), &a) in price.iter_mut().zip(bid).zip(ask) {
                *p = if b.is_finite() & a.is_finite() { 0.5 * (b + a) } else { f64::NAN };
            }
        }
        if let Some(col) = part(cols.close) {
            prefer_finite(price, col);
        }
        if let Some(col) = part(cols.price) {
            prefer_finite(price, col);
        }
        flag_each(bad, price, f64::is_nan);

        if let Some(side) = cols.liq_side {
            for (b, &s) in bad.iter_mut().zip(&side[start..end]) {
                *b |= u64::from(!(-1..=1).contains(&s));
            }
        }
        match cols.ts_recv {
            Some(recv) => {
                let max = c.max_latency_ns;
                for ((b, &r), &e) in bad.iter_mut().zip(&recv[start..end]).zip(&cols.ts_event[start..end]) {
                    *b |= u64::from(r.wrapping_sub(e) > max);
                }
            }
            // Receive time defaults to event time: zero latency.
            None if 0 > c.max_latency_ns => bad.fill(1),
            None => {}
        }
        // A quote with a missing side compares false both ways, like the per-tick check's
        // `has_quote` guard; infinite sides are already flagged.
        if let (Some(bid), Some(ask)) = (bid, ask) {
            let max_spread = c.max_spread;
            for ((b, &bp), &ap) in bad.iter_mut().zip(bid).zip(ask) {
                let mid = 0.5 * (bp + ap);
                *b |= u64::from((bp > ap) | ((ap - bp) > max_spread * mid));
            }
        }
        if let (Some(high), Some(low)) = (part(cols.high), part(cols.low)) {
            for (((b, &h), &l), &p) in bad.iter_mut().zip(high).zip(low).zip(price.iter()) {
                let bar = h.is_finite() & l.is_finite();
                *b |= u64::from(bar & ((h < l) | (p > h) | (p < l)));
            }
        }
        for (o, &b) in clean.iter_mut().zip(bad.iter()) {
            *o = b == 0;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sanitizer::SanitizerConfig;

    /// Small values with every kind of defect, so random rows hit each rule.
    fn pick(x: u64) -> f64 {
        const V: [f64; 10] = [f64::NAN, f64::INFINITY, f64::NEG_INFINITY, -1.0, 0.0, 99.0, 100.0, 100.2, 101.0, 0.5];
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
                let v = if r % 4 == 0 { pick(r >> 8) } else if (1..=2).contains(&k) || (8..=12).contains(&k) { 100.0 + (r >> 40) as f64 * 1e-9 } else { 1.0 };
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
            for config in [SanitizerConfig::default(), SanitizerConfig { max_spread: 0.01, max_latency_ns: -1, ..Default::default() }] {
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
                        assert_eq!(clean[k], expected.is_ok(), "tick {} mask {mask:#x}: {t:?}", start + k);
                        passed += usize::from(clean[k]);
                        let want = t.reference_price();
                        assert!(price[k] == want || (price[k].is_nan() && want.is_nan()), "price of {}", start + k);
                        if let Ok(p) = expected {
                            assert_eq!(p.to_bits(), price[k].to_bits());
                        }
                    }
                }
                assert!(mask == 0 || passed > 0 || s.config().max_latency_ns < 0, "mask {mask:#x}: some ticks must pass");
            }
        }
    }
}
