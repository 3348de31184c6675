//! UserSig decoding and verification of arbitrary strings (and of arbitrary zlib content).
#![no_main]
use libfuzzer_sys::fuzz_target;
use tccall::auth::usersig;

fuzz_target!(|data: &[u8]| {
    if let Ok(s) = std::str::from_utf8(data) {
        let _ = usersig::verify(1400000000, "key", "user", s, 1_700_000_000);
    }
    // Also wrap the raw bytes as a token so the JSON and field checks are reached.
    use base64::Engine;
    use std::io::Write;
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::fast());
    z.write_all(data).unwrap();
    let b64 = base64::engine::general_purpose::STANDARD.encode(z.finish().unwrap());
    let token = b64.replace('+', "*").replace('/', "-").replace('=', "_");
    if let Ok(d) = usersig::decode(&token) {
        let _ = d.expire_at();
    }
});
