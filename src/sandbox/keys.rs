//! The credentials the sandbox accepts, which a test can rotate while clients call: the
//! configured ones at start, then whatever `POST /_sandbox/credentials` adds or revokes
//! (Tencent's console lets an app hold two secret keys and two API keys during a rotation).

use serde_json::{json, Map, Value};

/// Accepted IM secret keys and Cloud API key pairs; the first of each is the current one.
#[derive(Clone)]
pub struct Keys {
    im: Vec<String>,
    cloud: Vec<(String, String)>,
}

impl std::fmt::Debug for Keys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Keys({})", self.json())
    }
}

impl Keys {
    /// The configured credentials.
    pub fn new(secret_key: &str, cloud_secret_id: &str, cloud_secret_key: &str) -> Keys {
        Keys { im: vec![secret_key.into()], cloud: vec![(cloud_secret_id.into(), cloud_secret_key.into())] }
    }

    /// The IM secret keys, current first.
    pub fn im(&self) -> &[String] {
        &self.im
    }

    /// The Cloud API `SecretKey` of `secret_id`, if it is accepted.
    pub fn cloud_key(&self, secret_id: &str) -> Option<&str> {
        self.cloud.iter().find(|(id, _)| id == secret_id).map(|(_, k)| k.as_str())
    }

    /// Applies `{"secret_key"?, "cloud_secret_id"?, "cloud_secret_key"?, "revoke_others"?}`:
    /// adds the given credentials as current, and with `revoke_others` drops every other
    /// one of the same kind.
    pub fn apply(&mut self, b: &Map<String, Value>) -> Result<(), String> {
        const FIELDS: [&str; 4] = ["secret_key", "cloud_secret_id", "cloud_secret_key", "revoke_others"];
        if let Some(k) = b.keys().find(|k| !FIELDS.contains(&k.as_str())) {
            return Err(format!("unknown field {k:?}; expected one of {FIELDS:?}"));
        }
        let text = |k: &str| match b.get(k) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) if !s.is_empty() => Ok(Some(s.clone())),
            Some(_) => Err(format!("{k} must be a non-empty string")),
        };
        let revoke = match b.get("revoke_others") {
            None | Some(Value::Null) => false,
            Some(Value::Bool(v)) => *v,
            Some(_) => return Err("revoke_others must be true or false".into()),
        };
        let (im, id, key) = (text("secret_key")?, text("cloud_secret_id")?, text("cloud_secret_key")?);
        let cloud = match (id, key) {
            (Some(id), Some(key)) => Some((id, key)),
            (None, None) => None,
            _ => return Err("cloud_secret_id and cloud_secret_key go together".into()),
        };
        if im.is_none() && cloud.is_none() {
            return Err("name secret_key, or cloud_secret_id with cloud_secret_key".into());
        }
        if let Some(k) = im {
            promote(&mut self.im, k, revoke);
        }
        if let Some(pair) = cloud {
            promote(&mut self.cloud, pair, revoke);
        }
        Ok(())
    }

    /// What `GET /_sandbox/credentials` shows: counts and SecretIds, never a key.
    pub fn json(&self) -> Value {
        json!({
            "secret_keys": self.im.len(),
            "cloud_secret_ids": self.cloud.iter().map(|(id, _)| id.as_str()).collect::<Vec<_>>(),
        })
    }
}

/// Puts `item` first (once), dropping the rest when `only` is set.
fn promote<T: PartialEq>(list: &mut Vec<T>, item: T, only: bool) {
    list.retain(|x| *x != item && !only);
    list.insert(0, item);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(v: Value) -> Map<String, Value> {
        v.as_object().unwrap().clone()
    }

    #[test]
    fn rotation_adds_then_revokes() {
        let mut k = Keys::new("old", "AKID1", "k1");
        k.apply(&body(json!({"secret_key": "new", "cloud_secret_id": "AKID2", "cloud_secret_key": "k2"}))).unwrap();
        assert_eq!(k.im(), ["new", "old"]);
        assert_eq!((k.cloud_key("AKID1"), k.cloud_key("AKID2")), (Some("k1"), Some("k2")));
        k.apply(&body(json!({"secret_key": "new", "revoke_others": true}))).unwrap();
        assert_eq!(k.im(), ["new"]);
        assert_eq!(k.cloud_key("AKID1"), Some("k1"), "only the named kind is revoked");
        assert_eq!(k.json(), json!({"secret_keys": 1, "cloud_secret_ids": ["AKID2", "AKID1"]}));
        for bad in [json!({}), json!({"cloud_secret_id": "x"}), json!({"secret_key": ""}), json!({"nope": 1})] {
            assert!(k.apply(&body(bad.clone())).is_err(), "{bad}");
        }
    }
}
