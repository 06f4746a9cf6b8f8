//! The batch (backtest) driver: the columns are transposed and screened a chunk at a time, then
//! each tick takes the per-tick pipeline ([`Engine::process_checked`]).

use super::core::{Engine, EngineError};
use super::event::EventSink;
use crate::sanitizer::SCREEN_CHUNK;
use crate::tick::{Tick, TickColumns};

/// Ticks per chunk: the chunk's rows (about 18 KB at 128), prices and flags stay in L1.
const BATCH_CHUNK: usize = if SCREEN_CHUNK < 128 {
    SCREEN_CHUNK
} else {
    128
};

impl Engine {
    /// Runs a whole batch through the pipeline of [`process`](Self::process), in order. The
    /// sanitizer's stateless checks run over the columns a chunk at a time first
    /// ([`Sanitizer::screen`](crate::sanitizer::Sanitizer::screen)).
    pub fn run<S: EventSink>(
        &mut self,
        cols: &TickColumns<'_>,
        sink: &mut S,
    ) -> Result<(), EngineError> {
        cols.validate()?;
        if !self.books.is_empty() || !self.feed.is_recorded() {
            // Ticks seen through a book change before the sanitizer sees them, and a modelled
            // feed changes their receive times: no screening.
            for i in 0..cols.len() {
                self.process(&cols.tick(i), sink)?;
            }
            return Ok(());
        }
        let mut ticks = [Tick::empty(0, 0, 0); BATCH_CHUNK];
        let mut price = [0.0f64; BATCH_CHUNK];
        let mut clean = [false; BATCH_CHUNK];
        let mut start = 0;
        while start < cols.len() {
            let m = BATCH_CHUNK.min(cols.len() - start);
            cols.write_rows(start, &mut ticks[..m]);
            self.sanitizer
                .screen(cols, start, &mut price[..m], &mut clean[..m]);
            for k in 0..m {
                let t = &ticks[k];
                self.begin_tick(t.symbol)?;
                self.process_checked(t, clean[k].then_some(price[k]), sink)?;
            }
            start += m;
        }
        Ok(())
    }
}
