//! Declarative validation of JSON inputs (requests and config) before any I/O.
//!
//! Every operation describes its body as a table of `Field`s; `validate` walks a
//! `serde_json::Value` against it and names the offending field by its path
//! (`CallInfo.MediaType`). Unknown fields are rejected so typos fail fast.

use crate::error::{Error, ErrorCode};
use serde_json::{Map, Value};

/// What a field may hold.
#[derive(Debug)]
pub enum Kind {
    /// A string of `min..=max` UTF-8 bytes.
    Str {
        /// Fewest bytes.
        min: usize,
        /// Most bytes.
        max: usize,
    },
    /// A string that is a URL starting with `http://` or `https://`.
    HttpUrl,
    /// One of a fixed set of strings.
    OneOf(&'static [&'static str]),
    /// A string that starts with this prefix and has more after it (`Call.` commands).
    Prefixed(&'static str),
    /// An integer in `min..=max` (never passed through f64).
    Int {
        /// Smallest value.
        min: i128,
        /// Largest value.
        max: i128,
    },
    /// `true` or `false`.
    Bool,
    /// An array of `min..=max` items, each of the inner kind.
    List {
        /// Fewest items.
        min: usize,
        /// Most items.
        max: usize,
        /// What each item holds.
        item: &'static Kind,
    },
    /// An object with exactly these fields.
    Object(&'static [Field]),
    /// Any JSON object, passed through untouched (e.g. `OfflinePushInfo`).
    AnyObject,
    /// A TRTC room id: a positive integer or a non-empty string.
    RoomId,
}

/// Whether a field must be present, and what `null` means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Presence {
    /// Must be present and non-null.
    Required,
    /// May be absent; `null` is a type error (Tencent's own bodies).
    Optional,
    /// May be absent or `null` (tccall's own request objects).
    Nullable,
}

/// The value an absent field takes: written once, here in the schema.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Preset {
    /// No default.
    None,
    /// An integer.
    Int(u64),
    /// A string.
    Str(&'static str),
    /// A boolean.
    Bool(bool),
}

impl Preset {
    /// As JSON.
    pub fn to_value(self) -> Option<Value> {
        match self {
            Preset::None => None,
            Preset::Int(n) => Some(Value::from(n)),
            Preset::Str(s) => Some(Value::from(s)),
            Preset::Bool(b) => Some(Value::from(b)),
        }
    }
}

/// One field of an object schema.
#[derive(Debug)]
pub struct Field {
    /// The JSON key, exactly as Tencent spells it.
    pub name: &'static str,
    /// What it may hold.
    pub kind: Kind,
    /// Whether it must be present.
    pub presence: Presence,
    /// Its value when absent (or `null` for nullable fields).
    pub default: Preset,
}

impl Field {
    /// A required field.
    pub const fn req(name: &'static str, kind: Kind) -> Field {
        Field { name, kind, presence: Presence::Required, default: Preset::None }
    }
    /// An optional field (absent allowed, `null` refused).
    pub const fn opt(name: &'static str, kind: Kind) -> Field {
        Field { name, kind, presence: Presence::Optional, default: Preset::None }
    }
    /// A nullable field (absent or `null` allowed).
    pub const fn null(name: &'static str, kind: Kind) -> Field {
        Field { name, kind, presence: Presence::Nullable, default: Preset::None }
    }
    /// The same field with a default.
    pub const fn or(self, default: Preset) -> Field {
        Field { default, ..self }
    }
}

/// The field `name` of `fields` (a programming error if it is not there).
fn field<'f>(fields: &'f [Field], name: &str) -> &'f Field {
    fields.iter().find(|f| f.name == name).unwrap_or_else(|| panic!("{name} is not in the schema"))
}

/// `obj[name]`, or the schema's default for it when absent or null.
pub fn value_or_default(obj: &Value, fields: &[Field], name: &str) -> Option<Value> {
    match obj.get(name) {
        Some(v) if !v.is_null() => Some(v.clone()),
        _ => field(fields, name).default.to_value(),
    }
}

/// An integer field of a validated object, or its default.
pub fn int(obj: &Value, fields: &[Field], name: &str) -> u64 {
    value_or_default(obj, fields, name).and_then(|v| v.as_u64()).unwrap_or_else(|| panic!("{name} has no default"))
}

/// A string field of a validated object, or its default.
pub fn text(obj: &Value, fields: &[Field], name: &str) -> String {
    match value_or_default(obj, fields, name) {
        Some(Value::String(s)) => s,
        _ => panic!("{name} has no string default"),
    }
}

/// A boolean field of a validated object, or its default.
pub fn flag(obj: &Value, fields: &[Field], name: &str) -> bool {
    value_or_default(obj, fields, name).and_then(|v| v.as_bool()).unwrap_or_else(|| panic!("{name} has no default"))
}

/// A validated request with every absent field that has a default filled in (nested
/// objects too), so what is sent states the defaults explicitly.
pub fn with_defaults(req: &Value, fields: &[Field]) -> Value {
    let mut out = req.clone();
    fill(&mut out, fields);
    out
}

fn fill(v: &mut Value, fields: &[Field]) {
    let Some(map) = v.as_object_mut() else { return };
    for f in fields {
        match (map.get_mut(f.name), &f.kind) {
            (None, _) => {
                if let Some(d) = f.default.to_value() {
                    map.insert(f.name.to_string(), d);
                }
            }
            (Some(inner), Kind::Object(sub)) => fill(inner, sub),
            _ => {}
        }
    }
}

/// Whether any field (nested objects included) has a default.
pub fn has_defaults(fields: &[Field]) -> bool {
    fields.iter().any(|f| f.default != Preset::None || matches!(f.kind, Kind::Object(sub) if has_defaults(sub)))
}

/// Common kinds.
pub const NON_EMPTY: Kind = Kind::Str { min: 1, max: 1 << 20 };
/// A UserID: 1 to 32 bytes (Chat's documented limit).
pub const USER_ID: Kind = Kind::Str { min: 1, max: 32 };
/// A non-negative integer that fits in `u32`.
pub const U32: Kind = Kind::Int { min: 0, max: u32::MAX as i128 };
/// A non-negative integer that fits in `i64` (unix seconds, counters).
pub const NON_NEG: Kind = Kind::Int { min: 0, max: i64::MAX as i128 };

/// Checks `value` against the object schema `fields`; `what` names the input
/// in messages (e.g. `"end_call request"`). Errors carry `code`.
pub fn validate(value: &Value, fields: &[Field], what: &str, code: ErrorCode) -> Result<(), Error> {
    match value {
        Value::Object(map) => check_object(map, fields, "", what).map_err(|m| Error::new(code, m)),
        other => Err(Error::new(code, format!("{what} must be a JSON object, got {}", type_name(other)))),
    }
}

fn check_object(map: &Map<String, Value>, fields: &[Field], prefix: &str, what: &str) -> Result<(), String> {
    for key in map.keys() {
        if !fields.iter().any(|f| f.name == key) {
            let known: Vec<&str> = fields.iter().map(|f| f.name).collect();
            let expected = if known.is_empty() { "no fields".to_string() } else { known.join(", ") };
            return Err(format!("unknown field `{prefix}{key}` in {what} (expected: {expected})"));
        }
    }
    for field in fields {
        let path = FieldPath { prefix, name: field.name };
        // A scan, not `map.get`: requests hold a handful of keys, and comparing them
        // costs less than hashing each field name.
        let given = map.iter().find(|(k, _)| k.as_str() == field.name).map(|(_, v)| v);
        match (given, field.presence) {
            (None, Presence::Required) | (Some(Value::Null), Presence::Required) => {
                return Err(format!("{path} is required in {what}"));
            }
            (None, _) | (Some(Value::Null), Presence::Nullable) => {}
            (Some(v), _) => check_kind(v, &field.kind, &path, what)?,
        }
    }
    Ok(())
}

/// A field's dotted path (`params.RoomId`), formatted only when a message needs it:
/// validating a request that passes allocates nothing.
struct FieldPath<'a> {
    prefix: &'a str,
    name: &'a str,
}

impl std::fmt::Display for FieldPath<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.prefix)?;
        f.write_str(self.name)
    }
}

fn check_kind(v: &Value, kind: &Kind, path: &dyn std::fmt::Display, what: &str) -> Result<(), String> {
    match kind {
        Kind::Str { min, max } => {
            let s = v.as_str().ok_or_else(|| wrong_type(path, "a string", v))?;
            if s.len() < *min || s.len() > *max {
                return Err(if *min == 1 && s.is_empty() {
                    format!("{path} must not be empty")
                } else {
                    format!("{path} must be {min} to {max} bytes long, got {}", s.len())
                });
            }
        }
        Kind::HttpUrl => {
            let s = v.as_str().ok_or_else(|| wrong_type(path, "a string", v))?;
            let rest = s.strip_prefix("https://").or_else(|| s.strip_prefix("http://"));
            if rest.is_none_or(|r| r.is_empty()) {
                return Err(format!("{path} must start with http:// or https://"));
            }
        }
        Kind::OneOf(options) => {
            let s = v.as_str().ok_or_else(|| wrong_type(path, "a string", v))?;
            if !options.contains(&s) {
                return Err(format!("{path} must be one of {}, got {s:?}", options.join(", ")));
            }
        }
        Kind::Prefixed(prefix) => {
            let s = v.as_str().ok_or_else(|| wrong_type(path, "a string", v))?;
            if s.strip_prefix(prefix).is_none_or(|rest| rest.is_empty()) {
                return Err(format!("{path} must start with {prefix:?}, got {s:?}"));
            }
        }
        Kind::Int { min, max } => {
            let n = as_int(v).ok_or_else(|| wrong_type(path, "an integer", v))?;
            if n < *min || n > *max {
                return Err(format!("{path} must be between {min} and {max}, got {n}"));
            }
        }
        Kind::Bool => {
            v.as_bool().ok_or_else(|| wrong_type(path, "true or false", v))?;
        }
        Kind::List { min, max, item } => {
            let items = v.as_array().ok_or_else(|| wrong_type(path, "an array", v))?;
            if items.len() < *min || items.len() > *max {
                return Err(match *max {
                    usize::MAX => format!("{path} must have at least {min} item(s)"),
                    _ => format!("{path} must have {min} to {max} items, got {}", items.len()),
                });
            }
            for (i, it) in items.iter().enumerate() {
                check_kind(it, item, &format!("{path}[{i}]"), what)?;
            }
        }
        Kind::Object(fields) => {
            let map = v.as_object().ok_or_else(|| wrong_type(path, "an object", v))?;
            check_object(map, fields, &format!("{path}."), what)?;
        }
        Kind::AnyObject => {
            v.as_object().ok_or_else(|| wrong_type(path, "an object", v))?;
        }
        Kind::RoomId => match v {
            Value::String(s) if !s.is_empty() && s.len() <= 64 => {}
            Value::String(s) => return Err(format!("{path} as a string must be 1 to 64 bytes, got {}", s.len())),
            Value::Number(_) => match as_int(v) {
                Some(n) if n >= 1 && n <= u64::MAX as i128 => {}
                _ => return Err(format!("{path} as a number must be an integer from 1 to {}", u64::MAX)),
            },
            other => return Err(wrong_type(path, "an integer or a string", other)),
        },
    }
    Ok(())
}

/// An integer JSON number as `i128`, exactly; `None` for non-integers.
pub fn as_int(v: &Value) -> Option<i128> {
    let n = v.as_number()?;
    n.as_u64().map(i128::from).or_else(|| n.as_i64().map(i128::from))
}

fn wrong_type(path: &dyn std::fmt::Display, expected: &str, got: &Value) -> String {
    format!("{path} must be {expected}, got {}", type_name(got))
}

/// The JSON type of a value, for messages.
pub fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(n) if n.is_f64() => "a fractional number",
        Value::Number(_) => "an integer",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    static INNER: &[Field] = &[Field::req("MediaType", Kind::OneOf(&["Audio", "Video"]))];
    static FIELDS: &[Field] = &[
        Field::req("CallId", NON_EMPTY),
        Field::opt("Timeout", Kind::Int { min: 10_000, max: 600_000 }),
        Field::opt("CallInfo", Kind::Object(INNER)),
        Field::opt("Users", Kind::List { min: 1, max: 2, item: &USER_ID }),
        Field::null("time", NON_NEG),
    ];

    fn check(v: Value) -> Result<(), String> {
        validate(&v, FIELDS, "test request", ErrorCode::InvalidRequest).map_err(|e| e.message)
    }

    #[test]
    fn accepts_valid_input() {
        check(json!({"CallId": "c", "Timeout": 10000, "CallInfo": {"MediaType": "Audio"}, "time": null})).unwrap();
    }

    #[test]
    fn names_the_field_in_each_failure() {
        let cases = [
            (json!({}), "CallId is required"),
            (json!({"CallId": null}), "CallId is required"),
            (json!({"CallId": 5}), "CallId must be a string, got an integer"),
            (json!({"CallId": ""}), "CallId must not be empty"),
            (json!({"CallId": "c", "Callid": "x"}), "unknown field `Callid`"),
            (json!({"CallId": "c", "Timeout": 9999}), "Timeout must be between 10000 and 600000"),
            (json!({"CallId": "c", "Timeout": 10000.5}), "Timeout must be an integer, got a fractional number"),
            (json!({"CallId": "c", "Timeout": null}), "Timeout must be an integer, got null"),
            (
                json!({"CallId": "c", "CallInfo": {"MediaType": "video"}}),
                "CallInfo.MediaType must be one of Audio, Video",
            ),
            (json!({"CallId": "c", "CallInfo": {"MediaType": "Audio", "X": 1}}), "unknown field `CallInfo.X`"),
            (json!({"CallId": "c", "Users": []}), "Users must have 1 to 2 items"),
            (json!({"CallId": "c", "Users": ["a", 3]}), "Users[1] must be a string"),
            (json!({"CallId": "c", "time": "now"}), "time must be an integer"),
            (json!([1]), "test request must be a JSON object, got an array"),
        ];
        for (input, want) in cases {
            let got = check(input.clone()).expect_err(&input.to_string());
            assert!(got.contains(want), "{input}: {got:?} lacks {want:?}");
        }
    }

    #[test]
    fn room_id_takes_numbers_and_strings() {
        static ROOM: &[Field] = &[Field::req("RoomId", Kind::RoomId)];
        let ok = |v: Value| validate(&v, ROOM, "r", ErrorCode::InvalidRequest).is_ok();
        assert!(ok(json!({"RoomId": 1})));
        assert!(ok(json!({"RoomId": 18446744073709551615u64})));
        assert!(ok(json!({"RoomId": "房间1"})));
        assert!(!ok(json!({"RoomId": 0})));
        assert!(!ok(json!({"RoomId": -3})));
        assert!(!ok(json!({"RoomId": ""})));
        assert!(!ok(json!({"RoomId": true})));
        assert!(!ok(json!({"RoomId": "x".repeat(65)})));
    }
}
