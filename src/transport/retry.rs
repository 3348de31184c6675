//! Retries: exponential backoff with full jitter, only where a retry is safe.

use super::{random_u32, CallCtx, Failure, Reach};
use crate::config::RetryConfig;
use crate::error::{Error, ErrorCode};
use crate::observe::Level;
use serde_json::json;
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

impl RetryClass {
    /// The name in `tccall_operations()`.
    pub fn name(self) -> &'static str {
        match self {
            RetryClass::Safe => "safe",
            RetryClass::Ending => "ending",
            RetryClass::OnlyUnsent => "only_unsent",
        }
    }
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
        RetryClass::OnlyUnsent => f.reach == Reach::NotSent && f.error.retryable,
        RetryClass::Safe | RetryClass::Ending => f.error.retryable,
    }
}

/// How a call with retries ended well.
#[derive(Debug, PartialEq, Eq)]
pub enum Outcome<T> {
    /// An attempt succeeded.
    Done(T),
    /// An ending operation found its target gone after an earlier attempt whose outcome
    /// was unknown: that attempt ended it.
    AlreadyEnded {
        /// Tencent's RequestId of the "not found" answer.
        request_id: Option<String>,
    },
}

/// Runs `attempt` until it succeeds, fails for good, or `max_attempts` or the call's
/// budget run out. `attempt` gets the 1-based attempt number. No sleep follows the last
/// attempt, and no retry starts when its backoff would end past the deadline.
pub fn run<T, F>(
    policy: &RetryConfig,
    max_attempts: u32,
    class: RetryClass,
    ctx: &CallCtx,
    mut attempt: F,
) -> Result<Outcome<T>, Error>
where
    F: FnMut(u32) -> Result<T, Failure>,
{
    let mut outcome_unknown = false;
    let mut n = 1;
    loop {
        if let Err(mut e) = ctx.check_quick("starting an attempt") {
            e.attempts = n - 1;
            return Err(e);
        }
        ctx.note_attempt(n > 1);
        match attempt(n) {
            Ok(v) => return Ok(Outcome::Done(v)),
            Err(f) => {
                if class == RetryClass::Ending && outcome_unknown && f.error.code == ErrorCode::NotFound {
                    ctx.note_already_ended();
                    ctx.log(Level::Info, "already_ended", |m| {
                        m.insert("attempt".into(), n.into());
                        m.insert("request_id".into(), f.error.request_id.clone().into());
                    });
                    return Ok(Outcome::AlreadyEnded { request_id: f.error.request_id });
                }
                let delay = backoff(policy, n);
                let budget_left = ctx.check_quick("retrying").is_ok() && delay < ctx.remaining();
                let retry = n < max_attempts && should_retry(class, &f) && budget_left;
                ctx.log(if retry { Level::Warn } else { Level::Debug }, "attempt_failed", |m| {
                    m.insert("attempt".into(), n.into());
                    m.insert("code".into(), f.error.code.as_i32().into());
                    m.insert("message".into(), f.error.message.clone().into());
                    m.insert("service_code".into(), f.error.service_code.clone().into());
                    m.insert("request_id".into(), f.error.request_id.clone().into());
                    m.insert("reach".into(), f.reach.name().into());
                    m.insert(
                        "decision".into(),
                        match (retry, n >= max_attempts, should_retry(class, &f)) {
                            (true, _, _) => "retry",
                            (false, true, true) => "give_up_attempts",
                            (false, _, false) => "give_up_not_retryable",
                            (false, false, true) => "give_up_deadline",
                        }
                        .into(),
                    );
                    if retry {
                        m.insert("backoff_ms".into(), json!(delay.as_millis() as u64));
                    }
                });
                if !retry {
                    let mut e = f.error;
                    e.attempts = n;
                    return Err(e);
                }
                outcome_unknown |= f.reach != Reach::NotSent;
                if let Err(mut e) = ctx.sleep(delay, "backing off before a retry") {
                    e.attempts = n;
                    return Err(e);
                }
                n += 1;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, Value};

    fn policy(max: u32) -> RetryConfig {
        RetryConfig { max_attempts: max, base_delay: Duration::ZERO, max_delay: Duration::ZERO }
    }

    fn ctx() -> CallCtx {
        CallCtx::new(Duration::from_secs(30), None)
    }

    fn run<F: FnMut(u32) -> Result<Value, Failure>>(
        policy: &RetryConfig,
        class: RetryClass,
        f: F,
    ) -> Result<Outcome<Value>, Error> {
        super::run(policy, policy.max_attempts, class, &ctx(), f)
    }

    fn fail(code: ErrorCode, retryable: bool, reach: Reach) -> Failure {
        Failure { error: Error::new(code, "x").retryable(retryable), reach }
    }

    /// Runs with every attempt failing the same way: (attempts made, final error).
    fn always(class: RetryClass, code: ErrorCode, retryable: bool, reach: Reach) -> (u32, Error) {
        let mut calls = 0;
        let e = run(&policy(3), class, |_| {
            calls += 1;
            Err(fail(code, retryable, reach))
        })
        .unwrap_err();
        (calls, e)
    }

    #[test]
    fn retries_retryable_failures_up_to_the_limit() {
        let (calls, e) = always(RetryClass::Safe, ErrorCode::ServiceUnavailable, true, Reach::Unknown);
        assert_eq!((calls, e.attempts), (3, 3));
        let (calls, e) = always(RetryClass::Safe, ErrorCode::RemoteInvalidParameter, false, Reach::Answered);
        assert_eq!((calls, e.attempts), (1, 1));
    }

    #[test]
    fn ending_after_unknown_outcome_reports_already_ended() {
        let v = run(&policy(3), RetryClass::Ending, |n| match n {
            1 => Err(fail(ErrorCode::Timeout, true, Reach::Unknown)),
            _ => Err(Failure { error: Error::new(ErrorCode::NotFound, "gone"), reach: Reach::Answered }),
        })
        .unwrap();
        assert_eq!(v, Outcome::AlreadyEnded { request_id: None });
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
        let (calls, e) = always(RetryClass::OnlyUnsent, ErrorCode::Timeout, true, Reach::Unknown);
        assert_eq!((calls, e.code), (1, ErrorCode::Timeout));
        let v = run(&policy(3), RetryClass::OnlyUnsent, |n| match n {
            1 => Err(fail(ErrorCode::Connect, true, Reach::NotSent)),
            _ => Ok(json!({"CallId": "c"})),
        })
        .unwrap();
        assert_eq!(v, Outcome::Done(json!({"CallId": "c"})));
    }

    #[test]
    fn the_budget_ends_retries() {
        // A backoff that would end past the deadline is not slept: the last error stands.
        let p =
            RetryConfig { max_attempts: 5, base_delay: Duration::from_secs(60), max_delay: Duration::from_secs(60) };
        let ctx = CallCtx::new(Duration::from_millis(200), None);
        let mut calls = 0;
        let t0 = std::time::Instant::now();
        let e = super::run(&p, 5, RetryClass::Safe, &ctx, |_| -> Result<(), Failure> {
            calls += 1;
            Err(fail(ErrorCode::ServiceUnavailable, true, Reach::Unknown))
        })
        .unwrap_err();
        assert!(calls >= 1 && t0.elapsed() < Duration::from_secs(2), "{calls} {:?}", t0.elapsed());
        assert_eq!((e.code, e.attempts), (ErrorCode::ServiceUnavailable, calls));
        // A cancelled call starts no attempt.
        let token = crate::transport::Cancel::new();
        token.cancel();
        let ctx = CallCtx::new(Duration::from_secs(5), Some(&token));
        let e = super::run(&p, 5, RetryClass::Safe, &ctx, |_| Ok(())).unwrap_err();
        assert_eq!((e.code, e.attempts), (ErrorCode::Cancelled, 0));
    }

    #[test]
    fn certificate_failures_are_not_retried_even_when_unsent() {
        let (calls, e) = always(RetryClass::OnlyUnsent, ErrorCode::Tls, false, Reach::NotSent);
        assert_eq!((calls, e.code), (1, ErrorCode::Tls));
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
