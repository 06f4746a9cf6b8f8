//! Why a native message was rejected.

use thiserror::Error;

/// A message a native parser refused. Each variant has a stable machine name ([`Self::reason`])
/// under which batches count their rejects.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ParseError {
    /// The text is not valid JSON (or not UTF-8).
    #[error("not valid JSON: {0}")]
    Json(String),
    /// The message (or its `data` member) is not a JSON object.
    #[error("message is not a JSON object")]
    NotAnObject,
    /// The event type is one this parser does not know.
    #[error("unknown message kind {0:?}")]
    UnknownKind(String),
    /// A field the message kind requires is absent (or null).
    #[error("missing field '{0}'")]
    MissingField(&'static str),
    /// A field is present with the wrong JSON type.
    #[error("field '{field}' is not {expected}")]
    WrongType {
        /// The venue's field name.
        field: &'static str,
        /// What the field should have been.
        expected: &'static str,
    },
    /// A price, size or rate string is not a number the core can hold exactly (at most 8
    /// significant decimals for prices and sizes; a finite number for rates).
    #[error("field '{field}' is not a valid number: {text:?}")]
    BadNumber {
        /// The venue's field name.
        field: &'static str,
        /// The text as sent.
        text: String,
    },
    /// A price or size is negative.
    #[error("field '{field}' is negative: {text:?}")]
    Negative {
        /// The venue's field name.
        field: &'static str,
        /// The text as sent.
        text: String,
    },
    /// A timestamp or id does not fit the core's integer types.
    #[error("field '{0}' is out of range")]
    OutOfRange(&'static str),
    /// A liquidation's order side is neither BUY nor SELL.
    #[error("unknown order side {0:?}")]
    BadSide(String),
    /// A book snapshot names no symbol, and the caller gave none and none was seen before it.
    #[error("book snapshot without a symbol (none given and none seen before it)")]
    NoSymbol,
}

impl ParseError {
    /// The machine name of the variant (`"json"`, `"missing_field"`, ...), for reject counts.
    pub const fn reason(&self) -> &'static str {
        match self {
            ParseError::Json(_) => "json",
            ParseError::NotAnObject => "not_an_object",
            ParseError::UnknownKind(_) => "unknown_kind",
            ParseError::MissingField(_) => "missing_field",
            ParseError::WrongType { .. } => "wrong_type",
            ParseError::BadNumber { .. } => "bad_number",
            ParseError::Negative { .. } => "negative",
            ParseError::OutOfRange(_) => "out_of_range",
            ParseError::BadSide(_) => "bad_side",
            ParseError::NoSymbol => "no_symbol",
        }
    }
}
