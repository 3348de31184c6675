//! Both response decoders (IM REST and Cloud API 3.0) on arbitrary bodies and statuses.
#![no_main]
use libfuzzer_sys::fuzz_target;
use tccall::transport::{cloud, im, HttpResponse};

fuzz_target!(|data: &[u8]| {
    let status = if data.first().is_some_and(|b| b % 8 == 0) { 502 } else { 200 };
    let resp = HttpResponse { status, body: data.to_vec() };
    for result in [im::decode_response(&resp), cloud::decode_response(&resp)] {
        match result {
            // A success is the payload as JSON text: it must parse, as an object.
            Ok(text) => assert!(serde_json::from_str::<serde_json::Value>(&text).is_ok_and(|v| v.is_object()), "{text}"),
            Err(f) => assert!(f.error.code.as_i32() >= 200),
        }
    }
});
