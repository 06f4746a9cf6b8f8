//! The engine's persistent state: what a restart must not forget (open positions, cash and the
//! P&L ledger, the equity peak, the day's trade count, the kill switch, each strategy's trade
//! statistics). Shadow positions are not kept: they hold nothing, and a restart starts them
//! afresh.

use std::borrow::Cow;

use super::core::{Engine, EngineError, Held};
use crate::portfolio::{next_funding_time, Account, OpenParams, Position, ShadowBook};
use crate::risk::{HaltReason, StrategyStats};
use crate::sim::Exchange;
use crate::types::{Money, Price, Qty, Side, SymbolId, UnixNanos};

/// One open position as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct PositionState {
    /// Symbol id.
    pub symbol: SymbolId,
    /// Side.
    pub side: Side,
    /// Size (positive).
    pub qty: Qty,
    /// Entry price.
    pub entry_price: Price,
    /// Entry time (local clock).
    pub entry_ts: UnixNanos,
    /// Leverage.
    pub leverage: f64,
    /// Take-profit level, if any.
    pub take_profit: Option<Price>,
    /// Stop-loss level, if any.
    pub stop_loss: Option<Price>,
    /// Liquidation price.
    pub liquidation_price: Price,
    /// Cost basis.
    pub cost_basis: Money,
    /// Entry fee.
    pub entry_fee: Money,
    /// Funding paid so far.
    pub funding: Money,
    /// Last mark.
    pub mark: Price,
    /// Opening signal's confidence.
    pub confidence: f64,
    /// Opening strategy.
    pub strategy: String,
    /// Opening signal.
    pub signal_id: Option<u64>,
}

/// Everything a restart restores.
#[derive(Debug, Clone, PartialEq)]
pub struct EngineState {
    /// Cash.
    pub cash: Money,
    /// Realised P&L.
    pub realized: Money,
    /// Fees paid.
    pub fees: Money,
    /// Funding paid.
    pub funding: Money,
    /// Equity peak for the drawdown limit.
    pub peak_equity: Money,
    /// Kill switch.
    pub halted: Option<HaltReason>,
    /// Day of `trades_today`.
    pub trade_day: i64,
    /// Entries today.
    pub trades_today: u32,
    /// Winning trades.
    pub wins: u32,
    /// Losing trades.
    pub losses: u32,
    /// Sum of wins.
    pub sum_win: Money,
    /// Sum of losses (positive).
    pub sum_loss: Money,
    /// Each strategy's trade statistics (Kelly sizing).
    pub strategies: Vec<StrategyStats>,
    /// Open positions.
    pub positions: Vec<PositionState>,
}

impl Engine {
    /// Snapshot of the persistent state.
    pub fn export_state(&self) -> EngineState {
        let a = self.account();
        let r = self.risk_state();
        EngineState {
            cash: a.cash,
            realized: a.realized,
            fees: a.fees,
            funding: a.funding,
            peak_equity: r.peak_equity,
            halted: r.halted,
            trade_day: r.trade_day,
            trades_today: r.trades_today,
            wins: r.wins,
            losses: r.losses,
            sum_win: r.sum_win,
            sum_loss: r.sum_loss,
            strategies: r.strategies.clone(),
            positions: a
                .positions()
                .map(|p| PositionState {
                    symbol: p.symbol,
                    side: p.side,
                    qty: p.qty,
                    entry_price: p.entry_price,
                    entry_ts: p.entry_ts,
                    leverage: p.leverage,
                    take_profit: p.take_profit,
                    stop_loss: p.stop_loss,
                    liquidation_price: p.liquidation_price,
                    cost_basis: p.cost_basis,
                    entry_fee: p.entry_fee,
                    funding: p.funding,
                    mark: p.mark,
                    confidence: p.confidence,
                    strategy: p.strategy.to_string(),
                    signal_id: p.signal_id,
                })
                .collect(),
        }
    }

    /// Replaces the account and DRB-Guard state with `s` (recovery after a restart).
    pub fn restore_state(&mut self, s: EngineState) -> Result<(), EngineError> {
        self.settled_equity = None;
        let mut fresh = Account::new(self.account.initial_capital);
        fresh.cash = s.cash;
        fresh.realized = s.realized;
        fresh.fees = s.fees;
        fresh.funding = s.funding;
        self.account = fresh;
        self.shadow = ShadowBook::default();
        let e = &self.config.execution;
        self.venue = Exchange::new(e.sim_config(false)).map_err(EngineError::Config)?;
        if self.config.journal {
            self.venue.keep_history();
        }
        self.venue.set_silent(self.desk.strategies.is_empty());
        self.shadow_venue = Exchange::new(e.sim_config(true)).map_err(EngineError::Config)?;
        self.shadow_venue.set_silent(true);
        for st in &mut self.symbols {
            (st.held, st.next_funding, st.target) = (None, UnixNanos::MAX, Default::default());
        }
        let risk = &mut self.risk;
        risk.peak_equity = s.peak_equity;
        risk.halted = s.halted;
        risk.trade_day = s.trade_day;
        risk.trades_today = s.trades_today;
        risk.wins = s.wins;
        risk.losses = s.losses;
        risk.sum_win = s.sum_win;
        risk.sum_loss = s.sum_loss;
        risk.strategies = s.strategies;
        for p in s.positions {
            self.restore_position(Position {
                symbol: p.symbol,
                side: p.side,
                qty: p.qty,
                entry_price: p.entry_price,
                entry_ts: p.entry_ts,
                // The store keeps the local entry time; the exchange clock is within the
                // receive latency of it.
                entry_event: p.entry_ts,
                cost_basis: p.cost_basis,
                entry_fee: p.entry_fee,
                exit_fees: Money::ZERO,
                realized: Money::ZERO,
                opened_qty: p.qty,
                opened_notional: p.cost_basis,
                closed_qty: Qty::ZERO,
                closed_notional: Money::ZERO,
                params: OpenParams {
                    leverage: p.leverage,
                    ..self.open_params
                },
                funding: p.funding,
                leverage: p.leverage,
                take_profit: p.take_profit,
                stop_loss: p.stop_loss,
                liquidation_price: p.liquidation_price,
                mark: p.mark,
                confidence: p.confidence,
                strategy: Cow::Owned(p.strategy),
                signal_id: p.signal_id,
            })?;
        }
        if s.halted.is_some() {
            // The halt was meant to flatten: finish the job on each symbol's next tick.
            self.flatten_all(UnixNanos::MIN, crate::portfolio::ExitReason::KillSwitch);
        }
        Ok(())
    }

    /// Restores an open position, its exits at the venue, and its symbol's state.
    fn restore_position(&mut self, pos: Position) -> Result<(), EngineError> {
        let interval = self.config.execution.funding_interval_ns;
        let st = self.state(pos.symbol)?;
        st.last_price = pos.mark.to_f64();
        st.next_funding = next_funding_time(pos.entry_event, interval);
        st.held = Some(Held {
            shadow: false,
            marked: f64::NAN,
        });
        let long = pos.side == Side::Long;
        self.venue.restore_position(
            pos.symbol,
            pos.signed_qty().units(),
            pos.cost_basis,
            pos.params.leverage,
        );
        self.venue
            .set_liquidation(pos.symbol, Some((pos.side, pos.liquidation_price.to_f64())));
        self.venue.restore_exits(
            pos.symbol,
            long,
            pos.qty,
            pos.stop_loss,
            pos.take_profit,
            pos.strategy.clone(),
            pos.entry_ts,
        );
        self.venue.set_market(
            pos.symbol,
            crate::sim::MarketMemory {
                last: pos.mark.to_f64(),
                ..Default::default()
            },
        );
        self.account.restore_position(pos);
        Ok(())
    }
}
