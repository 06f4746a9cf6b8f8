//! What a native parser produces: ticks and book updates in the core's fixed-point types.

use std::borrow::Cow;

use crate::book::{DepthUpdate, Level};
use crate::tick::{LiqSide, Tick};
use crate::types::{Price, Qty, SymbolId, UnixNanos, SCALE};

/// The side that took liquidity in a trade.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Aggressor {
    /// The taker bought: buy volume.
    Buy,
    /// The taker sold: sell volume.
    Sell,
}

/// What a tick carries, by the kind of message it came from.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum TickKind {
    /// Best bid and ask with their sizes (Binance `bookTicker`).
    Quote {
        /// Best bid price.
        bid: Price,
        /// Best ask price.
        ask: Price,
        /// Size at the best bid, base units.
        bid_qty: Qty,
        /// Size at the best ask, base units.
        ask_qty: Qty,
    },
    /// One trade print (`trade`, `aggTrade`).
    Trade {
        /// Trade price.
        price: Price,
        /// Traded quantity, base units.
        qty: Qty,
        /// Who took liquidity.
        aggressor: Aggressor,
    },
    /// A funding-rate update (`markPriceUpdate`); a plain fraction per funding interval.
    Funding {
        /// Funding rate, e.g. 0.0001 = 1 bp (a float: it only feeds signal and funding math).
        rate: f64,
    },
    /// A forced order (`forceOrder`).
    Liquidation {
        /// Average fill price (the order price when nothing has filled yet).
        price: Price,
        /// Filled quantity (the order quantity when nothing has filled yet), base units.
        qty: Qty,
        /// +1 longs were liquidated (forced SELL), −1 shorts were (forced BUY).
        side: LiqSide,
    },
}

/// One normalized market event for one symbol, as parsed from the venue's message.
#[derive(Debug, Clone, PartialEq)]
pub struct NativeTick<'a> {
    /// Exchange time, ns since the epoch.
    pub ts_event: UnixNanos,
    /// Local receive time, ns since the epoch.
    pub ts_recv: UnixNanos,
    /// The venue's instrument name, borrowed from the message text when it can be.
    pub symbol: Cow<'a, str>,
    /// What the tick carries.
    pub kind: TickKind,
}

impl NativeTick<'_> {
    /// The core's [`Tick`] for symbol id `symbol`: the carried fields set, the others NaN
    /// ("unknown"). A trade sets `volume` and exactly one of `buy_volume` / `sell_volume`; a
    /// liquidation sets `price`, `liq_volume` and `liq_side` but not `volume` (its fills also
    /// print as trades).
    pub fn to_tick(&self, symbol: SymbolId) -> Tick {
        let mut t = Tick::empty(self.ts_event, self.ts_recv, symbol);
        match self.kind {
            TickKind::Quote {
                bid,
                ask,
                bid_qty,
                ask_qty,
            } => {
                t.bid = units_to_f64(bid.units());
                t.ask = units_to_f64(ask.units());
                t.bid_qty = units_to_f64(bid_qty.units());
                t.ask_qty = units_to_f64(ask_qty.units());
            }
            TickKind::Trade {
                price,
                qty,
                aggressor,
            } => {
                let q = units_to_f64(qty.units());
                t.price = units_to_f64(price.units());
                t.volume = q;
                match aggressor {
                    Aggressor::Buy => t.buy_volume = q,
                    Aggressor::Sell => t.sell_volume = q,
                }
            }
            TickKind::Funding { rate } => t.funding_rate = rate,
            TickKind::Liquidation { price, qty, side } => {
                t.price = units_to_f64(price.units());
                t.liq_volume = units_to_f64(qty.units());
                t.liq_side = side;
            }
        }
        t
    }
}

/// One L2 snapshot or delta with the venue's sequence ids, levels in fixed point.
///
/// Binance futures: `first_id` / `last_id` / `prev_id` are `U` / `u` / `pu`; a REST snapshot has
/// `first_id == last_id == lastUpdateId` and no `prev_id`.
#[derive(Debug, Clone, PartialEq)]
pub struct BookUpdate<'a> {
    /// Exchange time, ns since the epoch (a snapshot without one takes `ts_recv`).
    pub ts_event: UnixNanos,
    /// Local receive time, ns since the epoch.
    pub ts_recv: UnixNanos,
    /// The venue's instrument name; `None` for a REST snapshot, whose body does not name it.
    pub symbol: Option<Cow<'a, str>>,
    /// True for a snapshot (replaces the book), false for a delta.
    pub is_snapshot: bool,
    /// First update id covered.
    pub first_id: u64,
    /// Last update id covered.
    pub last_id: u64,
    /// The previous message's last id, where the venue sends one.
    pub prev_id: Option<u64>,
    /// Bid levels in the venue's order; quantity 0 deletes the level.
    pub bids: Vec<Level>,
    /// Ask levels in the venue's order; quantity 0 deletes the level.
    pub asks: Vec<Level>,
}

impl BookUpdate<'_> {
    /// The update as the order book takes it (`prev_id` 0 when the venue sent none).
    pub fn depth_update(&self) -> DepthUpdate<'_> {
        DepthUpdate {
            ts_event: self.ts_event,
            ts_recv: self.ts_recv,
            first_id: self.first_id,
            last_id: self.last_id,
            prev_id: self.prev_id.unwrap_or(0),
            bids: &self.bids,
            asks: &self.asks,
            checksum: None,
        }
    }
}

/// What one native message amounts to.
#[derive(Debug, Clone, PartialEq)]
pub enum NativeEvent<'a> {
    /// A market event.
    Tick(NativeTick<'a>),
    /// An L2 snapshot or delta.
    Book(BookUpdate<'a>),
    /// A stream the core has no use for (klines, 24 h tickers).
    Ignored,
}

/// 10⁻⁸ units as the nearest `f64`, exactly as parsing the decimal text would give it.
///
/// Below 2⁵³ units (|value| < 90,071,992.5) both the numerator and 10⁸ are exact doubles, so one
/// correctly rounded division gives the double nearest the decimal; above that, `units as f64`
/// would round twice, so the decimal text is parsed instead.
#[inline]
pub fn units_to_f64(units: i64) -> f64 {
    const EXACT: u64 = 1 << 53;
    if units.unsigned_abs() <= EXACT {
        units as f64 / SCALE as f64
    } else {
        let s = SCALE.unsigned_abs();
        let abs = units.unsigned_abs();
        let sign = if units < 0 { "-" } else { "" };
        format!("{sign}{}.{:08}", abs / s, abs % s)
            .parse()
            .unwrap_or(f64::NAN)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_to_f64_matches_parsing_the_decimal_text() {
        for text in [
            "61800.20",
            "0.001",
            "2.507",
            "0.00000001",
            "90071992.54740991",
            "92233720368.54775807",
        ] {
            let units = crate::book::parse_decimal(text).unwrap();
            assert_eq!(units_to_f64(units), text.parse::<f64>().unwrap(), "{text}");
            assert_eq!(
                units_to_f64(-units),
                -text.parse::<f64>().unwrap(),
                "-{text}"
            );
        }
    }

    #[test]
    fn trade_tick_sets_volume_and_one_side() {
        let t = NativeTick {
            ts_event: 1,
            ts_recv: 2,
            symbol: "BTCUSDT".into(),
            kind: TickKind::Trade {
                price: Price(100 * SCALE),
                qty: Qty(SCALE / 2),
                aggressor: Aggressor::Sell,
            },
        }
        .to_tick(3);
        assert_eq!((t.ts_event, t.ts_recv, t.symbol), (1, 2, 3));
        assert_eq!((t.price, t.volume, t.sell_volume), (100.0, 0.5, 0.5));
        assert!(t.buy_volume.is_nan() && t.bid.is_nan() && t.liq_volume.is_nan());
    }
}
