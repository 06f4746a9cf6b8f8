//! The PyO3 layer: thin wrappers over the domain types, compiled only with the `python` feature.
//! It is exposed as the private module `quantum._core`; users import from `quantum`.

use pyo3::prelude::*;

mod book;
mod convert;
mod engine;
pub(crate) mod errors;
mod events;
mod journal;
mod order_strategy;
mod parse;
mod state;
mod strategy;

/// The native module `quantum._core`.
#[pymodule]
fn _core(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add_class::<engine::PyEngine>()?;
    m.add_class::<strategy::TickView>()?;
    m.add_class::<strategy::FeatureView>()?;
    m.add_class::<order_strategy::PyOrderContext>()?;
    m.add_class::<order_strategy::OrderEventView>()?;
    events::register(m)?;
    book::register(m)?;
    parse::register(m)?;
    Ok(())
}
