//go:build cgo

package tccall

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// Result codes of the C ABI (TCCALL_E_* in tccall.h). They come in blocks that are never
// renumbered: 1xx bad input, 2xx transport, 3xx Tencent said no, 4xx auth and UserSig,
// 5xx webhook, 901 internal. Match them with errors.Is and the Err* sentinels.
const (
	CodeOK                     = 0
	CodeNullArgument           = 101
	CodeInvalidUTF8            = 102
	CodeInvalidJSON            = 103
	CodeInvalidRequest         = 104
	CodeInvalidConfig          = 105
	CodeInputTooLarge          = 106
	CodeTimeout                = 201
	CodeConnect                = 202
	CodeTLS                    = 203
	CodeProxy                  = 204
	CodeHTTPStatus             = 205
	CodeBadResponse            = 206
	CodeCancelled              = 207
	CodeService                = 301
	CodeNotFound               = 302
	CodeRateLimited            = 303
	CodeServiceUnavailable     = 304
	CodeRemoteInvalidParameter = 305
	CodeAppConfig              = 306 // the app is not set up for this (SDKAppID, package, IP allow-list, data center)
	CodeAuthRejected           = 401
	CodeUserSigExpired         = 402
	CodeUserSigInvalid         = 403
	CodeWebhookSignature       = 501
	CodeWebhookStale           = 502
	CodeWebhookAppMismatch     = 503
	CodeWebhookMalformed       = 504
	CodeInternal               = 901
)

// Error is a failed tccall operation: the stable code plus, when Tencent answered, what it
// said. Quote ServiceCode, ServiceMessage and RequestID to Tencent support.
type Error struct {
	Code           int    // a Code* constant, e.g. 302
	Name           string // e.g. "TCCALL_E_NOT_FOUND"
	Message        string // what went wrong, naming the field for invalid requests
	ServiceCode    string // Tencent's code ("101004", "FailedOperation.RoomNotExist"); "" when none
	ServiceMessage string // Tencent's message; "" when none
	RequestID      string // Tencent's RequestId; "" when none
	HTTPStatus     int    // the HTTP status of the last attempt; 0 when none
	Retryable      bool   // whether the same request may succeed later
	Attempts       int    // HTTP attempts made (retries included); 0 for local failures

	sentinel bool  // a package-level Err* value: matches by block or code
	closed   bool  // returned because the client is closed
	ctxErr   error // the context's error when the call's context ended it
}

// Error formats the error as "tccall: NAME (code): message [service_code ...]".
func (e *Error) Error() string {
	if e.sentinel {
		return "tccall: " + e.Message
	}
	var b strings.Builder
	fmt.Fprintf(&b, "tccall: %s (%d): %s", e.Name, e.Code, e.Message)
	if e.ServiceCode != "" || e.RequestID != "" {
		var extra []string
		if e.ServiceCode != "" {
			extra = append(extra, "service_code "+e.ServiceCode)
		}
		if e.RequestID != "" {
			extra = append(extra, "request_id "+e.RequestID)
		}
		fmt.Fprintf(&b, " [%s]", strings.Join(extra, ", "))
	}
	return b.String()
}

// Unwrap returns the context's error (context.Canceled, context.DeadlineExceeded) when the
// call's context ended the call, so errors.Is(err, context.DeadlineExceeded) works; nil
// otherwise.
func (e *Error) Unwrap() error { return e.ctxErr }

// Is reports whether target is a sentinel this error belongs to: a block sentinel
// (ErrInvalidArgument, ErrTransport, ErrService, ErrAuth, ErrWebhook) matches every code of
// its block, the others match their exact code, and ErrClosed matches calls on a closed
// client.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	if !ok || !t.sentinel {
		return false
	}
	if t == ErrClosed {
		return e.closed
	}
	if t.Code%100 == 0 {
		return e.Code/100 == t.Code/100
	}
	return e.Code == t.Code
}

func sentinel(code int, message string) *Error {
	return &Error{Code: code, Message: message, sentinel: true}
}

// Sentinel errors for errors.Is. The block sentinels match every code of their block.
var (
	ErrInvalidArgument    = sentinel(100, "invalid argument")          // 1xx: NULL, UTF-8, JSON, request, config, size
	ErrTransport          = sentinel(200, "transport error")           // 2xx: timeout, connect, TLS, proxy, HTTP status, bad response
	ErrTimeout            = sentinel(CodeTimeout, "timeout")           // 201, also when the context's deadline passed
	ErrCancelled          = sentinel(CodeCancelled, "cancelled")       // 207: the call's context was cancelled
	ErrService            = sentinel(300, "Tencent returned an error") // 3xx
	ErrNotFound           = sentinel(CodeNotFound, "not found or already ended")
	ErrRateLimited        = sentinel(CodeRateLimited, "rate limited")
	ErrServiceUnavailable = sentinel(CodeServiceUnavailable, "service unavailable")
	// ErrAppConfig (306): the app is not set up for this (SDKAppID, its package and IP
	// allow-list, the data center; for 70016/70020 the message asks whether im_region is
	// right). Retrying does not help.
	ErrAppConfig      = sentinel(CodeAppConfig, "the app is not set up for this")
	ErrAuth           = sentinel(400, "authentication failed") // 4xx: credentials refused, UserSig checks
	ErrUserSigExpired = sentinel(CodeUserSigExpired, "UserSig expired")
	ErrUserSigInvalid = sentinel(CodeUserSigInvalid, "UserSig invalid")
	ErrWebhook        = sentinel(500, "webhook rejected") // 5xx: signature, stale, app mismatch, malformed
	ErrInternal       = sentinel(CodeInternal, "internal error")
	// ErrClosed matches calls on a closed Client or Sandbox (they are also
	// ErrInvalidArgument, code 101).
	ErrClosed = sentinel(CodeNullArgument, "client is closed")
)

func closedError(what string) *Error {
	return &Error{Code: CodeNullArgument, Name: "TCCALL_E_NULL_ARGUMENT", Message: what + " is closed", closed: true}
}

// contextError is the error of a call whose context was already done when it started:
// code 201 (ErrTimeout) for a passed deadline, 207 (ErrCancelled) otherwise, wrapping
// ctx.Err().
func contextError(err error) *Error {
	if errors.Is(err, context.DeadlineExceeded) {
		return &Error{Code: CodeTimeout, Name: "TCCALL_E_TIMEOUT", Message: "the context's deadline passed before the call started", ctxErr: err}
	}
	return &Error{Code: CodeCancelled, Name: "TCCALL_E_CANCELLED", Message: "the context was cancelled before the call started", ctxErr: err}
}

// errorJSON is the C ABI's error object; every key is present, null where it does not apply.
type errorJSON struct {
	Code           int             `json:"code"`
	Name           string          `json:"name"`
	Message        string          `json:"message"`
	ServiceCode    json.RawMessage `json:"service_code"`
	ServiceMessage *string         `json:"service_message"`
	RequestID      *string         `json:"request_id"`
	HTTPStatus     *int            `json:"http_status"`
	Retryable      bool            `json:"retryable"`
	Attempts       *int            `json:"attempts"`
}

// decodeJSON reads the library's error object; false (j then reset) leaves it to
// encoding/json.
func (j *errorJSON) decodeJSON(b []byte) bool {
	var code, status, attempts int64
	var hasStatus, hasAttempts bool
	d := newDoc(b)
	ok := eachMember(b, func(key string, v []byte) bool {
		switch key {
		case "code":
			return readInt(v, &code)
		case "name":
			return d.readString(v, &j.Name)
		case "message":
			return d.readString(v, &j.Message)
		case "service_code":
			j.ServiceCode = v // read before b is reused (parseError)
		case "service_message":
			return d.readOptString(v, &j.ServiceMessage)
		case "request_id":
			return d.readOptString(v, &j.RequestID)
		case "http_status":
			hasStatus = string(v) != "null"
			return readInt(v, &status)
		case "retryable":
			return readBool(v, &j.Retryable)
		case "attempts":
			hasAttempts = string(v) != "null"
			return readInt(v, &attempts)
		}
		return true
	})
	if !ok {
		*j = errorJSON{}
		return false
	}
	j.Code = int(code)
	if hasStatus {
		s := int(status)
		j.HTTPStatus = &s
	}
	if hasAttempts {
		a := int(attempts)
		j.Attempts = &a
	}
	return true
}

// readOptString is readString into a *string: nil for null.
func (d doc) readOptString(v []byte, dst **string) bool {
	if string(v) == "null" {
		*dst = nil
		return true
	}
	s := new(string)
	if !d.readString(v, s) {
		return false
	}
	*dst = s
	return true
}

// parseError builds an *Error from the error JSON of a call that returned rc.
func parseError(rc int, text []byte) *Error {
	var j errorJSON
	if len(text) == 0 || !j.decodeJSON(text) && json.Unmarshal(text, &j) != nil {
		j = errorJSON{Message: string(text)}
	}
	e := &Error{Code: j.Code, Name: j.Name, Message: j.Message, Retryable: j.Retryable}
	if e.Code == 0 {
		e.Code = rc
	}
	if e.Message == "" {
		e.Message = CodeText(e.Code)
	}
	if len(j.ServiceCode) > 0 && string(j.ServiceCode) != "null" {
		var s string
		if !readString(j.ServiceCode, &s) && json.Unmarshal(j.ServiceCode, &s) != nil {
			s = string(j.ServiceCode) // a number: keep its text
		}
		e.ServiceCode = s
	}
	if j.ServiceMessage != nil {
		e.ServiceMessage = *j.ServiceMessage
	}
	if j.RequestID != nil {
		e.RequestID = *j.RequestID
	}
	if j.HTTPStatus != nil {
		e.HTTPStatus = *j.HTTPStatus
	}
	if j.Attempts != nil {
		e.Attempts = *j.Attempts
	}
	return e
}

// IsRetryable reports whether err is a tccall error that may succeed if tried again later.
func IsRetryable(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.Retryable
}
