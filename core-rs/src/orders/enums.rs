//! The small enumerations of the order model.

/// How long an order stays and whether it may take liquidity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TimeInForce {
    /// Good till canceled: the unfilled rest rests in the book.
    Gtc,
    /// Post-only (Binance GTX): rests in the book; an order that would take on arrival is
    /// rejected, never filled.
    PostOnly,
    /// Immediate or cancel: fills what it can on arrival, the rest expires.
    Ioc,
    /// Fill or kill: fills completely on arrival or not at all (expires).
    Fok,
}

impl TimeInForce {
    /// Stable lower-case name (`gtc`, `post_only`, `ioc`, `fok`).
    pub const fn as_str(self) -> &'static str {
        match self {
            TimeInForce::Gtc => "gtc",
            TimeInForce::PostOnly => "post_only",
            TimeInForce::Ioc => "ioc",
            TimeInForce::Fok => "fok",
        }
    }

    /// The time in force named `s`.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "gtc" => Some(TimeInForce::Gtc),
            "post_only" | "gtx" => Some(TimeInForce::PostOnly),
            "ioc" => Some(TimeInForce::Ioc),
            "fok" => Some(TimeInForce::Fok),
            _ => None,
        }
    }
}

/// Which price triggers a stop-market or take-profit order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum TriggerSource {
    /// The last traded price (or the market data's reference price when it has no trades).
    #[default]
    Last,
    /// The mark price (falls back to the last price where the data carries no mark).
    Mark,
}

impl TriggerSource {
    /// `last` or `mark`.
    pub const fn as_str(self) -> &'static str {
        match self {
            TriggerSource::Last => "last",
            TriggerSource::Mark => "mark",
        }
    }
}

/// Whether a fill added liquidity to the book or took it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LiquiditySide {
    /// A resting order was filled: the maker fee (or rebate).
    Maker,
    /// The order took resting liquidity: the taker fee.
    Taker,
}

impl LiquiditySide {
    /// `maker` or `taker`.
    pub const fn as_str(self) -> &'static str {
        match self {
            LiquiditySide::Maker => "maker",
            LiquiditySide::Taker => "taker",
        }
    }
}

/// The kind of an order, without its parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OrderKind {
    /// Market.
    Market,
    /// Limit.
    Limit,
    /// Stop-market: a market order once the trigger price is reached against the position.
    StopMarket,
    /// Take-profit (market if touched): a market order once the trigger is reached in favour.
    TakeProfit,
}

impl OrderKind {
    /// `market`, `limit`, `stop_market` or `take_profit`.
    pub const fn as_str(self) -> &'static str {
        match self {
            OrderKind::Market => "market",
            OrderKind::Limit => "limit",
            OrderKind::StopMarket => "stop_market",
            OrderKind::TakeProfit => "take_profit",
        }
    }
}
