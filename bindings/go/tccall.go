// Package tccall is the Go wrapper of tccall, server-side call control for Tencent Cloud:
// end calls, read call state and records, configure call webhooks, dismiss TRTC rooms and
// remove users from them, end Contact Center (Desk) sessions, verify and parse inbound
// webhooks, and mint UserSig and PrivateMapKey tokens.
//
// It calls the Rust core through its C ABI (cgo) and links the static library by default;
// see README.md for building it and for dynamic linking (the tccall_dynamic build tag).
//
// A [Client] is safe for concurrent use: create one per process and share it. Every call
// blocks until Tencent answers or the configured timeouts and retries run out; there is no
// context parameter because the native client enforces its own timeouts (config "timeouts",
// "retry"). Errors are [*Error] values that work with [errors.Is] against the sentinels
// ([ErrNotFound], [ErrAuth], ...) and with [errors.As].
package tccall

/*
#cgo CFLAGS: -I${SRCDIR}/include
#include <stdlib.h>
#include <string.h>
#include "tccall.h"

// Every operation has this shape; cgo cannot call a C function pointer, so Go calls
// tccall_go_call with the pointer taken from the operations table.
typedef int32_t (*tccall_op_fn)(const tccall_client *, const char *, char **, char **);

static int32_t tccall_go_call(tccall_op_fn f, const tccall_client *c, const char *req,
                              char **out_json, char **out_err) {
	return f(c, req, out_json, out_err);
}
*/
import "C"

import (
	"encoding/json"
	"fmt"
	"runtime"
	"sort"
	"strings"
	"unsafe"
)

// ABIVersion is the C ABI version this package was compiled against (TCCALL_ABI_VERSION).
// [NewClient] refuses a native library that reports another one.
const ABIVersion = uint32(C.TCCALL_ABI_VERSION)

// Version returns the native library's version, e.g. "0.1.0".
func Version() string { return C.GoString(C.tccall_version()) }

// LibraryABIVersion returns the ABI version the linked native library reports.
func LibraryABIVersion() uint32 { return uint32(C.tccall_abi_version()) }

// CodeText returns the library's static description of a result code
// ("unknown result code" for numbers tccall never returns).
func CodeText(code int) string { return C.GoString(C.tccall_strerror(C.int32_t(code))) }

// Client is a Tencent call-control client. It is safe for concurrent use by many goroutines
// and holds one HTTP keep-alive pool, the cached admin UserSig and the rate limiters, so
// create one per process. Close it when done (a finalizer frees a forgotten one).
type Client struct {
	ptr   *C.tccall_client // freed only by guard.close, after every call has left
	guard guard
}

// NewClient creates a client from a tccall config: a map or struct (marshalled to JSON),
// or JSON text as a string, []byte or json.RawMessage. Only "sdk_app_id" is required, e.g.
//
//	tccall.NewClient(map[string]any{"sdk_app_id": 1400000001, "secret_key": "...",
//		"cloud_api": map[string]any{"secret_id": "...", "secret_key": "..."}})
//
// No network I/O happens here. Invalid configs fail with [ErrInvalidArgument] (code 105).
func NewClient(config any) (*Client, error) {
	if got := LibraryABIVersion(); got != ABIVersion {
		return nil, &Error{Code: CodeInternal, Name: "TCCALL_E_INTERNAL", Message: fmt.Sprintf(
			"native library ABI version %d does not match this package's %d; rebuild libtccall", got, ABIVersion)}
	}
	text, err := jsonText(config, "config")
	if err != nil {
		return nil, err
	}
	cs := C.CString(text)
	defer C.free(unsafe.Pointer(cs))
	var ptr *C.tccall_client
	var cerr *C.char
	if rc := C.tccall_client_new(cs, &ptr, &cerr); rc != C.TCCALL_OK {
		return nil, takeError(rc, cerr)
	}
	c := &Client{ptr: ptr, guard: newGuard()}
	runtime.SetFinalizer(c, (*Client).Close)
	return c, nil
}

// Close frees the native client and always returns nil. It marks the client closed first,
// so new calls (and calls in other goroutines that have not started yet) fail at once with
// an error matching [ErrClosed]; then it waits for the calls in flight, which finish or
// reach their deadline, and frees the client. Close never blocks other goroutines, and is
// idempotent (a second Close waits for the first to finish).
func (c *Client) Close() error {
	c.guard.close(func() {
		C.tccall_client_free(c.ptr)
		runtime.SetFinalizer(c, nil)
	})
	return nil
}

// acquire counts a call in and returns the live handle; pair it with c.guard.leave().
func (c *Client) acquire() (*C.tccall_client, error) {
	debugGC()
	if !c.guard.enter() {
		return nil, closedError("client")
	}
	return c.ptr, nil
}

// opFn is a C operation function as a value (see tccall_go_call).
type opFn = C.tccall_op_fn

// operations maps the C operation names (as in tccall_client_<name>) to their functions.
var operations = map[string]opFn{
	"end_call":               opFn(C.tccall_client_end_call),
	"get_call_info":          opFn(C.tccall_client_get_call_info),
	"start_call_by_robot":    opFn(C.tccall_client_start_call_by_robot),
	"get_call_record":        opFn(C.tccall_client_get_call_record),
	"search_call_records":    opFn(C.tccall_client_search_call_records),
	"set_callback_config":    opFn(C.tccall_client_set_callback_config),
	"get_callback_config":    opFn(C.tccall_client_get_callback_config),
	"delete_callback_config": opFn(C.tccall_client_delete_callback_config),
	"dismiss_room":           opFn(C.tccall_client_dismiss_room),
	"remove_users":           opFn(C.tccall_client_remove_users),
	"end_desk_session":       opFn(C.tccall_client_end_desk_session),
	"get_desk_session_state": opFn(C.tccall_client_get_desk_session_state),
	"list_desk_sessions":     opFn(C.tccall_client_list_desk_sessions),
	"gen_usersig":            opFn(C.tccall_client_gen_usersig),
	"verify_usersig":         opFn(C.tccall_client_verify_usersig),
	"gen_private_map_key":    opFn(C.tccall_client_gen_private_map_key),
	"im_request":             opFn(C.tccall_client_im_request),
	"cloud_api_request":      opFn(C.tccall_client_cloud_api_request),
	"sign_im_request":        opFn(C.tccall_client_sign_im_request),
	"sign_cloud_api_request": opFn(C.tccall_client_sign_cloud_api_request),
}

// Operations returns the names Call accepts, sorted, e.g. "end_call" (tccall_client_end_call in C).
func Operations() []string {
	names := make([]string, 0, len(operations))
	for name := range operations {
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}

// Call runs any operation by its C name ("end_call", "dismiss_room", ...) on a request given
// as a map, a struct, or JSON text (string, []byte, json.RawMessage), and returns the
// result JSON. The typed methods are thin layers over it; Call is the way to pass fields
// they do not expose.
func (c *Client) Call(op string, req any) (json.RawMessage, error) {
	fn, ok := operations[op]
	if !ok {
		return nil, &Error{Code: CodeInvalidRequest, Name: "TCCALL_E_INVALID_REQUEST",
			Message: fmt.Sprintf("unknown operation %q", op)}
	}
	text, err := jsonText(req, op+" request")
	if err != nil {
		return nil, err
	}
	cs := C.CString(text)
	defer C.free(unsafe.Pointer(cs))
	ptr, err := c.acquire()
	if err != nil {
		return nil, err
	}
	defer c.guard.leave()
	var out, cerr *C.char
	rc := C.tccall_go_call(fn, ptr, cs, &out, &cerr)
	runtime.KeepAlive(c)
	if rc != C.TCCALL_OK {
		return nil, takeError(rc, cerr)
	}
	return takeBytes(out), nil
}

// call runs op and decodes its result into a new T.
func call[T any](c *Client, op string, req any) (*T, error) {
	raw, err := c.Call(op, req)
	if err != nil {
		return nil, err
	}
	v := new(T)
	if err := json.Unmarshal(raw, v); err != nil {
		return nil, &Error{Code: CodeBadResponse, Name: "TCCALL_E_BAD_RESPONSE",
			Message: fmt.Sprintf("decoding the %s result: %v", op, err)}
	}
	return v, nil
}

// jsonText turns a config or request into JSON text: strings and byte slices are taken as
// JSON already, anything else is marshalled.
func jsonText(v any, what string) (string, error) {
	var text string
	switch v := v.(type) {
	case string:
		text = v
	case []byte:
		text = string(v)
	case json.RawMessage:
		text = string(v)
	default:
		b, err := json.Marshal(v)
		if err != nil {
			return "", &Error{Code: CodeInvalidJSON, Name: "TCCALL_E_INVALID_JSON",
				Message: fmt.Sprintf("%s cannot be marshalled to JSON: %v", what, err)}
		}
		text = string(b)
	}
	if strings.IndexByte(text, 0) >= 0 {
		return "", &Error{Code: CodeInvalidJSON, Name: "TCCALL_E_INVALID_JSON",
			Message: what + " contains a NUL byte"}
	}
	return text, nil
}

// takeBytes copies a library-owned string and frees it.
func takeBytes(s *C.char) []byte {
	if s == nil {
		return nil
	}
	defer C.tccall_string_free(s)
	return C.GoBytes(unsafe.Pointer(s), C.int(C.strlen(s)))
}

// takeError builds the *Error for a failed call from its error JSON, which it frees.
func takeError(rc C.int32_t, cerr *C.char) error {
	return parseError(int(rc), takeBytes(cerr))
}
