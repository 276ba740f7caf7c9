//! Metric families. Each keeps the one contract of [`accumulator::Accumulator`]: a mergeable
//! state with a CPU update and, where the GPU pays, a kernel in `shaders/<family>.wgsl` driven by
//! its `gpu` module. Column families: `moments` (with the histogram grid), `strings` (lengths),
//! `sketch`, `pii` (the PII and secrets scan of strings); dataset families: `rows` (duplicate rows), `correlation`. `knn` and `minhash` serve
//! the embedding and near-duplicate pipelines.

pub mod accumulator;
pub mod correlation;
pub mod knn;
pub mod minhash;
pub mod moments;
pub mod pii;
pub mod rows;
pub mod sketch;
pub mod strings;
pub mod vectors;
