//! Engine events as Python objects (one frozen class per kind), built only on the `on_tick` path.

use pyo3::prelude::*;
use pyo3::types::PyTuple;

use super::convert::{money, price, qty};
use crate::engine::Event;
use crate::portfolio::{Fill, FillKind, Trade};
use crate::risk::RiskReject;
use crate::strategy::SignalDisposition;

/// The winning signal of a tick, with what the engine did with it.
#[pyclass(frozen, get_all, module = "quantum._core")]
pub struct SignalEvent {
    /// The engine's id of the signal (the arrival number of its tick).
    pub id: u64,
    /// Exchange time, ns.
    pub ts_event: i64,
    /// Local receive time, ns.
    pub ts_recv: i64,
    /// Symbol id.
    pub symbol: u32,
    /// "LONG", "SHORT" or "FLAT".
    pub side: &'static str,
    /// Reference price.
    pub price: f64,
    /// Confidence in [0, 1].
    pub confidence: f64,
    /// Strategy name.
    pub strategy: String,
    /// Reason.
    pub reason: String,
    /// What the engine did: "accepted" (an order will fill), "shadow" (sized to zero, followed
    /// as a shadow trade), "rejected" (DRB-Guard refused the entry) or "ignored".
    pub outcome: &'static str,
    /// Why it was rejected or ignored (e.g. "zero_size", "same_side", "manual_mode"), else None.
    pub outcome_reason: Option<&'static str>,
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
    /// The signal the entry was for (None for a manual order).
    pub signal_id: Option<u64>,
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
    /// A resting order's fill (maker fee).
    pub maker: bool,
    /// The signal that decided it (None for manual orders and triggered exits).
    pub signal_id: Option<u64>,
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
    /// The opening signal (None for manual orders).
    pub signal_id: Option<u64>,
}

/// A shadow trade closed: a signal Kelly sized to zero, followed with the same rules and no
/// capital (never in equity). `trade` holds its figures.
#[pyclass(frozen, get_all, module = "quantum._core")]
pub struct ShadowTradeEvent {
    /// The shadow trade.
    pub trade: Py<TradeEvent>,
}

/// Funding charged on a position at a funding time it was open through.
#[pyclass(frozen, get_all, module = "quantum._core")]
pub struct FundingEvent {
    /// The funding time settled, ns.
    pub funding_time: i64,
    /// Exchange time of the tick it was charged on, ns.
    pub ts_event: i64,
    /// Symbol id.
    pub symbol: u32,
    /// Rate in force at the funding time.
    pub rate: f64,
    /// The position's mark (Decimal).
    pub mark: Py<PyAny>,
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
        signal_id: t.signal_id,
    })
}

fn fill_event(py: Python<'_>, f: Fill) -> PyResult<FillEvent> {
    let (kind, exit_reason) = match f.kind {
        FillKind::Open => ("open", None),
        FillKind::Close(r) => ("close", Some(r.as_str())),
    };
    Ok(FillEvent {
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
        maker: f.maker,
        signal_id: f.signal_id,
    })
}

/// The Python object of an event; None for a shadow fill (the journal keeps those; `on_tick`
/// reports a shadow trade when it closes).
fn to_py(py: Python<'_>, e: Event) -> PyResult<Option<Bound<'_, PyAny>>> {
    Ok(Some(match e {
        Event::Signal(s) => {
            let (outcome, outcome_reason) = match s.disposition {
                SignalDisposition::Accepted => ("accepted", None),
                SignalDisposition::Shadow => ("shadow", Some(RiskReject::ZeroSize.as_str())),
                SignalDisposition::Rejected(r) => ("rejected", Some(r.as_str())),
                SignalDisposition::Ignored(r) => ("ignored", Some(r.as_str())),
            };
            Bound::new(
                py,
                SignalEvent {
                    id: s.id,
                    ts_event: s.ts_event,
                    ts_recv: s.ts_recv,
                    symbol: s.symbol,
                    side: s.target.as_str(),
                    price: s.price,
                    confidence: s.confidence,
                    strategy: s.strategy.into_owned(),
                    reason: s.reason.into_owned(),
                    outcome,
                    outcome_reason,
                },
            )?
            .into_any()
        }
        Event::TickRejected {
            ts_event,
            symbol,
            reason,
        } => Bound::new(
            py,
            TickRejectedEvent {
                ts_event,
                symbol,
                reason: reason.as_str(),
            },
        )?
        .into_any(),
        Event::OrderRejected {
            ts_recv,
            symbol,
            side,
            reason,
            signal_id,
        } => Bound::new(
            py,
            OrderRejectedEvent {
                ts_recv,
                symbol,
                side: side.as_str(),
                reason: reason.as_str(),
                signal_id,
            },
        )?
        .into_any(),
        Event::Fill(f) => Bound::new(py, fill_event(py, f)?)?.into_any(),
        Event::ShadowFill(_) => return Ok(None),
        Event::TradeClosed(t) => Bound::new(py, trade_event(py, &t)?)?.into_any(),
        Event::ShadowTradeClosed(t) => {
            let trade = Py::new(py, trade_event(py, &t)?)?;
            Bound::new(py, ShadowTradeEvent { trade })?.into_any()
        }
        Event::Funding(c) => Bound::new(
            py,
            FundingEvent {
                funding_time: c.funding_time,
                ts_event: c.ts_event,
                symbol: c.symbol,
                rate: c.rate,
                mark: price(py, c.mark)?.unbind(),
                amount: money(py, c.amount)?.unbind(),
            },
        )?
        .into_any(),
        Event::Halted {
            ts_event,
            reason,
            equity,
            drawdown,
        } => Bound::new(
            py,
            HaltedEvent {
                ts_event,
                reason: reason.as_str(),
                equity: money(py, equity)?.unbind(),
                drawdown,
            },
        )?
        .into_any(),
    }))
}

/// Converts a tick's events to a tuple (the empty tuple is a shared singleton: no allocation).
pub(crate) fn events_tuple(py: Python<'_>, events: Vec<Event>) -> PyResult<Bound<'_, PyTuple>> {
    if events.is_empty() {
        return Ok(PyTuple::empty(py));
    }
    let mut items = Vec::with_capacity(events.len());
    for e in events {
        if let Some(obj) = to_py(py, e)? {
            items.push(obj);
        }
    }
    PyTuple::new(py, items)
}

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<SignalEvent>()?;
    m.add_class::<TickRejectedEvent>()?;
    m.add_class::<OrderRejectedEvent>()?;
    m.add_class::<FillEvent>()?;
    m.add_class::<TradeEvent>()?;
    m.add_class::<ShadowTradeEvent>()?;
    m.add_class::<FundingEvent>()?;
    m.add_class::<HaltedEvent>()?;
    Ok(())
}
