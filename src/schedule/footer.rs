//! Column ranges from Parquet footer statistics, read before the data: where every file gives
//! one, histogram counts are exact equal-width counts in one pass.

/// The finite min/max of top-level numeric column `column` from Parquet footer statistics, when
/// every row group that holds values has exact, finite statistics for it; `None` otherwise (the
/// caller then scans). Columns are found by position, never
/// by name: names may repeat.
pub(super) fn footer_range(
    column: usize,
    schema: &arrow::datatypes::Schema,
    md: &parquet::file::metadata::ParquetMetaData,
) -> Option<(f64, f64)> {
    use crate::metrics::moments::cpu::Prepared;
    use arrow::array::{Array, ArrayRef};
    use parquet::arrow::arrow_reader::statistics::StatisticsConverter;
    let descr = md.file_metadata().schema_descr();
    // The one Parquet leaf under this top-level column (numeric columns are primitive).
    let mut leaves = (0..descr.num_columns()).filter(|&l| descr.get_column_root_idx(l) == column);
    let leaf = leaves.next()?;
    if leaves.next().is_some() {
        return None;
    }
    let conv = StatisticsConverter::from_column_index(leaf, schema.field(column), descr).ok()?;
    let rgs = md.row_groups();
    let mins: ArrayRef = conv.row_group_mins(rgs.iter()).ok()?;
    let maxs: ArrayRef = conv.row_group_maxes(rgs.iter()).ok()?;
    let min_exact = conv.row_group_is_min_value_exact(rgs.iter()).ok()?;
    let max_exact = conv.row_group_is_max_value_exact(rgs.iter()).ok()?;
    let nulls = conv.row_group_null_counts(rgs.iter()).ok()?;
    let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
    let pmin = Prepared::new(&mins);
    let pmax = Prepared::new(&maxs);
    let (imin, imax) = (pmin.input()?, pmax.input()?);
    let mut vmin = vec![0f64; mins.len()];
    let mut vmax = vec![0f64; maxs.len()];
    imin.values.fill(0, &mut vmin);
    imax.values.fill(0, &mut vmax);
    for (i, rg) in rgs.iter().enumerate() {
        let rows = rg.num_rows() as u64;
        let null_count = if nulls.is_valid(i) {
            nulls.value(i)
        } else {
            return None;
        };
        if null_count == rows {
            continue; // nothing but nulls: no range to contribute
        }
        if mins.is_null(i) || maxs.is_null(i) {
            return None;
        }
        if !min_exact.is_valid(i)
            || !min_exact.value(i)
            || !max_exact.is_valid(i)
            || !max_exact.value(i)
        {
            return None;
        }
        let (a, b) = (vmin[i], vmax[i]);
        // Non-finite statistics (inf values, or NaN from writers that include it) need a scan.
        if !a.is_finite() || !b.is_finite() {
            return None;
        }
        lo = lo.min(a);
        hi = hi.max(b);
    }
    Some((lo, hi))
}
