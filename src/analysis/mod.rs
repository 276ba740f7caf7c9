//! What a profile means for a decision: drift between two profiles, and checks that gate a
//! pipeline. Reads profiles; never reads data or computes a metric of its own.

pub mod checks;
pub mod drift;
pub mod stats;
