//! Webhook verification and parsing, both protocols: the query (IM) or the Sign header
//! (TRTC), and the body, are attacker-controlled.
#![no_main]
use libfuzzer_sys::fuzz_target;
use std::sync::LazyLock;
use tccall::config::{Config, WebhookConfig};

/// Without keys (unsigned events pass where the policy allows) and with both keys.
static CONFIGS: LazyLock<[WebhookConfig; 2]> = LazyLock::new(|| {
    let config = |webhook: &str| {
        Config::from_json(&format!(r#"{{"sdk_app_id": 1400000001, "webhook": {webhook}}}"#)).unwrap().webhook
    };
    [config("{}"), config(r#"{"token": "fuzz-token", "trtc_key": "fuzzkey123"}"#)]
});

fuzz_target!(|data: &[u8]| {
    // The first NUL splits the input into query (or Sign header) and body.
    let (head, body) = match data.iter().position(|b| *b == 0) {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (data, &b""[..]),
    };
    let Ok(head) = std::str::from_utf8(head) else { return };
    for cfg in CONFIGS.iter() {
        if let Ok(v) = tccall::webhook::parse(1400000001, cfg, head, body, 1_700_000_000) {
            // Anything accepted must carry the documented envelope.
            assert!(v["command"].is_string() && v["event"].is_object() && v["reply"].is_string());
        }
        if let Ok(v) = tccall::webhook::trtc::parse(1400000001, cfg, Some(head), Some("1400000001"), body) {
            assert!(v["type"].is_number() && v["event"].is_object() && v["reply"].is_string());
        }
    }
});
