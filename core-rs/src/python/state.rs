//! The engine's persistent state as Python dicts of exact decimal strings (what the store
//! keeps), and back.

use std::borrow::Cow;

use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};

use super::convert::{parse_side, parse_units};
use super::errors::quantum_error;
use crate::engine::{Engine, EngineState, PositionState};
use crate::risk::{HaltReason, StrategyStats};
use crate::types::{Money, Price, Qty};

fn item<'py>(d: &Bound<'py, PyDict>, k: &str) -> PyResult<Bound<'py, PyAny>> {
    d.get_item(k)?
        .ok_or_else(|| quantum_error("DataError", (format!("engine state is missing '{k}'"),)))
}

fn units_of(d: &Bound<'_, PyDict>, k: &str) -> PyResult<i64> {
    let v = item(d, k)?;
    parse_units(&v.str()?.to_cow()?, k)
}

fn optional_units(d: &Bound<'_, PyDict>, k: &str) -> PyResult<Option<i64>> {
    match d.get_item(k)? {
        None => Ok(None),
        Some(v) if v.is_none() => Ok(None),
        Some(_) => units_of(d, k).map(Some),
    }
}

fn optional<'py, T: FromPyObjectOwned<'py>>(
    d: &Bound<'py, PyDict>,
    k: &str,
) -> PyResult<Option<T>> {
    match d.get_item(k)? {
        None => Ok(None),
        Some(v) if v.is_none() => Ok(None),
        Some(v) => v.extract().map(Some).map_err(Into::into),
    }
}

/// `Engine::export_state` as a dict.
pub(super) fn export<'py>(py: Python<'py>, engine: &Engine) -> PyResult<Bound<'py, PyDict>> {
    let s = engine.export_state();
    let d = PyDict::new(py);
    d.set_item("cash", s.cash.to_string())?;
    d.set_item("realized_pnl", s.realized.to_string())?;
    d.set_item("fees", s.fees.to_string())?;
    d.set_item("funding", s.funding.to_string())?;
    d.set_item("peak_equity", s.peak_equity.to_string())?;
    d.set_item("halted", s.halted.is_some())?;
    d.set_item("halt_reason", s.halted.map(HaltReason::as_str))?;
    d.set_item("trade_day", s.trade_day)?;
    d.set_item("trades_today", s.trades_today)?;
    d.set_item("wins", s.wins)?;
    d.set_item("losses", s.losses)?;
    d.set_item("sum_win", s.sum_win.to_string())?;
    d.set_item("sum_loss", s.sum_loss.to_string())?;
    let strategies = PyList::empty(py);
    for st in &s.strategies {
        let sd = PyDict::new(py);
        sd.set_item("name", st.name.as_ref())?;
        sd.set_item("wins", st.wins)?;
        sd.set_item("losses", st.losses)?;
        sd.set_item("sum_win", st.sum_win)?;
        sd.set_item("sum_loss", st.sum_loss)?;
        sd.set_item("shadow_trades", st.shadow_trades)?;
        sd.set_item("shadow_wins", st.shadow_wins)?;
        sd.set_item("shadow_pnl", st.shadow_pnl.to_string())?;
        strategies.append(sd)?;
    }
    d.set_item("strategies", strategies)?;
    let positions = PyList::empty(py);
    for p in &s.positions {
        let pd = PyDict::new(py);
        pd.set_item("symbol", p.symbol)?;
        pd.set_item("side", p.side.as_str())?;
        pd.set_item("qty", p.qty.to_string())?;
        pd.set_item("entry_price", p.entry_price.to_string())?;
        pd.set_item("entry_ts", p.entry_ts)?;
        pd.set_item("leverage", p.leverage)?;
        pd.set_item("take_profit", p.take_profit.map(|x| x.to_string()))?;
        pd.set_item("stop_loss", p.stop_loss.map(|x| x.to_string()))?;
        pd.set_item("liquidation_price", p.liquidation_price.to_string())?;
        pd.set_item("cost_basis", p.cost_basis.to_string())?;
        pd.set_item("entry_fee", p.entry_fee.to_string())?;
        pd.set_item("funding", p.funding.to_string())?;
        pd.set_item("mark", p.mark.to_string())?;
        pd.set_item("confidence", p.confidence)?;
        pd.set_item("strategy", &p.strategy)?;
        pd.set_item("signal_id", p.signal_id)?;
        positions.append(pd)?;
    }
    d.set_item("positions", positions)?;
    Ok(d)
}

/// `Engine::restore_state` from a dict made by [`export`] (an older state without strategy
/// statistics restores with none).
pub(super) fn restore(engine: &mut Engine, state: &Bound<'_, PyDict>) -> PyResult<()> {
    let (get, units) = (item, units_of);
    let mut positions = Vec::new();
    for p in get(state, "positions")?.try_iter()? {
        let p = p?;
        let p = p.cast::<PyDict>()?;
        let side: String = get(p, "side")?.extract()?;
        positions.push(PositionState {
            symbol: get(p, "symbol")?.extract()?,
            side: parse_side(&side)?,
            qty: Qty(units(p, "qty")?),
            entry_price: Price(units(p, "entry_price")?),
            entry_ts: get(p, "entry_ts")?.extract()?,
            leverage: get(p, "leverage")?.extract()?,
            take_profit: optional_units(p, "take_profit")?.map(Price),
            stop_loss: optional_units(p, "stop_loss")?.map(Price),
            liquidation_price: Price(units(p, "liquidation_price")?),
            cost_basis: Money(units(p, "cost_basis")?),
            entry_fee: Money(units(p, "entry_fee")?),
            funding: Money(units(p, "funding")?),
            mark: Price(units(p, "mark")?),
            confidence: get(p, "confidence")?.extract()?,
            strategy: get(p, "strategy")?.extract()?,
            signal_id: optional(p, "signal_id")?,
        });
    }
    let mut strategies = Vec::new();
    if let Some(list) = state.get_item("strategies")? {
        for sd in list.try_iter()? {
            let sd = sd?;
            let sd = sd.cast::<PyDict>()?;
            let name: String = get(sd, "name")?.extract()?;
            strategies.push(StrategyStats {
                name: Cow::Owned(name),
                wins: get(sd, "wins")?.extract()?,
                losses: get(sd, "losses")?.extract()?,
                sum_win: get(sd, "sum_win")?.extract()?,
                sum_loss: get(sd, "sum_loss")?.extract()?,
                shadow_trades: optional(sd, "shadow_trades")?.unwrap_or(0),
                shadow_wins: optional(sd, "shadow_wins")?.unwrap_or(0),
                shadow_pnl: Money(optional_units(sd, "shadow_pnl")?.unwrap_or(0)),
            });
        }
    }
    let halted: bool = get(state, "halted")?.extract()?;
    let halt_reason: Option<String> = get(state, "halt_reason")?.extract()?;
    let s = EngineState {
        cash: Money(units(state, "cash")?),
        realized: Money(units(state, "realized_pnl")?),
        fees: Money(units(state, "fees")?),
        funding: Money(units(state, "funding")?),
        peak_equity: Money(units(state, "peak_equity")?),
        halted: halted.then_some(match halt_reason.as_deref() {
            Some("manual") => HaltReason::Manual,
            _ => HaltReason::Drawdown,
        }),
        trade_day: get(state, "trade_day")?.extract()?,
        trades_today: get(state, "trades_today")?.extract()?,
        wins: get(state, "wins")?.extract()?,
        losses: get(state, "losses")?.extract()?,
        sum_win: Money(units(state, "sum_win")?),
        sum_loss: Money(units(state, "sum_loss")?),
        strategies,
        positions,
    };
    engine.restore_state(s).map_err(super::engine::engine_error)
}
