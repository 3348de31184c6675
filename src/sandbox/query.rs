//! The sandbox's own URL query reading (`a=1&b=x%20y`, `+` as a space), so the emulator
//! does not lean on the client's webhook code.

use percent_encoding::percent_decode_str;

/// Decodes a query into its pairs, in order; `None` when an escape is not UTF-8.
pub fn pairs(query: &str) -> Option<Vec<(String, String)>> {
    let decode = |s: &str| percent_decode_str(&s.replace('+', " ")).decode_utf8().ok().map(|c| c.into_owned());
    query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            Some((decode(k)?, decode(v)?))
        })
        .collect()
}

/// The first value of `key`.
pub fn get<'a>(pairs: &'a [(String, String)], key: &str) -> Option<&'a str> {
    pairs.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes() {
        let p = pairs("a=x%20y&b=1+2&c&&d=%E6%88%BF").unwrap();
        assert_eq!(get(&p, "a"), Some("x y"));
        assert_eq!(get(&p, "b"), Some("1 2"));
        assert_eq!(get(&p, "c"), Some(""));
        assert_eq!(get(&p, "d"), Some("房"));
        assert!(pairs("a=%ff").is_none());
    }
}
