//! Strategies written in Python that trade with orders (the slow path: one Python call per market
//! change and per order event). A `quantum.OrderStrategy` gets an [`OrderContext`] in each
//! callback; the orders, cancels and modifies it asks for are checked at the call (a bad argument
//! raises there) and sent when the callback returns, at its local time.

use pyo3::intern;
use pyo3::prelude::*;
use pyo3::types::PyString;

use super::errors::quantum_error;
use super::strategy::{tick_view, TickView};
use crate::orders::{
    ClientOrderId, NewOrder, OrderEvent, OrderRejectReason, OrderRequest, OrderType, TimeInForce,
    TriggerSource,
};
use crate::strategy::{OrderContext as CoreContext, OrderStrategy, StrategyError};
use crate::tick::Tick;
use crate::types::{OrderSide, SymbolId};

fn order_error(message: String) -> PyErr {
    quantum_error("OrderError", (message,))
}

/// A positive finite number, else an `OrderError` naming `what`.
fn positive(what: &str, v: f64) -> PyResult<f64> {
    if v.is_finite() && v > 0.0 {
        Ok(v)
    } else {
        Err(order_error(format!(
            "{what} must be a positive finite number, got {v}"
        )))
    }
}

fn parse_order_side(s: &str) -> PyResult<OrderSide> {
    if s.eq_ignore_ascii_case("buy") {
        Ok(OrderSide::Buy)
    } else if s.eq_ignore_ascii_case("sell") {
        Ok(OrderSide::Sell)
    } else {
        Err(order_error(format!(
            "side must be 'buy' or 'sell', got {s:?}"
        )))
    }
}

fn side_name(s: OrderSide) -> &'static str {
    match s {
        OrderSide::Buy => "BUY",
        OrderSide::Sell => "SELL",
    }
}

fn parse_tif(s: &str) -> PyResult<TimeInForce> {
    match s {
        "gtc" => Ok(TimeInForce::Gtc),
        "post_only" => Ok(TimeInForce::PostOnly),
        "ioc" => Ok(TimeInForce::Ioc),
        "fok" => Ok(TimeInForce::Fok),
        _ => Err(order_error(format!(
            "tif must be one of 'gtc', 'post_only', 'ioc', 'fok', got {s:?}"
        ))),
    }
}

fn parse_source(s: &str) -> PyResult<TriggerSource> {
    match s {
        "last" => Ok(TriggerSource::Last),
        "mark" => Ok(TriggerSource::Mark),
        _ => Err(order_error(format!(
            "source must be 'last' or 'mark', got {s:?}"
        ))),
    }
}

/// A client id the strategy gave: 1 to 36 printable ASCII characters, not the engine's `q-<n>`.
fn given_client_id(s: &str) -> PyResult<ClientOrderId> {
    match ClientOrderId::new(s) {
        Ok(ClientOrderId::Generated(_)) => Err(order_error(format!(
            "client id {s:?} has the engine's form q-<number>; name your orders otherwise"
        ))),
        Ok(id) => Ok(id),
        Err(m) => Err(order_error(format!("{m}, got {s:?}"))),
    }
}

/// Requests may be made only while the callback runs: afterwards they would have no time to be
/// sent at.
fn closed_error() -> PyErr {
    order_error(
        "this OrderContext belongs to a callback that has returned; \
         place orders from on_market or on_order with the context they are given"
            .to_owned(),
    )
}

/// What a Python order strategy's callback sees, and where its orders go. Valid only during the
/// callback it was given to.
#[pyclass(module = "quantum._core", name = "OrderContext")]
pub struct PyOrderContext {
    /// Local time now, ns.
    #[pyo3(get)]
    now: i64,
    /// Exchange time of the market event (or of the order event), ns.
    #[pyo3(get)]
    ts_event: i64,
    /// Symbol id.
    #[pyo3(get)]
    symbol: u32,
    /// Symbol name, when the engine was given names.
    #[pyo3(get)]
    symbol_name: Option<Py<PyString>>,
    /// The position in `symbol` as the strategy knows it: the sum of the fills whose events have
    /// reached it (base units, positive long).
    #[pyo3(get)]
    position: f64,
    /// Best bid: the book's when depth drives one, else the latest quote's (NaN unknown).
    #[pyo3(get)]
    best_bid: f64,
    /// Best ask, likewise.
    #[pyo3(get)]
    best_ask: f64,
    /// Size at the best bid (NaN unknown).
    #[pyo3(get)]
    bid_qty: f64,
    /// Size at the best ask (NaN unknown).
    #[pyo3(get)]
    ask_qty: f64,
    /// The latest trade price, else the latest reference price (NaN before any).
    #[pyo3(get)]
    last: f64,
    tick: Option<Tick>,
    requests: Vec<OrderRequest>,
    /// The strategy's auto client ids: `<prefix>.<n>`.
    id_prefix: Py<PyString>,
    next_id: u64,
    open: bool,
}

impl PyOrderContext {
    fn check_open(&self) -> PyResult<()> {
        if self.open {
            Ok(())
        } else {
            Err(closed_error())
        }
    }

    /// The client id of a new order: the strategy's own, else the next auto id.
    fn client_id(
        &mut self,
        py: Python<'_>,
        given: Option<&str>,
    ) -> PyResult<(ClientOrderId, String)> {
        match given {
            Some(s) => Ok((given_client_id(s)?, s.to_owned())),
            None => {
                self.next_id += 1;
                let s = format!("{}.{}", self.id_prefix.bind(py).to_str()?, self.next_id);
                let id = ClientOrderId::new(&s).map_err(|m| order_error(m.to_owned()))?;
                Ok((id, s))
            }
        }
    }

    fn new_order(
        &mut self,
        py: Python<'_>,
        side: OrderSide,
        qty: f64,
        kind: OrderType,
        reduce_only: bool,
        client_id: Option<&str>,
    ) -> PyResult<String> {
        self.check_open()?;
        let qty = positive("qty", qty)?;
        let (id, text) = self.client_id(py, client_id)?;
        let mut o = NewOrder::market(self.symbol, side, qty, "");
        o.kind = kind;
        o.reduce_only = reduce_only;
        o.client_id = Some(id);
        self.requests.push(OrderRequest::New(o));
        Ok(text)
    }

    #[allow(clippy::too_many_arguments)]
    fn limit_or_market(
        &mut self,
        py: Python<'_>,
        side: OrderSide,
        qty: f64,
        price: Option<f64>,
        tif: &str,
        client_id: Option<&str>,
        reduce_only: bool,
    ) -> PyResult<String> {
        let tif = parse_tif(tif)?;
        let kind = match price {
            Some(p) => OrderType::Limit {
                price: positive("price", p)?,
                tif,
            },
            None if tif == TimeInForce::Gtc => OrderType::Market,
            None => {
                return Err(order_error(format!(
                    "a market order (price=None) takes no time in force, got tif={:?}",
                    tif.as_str()
                )))
            }
        };
        self.new_order(py, side, qty, kind, reduce_only, client_id)
    }

    #[allow(clippy::too_many_arguments)]
    fn triggered(
        &mut self,
        py: Python<'_>,
        take_profit: bool,
        side: &str,
        qty: f64,
        trigger: f64,
        source: &str,
        reduce_only: bool,
        client_id: Option<&str>,
    ) -> PyResult<String> {
        let side = parse_order_side(side)?;
        let trigger = positive("trigger", trigger)?;
        let source = parse_source(source)?;
        let kind = if take_profit {
            OrderType::TakeProfit { trigger, source }
        } else {
            OrderType::StopMarket { trigger, source }
        };
        self.new_order(py, side, qty, kind, reduce_only, client_id)
    }
}

#[pymethods]
impl PyOrderContext {
    /// The market event the callback is for (None for a book update or an order event).
    #[getter]
    fn tick(&self) -> Option<TickView> {
        self.tick.as_ref().map(tick_view)
    }

    /// Buys `qty` at `price` (a limit order with `tif`), or at market when `price` is None.
    /// Returns the order's client id (`client_id`, else one the strategy's name prefixes).
    #[pyo3(signature = (qty, price=None, *, tif="gtc", client_id=None, reduce_only=false))]
    fn buy(
        &mut self,
        py: Python<'_>,
        qty: f64,
        price: Option<f64>,
        tif: &str,
        client_id: Option<&str>,
        reduce_only: bool,
    ) -> PyResult<String> {
        self.limit_or_market(py, OrderSide::Buy, qty, price, tif, client_id, reduce_only)
    }

    /// Sells `qty`; as [`buy`](Self::buy).
    #[pyo3(signature = (qty, price=None, *, tif="gtc", client_id=None, reduce_only=false))]
    fn sell(
        &mut self,
        py: Python<'_>,
        qty: f64,
        price: Option<f64>,
        tif: &str,
        client_id: Option<&str>,
        reduce_only: bool,
    ) -> PyResult<String> {
        self.limit_or_market(py, OrderSide::Sell, qty, price, tif, client_id, reduce_only)
    }

    /// A stop-market order: a market order of `side` once `source`'s price reaches `trigger`
    /// against it (a sell stop at or below, a buy stop at or above).
    #[pyo3(signature = (side, qty, trigger, *, source="last", reduce_only=true, client_id=None))]
    #[allow(clippy::too_many_arguments)]
    fn stop(
        &mut self,
        py: Python<'_>,
        side: &str,
        qty: f64,
        trigger: f64,
        source: &str,
        reduce_only: bool,
        client_id: Option<&str>,
    ) -> PyResult<String> {
        self.triggered(
            py,
            false,
            side,
            qty,
            trigger,
            source,
            reduce_only,
            client_id,
        )
    }

    /// A take-profit (market if touched) order: a market order of `side` once `source`'s price
    /// reaches `trigger` in its favour (a sell at or above, a buy at or below).
    #[pyo3(signature = (side, qty, trigger, *, source="last", reduce_only=true, client_id=None))]
    #[allow(clippy::too_many_arguments)]
    fn take_profit(
        &mut self,
        py: Python<'_>,
        side: &str,
        qty: f64,
        trigger: f64,
        source: &str,
        reduce_only: bool,
        client_id: Option<&str>,
    ) -> PyResult<String> {
        self.triggered(py, true, side, qty, trigger, source, reduce_only, client_id)
    }

    /// Asks to cancel the order `client_id`; returns it. An unknown or finished order is
    /// answered with a `rejected` event (`unknown_order`).
    fn cancel(&mut self, client_id: &str) -> PyResult<String> {
        self.check_open()?;
        let id = ClientOrderId::new(client_id)
            .map_err(|m| order_error(format!("{m}, got {client_id:?}")))?;
        self.requests.push(OrderRequest::Cancel(id));
        Ok(client_id.to_owned())
    }

    /// Asks to change the working limit order `client_id`'s price and/or total quantity (at
    /// least one); returns the id. It keeps its queue place only when the quantity goes down at
    /// the same price.
    #[pyo3(signature = (client_id, price=None, qty=None))]
    fn modify(
        &mut self,
        client_id: &str,
        price: Option<f64>,
        qty: Option<f64>,
    ) -> PyResult<String> {
        self.check_open()?;
        if price.is_none() && qty.is_none() {
            return Err(order_error(
                "modify needs a price, a qty or both".to_owned(),
            ));
        }
        let price = price.map(|p| positive("price", p)).transpose()?;
        let qty = qty.map(|q| positive("qty", q)).transpose()?;
        let id = ClientOrderId::new(client_id)
            .map_err(|m| order_error(format!("{m}, got {client_id:?}")))?;
        self.requests.push(OrderRequest::Modify {
            client_id: id,
            price,
            qty,
        });
        Ok(client_id.to_owned())
    }

    fn __repr__(&self) -> String {
        format!(
            "OrderContext(now={}, symbol={}, position={}, best_bid={}, best_ask={}, requests={})",
            self.now,
            self.symbol,
            self.position,
            self.best_bid,
            self.best_ask,
            self.requests.len()
        )
    }
}

/// One of a Python order strategy's orders' events. Fields that do not apply to its `kind` are
/// None. Prices and quantities are floats, as the strategy trades with them; the exact figures
/// are in the run's journal.
#[pyclass(frozen, get_all, module = "quantum._core", name = "OrderEventView")]
pub struct OrderEventView {
    /// `accepted`, `rejected`, `triggered`, `partially_filled`, `filled`, `canceled`, `expired`
    /// or `modified`.
    pub kind: &'static str,
    /// The order's client id.
    pub client_id: String,
    /// The engine's id of the order (0 when a cancel or modify named a client id no order had).
    pub order_id: u64,
    /// Symbol id.
    pub symbol: u32,
    /// Symbol name, when the engine was given names.
    pub symbol_name: Option<Py<PyString>>,
    /// Exchange time it happened, ns.
    pub ts_event: i64,
    /// Local time the strategy learns of it, ns (`ts_event` + the response latency; a request
    /// refused before it was sent: the time it was made).
    pub ts_local: i64,
    /// Fills: "BUY" or "SELL".
    pub side: Option<&'static str>,
    /// Fills: the executed quantity; modified: the order's total quantity now.
    pub qty: Option<f64>,
    /// Fills: the execution price; modified: the price now; triggered: the price that reached the
    /// trigger.
    pub price: Option<f64>,
    /// Fills: "maker" or "taker".
    pub liquidity: Option<&'static str>,
    /// Fills: fee paid in quote currency (negative: a rebate).
    pub fee: Option<f64>,
    /// Fills: fee rate, bps of notional.
    pub fee_bps: Option<f64>,
    /// Fills: quantity still to fill after it; expired: the quantity that expired.
    pub leaves: Option<f64>,
    /// Rejected: why (`post_only_would_take`, `reduce_only_would_increase`, `unknown_order`,
    /// DRB-Guard's `notional_cap`...).
    pub reason: Option<&'static str>,
    /// Rejected: whether DRB-Guard refused it (counted as `risk:<reason>`).
    pub by_risk: Option<bool>,
    /// Rejected: what was refused, `new`, `cancel` or `modify`.
    pub request: Option<&'static str>,
    /// Modified: whether it kept its place in the queue.
    pub kept_queue: Option<bool>,
    /// Canceled: `requested`, `oco`, `parent`, `flat` or `kill_switch`.
    pub why: Option<&'static str>,
}

#[pymethods]
impl OrderEventView {
    fn __repr__(&self) -> String {
        let mut s = format!(
            "OrderEventView(kind={:?}, client_id={:?}, order_id={}, symbol={}, ts_event={}, ts_local={}",
            self.kind, self.client_id, self.order_id, self.symbol, self.ts_event, self.ts_local
        );
        let texts = [
            ("side", self.side),
            ("liquidity", self.liquidity),
            ("reason", self.reason),
            ("request", self.request),
            ("why", self.why),
        ];
        for (name, v) in texts {
            if let Some(v) = v {
                s.push_str(&format!(", {name}={v:?}"));
            }
        }
        let numbers = [
            ("qty", self.qty),
            ("price", self.price),
            ("fee", self.fee),
            ("leaves", self.leaves),
        ];
        for (name, v) in numbers {
            if let Some(v) = v {
                s.push_str(&format!(", {name}={v}"));
            }
        }
        if let Some(k) = self.kept_queue {
            s.push_str(&format!(
                ", kept_queue={}",
                if k { "True" } else { "False" }
            ));
        }
        s.push(')');
        s
    }
}

impl OrderEventView {
    fn of(e: &OrderEvent, symbol_name: Option<Py<PyString>>) -> Self {
        let h = e.header();
        let mut v = OrderEventView {
            kind: e.kind(),
            client_id: h.client_id.to_string(),
            order_id: h.order_id.0,
            symbol: h.symbol,
            symbol_name,
            ts_event: h.ts_event,
            ts_local: h.ts_local,
            side: None,
            qty: None,
            price: None,
            liquidity: None,
            fee: None,
            fee_bps: None,
            leaves: None,
            reason: None,
            by_risk: None,
            request: None,
            kept_queue: None,
            why: None,
        };
        if let Some(f) = e.fill() {
            v.side = Some(side_name(f.side));
            v.qty = Some(f.qty.to_f64());
            v.price = Some(f.price.to_f64());
            v.liquidity = Some(f.liquidity.as_str());
            v.fee = Some(f.fee.to_f64());
            v.fee_bps = Some(f.fee_bps);
            v.leaves = Some(f.leaves.to_f64());
        }
        match e {
            OrderEvent::Rejected(r) => {
                v.reason = Some(r.reason.as_str());
                v.by_risk = Some(matches!(r.reason, OrderRejectReason::Risk(_)));
                v.request = Some(r.request);
            }
            OrderEvent::Triggered(t) => v.price = Some(t.price.to_f64()),
            OrderEvent::Canceled(c) => v.why = Some(c.why),
            OrderEvent::Expired(x) => v.leaves = Some(x.leaves.to_f64()),
            OrderEvent::Modified(m) => {
                v.price = Some(m.price.to_f64());
                v.qty = Some(m.qty.to_f64());
                v.kept_queue = Some(m.kept_queue);
            }
            OrderEvent::Accepted(_) | OrderEvent::PartiallyFilled(_) | OrderEvent::Filled(_) => {}
        }
        v
    }
}

/// Adapts a Python object with `on_market(ctx)` and `on_order(ctx, event)` to the core's trait.
pub(crate) struct PyOrderStrategy {
    name: String,
    obj: Py<PyAny>,
    /// Symbol names by id (empty: the engine was given none).
    symbols: Vec<Py<PyString>>,
    id_prefix: Py<PyString>,
    next_id: u64,
}

impl PyOrderStrategy {
    /// An adapter for `obj` named `name`; `symbols` names the symbol ids, if known.
    pub(crate) fn new(py: Python<'_>, name: String, obj: Py<PyAny>, symbols: Vec<String>) -> Self {
        // Auto client ids are `<prefix>.<n>`: the name's printable characters, short enough that
        // an id stays within 36 characters.
        let mut prefix: String = name
            .chars()
            .filter(char::is_ascii_graphic)
            .take(16)
            .collect();
        if prefix.is_empty() {
            prefix.push_str("py");
        }
        PyOrderStrategy {
            name,
            obj,
            symbols: symbols
                .iter()
                .map(|s| PyString::new(py, s).unbind())
                .collect(),
            id_prefix: PyString::new(py, &prefix).unbind(),
            next_id: 0,
        }
    }

    fn symbol_name(&self, py: Python<'_>, symbol: SymbolId) -> Option<Py<PyString>> {
        self.symbols.get(symbol as usize).map(|s| s.clone_ref(py))
    }

    fn fail(&self, err: PyErr) -> StrategyError {
        StrategyError {
            strategy: self.name.clone(),
            message: err.to_string(),
            source: Some(Box::new(err)),
        }
    }

    /// Calls `on_market(ctx)`, or `on_order(ctx, event)`, with a fresh context, then takes the requests it collected
    /// into `ctx`. A Python exception comes back as the error's source, unchanged.
    fn call(
        &mut self,
        ctx: &mut CoreContext<'_>,
        event: Option<&OrderEvent>,
    ) -> Result<(), StrategyError> {
        Python::attach(|py| {
            let (best_bid, best_ask) = ctx.touch();
            let (bid_qty, ask_qty) = match ctx.book {
                Some(b) if b.best_bid().is_some() && b.best_ask().is_some() => (
                    b.best_bid().map_or(f64::NAN, |l| l.qty.to_f64()),
                    b.best_ask().map_or(f64::NAN, |l| l.qty.to_f64()),
                ),
                _ => (ctx.market.bid_qty, ctx.market.ask_qty),
            };
            let view = PyOrderContext {
                now: ctx.now,
                ts_event: ctx.ts_event,
                symbol: ctx.symbol,
                symbol_name: self.symbol_name(py, ctx.symbol),
                position: ctx.position,
                best_bid,
                best_ask,
                bid_qty,
                ask_qty,
                last: ctx.market.last,
                tick: ctx.tick.copied(),
                requests: Vec::new(),
                id_prefix: self.id_prefix.clone_ref(py),
                next_id: self.next_id,
                open: true,
            };
            let cell = Bound::new(py, view).map_err(|e| self.fail(e))?;
            let obj = self.obj.bind(py);
            let result = match event {
                None => obj.call_method1(intern!(py, "on_market"), (cell.clone(),)),
                Some(e) => {
                    let sym = self.symbol_name(py, e.header().symbol);
                    let ev =
                        Bound::new(py, OrderEventView::of(e, sym)).map_err(|e| self.fail(e))?;
                    obj.call_method1(intern!(py, "on_order"), (cell.clone(), ev))
                }
            };
            // The callback has returned: the context stops taking requests whatever happened.
            let mut view = cell.try_borrow_mut().map_err(|e| self.fail(e.into()))?;
            view.open = false;
            self.next_id = view.next_id;
            let requests = std::mem::take(&mut view.requests);
            drop(view);
            result.map_err(|e| self.fail(e))?;
            for r in requests {
                match r {
                    OrderRequest::New(o) => ctx.submit(o),
                    OrderRequest::Cancel(c) => ctx.cancel(c),
                    OrderRequest::Modify {
                        client_id,
                        price,
                        qty,
                    } => ctx.modify(client_id, price, qty),
                }
            }
            Ok(())
        })
    }
}

impl OrderStrategy for PyOrderStrategy {
    fn name(&self) -> &str {
        &self.name
    }

    fn on_market(&mut self, ctx: &mut CoreContext<'_>) -> Result<(), StrategyError> {
        self.call(ctx, None)
    }

    fn on_order_event(
        &mut self,
        ctx: &mut CoreContext<'_>,
        event: &OrderEvent,
    ) -> Result<(), StrategyError> {
        self.call(ctx, Some(event))
    }
}
