//! Order identities: the engine's own id, and the client's.

use std::fmt;

/// The engine's id of an order: dense, increasing in submission order, unique per engine.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct OrderId(pub u64);

impl fmt::Display for OrderId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// The client's id of an order, unique per account among orders not yet finished and those
/// finished earlier (the venues refuse a reused id too). At most 36 ASCII characters, as
/// Binance allows.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ClientOrderId(Box<str>);

/// Longest client order id accepted (Binance's limit).
pub const MAX_CLIENT_ID_LEN: usize = 36;

impl ClientOrderId {
    /// A client id from `s`: 1..=36 printable ASCII characters without spaces.
    pub fn new(s: &str) -> Result<Self, &'static str> {
        if s.is_empty() || s.len() > MAX_CLIENT_ID_LEN {
            return Err("client order id must have 1 to 36 characters");
        }
        if !s.bytes().all(|b| b.is_ascii_graphic()) {
            return Err("client order id must be printable ASCII without spaces");
        }
        Ok(ClientOrderId(s.into()))
    }

    /// The id the engine gives an order submitted without one (`q-<order id>`).
    pub fn generated(id: OrderId) -> Self {
        ClientOrderId(format!("q-{}", id.0).into())
    }

    /// The text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ClientOrderId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_ids_are_checked() {
        assert!(ClientOrderId::new("mm-bid-1").is_ok());
        assert!(ClientOrderId::new("").is_err());
        assert!(ClientOrderId::new(&"x".repeat(37)).is_err());
        assert!(ClientOrderId::new("has space").is_err());
        assert_eq!(ClientOrderId::generated(OrderId(7)).as_str(), "q-7");
    }
}
