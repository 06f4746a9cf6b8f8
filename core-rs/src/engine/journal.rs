//! The journal of a run: every fill (shadow fills included), every funding payment and every
//! rejected tick, in the order they happened. Reports and the auditor (`quantum.audit`) read it;
//! a long-running paper session turns it off (`EngineConfig::journal`).

use crate::portfolio::{Fill, FundingCharge};
use crate::sanitizer::RejectReason;

/// A tick the sanitizer (or an invalid book) rejected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RejectedTick {
    /// Its arrival number (1-based: the first tick of the engine is 1).
    pub seq: u64,
    /// Why.
    pub reason: RejectReason,
}

/// What the engine recorded.
#[derive(Debug, Clone, Default)]
pub struct Journal {
    enabled: bool,
    /// Fills in the order they happened.
    pub fills: Vec<Fill>,
    /// Funding payments in the order they were charged.
    pub funding: Vec<FundingCharge>,
    /// Rejected ticks in arrival order.
    pub rejected: Vec<RejectedTick>,
}

impl Journal {
    /// An empty journal that records when `enabled`.
    pub fn new(enabled: bool) -> Self {
        Journal {
            enabled,
            ..Journal::default()
        }
    }

    #[inline]
    pub(super) fn fill(&mut self, f: &crate::portfolio::Fill) {
        if self.enabled {
            self.fills.push(f.clone());
        }
    }

    #[inline]
    pub(super) fn funding(&mut self, c: &FundingCharge) {
        if self.enabled {
            self.funding.push(c.clone());
        }
    }

    #[inline]
    pub(super) fn rejected(&mut self, seq: u64, reason: RejectReason) {
        if self.enabled {
            self.rejected.push(RejectedTick { seq, reason });
        }
    }
}
