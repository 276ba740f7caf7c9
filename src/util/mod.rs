//! Helpers every stage shares, one copy each: the directory walker, safe output files and
//! the JSON form of f64s that may be infinite.

pub mod nullable;
pub mod output;
pub mod rng;
pub mod walk;
