//! Webhook verification and parsing: query string and body are attacker-controlled.
#![no_main]
use libfuzzer_sys::fuzz_target;
use tccall::config::WebhookConfig;
use tccall::secret::Secret;

fuzz_target!(|data: &[u8]| {
    // The first NUL splits the input into query and body.
    let (query, body) = match data.iter().position(|b| *b == 0) {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (data, &b""[..]),
    };
    let Ok(query) = std::str::from_utf8(query) else { return };
    for token in [None, Some(Secret::new("fuzz-token"))] {
        let cfg = WebhookConfig { token, max_age_s: 60 };
        if let Ok(v) = tccall::webhook::parse(1400000001, &cfg, query, body, 1_700_000_000) {
            // Anything accepted must carry the documented envelope.
            assert!(v["command"].is_string() && v["event"].is_object() && v["reply"].is_string());
        }
    }
});
