//! `quantum._core.Engine`: the engine behind `quantum.Engine` and `quantum.backtest`.

use numpy::{PyArray1, PyReadonlyArray1};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyTuple};

use std::borrow::Cow;

use super::convert::{money, parse_side, price, qty};
use super::errors::quantum_error;
use super::events::events_tuple;
use super::order_strategy::PyOrderStrategy;
use super::strategy::PyStrategy;
use crate::engine::{DepthColumns, Engine, EngineConfig, EngineError, NullSink, Provenance};
use crate::metrics::Metrics;
use crate::risk::{HaltReason, RiskReject};
use crate::sanitizer::RejectReason;
use crate::strategy::IgnoreReason;
use crate::tick::{Tick, TickColumns};

/// Maps an engine error to the `quantum.errors` hierarchy (a Python strategy's own exception is
/// re-raised unchanged).
pub(crate) fn engine_error(e: EngineError) -> PyErr {
    match e {
        EngineError::Config(m) => quantum_error("ConfigError", (m,)),
        EngineError::Columns(c) => {
            let crate::tick::columns::ColumnsError::Length { column, .. } = &c;
            quantum_error("ColumnError", (c.to_string(), column.to_string()))
        }
        EngineError::SymbolOutOfRange(_) => quantum_error("DataError", (e.to_string(),)),
        EngineError::Strategy(mut s) => match s.source.take().map(|b| b.downcast::<PyErr>()) {
            Some(Ok(py_err)) => *py_err,
            _ => quantum_error("QuantumError", (s.to_string(),)),
        },
        EngineError::Risk(r) => quantum_error("RiskRejected", (r.to_string(), r.as_str())),
        EngineError::Order(m) => quantum_error("OrderError", (m,)),
        EngineError::Rejected(r) => {
            quantum_error("OrderError", (format!("order rejected: {}", r.as_str()),))
        }
    }
}

/// Column names the engine reads, float columns first.
const FLOAT_COLUMNS: [&str; 15] = [
    "price",
    "bid",
    "ask",
    "bid_qty",
    "ask_qty",
    "volume",
    "buy_volume",
    "sell_volume",
    "open",
    "high",
    "low",
    "close",
    "liq_volume",
    "funding_rate",
    "open_interest",
];

fn column<'py, T: numpy::Element>(
    cols: &Bound<'py, PyDict>,
    name: &str,
    dtype: &str,
) -> PyResult<Option<PyReadonlyArray1<'py, T>>> {
    let Some(obj) = cols.get_item(name)? else {
        return Ok(None);
    };
    let arr: PyReadonlyArray1<'py, T> = obj.extract().map_err(|_| {
        quantum_error(
            "ColumnError",
            (
                format!("column '{name}' must be a 1-D {dtype} array"),
                name.to_string(),
            ),
        )
    })?;
    if arr.as_slice().is_err() {
        return Err(quantum_error(
            "ColumnError",
            (
                format!("column '{name}' must be contiguous"),
                name.to_string(),
            ),
        ));
    }
    Ok(Some(arr))
}

fn slice_of<'a, T: numpy::Element>(c: &'a Option<PyReadonlyArray1<'_, T>>) -> Option<&'a [T]> {
    c.as_ref().map(|a| a.as_slice().unwrap_or(&[]))
}

/// The tick columns of a dict, borrowed from NumPy (validated dtypes, contiguous).
struct TickArrays<'py> {
    ts_event: PyReadonlyArray1<'py, i64>,
    ts_recv: Option<PyReadonlyArray1<'py, i64>>,
    symbol: Option<PyReadonlyArray1<'py, u32>>,
    liq_side: Option<PyReadonlyArray1<'py, i8>>,
    floats: Vec<Option<PyReadonlyArray1<'py, f64>>>,
}

impl<'py> TickArrays<'py> {
    fn extract(columns: &Bound<'py, PyDict>) -> PyResult<Self> {
        let ts_event = column::<i64>(columns, "ts_event", "int64")?.ok_or_else(|| {
            quantum_error("ColumnError", ("column 'ts_event' is required", "ts_event"))
        })?;
        let mut floats = Vec::with_capacity(FLOAT_COLUMNS.len());
        for name in FLOAT_COLUMNS {
            floats.push(column::<f64>(columns, name, "float64")?);
        }
        Ok(TickArrays {
            ts_event,
            ts_recv: column::<i64>(columns, "ts_recv", "int64")?,
            symbol: column::<u32>(columns, "symbol", "uint32")?,
            liq_side: column::<i8>(columns, "liq_side", "int8")?,
            floats,
        })
    }

    /// Slices over the arrays (contiguity was checked in `column`).
    fn columns(&self) -> TickColumns<'_> {
        let f = &self.floats;
        TickColumns {
            ts_event: self.ts_event.as_slice().unwrap_or(&[]),
            ts_recv: slice_of(&self.ts_recv),
            symbol: slice_of(&self.symbol),
            liq_side: slice_of(&self.liq_side),
            price: slice_of(&f[0]),
            bid: slice_of(&f[1]),
            ask: slice_of(&f[2]),
            bid_qty: slice_of(&f[3]),
            ask_qty: slice_of(&f[4]),
            volume: slice_of(&f[5]),
            buy_volume: slice_of(&f[6]),
            sell_volume: slice_of(&f[7]),
            open: slice_of(&f[8]),
            high: slice_of(&f[9]),
            low: slice_of(&f[10]),
            close: slice_of(&f[11]),
            liq_volume: slice_of(&f[12]),
            funding_rate: slice_of(&f[13]),
            open_interest: slice_of(&f[14]),
        }
    }
}

fn parse_config(json: &str) -> PyResult<EngineConfig> {
    serde_json::from_str(json)
        .map_err(|e| quantum_error("ConfigError", (format!("engine config: {e}"),)))
}

/// The trading engine of one account.
#[pyclass(module = "quantum._core", name = "Engine")]
pub struct PyEngine {
    pub(super) inner: Engine,
    /// Names of the Python order strategies added (their auto client ids start with them).
    order_strategies: Vec<String>,
}

#[pymethods]
impl PyEngine {
    /// An engine from a JSON config (the serialised `quantum.EngineConfig`).
    #[new]
    fn new(config_json: &str) -> PyResult<Self> {
        let cfg = parse_config(config_json)?;
        Ok(PyEngine {
            inner: Engine::new(cfg).map_err(engine_error)?,
            order_strategies: Vec::new(),
        })
    }

    /// Adds a Python strategy: an object with `on_tick(tick, features)` returning None or an
    /// object with `side`, `confidence` and `reason`.
    fn add_strategy(&mut self, name: String, strategy: Py<PyAny>) {
        self.inner.add_strategy(Box::new(PyStrategy {
            name,
            obj: strategy,
        }));
    }

    /// Adds a Python strategy that trades with orders: an object with `on_market(ctx)` and
    /// `on_order(ctx, event)`. `symbols` names the symbol ids for its context and events. Two
    /// order strategies may not share a name (it prefixes their orders' client ids).
    #[pyo3(signature = (name, strategy, symbols=None))]
    fn add_order_strategy(
        &mut self,
        py: Python<'_>,
        name: String,
        strategy: Py<PyAny>,
        symbols: Option<Vec<String>>,
    ) -> PyResult<()> {
        if self.order_strategies.contains(&name) {
            return Err(quantum_error(
                "ConfigError",
                (format!(
                    "an order strategy named {name:?} was already added"
                ),),
            ));
        }
        for method in ["on_market", "on_order"] {
            if !strategy.bind(py).hasattr(method)? {
                return Err(quantum_error(
                    "ConfigError",
                    (format!("order strategy {name:?} has no {method} method"),),
                ));
            }
        }
        self.order_strategies.push(name.clone());
        let s = PyOrderStrategy::new(py, name, strategy, symbols.unwrap_or_default());
        self.inner.add_order_strategy(Box::new(s));
        Ok(())
    }

    /// Processes one tick; returns the events it produced (an empty tuple most of the time).
    #[pyo3(signature = (ts_event, ts_recv, symbol, price=f64::NAN, bid=f64::NAN, ask=f64::NAN,
        bid_qty=f64::NAN, ask_qty=f64::NAN, volume=f64::NAN, buy_volume=f64::NAN,
        sell_volume=f64::NAN, open=f64::NAN, high=f64::NAN, low=f64::NAN, close=f64::NAN,
        liq_volume=f64::NAN, liq_side=0, funding_rate=f64::NAN, open_interest=f64::NAN))]
    #[allow(clippy::too_many_arguments)]
    fn on_tick<'py>(
        &mut self,
        py: Python<'py>,
        ts_event: i64,
        ts_recv: i64,
        symbol: u32,
        price: f64,
        bid: f64,
        ask: f64,
        bid_qty: f64,
        ask_qty: f64,
        volume: f64,
        buy_volume: f64,
        sell_volume: f64,
        open: f64,
        high: f64,
        low: f64,
        close: f64,
        liq_volume: f64,
        liq_side: i8,
        funding_rate: f64,
        open_interest: f64,
    ) -> PyResult<Bound<'py, PyTuple>> {
        let t = Tick {
            ts_event,
            ts_recv,
            symbol,
            liq_side,
            price,
            bid,
            ask,
            bid_qty,
            ask_qty,
            volume,
            buy_volume,
            sell_volume,
            open,
            high,
            low,
            close,
            liq_volume,
            funding_rate,
            open_interest,
        };
        let mut events = Vec::new();
        self.inner.process(&t, &mut events).map_err(engine_error)?;
        events_tuple(py, events)
    }

    /// Runs a batch of tick columns (a dict of 1-D NumPy arrays) with the GIL released.
    fn run(&mut self, py: Python<'_>, columns: &Bound<'_, PyDict>) -> PyResult<()> {
        let arrays = TickArrays::extract(columns)?;
        let cols = arrays.columns();
        let engine = &mut self.inner;
        py.detach(|| engine.run(&cols, &mut NullSink))
            .map_err(engine_error)
    }

    /// Runs ticks and L2 depth messages (a dict of CSR columns) merged in arrival order
    /// (`tick_seq` / `depth_seq`, or receive time when absent), with the GIL released.
    #[pyo3(signature = (columns, depth, tick_seq=None, depth_seq=None))]
    fn run_with_depth(
        &mut self,
        py: Python<'_>,
        columns: &Bound<'_, PyDict>,
        depth: &Bound<'_, PyDict>,
        tick_seq: Option<PyReadonlyArray1<'_, i64>>,
        depth_seq: Option<PyReadonlyArray1<'_, i64>>,
    ) -> PyResult<()> {
        let arrays = TickArrays::extract(columns)?;
        let cols = arrays.columns();
        let need = |name: &'static str| -> PyResult<Bound<'_, PyAny>> {
            depth.get_item(name)?.ok_or_else(|| {
                quantum_error(
                    "ColumnError",
                    (format!("depth column '{name}' is required"), name),
                )
            })
        };
        macro_rules! arr {
            ($name:literal, $t:ty, $dt:literal) => {{
                let obj = need($name)?;
                let a: PyReadonlyArray1<'_, $t> = obj.extract().map_err(|_| {
                    quantum_error(
                        "ColumnError",
                        (
                            format!("depth column '{}' must be a 1-D {} array", $name, $dt),
                            $name,
                        ),
                    )
                })?;
                if a.as_slice().is_err() {
                    return Err(quantum_error(
                        "ColumnError",
                        (
                            format!("depth column '{}' must be contiguous", $name),
                            $name,
                        ),
                    ));
                }
                a
            }};
        }
        let (te, tr, sy) = (
            arr!("ts_event", i64, "int64"),
            arr!("ts_recv", i64, "int64"),
            arr!("symbol", u32, "uint32"),
        );
        let (fi, la, pr) = (
            arr!("first_id", u64, "uint64"),
            arr!("last_id", u64, "uint64"),
            arr!("prev_id", u64, "uint64"),
        );
        let (sn, off) = (
            arr!("is_snapshot", u8, "uint8/bool"),
            arr!("level_offsets", i64, "int64"),
        );
        let (sd, px, qt) = (
            arr!("side", i8, "int8"),
            arr!("price", f64, "float64"),
            arr!("qty", f64, "float64"),
        );
        let d = DepthColumns {
            ts_event: te.as_slice().unwrap_or(&[]),
            ts_recv: tr.as_slice().unwrap_or(&[]),
            symbol: sy.as_slice().unwrap_or(&[]),
            first_id: fi.as_slice().unwrap_or(&[]),
            last_id: la.as_slice().unwrap_or(&[]),
            prev_id: pr.as_slice().unwrap_or(&[]),
            is_snapshot: sn.as_slice().unwrap_or(&[]),
            level_offsets: off.as_slice().unwrap_or(&[]),
            side: sd.as_slice().unwrap_or(&[]),
            price: px.as_slice().unwrap_or(&[]),
            qty: qt.as_slice().unwrap_or(&[]),
        };
        let order = match (&tick_seq, &depth_seq) {
            (Some(t), Some(d)) => Some((
                t.as_slice().map_err(|_| {
                    quantum_error("ColumnError", ("tick_seq must be contiguous", "tick_seq"))
                })?,
                d.as_slice().map_err(|_| {
                    quantum_error("ColumnError", ("depth_seq must be contiguous", "depth_seq"))
                })?,
            )),
            (None, None) => None,
            _ => {
                return Err(quantum_error(
                    "ColumnError",
                    ("give both tick_seq and depth_seq, or neither", "tick_seq"),
                ))
            }
        };
        let engine = &mut self.inner;
        py.detach(|| engine.run_with_depth(&cols, &d, order, &mut NullSink))
            .map_err(engine_error)
    }

    /// Order book counters summed over symbols (None when no depth was seen).
    fn book_stats<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyDict>>> {
        let Some(b) = self.inner.book_stats() else {
            return Ok(None);
        };
        let d = PyDict::new(py);
        d.set_item("updates_applied", b.updates_applied)?;
        d.set_item("levels_applied", b.levels_applied)?;
        d.set_item("gaps", b.gaps)?;
        d.set_item("checksum_failures", b.checksum_failures)?;
        d.set_item("crossed", b.crossed)?;
        d.set_item("resyncs", b.resyncs)?;
        d.set_item("stale_skipped", b.stale_skipped)?;
        Ok(Some(d))
    }

    /// Closes the equity curve after the last tick of a backtest.
    fn finish(&mut self) {
        self.inner.finish();
    }

    /// Counters: ticks processed/accepted/rejected, signals (reported, ignored, shadowed),
    /// real fills and trades, shadow trades.
    fn stats<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let s = self.inner.stats();
        let d = PyDict::new(py);
        d.set_item("ticks_processed", s.ticks_processed)?;
        d.set_item("ticks_accepted", s.ticks_accepted)?;
        d.set_item("ticks_rejected", s.ticks_rejected)?;
        d.set_item("signals", s.signals)?;
        d.set_item("signals_ignored", s.signals_ignored_total())?;
        d.set_item("signals_shadowed", s.signals_shadowed)?;
        d.set_item("fills", s.fills)?;
        d.set_item("trades", s.trades)?;
        d.set_item("shadow_trades", s.shadow_trades)?;
        Ok(d)
    }

    /// Rejections by reason: `tick:<reason>` (sanitizer), `signal:<reason>` (signals not acted
    /// on) and `risk:<reason>` (entries DRB-Guard or sizing refused).
    fn rejections<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        let ticks = self.inner.tick_rejections();
        for r in RejectReason::ALL {
            if ticks.get(r) > 0 {
                d.set_item(format!("tick:{}", r.as_str()), ticks.get(r))?;
            }
        }
        let s = self.inner.stats();
        for r in IgnoreReason::ALL {
            let n = s.signals_ignored[r as usize];
            if n > 0 {
                d.set_item(format!("signal:{}", r.as_str()), n)?;
            }
        }
        for r in RiskReject::ALL {
            if s.orders_rejected[r as usize] > 0 {
                d.set_item(
                    format!("risk:{}", r.as_str()),
                    s.orders_rejected[r as usize],
                )?;
            }
        }
        Ok(d)
    }

    /// Closed trades as columns (NumPy arrays; exact P&L as decimal strings).
    fn trade_columns<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        super::journal::trades(py, self.inner.trades())
    }

    /// Everything the run recorded as column dicts: `trades`, `shadow_trades`, `fills`,
    /// `funding`, `rejected_ticks`, and `strategies` (each strategy's statistics).
    fn journal<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        super::journal::all(py, &self.inner)
    }

    /// Each strategy's trade statistics (real and shadow) and current size fraction.
    fn strategy_stats<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        super::journal::strategies(py, &self.inner)
    }

    /// The sampled equity curve: (event times ns, equity floats).
    fn equity_curve<'py>(
        &self,
        py: Python<'py>,
    ) -> (Bound<'py, PyArray1<i64>>, Bound<'py, PyArray1<f64>>) {
        let c = self.inner.equity_tracker().curve();
        (
            PyArray1::from_vec(py, c.iter().map(|p| p.0).collect()),
            PyArray1::from_vec(py, c.iter().map(|p| p.1.to_f64()).collect()),
        )
    }

    /// SPEC §9 metrics; money as Decimal.
    fn metrics<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let m = Metrics::of(&self.inner);
        let d = PyDict::new(py);
        d.set_item("num_trades", m.num_trades)?;
        d.set_item("wins", m.wins)?;
        d.set_item("losses", m.losses)?;
        d.set_item("win_rate", m.win_rate)?;
        d.set_item("total_pnl", money(py, m.total_pnl)?)?;
        d.set_item("net_pnl", money(py, m.net_pnl)?)?;
        d.set_item("fees", money(py, m.fees)?)?;
        d.set_item("funding", money(py, m.funding)?)?;
        d.set_item("unrealized_pnl", money(py, m.unrealized_pnl)?)?;
        d.set_item("initial_capital", money(py, m.initial_capital)?)?;
        d.set_item("final_equity", money(py, m.final_equity)?)?;
        d.set_item("return_pct", m.return_pct)?;
        d.set_item("profit_factor", m.profit_factor)?;
        d.set_item("sharpe", m.sharpe)?;
        d.set_item("sortino", m.sortino)?;
        d.set_item("max_drawdown", m.max_drawdown)?;
        d.set_item("max_drawdown_duration_s", m.max_drawdown_duration_s)?;
        d.set_item("exposure", m.exposure)?;
        d.set_item("avg_trade_pnl", m.avg_trade_pnl)?;
        Ok(d)
    }

    /// Current equity (Decimal).
    #[getter]
    fn equity<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        money(py, self.inner.account().equity())
    }

    /// Open positions as dicts.
    fn positions<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        let out = PyList::empty(py);
        for p in self.inner.account().positions() {
            let d = PyDict::new(py);
            d.set_item("symbol", p.symbol)?;
            d.set_item("side", p.side.as_str())?;
            d.set_item("qty", qty(py, p.qty)?)?;
            d.set_item("entry_price", price(py, p.entry_price)?)?;
            d.set_item("entry_ts", p.entry_ts)?;
            d.set_item("mark", price(py, p.mark)?)?;
            d.set_item("unrealized_pnl", money(py, p.unrealized())?)?;
            d.set_item("leverage", p.leverage)?;
            d.set_item(
                "take_profit",
                p.take_profit.map(|x| price(py, x)).transpose()?,
            )?;
            d.set_item("stop_loss", p.stop_loss.map(|x| price(py, x)).transpose()?)?;
            d.set_item("liquidation_price", price(py, p.liquidation_price)?)?;
            d.set_item("strategy", p.strategy.as_ref())?;
            d.set_item("confidence", p.confidence)?;
            d.set_item("signal_id", p.signal_id)?;
            out.append(d)?;
        }
        Ok(out)
    }

    /// DRB-Guard state.
    fn risk_state<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let r = self.inner.risk_state();
        let eq = self.inner.account().equity();
        let d = PyDict::new(py);
        d.set_item("peak_equity", money(py, r.peak_equity)?)?;
        d.set_item("equity", money(py, eq)?)?;
        d.set_item("drawdown", r.drawdown(eq))?;
        d.set_item("halted", r.halted.is_some())?;
        d.set_item("halt_reason", r.halted.map(HaltReason::as_str))?;
        d.set_item("trades_today", r.trades_today)?;
        let guard = crate::risk::DrbGuard::new(self.inner.config().risk.clone());
        let sizes = PyDict::new(py);
        for s in &r.strategies {
            sizes.set_item(s.name.as_ref(), guard.size_fraction(r, &s.name))?;
        }
        d.set_item("size_fractions", sizes)?;
        d.set_item("size_fraction_default", guard.size_fraction(r, ""))?;
        Ok(d)
    }

    /// A manual entry (executed signal or user order), checked by DRB-Guard now; fills on the
    /// symbol's next tick. An executed signal passes its `strategy`, `confidence` and
    /// `signal_id`; a user's own order leaves them out (`manual`, confidence 1). Returns the
    /// quantity as Decimal.
    #[pyo3(signature = (symbol, side, ts_recv, ts_event, qty=None, leverage=None, strategy=None, confidence=None, signal_id=None))]
    #[allow(clippy::too_many_arguments)]
    fn submit_entry<'py>(
        &mut self,
        py: Python<'py>,
        symbol: u32,
        side: &str,
        ts_recv: i64,
        ts_event: i64,
        qty: Option<f64>,
        leverage: Option<f64>,
        strategy: Option<String>,
        confidence: Option<f64>,
        signal_id: Option<u64>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let side = parse_side(side)?;
        let provenance = match strategy {
            Some(name) => Provenance {
                strategy: Cow::Owned(name),
                confidence: confidence.unwrap_or(1.0).clamp(0.0, 1.0),
                signal_id,
            },
            None => Provenance::manual(),
        };
        let q = self
            .inner
            .submit_entry(symbol, side, qty, leverage, ts_recv, ts_event, provenance)
            .map_err(engine_error)?;
        super::convert::qty(py, q)
    }

    /// Withdraws the entry of a symbol that has not filled (a cancel goes to the venue, sent at
    /// local time `ts_recv`); returns whether there was one.
    fn cancel_pending_entry(&mut self, symbol: u32, ts_recv: i64) -> bool {
        self.inner.cancel_pending_entry(symbol, ts_recv)
    }

    /// Closes a position on its symbol's next tick.
    fn submit_close(&mut self, symbol: u32, ts_recv: i64) -> PyResult<()> {
        self.inner
            .submit_close(symbol, ts_recv)
            .map_err(engine_error)
    }

    /// Operator halt: stops entries and flattens every position.
    fn halt(&mut self, ts_recv: i64) {
        self.inner.halt(ts_recv);
    }

    /// Lifts the kill switch.
    fn reset_halt(&mut self) {
        self.inner.reset_halt();
    }

    /// The persistent state as a dict of exact decimal strings (for the store).
    fn export_state<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        super::state::export(py, &self.inner)
    }

    /// Restores the state exported by `export_state` (symbols as ids).
    fn restore_state(&mut self, state: &Bound<'_, PyDict>) -> PyResult<()> {
        super::state::restore(&mut self.inner, state)
    }
}
