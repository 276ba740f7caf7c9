//! One column resolver for every pipeline that reads one column of a table (the text of
//! `dedup`, the vectors of `outliers` and `--embedding`, the images of `images`): a named column
//! must exist and have a usable type; with no name, the one usable column there is is taken, and
//! several are an error rather than a guess.

use crate::error::{Error, Result};
use arrow::datatypes::Schema;

pub use crate::error::ColumnRole;

/// The index of the column `role` reads in `schema`: `column` when named, else the one column
/// of that role there is. `input` names the data in errors: [`Error::MissingColumn`],
/// [`Error::UnsupportedType`] or [`Error::AmbiguousColumn`], each listing the usable columns.
pub fn resolve(
    schema: &Schema,
    column: Option<&str>,
    role: &'static ColumnRole,
    input: &str,
) -> Result<usize> {
    let fields = schema.fields();
    let candidates = || -> Vec<String> {
        fields
            .iter()
            .filter(|f| (role.accepts)(f.data_type()))
            .map(|f| f.name().clone())
            .collect()
    };
    match column {
        Some(c) => {
            let i =
                fields
                    .iter()
                    .position(|f| f.name() == c)
                    .ok_or_else(|| Error::MissingColumn {
                        input: input.to_string(),
                        column: Some(c.to_string()),
                        role,
                        candidates: candidates(),
                    })?;
            let t = fields[i].data_type();
            if !(role.accepts)(t) {
                return Err(Error::UnsupportedType {
                    input: input.to_string(),
                    column: c.to_string(),
                    data_type: t.to_string(),
                    role,
                    candidates: candidates(),
                });
            }
            Ok(i)
        }
        None => {
            let usable: Vec<usize> = (0..fields.len())
                .filter(|&i| (role.accepts)(fields[i].data_type()))
                .collect();
            match usable[..] {
                [one] => Ok(one),
                [] => Err(Error::MissingColumn {
                    input: input.to_string(),
                    column: None,
                    role,
                    candidates: vec![],
                }),
                _ => Err(Error::AmbiguousColumn {
                    input: input.to_string(),
                    role,
                    candidates: candidates(),
                }),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::datatypes::{DataType, Field};

    static NUMBER: ColumnRole = ColumnRole {
        kind: "number",
        expected: "a number",
        types: "int64 or float64",
        accepts: |t| matches!(t, DataType::Int64 | DataType::Float64),
    };

    fn schema(fields: &[(&str, DataType)]) -> Schema {
        Schema::new(
            fields
                .iter()
                .map(|(n, t)| Field::new(*n, t.clone(), true))
                .collect::<Vec<_>>(),
        )
    }

    #[test]
    fn a_named_column_must_exist_and_qualify() {
        let s = schema(&[("a", DataType::Utf8), ("b", DataType::Int64)]);
        assert_eq!(resolve(&s, Some("b"), &NUMBER, "t").unwrap(), 1);
        let e = resolve(&s, Some("z"), &NUMBER, "t").unwrap_err();
        assert!(
            matches!(&e, Error::MissingColumn { column: Some(c), candidates, .. }
            if c == "z" && candidates == &["b"])
        );
        assert_eq!(e.to_string(), "t: no column \"z\"; number columns: [b]");
        let e = resolve(&s, Some("a"), &NUMBER, "t").unwrap_err();
        assert!(matches!(&e, Error::UnsupportedType { data_type, .. } if data_type == "Utf8"));
        assert_eq!(
            e.to_string(),
            "t: column \"a\" is Utf8, not a number; number columns: [b]"
        );
    }

    #[test]
    fn without_a_name_the_one_usable_column_is_taken_and_several_are_refused() {
        let one = schema(&[("a", DataType::Utf8), ("b", DataType::Int64)]);
        assert_eq!(resolve(&one, None, &NUMBER, "t").unwrap(), 1);
        let none = schema(&[("a", DataType::Utf8)]);
        let e = resolve(&none, None, &NUMBER, "t").unwrap_err();
        assert!(matches!(e, Error::MissingColumn { column: None, .. }));
        assert_eq!(e.to_string(), "t: no number column (int64 or float64)");
        let two = schema(&[("a", DataType::Float64), ("b", DataType::Int64)]);
        let e = resolve(&two, None, &NUMBER, "t").unwrap_err();
        assert_eq!(
            e.to_string(),
            "t: several number columns ([a, b]); name one with `column`"
        );
    }
}
