//! Integer nanosecond timestamps. Fields are named after their clock: `ts_event` is the exchange's
//! time of the event, `ts_recv` is the local receive time.

/// Nanoseconds since the Unix epoch (UTC).
pub type UnixNanos = i64;

/// Nanoseconds in one millisecond.
pub const NANOS_PER_MILLI: i64 = 1_000_000;
/// Nanoseconds in one second.
pub const NANOS_PER_SECOND: i64 = 1_000_000_000;
/// Nanoseconds in one UTC day.
pub const NANOS_PER_DAY: i64 = 86_400 * NANOS_PER_SECOND;

/// The UTC day number (days since 1970-01-01) of a timestamp; floors for times before the epoch.
#[inline]
pub fn utc_day(ts: UnixNanos) -> i64 {
    ts.div_euclid(NANOS_PER_DAY)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utc_day_changes_exactly_at_midnight() {
        let midnight = 20_000 * NANOS_PER_DAY;
        assert_eq!(utc_day(midnight - 1), 19_999);
        assert_eq!(utc_day(midnight), 20_000);
        assert_eq!(utc_day(-1), -1);
    }
}
