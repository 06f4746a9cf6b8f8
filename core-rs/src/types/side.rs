//! Directions of signals, orders and positions.

/// Direction of a signal or a position.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(i8)]
pub enum Side {
    /// Buy / long exposure.
    Long = 1,
    /// Sell / short exposure.
    Short = -1,
}

impl Side {
    /// +1 for long, −1 for short.
    #[inline]
    pub const fn sign(self) -> i64 {
        self as i8 as i64
    }

    /// The other side.
    #[inline]
    pub const fn opposite(self) -> Self {
        match self {
            Side::Long => Side::Short,
            Side::Short => Side::Long,
        }
    }

    /// `"LONG"` or `"SHORT"`, the names the store and API use.
    pub const fn as_str(self) -> &'static str {
        match self {
            Side::Long => "LONG",
            Side::Short => "SHORT",
        }
    }
}

/// Direction of a single order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OrderSide {
    /// Buy at the ask.
    Buy,
    /// Sell at the bid.
    Sell,
}

impl OrderSide {
    /// The order side that opens (or adds to) a position of `side`.
    #[inline]
    pub const fn opening(side: Side) -> Self {
        match side {
            Side::Long => OrderSide::Buy,
            Side::Short => OrderSide::Sell,
        }
    }
}
