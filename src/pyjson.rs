//! JSON text exactly as Python's `json.dumps` writes it by default
//! (`", "` / `": "` separators, `ensure_ascii=True`).
//!
//! Tencent's official Python code (TLSSigAPIv2, tencentcloud-sdk-python) produces
//! its UserSig JSON and TC3 request bodies this way; writing the same bytes makes
//! tccall's output byte-identical to the official libraries, so the shared test
//! vectors can be matched exactly rather than only semantically.

use serde_json::Value;
use std::fmt::Write;

/// Serializes `v` the way `json.dumps(v)` does (object keys in their stored order).
pub fn dumps(v: &Value) -> String {
    let mut out = String::new();
    write_value(&mut out, v);
    out
}

fn write_value(out: &mut String, v: &Value) {
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(&n.to_string()),
        Value::String(s) => write_str(out, s),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_value(out, item);
            }
            out.push(']');
        }
        Value::Object(map) => {
            out.push('{');
            for (i, (k, item)) in map.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_str(out, k);
                out.push_str(": ");
                write_value(out, item);
            }
            out.push('}');
        }
    }
}

/// Writes a JSON string literal with Python's `ensure_ascii` escaping: everything
/// outside printable ASCII becomes `\uXXXX` (lower-case hex, UTF-16 surrogate pairs).
pub fn write_str(out: &mut String, s: &str) {
    out.push('"');
    // Most strings (ids, base64, signatures) need no escape: copy them whole.
    if s.bytes().all(|b| matches!(b, b' '..=b'~') && b != b'"' && b != b'\\') {
        out.push_str(s);
        out.push('"');
        return;
    }
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{08}' => out.push_str("\\b"),
            '\u{0c}' => out.push_str("\\f"),
            ' '..='~' => out.push(c),
            _ => {
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    let _ = write!(out, "\\u{unit:04x}");
                }
            }
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn matches_python_json_dumps() {
        // Expected strings are what CPython 3.11 json.dumps prints for the same input.
        assert_eq!(
            dumps(&json!({"SdkAppId": 1400000000, "RoomId": 12345})),
            r#"{"SdkAppId": 1400000000, "RoomId": 12345}"#
        );
        assert_eq!(
            dumps(&json!({"a": ["x", "y"], "b": null, "c": true})),
            r#"{"a": ["x", "y"], "b": null, "c": true}"#
        );
        assert_eq!(dumps(&json!("房间1")), r#""\u623f\u95f41""#);
        assert_eq!(dumps(&json!("emoji😀id")), r#""emoji\ud83d\ude00id""#);
        assert_eq!(dumps(&json!("q\"b\\t\tn\nc\u{1}d\u{7f}/")), r#""q\"b\\t\tn\nc\u0001d\u007f/""#);
    }
}
