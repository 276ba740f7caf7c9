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
                    format!("expected a JSON object, found {other}"),
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
    mixed_kinds_as_text(&mut c.values);
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

/// A key that holds objects in some records and scalars or lists in others (or lists and
/// scalars) has no Arrow type but text: its values are replaced, for inference, by their JSON
/// text, so the key is inferred as `Utf8` and read as the JSON text of each value
/// ([`Decoders`]), where arrow would reject the whole file.
fn mixed_kinds_as_text(values: &mut [Value]) {
    use std::collections::HashMap;
    let kind = |v: &Value| match v {
        Value::Null => 0u8,
        Value::Object(_) => 1,
        Value::Array(_) => 2,
        _ => 4,
    };
    let mut kinds: HashMap<&str, u8> = HashMap::new();
    for v in values.iter() {
        if let Value::Object(m) = v {
            for (k, x) in m {
                *kinds.entry(k.as_str()).or_default() |= kind(x);
            }
        }
    }
    let mixed: Vec<String> = kinds
        .into_iter()
        .filter(|(_, k)| k.count_ones() > 1)
        .map(|(k, _)| k.to_string())
        .collect();
    if mixed.is_empty() {
        return;
    }
    for v in values.iter_mut() {
        if let Value::Object(m) = v {
            for k in &mixed {
                if let Some(x) = m.get_mut(k) {
                    if !x.is_null() && !x.is_string() {
                        *x = Value::String(x.to_string());
                    }
                }
            }
        }
    }
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

/// What is wrong at the first line of a JSON lines file that arrow's decoder failed on (it
/// says neither where nor which); this scan runs only once it has failed.
pub(crate) enum Finding {
    /// The line is not valid JSON.
    Syntax(usize, String),
    /// The line holds a key the schema lacks, or a value its column's type cannot hold.
    Misfit(usize, String),
}

/// The first line of a JSON lines file that is not valid JSON or does not fit `schema`.
pub(crate) fn diagnose(r: impl BufRead, schema: &Schema) -> Option<Finding> {
    for (i, line) in r.lines().enumerate() {
        let line = line.ok()?;
        let t = line.trim();
        if t.is_empty() || t.starts_with('[') {
            continue;
        }
        let m = match serde_json::from_str::<Value>(t) {
            Err(e) => return Some(Finding::Syntax(i + 1, strip_pos(&e))),
            Ok(Value::Object(m)) => m,
            Ok(_) => continue,
        };
        for (k, v) in &m {
            let Ok(f) = schema.field_with_name(k) else {
                return Some(Finding::Misfit(
                    i + 1,
                    format!(
                        "key '{}' first appears here, after the first rows the types were inferred from",
                        super::clip(k)
                    ),
                ));
            };
            if !fits(v, f.data_type()) {
                let shown = match v {
                    Value::Object(_) => "an object".to_string(),
                    Value::Array(_) => "a list".to_string(),
                    v => super::clip(&v.to_string()),
                };
                return Some(Finding::Misfit(
                    i + 1,
                    format!(
                        "key '{}' holds {shown}, which is not {} (the type inferred from the first rows)",
                        super::clip(k),
                        f.data_type()
                    ),
                ));
            }
        }
    }
    None
}

/// Whether a JSON value can be read into a column of type `dt` without loss.
fn fits(v: &Value, dt: &DataType) -> bool {
    match (v, dt) {
        (Value::Null, _) | (_, DataType::Utf8) => true,
        (_, DataType::Null) => false,
        (Value::Number(n), t) if t.is_integer() => {
            n.as_i64()
                .map(|x| x as i128)
                .or(n.as_u64().map(|x| x as i128))
                .is_some_and(|x| fits_int(x, t))
                || n.as_f64()
                    .is_some_and(|f| f.fract() == 0.0 && f.abs() < 1e38 && fits_int(f as i128, t))
        }
        (Value::String(s), t) if t.is_integer() => s.parse::<i128>().is_ok_and(|x| fits_int(x, t)),
        (Value::Number(_), t) if t.is_floating() => true,
        (Value::String(s), t) if t.is_floating() => s.parse::<f64>().is_ok(),
        (Value::Bool(_), DataType::Boolean) => true,
        (Value::Object(_), DataType::Struct(_)) => true,
        (Value::Array(_), DataType::List(_) | DataType::LargeList(_)) => true,
        _ => false,
    }
}

/// The decoders datassay puts in arrow-json's place. Text columns take any value: a string as
/// it is, a number or boolean as written, an object or list as its JSON text (a key whose
/// values are of mixed kinds is inferred as text). With `strict`, integer columns refuse what
/// arrow-json would silently change: a non-integral or out-of-range number.
#[derive(Debug)]
pub(crate) struct Decoders {
    pub strict: bool,
}

impl DecoderFactory for Decoders {
    fn make_default_decoder(
        &self,
        ctx: &DecoderContext,
        field: &FieldRef,
        is_nullable: bool,
    ) -> Result<Option<Box<dyn ArrayDecoder>>, ArrowError> {
        if *field.data_type() == DataType::Utf8 {
            return Ok(Some(Box::new(JsonText)));
        }
        if !self.strict || !field.data_type().is_integer() {
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

/// A text column: every value as text, nested ones as their JSON.
struct JsonText;

impl ArrayDecoder for JsonText {
    fn decode(&mut self, tape: &Tape<'_>, pos: &[u32]) -> Result<ArrayRef, ArrowError> {
        let mut b = arrow::array::StringBuilder::with_capacity(pos.len(), pos.len() * 8);
        let mut text = String::new();
        for &p in pos {
            match tape.get(p) {
                TapeElement::Null => b.append_null(),
                TapeElement::String(i) => b.append_value(tape.get_string(i)),
                _ => {
                    text.clear();
                    write_json(tape, p, &mut text)?;
                    b.append_value(&text);
                }
            }
        }
        Ok(std::sync::Arc::new(b.finish()))
    }
}

/// Write the value at `idx` of the tape as JSON text; returns the index after it.
fn write_json(tape: &Tape<'_>, idx: u32, out: &mut String) -> Result<u32, ArrowError> {
    let quoted = |out: &mut String, s: &str| {
        out.push_str(&serde_json::to_string(s).expect("a string serialises"));
    };
    Ok(match tape.get(idx) {
        TapeElement::StartObject(end) => {
            out.push('{');
            let mut cur = idx + 1;
            while cur < end {
                if cur > idx + 1 {
                    out.push(',');
                }
                match tape.get(cur) {
                    TapeElement::String(k) => quoted(out, tape.get_string(k)),
                    _ => return Err(tape.error(cur, "a key")),
                }
                out.push(':');
                cur = write_json(tape, cur + 1, out)?;
            }
            out.push('}');
            end + 1
        }
        TapeElement::StartList(end) => {
            out.push('[');
            let mut cur = idx + 1;
            while cur < end {
                if cur > idx + 1 {
                    out.push(',');
                }
                cur = write_json(tape, cur, out)?;
            }
            out.push(']');
            end + 1
        }
        TapeElement::String(i) => {
            quoted(out, tape.get_string(i));
            idx + 1
        }
        TapeElement::Number(i) => {
            out.push_str(tape.get_string(i));
            idx + 1
        }
        TapeElement::True => {
            out.push_str("true");
            idx + 1
        }
        TapeElement::False => {
            out.push_str("false");
            idx + 1
        }
        TapeElement::Null => {
            out.push_str("null");
            idx + 1
        }
        TapeElement::I64(high) => {
            let low = match tape.get(idx + 1) {
                TapeElement::I32(l) => l,
                _ => return Err(tape.error(idx + 1, "the low half of an i64")),
            };
            out.push_str(&(((high as i64) << 32) | (low as u32) as i64).to_string());
            idx + 2
        }
        TapeElement::F64(high) => {
            let low = match tape.get(idx + 1) {
                TapeElement::F32(l) => l,
                _ => return Err(tape.error(idx + 1, "the low half of an f64")),
            };
            out.push_str(&f64::from_bits(((high as u64) << 32) | low as u64).to_string());
            idx + 2
        }
        TapeElement::I32(v) => {
            out.push_str(&v.to_string());
            idx + 1
        }
        TapeElement::F32(v) => {
            out.push_str(&f32::from_bits(v).to_string());
            idx + 1
        }
        _ => return Err(tape.error(idx, "a value")),
    })
}

struct StrictInt {
    inner: Box<dyn ArrayDecoder>,
    name: String,
    data_type: DataType,
}

impl ArrayDecoder for StrictInt {
    fn decode(&mut self, tape: &Tape<'_>, pos: &[u32]) -> Result<ArrayRef, ArrowError> {
        for (row, &p) in pos.iter().enumerate() {
            let (text, shown) = match tape.get(p) {
                TapeElement::Number(i) => (tape.get_string(i), tape.get_string(i).to_string()),
                TapeElement::String(i) => (
                    tape.get_string(i),
                    format!("\"{}\"", super::clip(tape.get_string(i))),
                ),
                TapeElement::True | TapeElement::False => ("", "a boolean".into()),
                TapeElement::StartObject(_) => ("", "an object".into()),
                TapeElement::StartList(_) => ("", "a list".into()),
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
                    super::clip(&shown),
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
        let schema = Schema::new(vec![arrow::datatypes::Field::new(
            "a",
            DataType::Int64,
            true,
        )]);
        let at = |text: &str| match diagnose(text.as_bytes(), &schema) {
            Some(Finding::Syntax(l, _)) => Some((l, "syntax")),
            Some(Finding::Misfit(l, _)) => Some((l, "misfit")),
            None => None,
        };
        assert_eq!(at("{\"a\":1}\n\n{\"a\":}\n"), Some((3, "syntax")));
        assert_eq!(at("{\"a\":1}\n{\"a\":1.5}\n"), Some((2, "misfit")));
        assert_eq!(at("{\"a\":1}\n{\"b\":1}\n"), Some((2, "misfit")));
        assert_eq!(at("{\"a\":1}\n"), None);
    }

    #[test]
    fn integers_fit_or_conflict() {
        assert!(fits_int(1000, &DataType::Int64));
        assert!(!fits_int(-1, &DataType::UInt8));
        assert!(fits_int(i64::MAX as i128, &DataType::Int64));
        assert!(!fits_int(i64::MAX as i128 + 1, &DataType::Int64));
    }
}
