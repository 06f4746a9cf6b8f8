//! What a backtest produced, as columns of NumPy arrays: trades (real and shadow), the journal's
//! fills, funding payments and rejected ticks, and each strategy's statistics. Exact values go
//! as decimal strings beside the floats, so reports and the auditor can check to the last unit.

use numpy::PyArray1;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};

use super::convert::money;
use crate::engine::Engine;
use crate::orders::AnyOrder;
use crate::portfolio::{Fill, FillKind, FundingCharge, Trade};
use crate::sim::OrderRecord;
use crate::types::OrderSide;

/// A column of `rows` mapped by `g`, as a NumPy array.
fn col<'py, R, T: numpy::Element>(
    py: Python<'py>,
    rows: &[R],
    g: impl Fn(&R) -> T,
) -> Bound<'py, PyArray1<T>> {
    PyArray1::from_vec(py, rows.iter().map(g).collect())
}

/// A column of strings.
fn text<R>(rows: &[R], g: impl Fn(&R) -> String) -> Vec<String> {
    rows.iter().map(g).collect()
}

/// Trades as columns.
pub(super) fn trades<'py>(py: Python<'py>, tr: &[Trade]) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    d.set_item("symbol", col(py, tr, |t| t.symbol))?;
    d.set_item("side", text(tr, |t| t.side.as_str().to_string()))?;
    d.set_item("entry_time", col(py, tr, |t| t.entry_ts))?;
    d.set_item("exit_time", col(py, tr, |t| t.exit_ts))?;
    d.set_item("entry_price", col(py, tr, |t| t.entry_price.to_f64()))?;
    d.set_item("exit_price", col(py, tr, |t| t.exit_price.to_f64()))?;
    d.set_item("size", col(py, tr, |t| t.qty.to_f64()))?;
    d.set_item("gross_pnl", col(py, tr, |t| t.gross_pnl.to_f64()))?;
    d.set_item("pnl", col(py, tr, |t| t.pnl.to_f64()))?;
    d.set_item("pnl_pct", col(py, tr, |t| t.pnl_pct))?;
    d.set_item("fees", col(py, tr, |t| t.fees.to_f64()))?;
    d.set_item("funding", col(py, tr, |t| t.funding.to_f64()))?;
    d.set_item(
        "exit_reason",
        text(tr, |t| t.exit_reason.as_str().to_string()),
    )?;
    d.set_item("confidence", col(py, tr, |t| t.confidence))?;
    d.set_item("strategy", text(tr, |t| t.strategy.to_string()))?;
    d.set_item(
        "signal_id",
        col(py, tr, |t| t.signal_id.map_or(-1, |i| i as i64)),
    )?;
    d.set_item("pnl_exact", text(tr, |t| t.pnl.to_string()))?;
    Ok(d)
}

/// The journal's fills as columns.
pub(super) fn fills<'py>(py: Python<'py>, f: &[Fill]) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    d.set_item("seq", col(py, f, |x| x.seq))?;
    d.set_item("decided_seq", col(py, f, |x| x.decided_seq))?;
    d.set_item("decided_at", col(py, f, |x| x.decided_at))?;
    d.set_item("ts_recv", col(py, f, |x| x.ts_recv))?;
    d.set_item("ts_event", col(py, f, |x| x.ts_event))?;
    d.set_item("symbol", col(py, f, |x| x.symbol))?;
    d.set_item(
        "side",
        text(f, |x| match x.order_side {
            OrderSide::Buy => "BUY".to_string(),
            OrderSide::Sell => "SELL".to_string(),
        }),
    )?;
    d.set_item("qty", text(f, |x| x.qty.to_string()))?;
    d.set_item("price", text(f, |x| x.price.to_string()))?;
    d.set_item("fee", text(f, |x| x.fee.to_string()))?;
    d.set_item("fee_bps", col(py, f, |x| x.fee_bps))?;
    d.set_item("maker", col(py, f, |x| x.maker))?;
    d.set_item(
        "kind",
        text(f, |x| match x.kind {
            FillKind::Open => "open".to_string(),
            FillKind::Close(_) => "close".to_string(),
        }),
    )?;
    d.set_item(
        "exit_reason",
        text(f, |x| match x.kind {
            FillKind::Open => String::new(),
            FillKind::Close(r) => r.as_str().to_string(),
        }),
    )?;
    d.set_item("shadow", col(py, f, |x| x.shadow))?;
    d.set_item(
        "signal_id",
        col(py, f, |x| x.signal_id.map_or(-1, |i| i as i64)),
    )?;
    d.set_item("order_id", col(py, f, |x| x.order_id))?;
    d.set_item(
        "depth_seq",
        col(py, f, |x| x.depth_seq.map_or(-1, |i| i as i64)),
    )?;
    Ok(d)
}

/// Every order of the run (finished, then still open), as columns.
pub(super) fn orders<'py>(py: Python<'py>, o: &[OrderRecord]) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    d.set_item("order_id", col(py, o, |r| r.order.core().id.0))?;
    d.set_item(
        "client_id",
        text(o, |r| r.order.core().client_id.to_string()),
    )?;
    d.set_item("symbol", col(py, o, |r| r.order.core().symbol))?;
    d.set_item(
        "side",
        text(o, |r| match r.order.core().side {
            OrderSide::Buy => "BUY".to_string(),
            OrderSide::Sell => "SELL".to_string(),
        }),
    )?;
    d.set_item("kind", text(o, |r| r.order.kind().as_str().to_string()))?;
    d.set_item(
        "tif",
        text(o, |r| match &r.order {
            AnyOrder::Limit(l) => l.tif.as_str().to_string(),
            _ => String::new(),
        }),
    )?;
    d.set_item(
        "price",
        col(py, o, |r| {
            r.order.limit_price().map_or(f64::NAN, |p| p.to_f64())
        }),
    )?;
    d.set_item(
        "trigger",
        col(py, o, |r| {
            r.order.trigger().map_or(f64::NAN, |t| t.0.to_f64())
        }),
    )?;
    d.set_item("qty", text(o, |r| r.order.core().qty.to_string()))?;
    d.set_item("filled", text(o, |r| r.order.core().filled.to_string()))?;
    d.set_item(
        "status",
        text(o, |r| r.order.core().status.as_str().to_string()),
    )?;
    d.set_item(
        "reject_reason",
        text(o, |r| {
            r.reject_reason
                .map_or(String::new(), |x| x.as_str().to_string())
        }),
    )?;
    d.set_item("reduce_only", col(py, o, |r| r.order.core().reduce_only))?;
    d.set_item("strategy", text(o, |r| r.order.core().strategy.to_string()))?;
    d.set_item("ts_init", col(py, o, |r| r.order.core().ts_init))?;
    d.set_item(
        "ts_accepted",
        col(py, o, |r| r.order.core().ts_accepted.unwrap_or(-1)),
    )?;
    d.set_item("ts_last", col(py, o, |r| r.order.core().ts_last))?;
    d.set_item(
        "parent",
        col(py, o, |r| r.order.core().parent.map_or(0, |p| p.0)),
    )?;
    Ok(d)
}

/// The journal's funding payments as columns.
pub(super) fn funding<'py>(py: Python<'py>, c: &[FundingCharge]) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    d.set_item("funding_time", col(py, c, |x| x.funding_time))?;
    d.set_item("ts_event", col(py, c, |x| x.ts_event))?;
    d.set_item("seq", col(py, c, |x| x.seq))?;
    d.set_item("symbol", col(py, c, |x| x.symbol))?;
    d.set_item("rate", col(py, c, |x| x.rate))?;
    d.set_item("mark", text(c, |x| x.mark.to_string()))?;
    d.set_item("qty", text(c, |x| x.qty.to_string()))?;
    d.set_item("amount", text(c, |x| x.amount.to_string()))?;
    d.set_item("shadow", col(py, c, |x| x.shadow))?;
    Ok(d)
}

/// Everything the engine recorded, as one dict of column dicts.
pub(super) fn all<'py>(py: Python<'py>, e: &Engine) -> PyResult<Bound<'py, PyDict>> {
    let j = e.journal();
    let d = PyDict::new(py);
    d.set_item("trades", trades(py, e.trades())?)?;
    d.set_item("shadow_trades", trades(py, e.shadow_trades())?)?;
    d.set_item("fills", fills(py, &j.fills)?)?;
    d.set_item("orders", orders(py, &e.venue().order_history())?)?;
    d.set_item("funding", funding(py, &j.funding)?)?;
    let rejected = PyDict::new(py);
    rejected.set_item("seq", col(py, &j.rejected, |r| r.seq))?;
    rejected.set_item(
        "reason",
        text(&j.rejected, |r| r.reason.as_str().to_string()),
    )?;
    d.set_item("rejected_ticks", rejected)?;
    d.set_item("strategies", strategies(py, e)?)?;
    Ok(d)
}

/// Each strategy's statistics: trades and wins (real and shadow), shadow trades, wins and P&L,
/// its full Kelly estimate, and the notional fraction DRB-Guard sizes its next entry at.
pub(super) fn strategies<'py>(py: Python<'py>, e: &Engine) -> PyResult<Bound<'py, PyList>> {
    let r = e.risk_state();
    let guard = crate::risk::DrbGuard::new(e.config().risk.clone());
    let out = PyList::empty(py);
    for s in &r.strategies {
        let sd = PyDict::new(py);
        sd.set_item("strategy", s.name.as_ref())?;
        sd.set_item("trades", s.trades())?;
        sd.set_item("wins", s.wins)?;
        sd.set_item("shadow_trades", s.shadow_trades)?;
        sd.set_item("shadow_wins", s.shadow_wins)?;
        sd.set_item("shadow_pnl", money(py, s.shadow_pnl)?)?;
        sd.set_item("kelly", s.kelly())?;
        sd.set_item("size_fraction", guard.size_fraction(r, &s.name))?;
        out.append(sd)?;
    }
    Ok(out)
}
