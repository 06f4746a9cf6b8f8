//! Backtest metrics (SPEC §9), computed in one place from the engine's trades and equity.

use std::collections::BTreeMap;

use crate::engine::Engine;
use crate::types::{utc_day, Money, NANOS_PER_SECOND};

/// Days per year for annualising (crypto trades every day).
pub const PERIODS_PER_YEAR: f64 = 365.0;

/// The report's numbers. Ratios that cannot be computed (no losses, fewer than two days) are NaN.
#[derive(Debug, Clone, PartialEq)]
pub struct Metrics {
    /// Closed trades.
    pub num_trades: u64,
    /// Trades with positive net P&L.
    pub wins: u64,
    /// Trades with zero or negative net P&L.
    pub losses: u64,
    /// wins / trades (NaN without trades).
    pub win_rate: f64,
    /// Σ gross realised P&L of closed trades.
    pub total_pnl: Money,
    /// Final equity − initial capital (includes fees, funding and unrealised P&L).
    pub net_pnl: Money,
    /// Fees paid.
    pub fees: Money,
    /// Funding paid.
    pub funding: Money,
    /// Unrealised P&L of positions still open.
    pub unrealized_pnl: Money,
    /// Initial capital.
    pub initial_capital: Money,
    /// Final equity.
    pub final_equity: Money,
    /// net_pnl / initial capital.
    pub return_pct: f64,
    /// Σ winning net P&L / |Σ losing net P&L|.
    pub profit_factor: f64,
    /// Mean / std of daily returns × √365.
    pub sharpe: f64,
    /// Mean / downside deviation of daily returns × √365.
    pub sortino: f64,
    /// Largest peak-to-trough fall of equity, fraction (per tick).
    pub max_drawdown: f64,
    /// Longest time under a previous peak, seconds.
    pub max_drawdown_duration_s: f64,
    /// Fraction of time with a position open.
    pub exposure: f64,
    /// Mean net P&L per trade.
    pub avg_trade_pnl: f64,
}

/// Daily simple returns from end-of-day equity (UTC days of event time).
pub fn daily_returns(initial: Money, curve: &[(i64, Money)]) -> Vec<f64> {
    let mut closes: BTreeMap<i64, Money> = BTreeMap::new();
    for &(ts, e) in curve {
        closes.insert(utc_day(ts), e);
    }
    let mut prev = initial.to_f64();
    let mut out = Vec::with_capacity(closes.len());
    for e in closes.values() {
        let e = e.to_f64();
        out.push(if prev != 0.0 { e / prev - 1.0 } else { 0.0 });
        prev = e;
    }
    out
}

/// Annualised Sharpe and Sortino of daily returns (sample std; downside deviation over all days).
pub fn sharpe_sortino(returns: &[f64]) -> (f64, f64) {
    let n = returns.len();
    if n < 2 {
        return (f64::NAN, f64::NAN);
    }
    let mean = returns.iter().sum::<f64>() / n as f64;
    let var = returns.iter().map(|r| (r - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
    let down = (returns.iter().map(|r| r.min(0.0).powi(2)).sum::<f64>() / n as f64).sqrt();
    let ann = PERIODS_PER_YEAR.sqrt();
    let sharpe = if var > 0.0 {
        mean / var.sqrt() * ann
    } else {
        f64::NAN
    };
    let sortino = if down > 0.0 {
        mean / down * ann
    } else {
        f64::NAN
    };
    (sharpe, sortino)
}

impl Metrics {
    /// Metrics of an engine's run so far (call [`Engine::finish`] first for a backtest).
    pub fn of(engine: &Engine) -> Metrics {
        let trades = engine.trades();
        let a = engine.account();
        let eq = engine.equity_tracker();
        let (mut wins, mut losses) = (0u64, 0u64);
        let (mut sum_win, mut sum_loss) = (Money::ZERO, Money::ZERO);
        let mut total = Money::ZERO;
        let mut net_closed = Money::ZERO;
        for t in trades {
            total += t.gross_pnl;
            net_closed += t.pnl;
            if t.pnl.units() > 0 {
                wins += 1;
                sum_win += t.pnl;
            } else {
                losses += 1;
                sum_loss += t.pnl.abs();
            }
        }
        let n = trades.len() as u64;
        let final_equity = a.equity();
        let net = final_equity - a.initial_capital;
        let (sharpe, sortino) = sharpe_sortino(&daily_returns(a.initial_capital, eq.curve()));
        Metrics {
            num_trades: n,
            wins,
            losses,
            win_rate: if n > 0 {
                wins as f64 / n as f64
            } else {
                f64::NAN
            },
            total_pnl: total,
            net_pnl: net,
            fees: a.fees,
            funding: a.funding,
            unrealized_pnl: a.unrealized(),
            initial_capital: a.initial_capital,
            final_equity,
            return_pct: net.to_f64() / a.initial_capital.to_f64(),
            profit_factor: if sum_loss.units() > 0 {
                sum_win.to_f64() / sum_loss.to_f64()
            } else if sum_win.units() > 0 {
                f64::INFINITY
            } else {
                f64::NAN
            },
            sharpe,
            sortino,
            max_drawdown: eq.max_drawdown(),
            max_drawdown_duration_s: eq.max_drawdown_duration_ns() as f64 / NANOS_PER_SECOND as f64,
            exposure: eq.exposure(),
            avg_trade_pnl: if n > 0 {
                net_closed.to_f64() / n as f64
            } else {
                f64::NAN
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::NANOS_PER_DAY;

    #[test]
    fn daily_returns_use_the_last_point_of_each_day() {
        let m = |x: f64| Money::from_f64(x).unwrap();
        let curve = [
            (0, m(100.0)),
            (NANOS_PER_DAY / 2, m(105.0)),
            (NANOS_PER_DAY, m(110.0)),
        ];
        let r = daily_returns(m(100.0), &curve);
        assert_eq!(r.len(), 2);
        assert!((r[0] - 0.05).abs() < 1e-12 && (r[1] - (110.0 / 105.0 - 1.0)).abs() < 1e-12);
    }

    #[test]
    fn sharpe_and_sortino_of_known_series() {
        let (s, so) = sharpe_sortino(&[0.01, -0.01, 0.02, 0.0]);
        let mean = 0.005;
        let sd = ((0.005f64.powi(2) + 0.015f64.powi(2) + 0.015f64.powi(2) + 0.005f64.powi(2))
            / 3.0)
            .sqrt();
        assert!((s - mean / sd * 365f64.sqrt()).abs() < 1e-9);
        let dd = (0.0001f64 / 4.0).sqrt();
        assert!((so - mean / dd * 365f64.sqrt()).abs() < 1e-9);
        assert!(sharpe_sortino(&[0.01]).0.is_nan());
    }
}
