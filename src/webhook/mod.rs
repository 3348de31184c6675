//! Inbound webhooks, two protocols: the IM callback protocol (`Call.*`, `Desk.*`: a token,
//! `Sign = sha256(token + RequestTime)` in the query) and TRTC's room and media callbacks
//! (a key, `Sign = base64(HMAC-SHA256(key, body))` in a header). Both authenticate before
//! the body is trusted, and both can flag duplicates (Tencent retries deliveries).
//!
//! Signature policy per family (`webhook.require_sign`): once a family's key is
//! configured, `true` refuses a webhook without a signature (501) and `false` verifies
//! one when present. The defaults: Call callbacks `false` (Tencent's Call pages never
//! mention `Sign`, so a configured IM token must not make them unreceivable), every other
//! IM callback and TRTC `true`. Without a key nothing can be verified, and the result says
//! `signature_verified: false`. Neither scheme covers everything: the IM `Sign` covers
//! only the token and `RequestTime` (not the body, not `SdkAppid`), and TRTC's covers the
//! body but not the `SdkAppId` header; receivers should treat events as possibly repeated.

pub mod dedupe;
pub mod im;
pub mod trtc;

pub use dedupe::Dedupe;
pub use im::{parse, parse_query, REPLY_OK};
