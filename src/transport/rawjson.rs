//! A JSON object read one level deep: its keys, in order, with each value left as the
//! raw text it was sent as (keys are few and short, so they are owned). The two envelopes only need their top-level fields, so the
//! payload is neither copied nor expanded into a `Value` tree (a few MiB of small JSON
//! values would otherwise cost tens of times their size in memory).

use serde::de::{Deserializer, MapAccess, Visitor};
use serde::Deserialize;
use serde_json::value::RawValue;
use std::fmt;

/// The fields of one JSON object, values as raw text.
pub struct Fields<'a>(pub Vec<(String, &'a RawValue)>);

impl<'de> Deserialize<'de> for Fields<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Fields<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Fields<'de>, A::Error> {
                let mut out = Vec::with_capacity(map.size_hint().unwrap_or(8));
                while let Some((k, v)) = map.next_entry::<String, &'de RawValue>()? {
                    out.push((k, v));
                }
                Ok(Fields(out))
            }
        }
        d.deserialize_map(V)
    }
}

impl<'a> Fields<'a> {
    /// Parses an object; `None` when `text` is not one.
    pub fn parse(text: &'a [u8]) -> Option<Fields<'a>> {
        serde_json::from_slice(text).ok()
    }

    /// The raw value of `key`.
    pub fn get(&self, key: &str) -> Option<&'a RawValue> {
        self.0.iter().find(|(k, _)| k == key).map(|(_, v)| *v)
    }

    /// `key` as a string, if it is one.
    pub fn str(&self, key: &str) -> Option<String> {
        self.get(key).and_then(|v| serde_json::from_str::<String>(v.get()).ok())
    }

    /// Writes the fields as an object, skipping the keys in `skip`.
    pub fn write(&self, out: &mut String, skip: &[&str]) {
        for (k, v) in self.0.iter().filter(|(k, _)| !skip.contains(&k.as_str())) {
            if out.len() > 1 {
                out.push(',');
            }
            out.push_str(&serde_json::to_string(k).expect("a string serializes"));
            out.push(':');
            out.push_str(v.get());
        }
    }
}

/// Writes objects' fields as one object: `{` + each `(fields, skip)` + `}`.
pub fn object(parts: &[(&Fields<'_>, &[&str])], extra: usize) -> String {
    let mut out = String::with_capacity(extra + 2);
    out.push('{');
    for (fields, skip) in parts {
        fields.write(&mut out, skip);
    }
    out.push('}');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_order_and_raw_values() {
        let text = br#"{"b": [1, 2.50, 18446744073709551616], "a\u0041": {"x": "y"}, "c": "s"}"#;
        let f = Fields::parse(text).unwrap();
        assert_eq!(f.0.iter().map(|(k, _)| k.as_str()).collect::<Vec<_>>(), ["b", "aA", "c"]);
        assert_eq!(f.get("b").unwrap().get(), "[1, 2.50, 18446744073709551616]");
        assert_eq!(f.str("c").as_deref(), Some("s"));
        assert_eq!(object(&[(&f, &["c"])], 0), r#"{"b":[1, 2.50, 18446744073709551616],"aA":{"x": "y"}}"#);
        assert!(Fields::parse(b"[1]").is_none());
    }
}
