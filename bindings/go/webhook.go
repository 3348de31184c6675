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
	// Duplicate is true when the same event (the call id and time, the session; otherwise
	// the body) was parsed within webhook.dedupe_window_s (Tencent redelivers). Best effort,
	// this process only: keep handlers idempotent.
	Duplicate bool `json:"duplicate"`
	// Reply is the JSON text to answer the webhook with (HTTP 200).
	Reply string `json:"reply"`
}

// ParseWebhook verifies and parses an inbound Call or Desk webhook (Tencent's IM callback
// protocol) from its raw query string ("SdkAppid=...&CallbackCommand=...&Sign=...&RequestTime=...";
// a leading "?" or a whole URL is accepted) and its body bytes exactly as received. It
// checks SdkAppid, then, with a configured webhook.token, Sign and RequestTime, all before
// trusting the body; a missing Sign is refused only for the families
// webhook.require_sign requires it of (by default every IM callback but Call.*). Failures
// match ErrWebhook (codes 501 signature, 502 stale, 503 app mismatch, 504 malformed).
func (c *Client) ParseWebhook(query string, body []byte) (*WebhookEvent, error) {
	q, err := nulFreeCString(query, "webhook query", CodeWebhookMalformed, "TCCALL_E_WEBHOOK_MALFORMED")
	if err != nil {
		return nil, err
	}
	defer C.free(unsafe.Pointer(q))
	return parseWebhook[WebhookEvent](c, "webhook", body, func(ptr *C.tccall_client, b *C.uint8_t, n C.size_t, out, cerr **C.char) C.int32_t {
		return C.tccall_client_parse_webhook(ptr, q, b, n, out, cerr)
	})
}

// parseWebhook runs one of the library's webhook parsers (parse, given the client, the body
// and the out-params) on body with the client held, and decodes the event it returns.
func parseWebhook[E any](c *Client, what string, body []byte,
	parse func(ptr *C.tccall_client, body *C.uint8_t, n C.size_t, out, cerr **C.char) C.int32_t) (*E, error) {
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
	rc := parse(ptr, bodyPtr, C.size_t(len(body)), &out, &cerr)
	runtime.KeepAlive(c)
	runtime.KeepAlive(body)
	if rc != C.TCCALL_OK {
		return nil, takeError(rc, cerr)
	}
	ev := new(E)
	if err := json.Unmarshal(takeBytes(out), ev); err != nil {
		return nil, &Error{Code: CodeBadResponse, Name: "TCCALL_E_BAD_RESPONSE", Message: "decoding the " + what + ": " + err.Error()}
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
	body, err := readWebhookBody(r)
	if err != nil {
		return nil, err
	}
	return c.ParseWebhook(r.URL.RawQuery, body)
}

// readWebhookBody reads a webhook's whole body, up to MaxWebhookBody bytes.
func readWebhookBody(r *http.Request) ([]byte, error) {
	body, err := io.ReadAll(io.LimitReader(r.Body, MaxWebhookBody+1))
	if err != nil {
		return nil, &Error{Code: CodeWebhookMalformed, Name: "TCCALL_E_WEBHOOK_MALFORMED", Message: "reading the body: " + err.Error()}
	}
	if len(body) > MaxWebhookBody {
		return nil, &Error{Code: CodeInputTooLarge, Name: "TCCALL_E_INPUT_TOO_LARGE", Message: "webhook body is larger than MaxWebhookBody"}
	}
	return body, nil
}

// WebhookHandler returns an http.Handler for Tencent's Call and Desk webhooks. For each
// POST it verifies and parses the request, calls handle, and answers 200 with the event's
// Reply. It answers 405 for other methods, 401 for a bad or stale signature, 403 for
// another app's webhook, 400 for a malformed one, 413 for a body above MaxWebhookBody,
// and 500 when handle returns an error (or the client fails). Handle must be fast (Tencent
// waits about 2 s) and idempotent; do slow work asynchronously.
func (c *Client) WebhookHandler(handle func(*WebhookEvent) error) http.Handler {
	return webhookHandler(c.ParseWebhookRequest, handle, writeWebhookError)
}

// reply is the text a handler answers the event with.
func (e *WebhookEvent) reply() string { return e.Reply }

// webhookHandler is the HTTP side of both webhook handlers: POST only, parse, handle, then
// 200 with the event's reply; a refusal is answered by refuse, in its protocol's shape.
func webhookHandler[E interface{ reply() string }](parse func(*http.Request) (E, error), handle func(E) error,
	refuse func(w http.ResponseWriter, status int, info string)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", http.MethodPost)
			refuse(w, http.StatusMethodNotAllowed, "method not allowed")
			return
		}
		ev, err := parse(r)
		if err != nil {
			refuse(w, webhookStatus(err), errorName(err))
			return
		}
		if err := handle(ev); err != nil {
			refuse(w, http.StatusInternalServerError, "handler failed")
			return
		}
		writeJSON(w, http.StatusOK, ev.reply())
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
	writeJSON(w, status, string(b))
}

// writeJSON answers with status and the JSON text body.
func writeJSON(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	io.WriteString(w, body)
}

// --- TRTC room and media callbacks ---------------------------------------------------------

// TRTC callback event types (TRTCWebhookEvent.Type, Tencent's EventType).
const (
	TRTCEventCreateRoom     = 101 // "create_room"
	TRTCEventDismissRoom    = 102 // "dismiss_room"
	TRTCEventEnterRoom      = 103 // "enter_room"
	TRTCEventExitRoom       = 104 // "exit_room"
	TRTCEventChangeRole     = 105 // "change_role"
	TRTCEventStartVideo     = 201 // "start_video"
	TRTCEventStopVideo      = 202 // "stop_video"
	TRTCEventStartAudio     = 203 // "start_audio"
	TRTCEventStopAudio      = 204 // "stop_audio"
	TRTCEventStartSubStream = 205 // "start_sub_stream"
	TRTCEventStopSubStream  = 206 // "stop_sub_stream"
)

// TRTCWebhookEvent is a verified TRTC room or media callback.
type TRTCWebhookEvent struct {
	Group string `json:"group"` // "room" (EventGroupId 1), "media" (2) or "other"
	Type  int    `json:"type"`  // Tencent's EventType: a TRTCEvent* constant
	// Name is the event's name: "enter_room", "exit_room", "dismiss_room", "create_room",
	// "change_role", "start_video", ..., or "unknown" for a type tccall does not know.
	Name string `json:"name"`
	// RoomID and RoomIDType name the room as the Call APIs do (a string id; 1 numeric,
	// 2 string); Room() is that room. Empty and 0 for an event without one.
	RoomID     string     `json:"room_id"`
	RoomIDType RoomIDType `json:"room_id_type"`
	UserID     string     `json:"user_id"`
	// Event is Tencent's body (EventGroupId, EventType, CallbackTs, EventInfo), numbers exact.
	Event             json.RawMessage `json:"event"`
	SDKAppID          uint64          `json:"sdk_app_id"`
	SignatureVerified bool            `json:"signature_verified"` // true when webhook.trtc_key is set and Sign matched
	// Duplicate is true when the same event (its UniqueId) was parsed within
	// webhook.dedupe_window_s: TRTC retries for a minute. Best effort, this process only.
	Duplicate bool `json:"duplicate"`
	// Reply is the JSON text to answer with (HTTP 200): {"code":0}.
	Reply string `json:"reply"`
}

// Room is the room the event is about; the zero Room when it names none.
func (e *TRTCWebhookEvent) Room() Room { return NewRoom(e.RoomID, e.RoomIDType) }

// ParseTRTCWebhook verifies and parses a TRTC room or media callback (enter, exit,
// dismiss, media start and stop). sign and sdkAppID are the values of the request's Sign
// and SdkAppId headers ("" when absent); body is the raw body exactly as received, since
// the signature covers its bytes. Checks, in order: SdkAppId is this app's (503); with
// webhook.trtc_key configured, Sign equals base64(HMAC-SHA256(trtc_key, body)) (501; a
// missing one is refused unless webhook.require_sign.trtc is false); then the body (504).
// Failures match ErrWebhook.
func (c *Client) ParseTRTCWebhook(sign, sdkAppID string, body []byte) (*TRTCWebhookEvent, error) {
	var csign, capp *C.char
	var err error
	if sign != "" {
		if csign, err = nulFreeCString(sign, "Sign header", CodeWebhookSignature, "TCCALL_E_WEBHOOK_SIGNATURE"); err != nil {
			return nil, err
		}
		defer C.free(unsafe.Pointer(csign))
	}
	if sdkAppID != "" {
		if capp, err = nulFreeCString(sdkAppID, "SdkAppId header", CodeWebhookAppMismatch, "TCCALL_E_WEBHOOK_APP_MISMATCH"); err != nil {
			return nil, err
		}
		defer C.free(unsafe.Pointer(capp))
	}
	return parseWebhook[TRTCWebhookEvent](c, "TRTC webhook", body, func(ptr *C.tccall_client, b *C.uint8_t, n C.size_t, out, cerr **C.char) C.int32_t {
		return C.tccall_client_parse_trtc_webhook(ptr, csign, capp, b, n, out, cerr)
	})
}

// ParseTRTCWebhookRequest is ParseTRTCWebhook for an *http.Request: it reads the Sign and
// SdkAppId headers and the whole body (up to MaxWebhookBody bytes), and leaves the body
// consumed.
func (c *Client) ParseTRTCWebhookRequest(r *http.Request) (*TRTCWebhookEvent, error) {
	body, err := readWebhookBody(r)
	if err != nil {
		return nil, err
	}
	return c.ParseTRTCWebhook(r.Header.Get("Sign"), r.Header.Get("SdkAppId"), body)
}

// TRTCWebhookHandler returns an http.Handler for TRTC's room and media callbacks. For each
// POST it verifies and parses the request (the Sign and SdkAppId headers, the raw body),
// calls handle, and answers 200 with {"code":0}. It answers 405 for other methods, 401 for
// a bad or missing signature, 403 for another app's callback, 400 for a malformed one, 413
// for a body above MaxWebhookBody, and 500 when handle returns an error (TRTC then
// retries). Handle should be fast and idempotent (check Duplicate); do slow work
// asynchronously.
func (c *Client) TRTCWebhookHandler(handle func(*TRTCWebhookEvent) error) http.Handler {
	return webhookHandler(c.ParseTRTCWebhookRequest, handle, writeTRTCError)
}

// reply is the text a handler answers the event with.
func (e *TRTCWebhookEvent) reply() string { return e.Reply }

// writeTRTCError answers a refused TRTC callback without the error's details.
func writeTRTCError(w http.ResponseWriter, status int, info string) {
	b, _ := json.Marshal(map[string]any{"code": status, "message": info})
	writeJSON(w, status, string(b))
}
