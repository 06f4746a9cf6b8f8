//! Kelly criterion from an account's running trade statistics.

use crate::types::Money;

/// Full Kelly fraction `W − (1 − W) / R` with win rate `W` and win/loss ratio `R` (average win
/// over average loss). May be negative (no edge); callers clamp. With no losses yet the edge is
/// unmeasured, so it returns the win rate alone rather than infinity.
pub fn kelly_fraction(wins: u32, losses: u32, sum_win: Money, sum_loss: Money) -> f64 {
    let n = wins + losses;
    if n == 0 || wins == 0 {
        return 0.0;
    }
    let w = wins as f64 / n as f64;
    if losses == 0 || sum_loss.units() == 0 {
        return w;
    }
    let avg_win = sum_win.to_f64() / wins as f64;
    let avg_loss = sum_loss.to_f64() / losses as f64;
    w - (1.0 - w) / (avg_win / avg_loss)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn textbook_values() {
        let m = |x: f64| Money::from_f64(x).unwrap();
        // W = 0.6, R = 1 → 0.2.
        assert!((kelly_fraction(6, 4, m(60.0), m(40.0)) - 0.2).abs() < 1e-12);
        // W = 0.4, R = 1 → −0.2.
        assert!((kelly_fraction(4, 6, m(40.0), m(60.0)) + 0.2).abs() < 1e-12);
        assert_eq!(kelly_fraction(0, 0, Money::ZERO, Money::ZERO), 0.0);
    }
}
