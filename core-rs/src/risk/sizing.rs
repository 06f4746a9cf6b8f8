//! Kelly criterion from a strategy's running trade statistics.

use std::borrow::Cow;

use crate::types::Money;

/// Full Kelly fraction `W − (1 − W) / R` with win rate `W` and win/loss ratio `R` (average win
/// over average loss), from counts and sums of wins and (positive) losses. May be negative (no
/// edge); callers clamp. With no losses yet the edge is unmeasured, so it returns the win rate
/// alone rather than infinity.
pub fn kelly_fraction(wins: u32, losses: u32, sum_win: f64, sum_loss: f64) -> f64 {
    let n = wins + losses;
    if n == 0 || wins == 0 {
        return 0.0;
    }
    let w = f64::from(wins) / f64::from(n);
    if losses == 0 || sum_loss == 0.0 {
        return w;
    }
    let avg_win = sum_win / f64::from(wins);
    let avg_loss = sum_loss / f64::from(losses);
    w - (1.0 - w) / (avg_win / avg_loss)
}

/// One strategy's closed trades, real and shadow. Kelly reads returns (net P&L over the cost
/// basis), so real trades of any size and fixed-size shadow trades weigh alike.
#[derive(Debug, Clone, PartialEq)]
pub struct StrategyStats {
    /// The strategy's name.
    pub name: Cow<'static, str>,
    /// Trades with positive net P&L.
    pub wins: u32,
    /// Trades with zero or negative net P&L.
    pub losses: u32,
    /// Sum of the winning trades' net returns.
    pub sum_win: f64,
    /// Sum of the losing trades' net returns, as a positive number.
    pub sum_loss: f64,
    /// Shadow trades among them.
    pub shadow_trades: u32,
    /// Shadow trades that won.
    pub shadow_wins: u32,
    /// Net P&L of the shadow trades (what they would have made).
    pub shadow_pnl: Money,
}

impl StrategyStats {
    /// No trades yet.
    pub fn new(name: Cow<'static, str>) -> Self {
        StrategyStats {
            name,
            wins: 0,
            losses: 0,
            sum_win: 0.0,
            sum_loss: 0.0,
            shadow_trades: 0,
            shadow_wins: 0,
            shadow_pnl: Money::ZERO,
        }
    }

    /// Folds a closed trade in.
    pub fn record(&mut self, net_pnl: Money, net_return: f64, shadow: bool) {
        let won = net_pnl.units() > 0;
        if won {
            self.wins += 1;
            self.sum_win += net_return.max(0.0);
        } else {
            self.losses += 1;
            self.sum_loss += (-net_return).max(0.0);
        }
        if shadow {
            self.shadow_trades += 1;
            self.shadow_wins += u32::from(won);
            self.shadow_pnl += net_pnl;
        }
    }

    /// Closed trades, real and shadow.
    pub fn trades(&self) -> u32 {
        self.wins + self.losses
    }

    /// Full Kelly of the statistics.
    pub fn kelly(&self) -> f64 {
        kelly_fraction(self.wins, self.losses, self.sum_win, self.sum_loss)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn textbook_values() {
        // W = 0.6, R = 1 → 0.2.
        assert!((kelly_fraction(6, 4, 0.6, 0.4) - 0.2).abs() < 1e-12);
        // W = 0.4, R = 1 → −0.2.
        assert!((kelly_fraction(4, 6, 0.4, 0.6) + 0.2).abs() < 1e-12);
        assert_eq!(kelly_fraction(0, 0, 0.0, 0.0), 0.0);
    }
}
