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

/// The client's id of an order, unique per account among orders not yet finished (as Binance
/// requires). Either the client's own text (1 to 36 printable ASCII characters, not starting
/// with `q-`) or the engine's `q-<order id>` for an order submitted without one, which is kept
/// as the number (no allocation on the hot path).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ClientOrderId {
    /// The engine's: `q-<order id>`.
    Generated(OrderId),
    /// The client's own.
    Given(Box<str>),
}

/// Longest client order id accepted (Binance's limit).
pub const MAX_CLIENT_ID_LEN: usize = 36;

impl ClientOrderId {
    /// A client id from `s`: 1..=36 printable ASCII characters without spaces; `q-` followed by
    /// a number is the engine's own form and reads back as that.
    pub fn new(s: &str) -> Result<Self, &'static str> {
        if s.is_empty() || s.len() > MAX_CLIENT_ID_LEN {
            return Err("client order id must have 1 to 36 characters");
        }
        if !s.bytes().all(|b| b.is_ascii_graphic()) {
            return Err("client order id must be printable ASCII without spaces");
        }
        if let Some(n) = s.strip_prefix("q-").and_then(|n| n.parse::<u64>().ok()) {
            return Ok(ClientOrderId::Generated(OrderId(n)));
        }
        Ok(ClientOrderId::Given(s.into()))
    }

    /// The id the engine gives an order submitted without one (`q-<order id>`).
    #[inline]
    pub fn generated(id: OrderId) -> Self {
        ClientOrderId::Generated(id)
    }
}

impl fmt::Display for ClientOrderId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ClientOrderId::Generated(id) => write!(f, "q-{}", id.0),
            ClientOrderId::Given(s) => f.write_str(s),
        }
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
        assert_eq!(ClientOrderId::generated(OrderId(7)).to_string(), "q-7");
        assert_eq!(
            ClientOrderId::new("q-7").unwrap(),
            ClientOrderId::generated(OrderId(7)),
            "one id, one spelling"
        );
        assert_eq!(ClientOrderId::new("q-x").unwrap().to_string(), "q-x");
    }
}
