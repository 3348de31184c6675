//! Config parsing and validation.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(s) = std::str::from_utf8(data) {
        if let Ok(c) = tccall::Config::from_json(s) {
            assert!(c.sdk_app_id >= 1);
            let _ = format!("{c:?}");
        }
    }
});
