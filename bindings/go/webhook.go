package tccall

/*
#include <stdlib.h>
#include "tccall.h"
*/
import "C"

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"runtime"
	"strings"
	"unsafe"
)

// WebhookEvent is a verified inbound Call or Desk webhook.
type WebhookEvent struct {
	// Command is the CallbackCommand, e.g. "Call.CallbackAfterEndCall" (Command* constants).
	Command string `json:"command"`
	// Event is Tencent's body. Known commands are checked and normalised (for
	// Call.CallbackAfterStartCall the call fields are under CallInfo with MediaType);
	// unknown commands pass through as received.
	Event             json.RawMessage `json:"event"`
	SDKAppID          uint64          `json:"sdk_app_id"`
	ClientIP          string          `json:"client_ip"`
	OptPlatform       string          `json:"opt_platform"`
	SignatureVerified bool            `json:"signature_verified"` // true when webhook.token is configured and Sign matched
	// Reply is the JSON text to answer the webhook with (HTTP 200).
	Reply string `json:"reply"`
}

// ParseWebhook verifies and parses an inbound webhook from its raw query string
// ("SdkAppid=...&CallbackCommand=...&Sign=...&RequestTime=..."; a leading "?" or a whole URL
// is accepted) and its body bytes exactly as received. It checks SdkAppid, then, with a
// configured webhook.token, Sign and RequestTime, all before trusting the body. Failures
// match ErrWebhook (codes 501 signature, 502 stale, 503 app mismatch, 504 malformed).
func (c *Client) ParseWebhook(query string, body []byte) (*WebhookEvent, error) {
	q, err := nulFreeCString(query, "webhook query", CodeWebhookMalformed, "TCCALL_E_WEBHOOK_MALFORMED")
	if err != nil {
		return nil, err
	}
	defer C.free(unsafe.Pointer(q))
	var bodyPtr *C.uint8_t
	if len(body) > 0 {
		// The bytes hold no Go pointers and C only reads them during the call.
		bodyPtr = (*C.uint8_t)(unsafe.Pointer(&body[0]))
	}
	ptr, err := c.acquire()
	if err != nil {
		return nil, err
	}
	defer c.guard.leave()
	var out, cerr *C.char
	rc := C.tccall_client_parse_webhook(ptr, q, bodyPtr, C.size_t(len(body)), &out, &cerr)
	runtime.KeepAlive(c)
	runtime.KeepAlive(body)
	if rc != C.TCCALL_OK {
		return nil, takeError(rc, cerr)
	}
	ev := new(WebhookEvent)
	if err := json.Unmarshal(takeBytes(out), ev); err != nil {
		return nil, &Error{Code: CodeBadResponse, Name: "TCCALL_E_BAD_RESPONSE", Message: "decoding the webhook: " + err.Error()}
	}
	return ev, nil
}

// nulFreeCString is C.CString for a string that must not hold a NUL byte; one that does
// fails with the given code and name.
func nulFreeCString(s, what string, code int, name string) (*C.char, error) {
	if strings.IndexByte(s, 0) >= 0 {
		return nil, &Error{Code: code, Name: name, Message: what + " contains a NUL byte"}
	}
	return C.CString(s), nil
}

// MaxWebhookBody is the largest webhook body ParseWebhookRequest and WebhookHandler read.
const MaxWebhookBody = 4 << 20

// ParseWebhookRequest is ParseWebhook for an *http.Request: it reads r.URL.RawQuery and
// the whole body (up to MaxWebhookBody bytes), and leaves the body consumed.
func (c *Client) ParseWebhookRequest(r *http.Request) (*WebhookEvent, error) {
	body, err := io.ReadAll(io.LimitReader(r.Body, MaxWebhookBody+1))
	if err != nil {
		return nil, &Error{Code: CodeWebhookMalformed, Name: "TCCALL_E_WEBHOOK_MALFORMED", Message: "reading the body: " + err.Error()}
	}
	if len(body) > MaxWebhookBody {
		return nil, &Error{Code: CodeInputTooLarge, Name: "TCCALL_E_INPUT_TOO_LARGE", Message: "webhook body is larger than MaxWebhookBody"}
	}
	return c.ParseWebhook(r.URL.RawQuery, body)
}

// WebhookHandler returns an http.Handler for Tencent's Call and Desk webhooks. For each
// POST it verifies and parses the request, calls handle, and answers 200 with the event's
// Reply. It answers 405 for other methods, 401 for a bad or stale signature, 403 for
// another app's webhook, 400 for a malformed one, 413 for a body above MaxWebhookBody,
// and 500 when handle returns an error (or the client fails). Handle must be fast (Tencent
// waits about 2 s) and idempotent; do slow work asynchronously.
func (c *Client) WebhookHandler(handle func(*WebhookEvent) error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", http.MethodPost)
			writeWebhookError(w, http.StatusMethodNotAllowed, "method not allowed")
			return
		}
		ev, err := c.ParseWebhookRequest(r)
		if err != nil {
			writeWebhookError(w, webhookStatus(err), errorName(err))
			return
		}
		if err := handle(ev); err != nil {
			writeWebhookError(w, http.StatusInternalServerError, "handler failed")
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		io.WriteString(w, ev.Reply)
	})
}

// webhookStatus maps a ParseWebhookRequest error to an HTTP status.
func webhookStatus(err error) int {
	var e *Error
	if !errors.As(err, &e) {
		return http.StatusInternalServerError
	}
	switch e.Code {
	case CodeWebhookSignature, CodeWebhookStale:
		return http.StatusUnauthorized
	case CodeWebhookAppMismatch:
		return http.StatusForbidden
	case CodeWebhookMalformed, CodeInvalidUTF8, CodeInvalidJSON, CodeInvalidRequest:
		return http.StatusBadRequest
	case CodeInputTooLarge:
		return http.StatusRequestEntityTooLarge
	}
	return http.StatusInternalServerError
}

func errorName(err error) string {
	var e *Error
	if errors.As(err, &e) && e.Name != "" {
		return e.Name
	}
	return "internal error"
}

// writeWebhookError answers in the IM callback reply shape, without the error's details
// (they are for the receiver's logs, not for whoever sent the request).
func writeWebhookError(w http.ResponseWriter, status int, info string) {
	b, _ := json.Marshal(map[string]any{"ActionStatus": "FAIL", "ErrorCode": status, "ErrorInfo": info})
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(b)
}
