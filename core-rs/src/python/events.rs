//! Engine events as Python objects (one frozen class per kind), built only on the `on_tick` path.

use pyo3::prelude::*;
use pyo3::types::PyTuple;

use super::convert::{money, price, qty};
use crate::engine::Event;
use crate::portfolio::{FillKind, Trade};

/// The winning signal of a tick.
#[pyclass(frozen, get_all, module = "quantum._core")]
pub struct SignalEvent {
    /// Exchange time, ns.
    pub ts_event: i64,
    /// Local receive time, ns.
    pub ts_recv: i64,
    /// Symbol id.
    pub symbol: u32,
    /// "LONG" or "SHORT".
    pub side: &'static str,
    /// Reference price.
    pub price: f64,
    /// Confidence in [0, 1].
    pub confidence: f64,
    /// Strategy name.
    pub strategy: String,
    /// Reason.
    pub reason: String,
}

/// A tick the sanitizer rejected.
#[pyclass(frozen, get_all, module = "quantum._core")]
pub struct TickRejectedEvent {
    /// Exchange time, ns.
    pub ts_event: i64,
    /// Symbol id.
    pub symbol: u32,
    /// Reason name.
    pub reason: &'static str,
}

/// An entry DRB-Guard refused.
#[pyclass(frozen, get_all, module = "quantum._core")]
pub struct OrderRejectedEvent {
    /// Decision time, ns.
    pub ts_recv: i64,
    /// Symbol id.
    pub symbol: u32,
    /// "LONG" or "SHORT".
    pub side: &'static str,
    /// Reason name.
    pub reason: &'static str,
}

/// An execution.
#[pyclass(frozen, get_all, module = "quantum._core")]
pub struct FillEvent {
    /// When the order was decided, ns (local clock).
    pub decided_at: i64,
    /// Fill time, ns (local clock).
    pub ts_recv: i64,
    /// Exchange time of the fill tick, ns.
    pub ts_event: i64,
    /// Symbol id.
    pub symbol: u32,
    /// "BUY" or "SELL".
    pub order_side: &'static str,
    /// Size (Decimal).
    pub qty: Py<PyAny>,
    /// Price (Decimal).
    pub price: Py<PyAny>,
    /// Fee (Decimal).
    pub fee: Py<PyAny>,
    /// "open" or "close".
    pub kind: &'static str,
    /// Exit reason for closes, else None.
    pub exit_reason: Option<&'static str>,
}

/// A closed trade.
#[pyclass(frozen, get_all, module = "quantum._core")]
pub struct TradeEvent {
    /// Symbol id.
    pub symbol: u32,
    /// "LONG" or "SHORT".
    pub side: &'static str,
    /// Size (Decimal).
    pub qty: Py<PyAny>,
    /// Entry price (Decimal).
    pub entry_price: Py<PyAny>,
    /// Exit price (Decimal).
    pub exit_price: Py<PyAny>,
    /// Entry time, ns.
    pub entry_ts: i64,
    /// Exit time, ns.
    pub exit_ts: i64,
    /// Gross P&L (Decimal).
    pub gross_pnl: Py<PyAny>,
    /// Fees (Decimal).
    pub fees: Py<PyAny>,
    /// Funding (Decimal).
    pub funding: Py<PyAny>,
    /// Net P&L (Decimal).
    pub pnl: Py<PyAny>,
    /// Net P&L / cost basis.
    pub pnl_pct: f64,
    /// Exit reason.
    pub exit_reason: &'static str,
    /// Opening confidence.
    pub confidence: f64,
    /// Opening strategy.
    pub strategy: String,
}

/// Funding charged on a position.
#[pyclass(frozen, get_all, module = "quantum._core")]
pub struct FundingEvent {
    /// Exchange time, ns.
    pub ts_event: i64,
    /// Symbol id.
    pub symbol: u32,
    /// Rate.
    pub rate: f64,
    /// Amount paid (Decimal; negative when received).
    pub amount: Py<PyAny>,
}

/// The kill switch tripped.
#[pyclass(frozen, get_all, module = "quantum._core")]
pub struct HaltedEvent {
    /// Exchange time, ns.
    pub ts_event: i64,
    /// "drawdown" or "manual".
    pub reason: &'static str,
    /// Equity (Decimal).
    pub equity: Py<PyAny>,
    /// Drawdown from peak, fraction.
    pub drawdown: f64,
}

pub(crate) fn trade_event(py: Python<'_>, t: &Trade) -> PyResult<TradeEvent> {
    Ok(TradeEvent {
        symbol: t.symbol,
        side: t.side.as_str(),
        qty: qty(py, t.qty)?.unbind(),
        entry_price: price(py, t.entry_price)?.unbind(),
        exit_price: price(py, t.exit_price)?.unbind(),
        entry_ts: t.entry_ts,
        exit_ts: t.exit_ts,
        gross_pnl: money(py, t.gross_pnl)?.unbind(),
        fees: money(py, t.fees)?.unbind(),
        funding: money(py, t.funding)?.unbind(),
        pnl: money(py, t.pnl)?.unbind(),
        pnl_pct: t.pnl_pct,
        exit_reason: t.exit_reason.as_str(),
        confidence: t.confidence,
        strategy: t.strategy.to_string(),
    })
}

fn to_py(py: Python<'_>, e: Event) -> PyResult<Bound<'_, PyAny>> {
    Ok(match e {
        Event::Signal(s) => Bound::new(
            py,
            SignalEvent {
                ts_event: s.ts_event,
                ts_recv: s.ts_recv,
                symbol: s.symbol,
                side: s.target.as_str(),
                price: s.price,
                confidence: s.confidence,
                strategy: s.strategy.into_owned(),
                reason: s.reason.into_owned(),
            },
        )?
        .into_any(),
        Event::TickRejected { ts_event, symbol, reason } => {
            Bound::new(py, TickRejectedEvent { ts_event, symbol, reason: reason.as_str() })?.into_any()
        }
        Event::OrderRejected { ts_recv, symbol, side, reason } => Bound::new(
            py,
            OrderRejectedEvent { ts_recv, symbol, side: side.as_str(), reason: reason.as_str() },
        )?
        .into_any(),
        Event::Fill(f) => {
            let (kind, exit_reason) = match f.kind {
                FillKind::Open => ("open", None),
                FillKind::Close(r) => ("close", Some(r.as_str())),
            };
            Bound::new(
                py,
                FillEvent {
                    decided_at: f.decided_at,
                    ts_recv: f.ts_recv,
                    ts_event: f.ts_event,
                    symbol: f.symbol,
                    order_side: match f.order_side {
                        crate::types::OrderSide::Buy => "BUY",
                        crate::types::OrderSide::Sell => "SELL",
                    },
                    qty: qty(py, f.qty)?.unbind(),
                    price: price(py, f.price)?.unbind(),
                    fee: money(py, f.fee)?.unbind(),
                    kind,
                    exit_reason,
                },
            )?
            .into_any()
        }
        Event::TradeClosed(t) => Bound::new(py, trade_event(py, &t)?)?.into_any(),
        Event::Funding { ts_event, symbol, rate, amount } => Bound::new(
            py,
            FundingEvent { ts_event, symbol, rate, amount: money(py, amount)?.unbind() },
        )?
        .into_any(),
        Event::Halted { ts_event, reason, equity, drawdown } => Bound::new(
            py,
            HaltedEvent { ts_event, reason: reason.as_str(), equity: money(py, equity)?.unbind(), drawdown },
        )?
        .into_any(),
    })
}

/// Converts a tick's events to a tuple (the empty tuple is a shared singleton: no allocation).
pub(crate) fn events_tuple(py: Python<'_>, events: Vec<Event>) -> PyResult<Bound<'_, PyTuple>> {
    if events.is_empty() {
        return Ok(PyTuple::empty(py));
    }
    let items = events.into_iter().map(|e| to_py(py, e)).collect::<PyResult<Vec<_>>>()?;
    PyTuple::new(py, items)
}

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<SignalEvent>()?;
    m.add_class::<TickRejectedEvent>()?;
    m.add_class::<OrderRejectedEvent>()?;
    m.add_class::<FillEvent>()?;
    m.add_class::<TradeEvent>()?;
    m.add_class::<FundingEvent>()?;
    m.add_class::<HaltedEvent>()?;
    Ok(())
}
