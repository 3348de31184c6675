//! Retries: exponential backoff with full jitter, only where a retry is safe.

use super::{random_u32, Failure, Reach};
use crate::config::RetryConfig;
use crate::error::{Error, ErrorCode};
use serde_json::Value;
use std::time::Duration;

/// How an operation may be retried.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RetryClass {
    /// Queries and idempotent writes: retry transport failures, 502/503/504,
    /// Tencent "internal error" and rate-limit codes.
    Safe,
    /// Ends a call, room or session: as `Safe`, and a "not found" after an attempt
    /// whose outcome was unknown means the earlier attempt ended it.
    Ending,
    /// Creates something (`start_call_by_robot`): retried only when the request
    /// provably never reached the server.
    OnlyUnsent,
}

/// The full-jitter delay before retry number `retry` (1-based).
pub fn backoff(policy: &RetryConfig, retry: u32) -> Duration {
    let exp = policy.base_delay.saturating_mul(1u32 << retry.saturating_sub(1).min(20));
    let cap = exp.min(policy.max_delay);
    let cap_ms = cap.as_millis() as u64;
    if cap_ms == 0 {
        return Duration::ZERO;
    }
    Duration::from_millis(u64::from(random_u32()) % (cap_ms + 1))
}

fn should_retry(class: RetryClass, f: &Failure) -> bool {
    match class {
        RetryClass::OnlyUnsent => f.reach == Reach::NotSent,
        RetryClass::Safe | RetryClass::Ending => f.error.retryable,
    }
}

/// Runs `attempt` until it succeeds, fails for good, or attempts run out.
/// `attempt` gets the 1-based attempt number. No sleep follows the last attempt.
pub fn run<F>(policy: &RetryConfig, class: RetryClass, mut attempt: F) -> Result<Value, Error>
where
    F: FnMut(u32) -> Result<Value, Failure>,
{
    let mut outcome_unknown = false;
    let mut n = 1;
    loop {
        match attempt(n) {
            Ok(v) => return Ok(v),
            Err(f) => {
                if class == RetryClass::Ending && outcome_unknown && f.error.code == ErrorCode::NotFound {
                    let mut v = match f.error.request_id {
                        Some(id) => serde_json::json!({ "RequestId": id }),
                        None => serde_json::json!({}),
                    };
                    v["already_ended"] = Value::Bool(true);
                    return Ok(v);
                }
                if n >= policy.max_attempts || !should_retry(class, &f) {
                    let mut e = f.error;
                    e.attempts = n;
                    return Err(e);
                }
                outcome_unknown |= f.reach != Reach::NotSent;
                std::thread::sleep(backoff(policy, n));
                n += 1;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn policy(max: u32) -> RetryConfig {
        RetryConfig { max_attempts: max, base_delay: Duration::ZERO, max_delay: Duration::ZERO }
    }

    fn fail(code: ErrorCode, retryable: bool, reach: Reach) -> Failure {
        Failure { error: Error::new(code, "x").retryable(retryable), reach }
    }

    #[test]
    fn retries_retryable_failures_up_to_the_limit() {
        let mut calls = 0;
        let e = run(&policy(3), RetryClass::Safe, |_| {
            calls += 1;
            Err(fail(ErrorCode::ServiceUnavailable, true, Reach::Unknown))
        })
        .unwrap_err();
        assert_eq!((calls, e.attempts), (3, 3));
        let mut calls = 0;
        let e = run(&policy(3), RetryClass::Safe, |_| {
            calls += 1;
            Err(fail(ErrorCode::RemoteInvalidParameter, false, Reach::Answered))
        })
        .unwrap_err();
        assert_eq!((calls, e.attempts), (1, 1));
    }

    #[test]
    fn ending_after_unknown_outcome_reports_already_ended() {
        let v = run(&policy(3), RetryClass::Ending, |n| match n {
            1 => Err(fail(ErrorCode::Timeout, true, Reach::Unknown)),
            _ => Err(Failure { error: Error::new(ErrorCode::NotFound, "gone"), reach: Reach::Answered }),
        })
        .unwrap();
        assert_eq!(v, json!({"already_ended": true}));
        // Without an unknown outcome first, not-found stays an error.
        let e =
            run(&policy(3), RetryClass::Ending, |_| Err(Failure::answered(Error::new(ErrorCode::NotFound, "gone"))))
                .unwrap_err();
        assert_eq!(e.code, ErrorCode::NotFound);
        // A refused connection proves nothing was done, so not-found after it is real.
        let e = run(&policy(3), RetryClass::Ending, |n| match n {
            1 => Err(fail(ErrorCode::Connect, true, Reach::NotSent)),
            _ => Err(Failure::answered(Error::new(ErrorCode::NotFound, "gone"))),
        })
        .unwrap_err();
        assert_eq!((e.code, e.attempts), (ErrorCode::NotFound, 2));
    }

    #[test]
    fn only_unsent_requests_are_retried_for_creation() {
        let mut calls = 0;
        let e = run(&policy(3), RetryClass::OnlyUnsent, |_| {
            calls += 1;
            Err(fail(ErrorCode::Timeout, true, Reach::Unknown))
        })
        .unwrap_err();
        assert_eq!((calls, e.code), (1, ErrorCode::Timeout));
        let v = run(&policy(3), RetryClass::OnlyUnsent, |n| match n {
            1 => Err(fail(ErrorCode::Connect, true, Reach::NotSent)),
            _ => Ok(json!({"CallId": "c"})),
        })
        .unwrap();
        assert_eq!(v["CallId"], "c");
    }

    #[test]
    fn backoff_stays_under_the_cap() {
        let p = RetryConfig {
            max_attempts: 5,
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_millis(250),
        };
        for retry in 1..8 {
            let d = backoff(&p, retry);
            let cap = (100u64 << (retry - 1)).min(250);
            assert!(d <= Duration::from_millis(cap), "{retry}: {d:?}");
        }
    }
}
