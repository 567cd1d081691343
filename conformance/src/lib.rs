//! The Interop conformance suite: scenarios (YAML, one per requirement) that certify a
//! vendor's integration category by category and level by level, the runner that plays the
//! customer and the repo host, and the adapter protocol that lets an integration in any
//! language be certified.
//!
//! ```no_run
//! use interop_conformance::{Filter, reference::ReferenceFactory, run, scenario};
//! let scenarios = scenario::load_dir(&interop_conformance::default_scenarios()).unwrap();
//! let report = run(&scenarios, &ReferenceFactory, &Filter::default());
//! println!("{}", report.table());
//! assert!(report.passed());
//! ```
//!
//! Modules: [`scenario`] (the file format), [`object`] (vendor objects and their conversion to
//! what the SDK syncs), [`protocol`] (the JSON-lines messages), [`adapter`] (the [`Adapter`]
//! trait and the stdio transport), [`reference`] (Interop's own integration), [`host`] (the
//! repo host and the customer), [`checks`], [`runner`], [`report`].
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod adapter;
pub mod checks;
pub mod host;
pub mod object;
pub mod protocol;
pub mod reference;
pub mod report;
pub mod runner;
pub mod scenario;

pub use adapter::{Adapter, AdapterError, AdapterFactory, StdioFactory};
pub use report::{Outcome, Report};
pub use runner::{Filter, RunOptions, default_fixtures, default_scenarios, run, run_with};
pub use scenario::{Level, Scenario};
