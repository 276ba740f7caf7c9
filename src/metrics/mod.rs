//! Metric families. Each is a mergeable state (DESIGN.md §1) with a CPU update and, where the GPU
//! pays, a kernel in `shaders/<family>.wgsl` driven by its `gpu` module.

pub mod knn;
pub mod minhash;
pub mod moments;
pub mod sketch;
pub mod strings;
