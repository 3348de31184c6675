//! Exit statuses: one table, read by `status_of` and printed in `tccall --help` (the README
//! quotes it). A failed operation exits by the block of its result code.

use tccall::ErrorCode;

/// `(status, result-code block (code / 100) or None, meaning)`.
pub const STATUSES: &[(u8, Option<i32>, &str)] = &[
    (0, None, "success; the result JSON is on stdout"),
    (1, None, "the command itself failed (the sandbox could not start, stdout could not be written)"),
    (2, None, "usage: unknown subcommand or flag, missing or mistyped flag value (message on stderr)"),
    (3, Some(1), "1xx input: invalid JSON, request, config or file"),
    (4, Some(2), "2xx network: timeout, connect, TLS, proxy, HTTP status, bad response, cancelled"),
    (5, Some(3), "3xx Tencent: an error from Tencent (302 not found, 303 rate limited, ...)"),
    (6, Some(4), "4xx auth: credentials refused, UserSig expired or invalid"),
    (7, Some(5), "5xx webhook: signature, stale RequestTime, another app, malformed"),
    (8, Some(9), "9xx internal error (please report it)"),
];

/// The exit status of a failure with `code` (every code's block is in the table).
pub fn status_of(code: ErrorCode) -> u8 {
    let block = code.as_i32() / 100;
    STATUSES.iter().find(|(_, b, _)| *b == Some(block)).map_or(8, |(status, _, _)| *status)
}

/// The table for `--help`.
pub fn help() -> String {
    let mut text = String::from("Exit status (on failure the error JSON, with its \"code\", is on stderr):\n");
    for (status, _, meaning) in STATUSES {
        text.push_str(&format!("  {status}  {meaning}\n"));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_has_its_block_status() {
        for code in ErrorCode::ALL.iter().filter(|c| **c != ErrorCode::Ok) {
            let block = code.as_i32() / 100;
            let row = STATUSES.iter().find(|(_, b, _)| *b == Some(block));
            assert!(row.is_some(), "{} has no exit status", code.name());
        }
        assert_eq!(status_of(ErrorCode::NotFound), 5);
        assert_eq!(status_of(ErrorCode::InvalidJson), 3);
        assert_eq!(status_of(ErrorCode::Connect), 4);
        assert_eq!(status_of(ErrorCode::UsersigInvalid), 6);
        assert_eq!(status_of(ErrorCode::WebhookSignature), 7);
        assert_eq!(status_of(ErrorCode::Internal), 8);
        let mut statuses: Vec<u8> = STATUSES.iter().map(|r| r.0).collect();
        statuses.dedup();
        assert_eq!(statuses.len(), STATUSES.len());
    }
}
