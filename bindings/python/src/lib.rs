//! `interop_sync._native`: the Interop SDK for Python (pyo3). The package `interop_sync`
//! re-exports everything here; `python/interop_sync/__init__.pyi` is the typed surface.
//!
//! Values cross the boundary as JSON (see [`convert`]): typed classes wrap the SDK's serde
//! values and give plain dicts back with `to_dict()`; dicts are accepted wherever a typed
//! object is. Work on the repository runs with the GIL released.

use pyo3::prelude::*;

/// The allocator of the module's Rust side: the one the `interop` CLI ships with, so that a
/// sync from Python costs what it costs from Rust. Python's own objects are not affected.
#[cfg(not(target_env = "msvc"))]
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

#[macro_use]
mod categories;
mod category_sync;
mod conformance;
mod convert;
mod errors;
mod inspect;
mod objects;
mod session;

/// The Python module.
#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    errors::register(m)?;
    m.add_class::<objects::Desired>()?;
    m.add_class::<objects::VendorChange>()?;
    m.add_class::<objects::Conflict>()?;
    m.add_class::<objects::ResourceChange>()?;
    m.add_class::<objects::FileChange>()?;
    m.add_class::<objects::SyncRecord>()?;
    m.add_class::<objects::Status>()?;
    m.add_class::<categories::Scope>()?;
    m.add_class::<categories::Metric>()?;
    m.add_class::<categories::Dimension>()?;
    m.add_class::<categories::Entity>()?;
    m.add_class::<categories::SemanticModel>()?;
    m.add_class::<categories::SavedQuery>()?;
    m.add_class::<categories::Dashboard>()?;
    m.add_class::<categories::Transform>()?;
    m.add_class::<categories::Monitor>()?;
    m.add_class::<categories::Description>()?;
    m.add_class::<categories::Annotation>()?;
    m.add_class::<categories::Connector>()?;
    m.add_class::<categories::EltTransform>()?;
    m.add_class::<categories::Job>()?;
    m.add_class::<categories::ReverseEtlSync>()?;
    m.add_class::<categories::Publication>()?;
    m.add_class::<categories::FeatureSet>()?;
    m.add_class::<categories::Prediction>()?;
    m.add_class::<categories::ActivityStream>()?;
    m.add_class::<category_sync::Pulled>()?;
    m.add_class::<session::Credentials>()?;
    m.add_class::<session::Plan>()?;
    m.add_class::<session::Session>()?;
    m.add_class::<inspect::Resource>()?;
    m.add_class::<inspect::Inspection>()?;
    m.add_class::<inspect::InitReport>()?;
    m.add_function(wrap_pyfunction!(inspect::inspect, m)?)?;
    m.add_function(wrap_pyfunction!(inspect::init, m)?)?;
    m.add_function(wrap_pyfunction!(inspect::load_desired, m)?)?;
    m.add_function(wrap_pyfunction!(conformance::conformance_scenarios, m)?)?;
    m.add_function(wrap_pyfunction!(conformance::run_conformance, m)?)?;
    m.add("RECORD_SCHEMA", interop_sdk::RECORD_SCHEMA)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
