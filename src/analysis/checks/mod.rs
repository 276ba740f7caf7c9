//! Checks that gate a pipeline: a YAML file of bounds on a profile's figures (and on its drift
//! from a baseline), evaluated into pass, warn and fail (`docs/checks.md`).

mod column;
mod eval;
mod outcome;
mod spec;
mod suggest;

pub use eval::evaluate;
pub use outcome::{CheckReport, CheckResult, Outcome};
pub use spec::{parse_quantile, Checks, ColumnChecks, DatasetChecks, DriftChecks, Level, Range};
pub use suggest::suggest;
