//! Micro benchmarks of the pure hot paths (no I/O). Run: `cargo bench --bench micro`
//! (`-- --json` prints one JSON object instead of the table, for tests/bench/compare.py).
//!
//! Each figure is the median of 7 timed batches, each batch sized to take ~100 ms.

use serde_json::json;
use std::hint::black_box;
use std::time::{Duration, Instant};
use tccall::api::{trtc, CloudTarget, ImTarget};
use tccall::auth::{tc3, usersig};
use tccall::config::Config;
use tccall::ffi;
use tccall::observe::{Level, Stats};
use tccall::transport::call::Probe;
use tccall::transport::{cloud, im, HttpResponse};

const KEY: &str = "5bd2850fff3ecb11d7c805251c51ee463a25727bddc2385f3fa8bfee1bb93b5e";

/// A named piece of work to time.
type Bench<'a> = Box<dyn FnMut() + 'a>;

/// Median nanoseconds per call of `f`.
fn measure(f: &mut dyn FnMut()) -> f64 {
    let mut n = 1u64;
    loop {
        let t = Instant::now();
        for _ in 0..n {
            f();
        }
        if t.elapsed() > Duration::from_millis(100) {
            break;
        }
        n *= 2;
    }
    let mut samples: Vec<f64> = (0..7)
        .map(|_| {
            let t = Instant::now();
            for _ in 0..n {
                f();
            }
            t.elapsed().as_nanos() as f64 / n as f64
        })
        .collect();
    samples.sort_by(f64::total_cmp);
    samples[3]
}

/// A `tccall_client_<op>` export.
type AbiExport = unsafe extern "C" fn(
    *const ffi::tccall_client,
    *const std::ffi::c_char,
    *mut *mut std::ffi::c_char,
    *mut *mut std::ffi::c_char,
) -> i32;

/// A client made through the C ABI, with IM and Cloud API credentials, kept for the whole run.
fn abi_client() -> &'static ffi::tccall_client {
    let config = json!({
        "sdk_app_id": 1400000000, "secret_key": KEY,
        "cloud_api": {"secret_id": "AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE", "secret_key": "Gu5t9xGARNpq86cd98joQYCN3EXAMPLE"},
    });
    let config = std::ffi::CString::new(config.to_string()).unwrap();
    let mut client = std::ptr::null_mut();
    // SAFETY: a NUL-terminated config and a writable out pointer.
    assert_eq!(unsafe { ffi::tccall_client_new(config.as_ptr(), &mut client, std::ptr::null_mut()) }, 0);
    // SAFETY: tccall_client_new succeeded; the client is never freed (it lives for the run).
    unsafe { &*client }
}

fn main() {
    let as_json = std::env::args().any(|a| a == "--json");
    let stored = usersig::Issuer { sdk_app_id: 1400000000, key: KEY, compression: usersig::Compression::Stored };
    let python = usersig::Issuer { compression: usersig::Compression::Python, ..stored };
    let sig = python.usersig("xiaojun", 86400, 1_700_000_000, None);
    let (_, body) = trtc::dismiss_room(1400000000, &json!({"RoomId": 12345})).unwrap();
    let credentials = cloud::Credentials {
        secret_id: "AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE",
        secret_key: "Gu5t9xGARNpq86cd98joQYCN3EXAMPLE",
        token: None,
    };
    let target = |action: &'static str, body: Vec<u8>| CloudTarget {
        service: "trtc",
        version: "2019-07-22",
        action,
        region: "ap-guangzhou",
        endpoint: "https://trtc.tencentcloudapi.com".into(),
        body,
        timestamp: None,
    };
    let k_signing = tc3::signing_key(credentials.secret_key, 1_700_000_000, "trtc");
    // The TC3 signature of the DismissRoom body, deriving kSigning or given it (as the client's cache does).
    let body_ref = &body;
    let sign_bench = |signing_key: Option<[u8; 32]>| -> Bench<'_> {
        Box::new(move || {
            let hashed = tc3::payload_hash(black_box(body_ref), false);
            drop(black_box(tc3::sign(&tc3::SignInput {
                secret_id: credentials.secret_id,
                secret_key: credentials.secret_key,
                service: "trtc",
                method: "POST",
                canonical_query: "",
                headers: &[("content-type", "application/json"), ("host", "trtc.tencentcloudapi.com")],
                hashed_payload: &hashed,
                timestamp: 1_700_000_000,
                signing_key,
            })))
        })
    };
    let im_resp = HttpResponse {
        status: 200,
        body: br#"{"ErrorCode": 0,"ErrorInfo": "","ActionStatus": "OK","RequestId": "Id-431454f25a44462d8155bdff4fed38cc-O-Seq-19029769","Response": {"CallInfo": {"CallId": "055662e1-bc8a-469c-a334-1126c8c17d58","MediaType": "Audio","ChatGroupId": "","RoomId": "","RoomIdType": 0},"UserList": [{"User_Account": "user1","Status": "Calling"},{"User_Account": "user2","Status": "Waiting"}]}}"#.to_vec(),
    };
    let cloud_resp = HttpResponse {
        status: 200,
        body: br#"{"Response":{"RequestId":"eac6b301-a322-493a-8e36-83b295459397"}}"#.to_vec(),
    };
    let hook_cfg =
        Config::from_json(r#"{"sdk_app_id": 1400000001, "webhook": {"token": "xxxxyyyy"}}"#).unwrap().webhook;
    let hook_query = "SdkAppid=1400000001&CallbackCommand=Call.CallbackAfterEndCall&contenttype=json&ClientIP=127.0.0.1&OptPlatform=RESTAPI&Sign=17773bc39a671d7b9aa835458704d2a6db81360a5940292b587d6d760d484061&RequestTime=1669872112";
    let hook_body = br#"{"CallbackCommand":"Call.CallbackAfterEndCall","CallRecord":{"CallId":"055662e1-bc8a-469c-a334-1126c8c17d58","Caller_Account":"10001","MediaType":"Audio","CallType":"SingleCall","StartTime":1741231146,"EndTime":1741231296,"AcceptTime":0,"CallResult":"NotAnswer","CalleeList_Account":["10001","user2"],"RoomId":"roomid-1434","RoomIdType":2},"EventTime":1703589922780}"#;

    // The observability path of one call: a signing-only operation (no I/O) through
    // Client::call, with logging off, at info and at debug; and the stats alone.
    let sign_client = |level: Option<Level>| {
        let c = tccall::Client::from_json(&json!({"sdk_app_id": 1400000000, "secret_key": KEY}).to_string()).unwrap();
        if let Some(l) = level {
            c.set_logger(
                l,
                Some(std::sync::Arc::new(|_: Level, e: &str| {
                    black_box(e.len());
                })),
            );
        }
        c
    };
    let (off, info, debug) = (sign_client(None), sign_client(Some(Level::Info)), sign_client(Some(Level::Debug)));
    let sign_req = json!({"path": "v4/call_engine_http_srv/end_call", "body": {"CallId": "c"}});
    let signed_call = |c: &tccall::Client| drop(black_box(c.call("sign_im_request", black_box(&sign_req)).unwrap()));
    let stats = Stats::default();
    let logger = std::sync::Arc::new(tccall::observe::Logger::default());
    let op = tccall::api::find("end_call").unwrap();
    // The C ABI as C callers use it: JSON text in, JSON text out, freed with tccall_string_free.
    let abi_client = abi_client();
    let abi = |export: AbiExport, request: &'static std::ffi::CStr| {
        move || {
            let mut out = std::ptr::null_mut();
            // SAFETY: a live client, a NUL-terminated request and a writable out pointer.
            let rc = unsafe { export(abi_client, black_box(request.as_ptr()), &mut out, std::ptr::null_mut()) };
            assert_eq!(rc, 0);
            // SAFETY: a string the library handed out, freed once.
            unsafe { ffi::tccall_string_free(black_box(out)) };
        }
    };
    let benches: Vec<(&str, Bench<'_>)> = vec![
        (
            "abi_gen_usersig",
            Box::new(abi(ffi::tccall_client_gen_usersig, c"{\"user_id\": \"xiaojun\", \"time\": 1700000000}")),
        ),
        (
            "abi_sign_cloud_api_request",
            Box::new(abi(
                ffi::tccall_client_sign_cloud_api_request,
                c"{\"action\": \"DismissRoom\", \"params\": {\"SdkAppId\": 1400000000, \"RoomId\": 12345}, \"timestamp\": 1700000000}",
            )),
        ),
        (
            "abi_sign_im_request",
            Box::new(abi(
                ffi::tccall_client_sign_im_request,
                c"{\"path\": \"v4/call_engine_http_srv/end_call\", \"body\": {\"CallId\": \"055662e1-bc8a-469c-a334-1126c8c17d58\"}}",
            )),
        ),
        ("call_log_off", Box::new(|| signed_call(&off))),
        ("call_log_info", Box::new(|| signed_call(&info))),
        ("call_log_debug", Box::new(|| signed_call(&debug))),
        (
            "stats_record",
            Box::new(|| {
                let probe = Probe::new("end_call", &logger);
                stats.record(op, Ok(false), &probe, black_box(Duration::from_micros(830)));
            }),
        ),
        (
            "usersig_generate",
            Box::new(|| drop(black_box(stored.usersig(black_box("xiaojun"), 86400, 1_700_000_000, None)))),
        ),
        (
            "usersig_generate_python",
            Box::new(|| drop(black_box(python.usersig(black_box("xiaojun"), 86400, 1_700_000_000, None)))),
        ),
        (
            "usersig_verify",
            Box::new(|| drop(black_box(usersig::verify(1400000000, KEY, "xiaojun", black_box(&sig), 1_700_000_001)))),
        ),
        (
            "private_map_key",
            Box::new(|| {
                let room = usersig::Room::Numeric(black_box(1234));
                drop(black_box(stored.private_map_key("xiaojun", 86400, 1_700_000_000, room, 255)))
            }),
        ),
        ("tc3_sign_derive_key", sign_bench(None)),
        ("tc3_sign", sign_bench(Some(k_signing))),
        (
            "cloud_request_build",
            Box::new(|| {
                let (action, body) = trtc::dismiss_room(1400000000, black_box(&json!({"RoomId": 12345}))).unwrap();
                // As the client does: kSigning comes from its per-day cache.
                drop(black_box(cloud::build_request(&cloud::CloudCall {
                    target: &target(action, body),
                    timestamp: 1_700_000_000,
                    credentials,
                    language: Some("en-US"),
                    request_client: "tccall",
                    signing_key: Some(k_signing),
                })))
            }),
        ),
        (
            "im_request_build",
            Box::new(|| {
                let body =
                    serde_json::to_vec(black_box(&json!({"CallId": "055662e1-bc8a-469c-a334-1126c8c17d58"}))).unwrap();
                let target = ImTarget { path: "v4/call_engine_http_srv/end_call", body };
                let auth = im::ImAuth { sdk_app_id: 1400000000, identifier: "administrator", usersig: &sig };
                drop(black_box(im::build_request("https://console.tim.qq.com", &target, &auth, 99999999)))
            }),
        ),
        ("im_response_decode", Box::new(|| drop(black_box(im::decode_response(black_box(&im_resp)))))),
        ("cloud_response_decode", Box::new(|| drop(black_box(cloud::decode_response(black_box(&cloud_resp)))))),
        (
            "webhook_parse",
            Box::new(|| {
                drop(black_box(tccall::webhook::parse(
                    1400000001,
                    &hook_cfg,
                    hook_query,
                    black_box(hook_body),
                    1669872112,
                )))
            }),
        ),
    ];
    let filters: Vec<String> = std::env::args().skip(1).filter(|a| !a.starts_with("--")).collect();
    let results: Vec<(&str, f64)> = benches
        .into_iter()
        .filter(|(name, _)| filters.is_empty() || filters.iter().any(|f| name.contains(f.as_str())))
        .map(|(name, mut f)| (name, measure(&mut f)))
        .collect();
    if as_json {
        let map: serde_json::Map<String, serde_json::Value> =
            results.iter().map(|(k, v)| (k.to_string(), json!(v))).collect();
        println!("{}", serde_json::Value::Object(map));
        return;
    }
    println!("{:<24} {:>12} {:>14}", "benchmark", "ns/op", "ops/s");
    for (name, ns) in results {
        println!("{name:<24} {ns:>12.0} {:>14.0}", 1e9 / ns);
    }
}
