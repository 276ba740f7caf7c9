//! JSON inputs: schema inference that keeps keys in their order of first appearance and names
//! the line of any error, for JSON lines (one object per line) and for files holding one JSON
//! array of objects; and the strict integer decoding that lets a profile notice a value that
//! does not fit the type inferred from the first rows.
//!
//! arrow-json decodes a number into an integer column by truncating it (`1.5` becomes `1`) and
//! drops keys the schema does not name. A profile must not: with [`strict`] decoding a
//! non-integral number in an integer column and an unknown key are errors
//! ([`TypeConflict`]), which the profiler answers by inferring the file's types from all of it
//! and reading it again.

use arrow::array::ArrayRef;
use arrow::datatypes::{DataType, FieldRef, Schema};
use arrow::error::ArrowError;
use arrow::json::reader::{ArrayDecoder, DecoderContext, DecoderFactory, Tape, TapeElement};
use serde::de::{DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::value::RawValue;
use serde_json::Value;
use std::io::BufRead;

/// The start of the message of a decoding error that a wider schema would avoid.
pub(crate) const CONFLICT: &str = "type conflict: ";

/// A file's inferred schema.
pub(crate) struct Inferred {
    pub schema: Schema,
}

/// Why inference failed, with the 1-based line where it did.
pub(crate) struct InferError {
    pub line: Option<usize>,
    pub message: String,
}

fn err(line: Option<usize>, message: impl std::fmt::Display) -> InferError {
    InferError {
        line,
        message: super::clip(&message.to_string()),
    }
}

/// Keys of a JSON object in the order they appear.
struct KeyOrder(Vec<String>);

impl<'de> serde::Deserialize<'de> for KeyOrder {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = KeyOrder;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<KeyOrder, A::Error> {
                let mut keys = Vec::new();
                while let Some(k) = m.next_key::<String>()? {
                    m.next_value::<IgnoredAny>()?;
                    keys.push(k);
                }
                Ok(KeyOrder(keys))
            }
        }
        d.deserialize_map(V)
    }
}

/// Collects records for inference, and the order keys first appear in.
struct Collector {
    values: Vec<Value>,
    order: Vec<String>,
    seen: std::collections::HashSet<String>,
}

impl Collector {
    fn add(&mut self, raw: &str, line: usize) -> Result<(), InferError> {
        let v: Value = serde_json::from_str(raw).map_err(|e| err(Some(line), strip_pos(&e)))?;
        match &v {
            Value::Object(_) => {
                let keys: KeyOrder = serde_json::from_str(raw).map_err(|e| err(Some(line), e))?;
                for k in keys.0 {
                    if self.seen.insert(k.clone()) {
                        self.order.push(k);
                    }
                }
            }
            Value::Array(_) => {
                return Err(err(
                    Some(line),
                    "a JSON array inside JSON lines: each line must be one object",
                ))
            }
            other => {
                return Err(err(
                    Some(line),
                    format!(
                        "expected a JSON object, found {}",
                        super::clip(&other.to_string())
                    ),
                ))
            }
        }
        self.values.push(v);
        Ok(())
    }
}

/// serde_json's message without its own position (the line is given apart).
fn strip_pos(e: &serde_json::Error) -> String {
    let m = e.to_string();
    match m.find(" at line ") {
        Some(i) => m[..i].to_string(),
        None => m,
    }
}

/// Infer the schema of a JSON lines file, or of a file holding one array of objects, from its
/// first `limit` records (`None`: all). Columns come in the order their keys first appear.
pub(crate) fn infer(mut r: impl BufRead, limit: Option<usize>) -> Result<Inferred, InferError> {
    let mut c = Collector {
        values: Vec::new(),
        order: Vec::new(),
        seen: Default::default(),
    };
    let limit = limit.unwrap_or(usize::MAX);
    // The first non-blank byte tells the layout.
    let first = loop {
        let buf = r.fill_buf().map_err(|e| err(None, e))?;
        if buf.is_empty() {
            break None;
        }
        match buf.iter().position(|b| !b.is_ascii_whitespace()) {
            Some(i) => break Some(buf[i]),
            None => {
                let n = buf.len();
                r.consume(n);
            }
        }
    };
    if first == Some(b'[') {
        infer_array(r, limit, &mut c)?;
    } else {
        let mut line = String::new();
        let mut number = 0usize;
        while c.values.len() < limit {
            line.clear();
            let n = r
                .read_line(&mut line)
                .map_err(|e| err(Some(number + 1), e))?;
            if n == 0 {
                break;
            }
            number += 1;
            let t = line.trim();
            if !t.is_empty() {
                c.add(t, number)?;
            }
        }
    }
    let schema = arrow::json::reader::infer_json_schema_from_iterator(c.values.iter().map(Ok))
        .map_err(|e| err(None, super::strip_arrow_prefix(&e.to_string())))?;
    // arrow returns the columns in hash order: put them in order of first appearance.
    let fields: Vec<FieldRef> = c
        .order
        .iter()
        .filter_map(|k| schema.field_with_name(k).ok())
        .map(|f| std::sync::Arc::new(f.clone()))
        .collect();
    Ok(Inferred {
        schema: Schema::new(fields),
    })
}

/// The elements of a top-level array, streamed: a large file is not held in memory.
fn infer_array(r: impl BufRead, limit: usize, c: &mut Collector) -> Result<(), InferError> {
    const STOP: &str = "datassay: enough records";
    struct Elements<'a> {
        c: &'a mut Collector,
        limit: usize,
        failed: &'a mut Option<InferError>,
    }
    impl<'de> DeserializeSeed<'de> for Elements<'_> {
        type Value = ();
        fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
            d.deserialize_seq(self)
        }
    }
    impl<'de> Visitor<'de> for Elements<'_> {
        type Value = ();
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("an array of JSON objects")
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
            use serde::de::Error;
            while self.c.values.len() < self.limit {
                let Some(raw) = seq.next_element::<Box<RawValue>>()? else {
                    return Ok(());
                };
                if let Err(e) = self.c.add(raw.get(), 0) {
                    *self.failed = Some(InferError {
                        line: None,
                        message: format!("element {}: {}", self.c.values.len() + 1, e.message),
                    });
                    return Err(A::Error::custom(STOP));
                }
            }
            Err(A::Error::custom(STOP))
        }
    }
    let mut failed = None;
    let mut de = serde_json::Deserializer::from_reader(r);
    let res = Elements {
        c,
        limit,
        failed: &mut failed,
    }
    .deserialize(&mut de);
    if let Some(f) = failed {
        return Err(f);
    }
    match res {
        Ok(()) => Ok(()),
        Err(e) if e.to_string().starts_with(STOP) => Ok(()),
        Err(e) => Err(err(Some(e.line()), strip_pos(&e))),
    }
}

/// Find the first line of a JSON lines file that is not valid JSON: arrow's decoder does not
/// say where a syntax error is.
pub(crate) fn first_bad_line(r: impl BufRead) -> Option<(usize, String)> {
    for (i, line) in r.lines().enumerate() {
        let line = line.ok()?;
        let t = line.trim();
        if t.is_empty() || t.starts_with('[') {
            continue;
        }
        if let Err(e) = serde_json::from_str::<IgnoredAny>(t) {
            return Some((i + 1, strip_pos(&e)));
        }
    }
    None
}

/// Decoders that refuse what arrow-json would silently change: a non-integral or out-of-range
/// number in an integer column.
#[derive(Debug)]
pub(crate) struct StrictIntegers;

impl DecoderFactory for StrictIntegers {
    fn make_default_decoder(
        &self,
        ctx: &DecoderContext,
        field: &FieldRef,
        is_nullable: bool,
    ) -> Result<Option<Box<dyn ArrayDecoder>>, ArrowError> {
        if !field.data_type().is_integer() {
            return Ok(None);
        }
        let inner = ctx.make_builtin_decoder(field, is_nullable)?;
        Ok(Some(Box::new(StrictInt {
            inner,
            name: field.name().clone(),
            data_type: field.data_type().clone(),
        })))
    }
}

struct StrictInt {
    inner: Box<dyn ArrayDecoder>,
    name: String,
    data_type: DataType,
}

impl ArrayDecoder for StrictInt {
    fn decode(&mut self, tape: &Tape<'_>, pos: &[u32]) -> Result<ArrayRef, ArrowError> {
        for (row, &p) in pos.iter().enumerate() {
            let text = match tape.get(p) {
                TapeElement::Number(i) => tape.get_string(i),
                TapeElement::String(i) => tape.get_string(i),
                TapeElement::True | TapeElement::False => "a boolean",
                TapeElement::StartObject(_) => "an object",
                TapeElement::StartList(_) => "a list",
                _ => continue,
            };
            let fits = match text.parse::<i128>() {
                Ok(v) => fits_int(v, &self.data_type),
                // `1e3` and `2.0` are integers written as floats; `1.5` is not.
                Err(_) => text.parse::<f64>().is_ok_and(|f| {
                    f.fract() == 0.0 && f.abs() < 1e38 && fits_int(f as i128, &self.data_type)
                }),
            };
            if !fits {
                // The row within the batch leads the message; the reader turns it into the
                // record's place in the file.
                return Err(ArrowError::JsonError(format!(
                    "{CONFLICT}{row}|key '{}' holds {}, which is not {} (the type inferred from the first rows)",
                    self.name,
                    super::clip(text),
                    self.data_type
                )));
            }
        }
        self.inner.decode(tape, pos)
    }
}

fn fits_int(v: i128, dt: &DataType) -> bool {
    let (lo, hi) = match dt {
        DataType::Int8 => (i8::MIN as i128, i8::MAX as i128),
        DataType::Int16 => (i16::MIN as i128, i16::MAX as i128),
        DataType::Int32 => (i32::MIN as i128, i32::MAX as i128),
        DataType::Int64 => (i64::MIN as i128, i64::MAX as i128),
        DataType::UInt8 => (0, u8::MAX as i128),
        DataType::UInt16 => (0, u16::MAX as i128),
        DataType::UInt32 => (0, u32::MAX as i128),
        _ => (0, u64::MAX as i128),
    };
    (lo..=hi).contains(&v)
}

/// A field by name, for tests.
#[cfg(test)]
fn names(s: &Schema) -> Vec<&str> {
    s.fields()
        .iter()
        .map(|f: &FieldRef| f.name().as_str())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_keep_their_order_of_first_appearance() {
        let text = "{\"z\":1,\"a\":\"x\"}\n\n{\"m\":true,\"a\":\"y\"}\n";
        let i = infer(text.as_bytes(), None).ok().unwrap();
        assert_eq!(names(&i.schema), ["z", "a", "m"]);
        let arr = "[{\"z\":1,\"a\":2}, {\"b\":3}]";
        let i = infer(arr.as_bytes(), Some(1)).ok().unwrap();
        assert_eq!(names(&i.schema), ["z", "a"]);
        let i = infer(arr.as_bytes(), None).ok().unwrap();
        assert_eq!(names(&i.schema), ["z", "a", "b"]);
    }

    #[test]
    fn errors_name_their_line() {
        let e = infer("{\"a\":1}\n{\"a\":1,,}\n".as_bytes(), None)
            .err()
            .unwrap();
        assert_eq!(e.line, Some(2));
        assert_eq!(e.message, "key must be a string");
        assert_eq!(
            first_bad_line("{\"a\":1}\n\n{\"a\":}\n".as_bytes()).map(|x| x.0),
            Some(3)
        );
    }

    #[test]
    fn integers_fit_or_conflict() {
        assert!(fits_int(1000, &DataType::Int64));
        assert!(!fits_int(-1, &DataType::UInt8));
        assert!(fits_int(i64::MAX as i128, &DataType::Int64));
        assert!(!fits_int(i64::MAX as i128 + 1, &DataType::Int64));
    }
}
