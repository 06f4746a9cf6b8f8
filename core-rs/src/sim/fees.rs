//! Fee models: what a fill pays, by whether it made or took liquidity.

use serde::Deserialize;

use crate::orders::LiquiditySide;

/// The fee rate of a fill.
pub trait FeeModel {
    /// Fee in bps of notional for a fill on `liquidity` (negative: a rebate).
    fn fee_bps(&self, liquidity: LiquiditySide) -> f64;
}

/// A maker and a taker rate.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FeeSchedule {
    /// Maker rate, bps (negative: a rebate).
    pub maker_bps: f64,
    /// Taker rate, bps.
    pub taker_bps: f64,
}

impl FeeModel for FeeSchedule {
    #[inline]
    fn fee_bps(&self, liquidity: LiquiditySide) -> f64 {
        match liquidity {
            LiquiditySide::Maker => self.maker_bps,
            LiquiditySide::Taker => self.taker_bps,
        }
    }
}

/// The venues' published base tiers for USDT-margined perpetuals (no volume discount, no
/// token discount), as `execution.fees`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FeePreset {
    /// Binance USDⓈ-M futures, regular user (VIP 0): maker 0.0200 %, taker 0.0500 %.
    BinanceUsdm,
    /// Bybit derivatives, non-VIP: maker 0.0200 %, taker 0.0550 %.
    Bybit,
    /// OKX perpetual swaps, regular user Lv1: maker 0.0200 %, taker 0.0500 %.
    Okx,
}

impl FeePreset {
    /// The preset's rates.
    pub const fn schedule(self) -> FeeSchedule {
        match self {
            FeePreset::BinanceUsdm => FeeSchedule {
                maker_bps: 2.0,
                taker_bps: 5.0,
            },
            FeePreset::Bybit => FeeSchedule {
                maker_bps: 2.0,
                taker_bps: 5.5,
            },
            FeePreset::Okx => FeeSchedule {
                maker_bps: 2.0,
                taker_bps: 5.0,
            },
        }
    }

    /// The preset named `s` (`binance_usdm`, `bybit`, `okx`).
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "binance_usdm" => Some(FeePreset::BinanceUsdm),
            "bybit" => Some(FeePreset::Bybit),
            "okx" => Some(FeePreset::Okx),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn presets_and_rebates() {
        let b = FeePreset::BinanceUsdm.schedule();
        assert_eq!(
            (
                b.fee_bps(LiquiditySide::Maker),
                b.fee_bps(LiquiditySide::Taker)
            ),
            (2.0, 5.0)
        );
        assert_eq!(FeePreset::parse("bybit").unwrap().schedule().taker_bps, 5.5);
        let rebate = FeeSchedule {
            maker_bps: -0.5,
            taker_bps: 3.0,
        };
        assert!(rebate.fee_bps(LiquiditySide::Maker) < 0.0);
        assert!(FeePreset::parse("kraken").is_none());
    }
}
