//! The liquidity window: the last `cap` depths near the touch, asked "is the median below `x`?"
//! by Order Flow on its candidate ticks. Unlike the true-range window it keeps no running sum
//! (nothing reads a mean of depths), but a bound of its largest value, which answers the
//! questions above every value without a pass.

use super::features::MAX_WINDOW;

/// Slots per block of the rank count: four AVX2 registers of `f64`.
const COUNT_BLOCK: usize = 16;

const _: () = assert!(
    MAX_WINDOW.is_power_of_two(),
    "window slots are masked with MAX_WINDOW - 1"
);
const _: () = assert!(
    MAX_WINDOW % COUNT_BLOCK == 0,
    "rounding the window up to a block stays in the buffer"
);

/// A fixed-capacity window of the last `cap` depths. The buffer is always [`MAX_WINDOW`] long;
/// slots not yet written, and those past `cap`, hold +∞, which is below nothing, so a rank
/// count reads whole blocks of [`COUNT_BLOCK`] slots with no remainder loop.
#[derive(Debug, Clone)]
pub(super) struct DepthWindow {
    buf: Box<[f64; MAX_WINDOW]>,
    cap: usize,
    next: usize,
    /// Whether `cap` values were pushed: until then the window holds `next` values.
    full: bool,
    /// At or above every value in the window: raised by each push, made exact once per lap. A
    /// question above it is answered without a pass (every value is below).
    max_bound: f64,
    /// `cap` rounded up to a multiple of [`COUNT_BLOCK`] (at most [`MAX_WINDOW`]).
    blocks_len: usize,
}

impl DepthWindow {
    pub(super) fn new(cap: usize) -> Self {
        let cap = cap.clamp(1, MAX_WINDOW);
        DepthWindow {
            buf: Box::new([f64::INFINITY; MAX_WINDOW]),
            cap,
            next: 0,
            full: false,
            max_bound: f64::NEG_INFINITY,
            blocks_len: cap.next_multiple_of(COUNT_BLOCK),
        }
    }

    /// Pushes a depth, evicting the oldest once the window is full.
    #[inline]
    pub(super) fn push(&mut self, x: f64) {
        let next = self.next;
        // `next < cap <= MAX_WINDOW`: the mask changes nothing but proves the index in bounds.
        self.buf[next & (MAX_WINDOW - 1)] = x;
        self.max_bound = if x > self.max_bound {
            x
        } else {
            self.max_bound
        };
        // Wrapping is once per lap: a branch that predicts well, and no length to keep.
        if next + 1 == self.cap {
            self.next = 0;
            self.full = true;
            // The window is all real values now: its exact maximum, so old peaks age out.
            self.max_bound = self.buf[..self.cap]
                .iter()
                .fold(f64::NEG_INFINITY, |m, &v| if v > m { v } else { m });
        } else {
            self.next = next + 1;
        }
    }

    /// How many values the window holds.
    #[inline]
    fn len(&self) -> usize {
        if self.full {
            self.cap
        } else {
            self.next
        }
    }

    /// Whether the window holds any value.
    #[inline]
    pub(super) fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Exact median (the element at rank `len / 2`), by selection on a copy.
    pub(super) fn median(&self) -> Option<f64> {
        let len = self.len();
        if len == 0 {
            return None;
        }
        let mut scratch = [0.0f64; MAX_WINDOW];
        let vals = &mut scratch[..len];
        vals.copy_from_slice(&self.buf[..len]);
        let (_, m, _) = vals.select_nth_unstable_by(len / 2, f64::total_cmp);
        Some(*m)
    }

    /// Whether the median is below `x`, without sorting: the element at rank `len / 2` is below
    /// `x` exactly when more than `len / 2` elements are. One vectorised pass over the window's
    /// whole blocks (the vector loop's own width): the unused slots hold +∞ and count for no
    /// `x`, and no scalar remainder runs.
    #[inline]
    pub(super) fn median_below(&self, x: f64) -> Option<bool> {
        let len = self.len();
        if len == 0 {
            return None;
        }
        if x > self.max_bound {
            return Some(true);
        }
        let below = self.buf[..self.blocks_len]
            .iter()
            .filter(|&&v| v < x)
            .count();
        Some(below > len / 2)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The answer by definition: more than `len / 2` of the last `cap` values are below `x`.
    fn reference(vals: &[f64], cap: usize, x: f64) -> Option<bool> {
        let w = &vals[vals.len().saturating_sub(cap)..];
        (!w.is_empty()).then(|| w.iter().filter(|&&v| v < x).count() > w.len() / 2)
    }

    #[test]
    fn median_below_matches_a_count_over_the_window() {
        let mut x: u64 = 0x2545_F491_4F6C_DD1D;
        let mut rnd = move || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        for (cap, lots) in [
            (1, true),
            (2, true),
            (9, true),
            (16, true),
            (100, true),
            (256, true),
            (9, false),
            (100, false),
        ] {
            let mut w = DepthWindow::new(cap);
            let mut vals = Vec::new();
            for i in 0..4_000 {
                // In lots: few distinct values (ties), zeros, and a drifting median. Otherwise
                // all distinct.
                let r = rnd();
                let v = if lots {
                    ((r % 9) + (i / 500) as u64) as f64 * 0.5
                } else {
                    (r >> 11) as f64 / (1u64 << 50) as f64
                };
                for q in 0..3 {
                    let probe = match q {
                        0 => v * 2.0,
                        1 => ((rnd() % 13) as f64) * 0.5,
                        _ => w.median().unwrap_or(1.0),
                    };
                    assert_eq!(
                        w.median_below(probe),
                        reference(&vals, cap, probe),
                        "cap {cap} tick {i} x {probe}"
                    );
                }
                w.push(v);
                vals.push(v);
            }
        }
    }
}
