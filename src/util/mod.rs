//! Helpers every stage shares, one copy each: the directory walker and safe output files.

pub mod output;
pub mod walk;
