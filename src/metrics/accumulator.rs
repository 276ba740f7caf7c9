//! The one contract every metric family keeps: a mergeable state (a monoid).
//!
//! - `Default` is the empty state, the identity of [`Accumulator::merge`];
//! - [`Accumulator::update`] folds one input (an Arrow array, a column part, a batch) in, on the
//!   CPU twin;
//! - the GPU path produces states of the same type from its workgroup partials and hands them to
//!   [`Accumulator::merge`], so both paths share merge, finish and serialisation;
//! - [`Accumulator::merge`] is associative and commutative: states of batches, row groups,
//!   files, processes and machines combine in any order and grouping, and give the state of
//!   all the rows (exactly for counts, extremes, grids and sketches; within f64 rounding for
//!   floating-point moments);
//! - the state is serialisable (serde), and that serialised form is what a profile keeps;
//! - [`Accumulator::finish`] gives the reported figures without consuming the state;
//! - [`Accumulator::size_bytes`] is what the state holds in memory.
//!
//! Column families: moments with counts and the histogram grid
//! ([`crate::metrics::moments::NumericAcc`]), lengths ([`crate::metrics::strings::LengthState`]),
//! sketches (quantiles, distinct counts, top values: [`crate::metrics::sketch::ColSketch`]).
//! Dataset families: duplicate rows ([`crate::metrics::rows::RowAcc`]) and correlations
//! ([`crate::metrics::correlation::Correlations`]).

use crate::error::Result;

/// A mergeable metric state (module docs).
pub trait Accumulator: Clone + Send + Sync {
    /// What one update folds in.
    type Input<'a>;
    /// The reported figures.
    type Figures;

    /// Fold one input into the state (the CPU twin).
    fn update(&mut self, input: Self::Input<'_>);

    /// Merge the state of other rows. Fails only when the states were made with parameters
    /// that cannot be combined (a sketch's precision, say), naming them.
    fn merge(&mut self, other: &Self) -> Result<()>;

    /// The figures of the state.
    fn finish(&self) -> Self::Figures;

    /// Bytes the state holds (inline and on the heap).
    fn size_bytes(&self) -> usize;
}
