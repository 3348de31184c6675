// Package tccall is the Go wrapper of tccall, server-side call control for Tencent Cloud:
// end calls, read call state and records, configure call webhooks, dismiss TRTC rooms and
// remove users from them, end Contact Center (Desk) sessions, verify and parse inbound
// webhooks, and mint UserSig and PrivateMapKey tokens.
//
// It calls the Rust core through its C ABI (cgo) and links the static library by default;
// see README.md for building it and for dynamic linking (the tccall_dynamic build tag).
//
// A [Client] is safe for concurrent use: create one per process and share it. Network
// operations take a [context.Context] first: its deadline bounds the whole call (DNS,
// connect, TLS, every read, retries and backoff; the config's "timeouts.total_ms" still
// applies when it is earlier) and cancelling it ends the call within milliseconds. Local
// operations (UserSig, PrivateMapKey, signing, webhooks) take none. Errors are [*Error]
// values that work with [errors.Is] against the sentinels ([ErrNotFound], [ErrAuth],
// [ErrCancelled], ..., and context.Canceled / context.DeadlineExceeded when the context
// ended the call) and with [errors.As].
package tccall

/*
#cgo CFLAGS: -I${SRCDIR}/include
#include <stdlib.h>
#include <string.h>
#include "tccall.h"
*/
import "C"

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"runtime"
	"runtime/cgo"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
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

// defaultTotalMs is the native default of the config's "timeouts.total_ms".
const defaultTotalMs = 30000

// Client is a Tencent call-control client. It is safe for concurrent use by many goroutines
// and holds one HTTP keep-alive pool, the cached admin UserSig and the rate limiters, so
// create one per process. Close it when done (a finalizer frees a forgotten one).
type Client struct {
	ptr     *C.tccall_client // freed only by guard.close, after every call has left
	guard   guard
	totalMs int64    // the config's timeouts.total_ms: a context deadline only shortens it
	log     *logSink // nil without WithLogHandler
}

// NewClient creates a client from a tccall config: a map or struct (marshalled to JSON),
// or JSON text as a string, []byte or json.RawMessage. Only "sdk_app_id" is required, e.g.
//
//	tccall.NewClient(map[string]any{"sdk_app_id": 1400000001, "secret_key": "...",
//		"cloud_api": map[string]any{"secret_id": "...", "secret_key": "..."}})
//
// No network I/O happens here. Invalid configs fail with [ErrInvalidArgument] (code 105).
// Options: [WithLogHandler] sends the library's log events to a [log/slog] handler.
func NewClient(config any, opts ...ClientOption) (*Client, error) {
	var o clientOptions
	for _, opt := range opts {
		opt(&o)
	}
	if got := LibraryABIVersion(); got != ABIVersion {
		return nil, &Error{Code: CodeInternal, Name: "TCCALL_E_INTERNAL", Message: fmt.Sprintf(
			"native library ABI version %d does not match this package's %d; rebuild libtccall", got, ABIVersion)}
	}
	var ptr *C.tccall_client
	text, err := construct(config, "config", func(cs *C.char, cerr **C.char) C.int32_t {
		return C.tccall_client_new(cs, &ptr, cerr)
	})
	if err != nil {
		return nil, err
	}
	c := &Client{ptr: ptr, guard: newGuard(), totalMs: totalMs(text)}
	if o.logHandler != nil {
		c.log = newLogSink(o.logHandler)
		c.log.register(ptr)
	}
	runtime.SetFinalizer(c, (*Client).Close)
	return c, nil
}

// totalMs reads timeouts.total_ms from a config the library accepted.
func totalMs(config string) int64 {
	var cfg struct {
		Timeouts struct {
			TotalMs *int64 `json:"total_ms"`
		} `json:"timeouts"`
	}
	if json.Unmarshal([]byte(config), &cfg) == nil && cfg.Timeouts.TotalMs != nil && *cfg.Timeouts.TotalMs > 0 {
		return *cfg.Timeouts.TotalMs
	}
	return defaultTotalMs
}

// Close frees the native client and always returns nil. It marks the client closed first,
// so new calls (and calls in other goroutines that have not started yet) fail at once with
// an error matching [ErrClosed]; then it waits for the calls in flight, which finish or
// reach their deadline, and frees the client. Close never blocks other goroutines, and is
// idempotent (a second Close waits for the first to finish).
func (c *Client) Close() error {
	c.guard.close(func() {
		C.tccall_client_free(c.ptr)
		if c.log != nil {
			c.log.handle.Delete() // the library holds it no more
		}
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

// operation is one entry of the library's operation table (tccall_operations).
type operation struct {
	Name      string `json:"name"`
	Family    string `json:"family"` // "im", "cloud_api", "composite" (several requests) or "local"
	Retry     any    `json:"retry"`
	CFunction string `json:"c_function"`
	cname     *C.char
	network   bool // every family but "local": the context's deadline and cancellation apply
}

// operationTable is the library's operation table, name -> operation, read from
// tccall_operations() once; each name is kept as a C string for the life of the process.
// Nothing here lists operations by hand: a new operation in the library is reachable
// through Call at once.
var operationTable = sync.OnceValue(func() map[string]*operation {
	var list []*operation
	if err := json.Unmarshal([]byte(C.GoString(C.tccall_operations())), &list); err != nil {
		panic("tccall: the library's operation table does not parse: " + err.Error())
	}
	ops := make(map[string]*operation, len(list))
	for _, op := range list {
		op.cname = C.CString(op.Name)
		op.network = op.Family != "local"
		ops[op.Name] = op
	}
	return ops
})

// Operations returns the names Call accepts, sorted, e.g. "end_call" (tccall_client_end_call in C).
func Operations() []string {
	names := make([]string, 0, len(operationTable()))
	for name := range operationTable() {
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}

// Call runs any operation by its C name ("end_call", "dismiss_room", ...) on a request given
// as a map, a struct, or JSON text (string, []byte, json.RawMessage), and returns the
// result JSON. The typed methods are thin layers over it; Call is the way to pass fields
// they do not expose.
//
// ctx bounds the call: its deadline (or the config's timeouts.total_ms, if earlier) is one
// deadline over the whole call, retries included, and cancelling it ends the call within
// milliseconds. A call the context ended fails with an *Error of code 207 ([ErrCancelled])
// or, for a passed deadline, 201 ([ErrTimeout]), which also matches ctx.Err()
// (context.Canceled, context.DeadlineExceeded) with errors.Is. A context already done
// fails at once without a request. nil means context.Background().
func (c *Client) Call(ctx context.Context, op string, req any) (json.RawMessage, error) {
	o, ok := operationTable()[op]
	if !ok {
		return nil, unknownOperation(op)
	}
	b := getCallBuf()
	defer putCallBuf(b)
	if err := b.setRequest(req, op); err != nil {
		return nil, err
	}
	raw, err := c.run(ctx, o, b)
	if err != nil {
		return nil, err
	}
	return append(json.RawMessage(nil), raw...), nil
}

func unknownOperation(op string) *Error {
	return &Error{Code: CodeInvalidRequest, Name: "TCCALL_E_INVALID_REQUEST",
		Message: fmt.Sprintf("unknown operation %q", op)}
}

// setRequest puts the JSON text of req (see Call) in b.buf. The package's own request
// types write it themselves; anything else, including a type embedding one of them (whose
// own fields encoding/json would add) or a nil pointer, goes through encoding/json.
func (b *callBuf) setRequest(req any, op string) error {
	switch r := req.(type) {
	case *imRequest:
		return b.appendRequest(r.appendJSON, op)
	case *CloudAPIRequest:
		if r != nil {
			return b.appendRequest(r.appendJSON, op)
		}
	case *SignCloudAPIRequest:
		if r != nil {
			return b.appendRequest(r.appendJSON, op)
		}
	}
	text, err := jsonText(req, op+" request")
	if err != nil {
		return err
	}
	b.buf = append(b.buf[:0], text...)
	return nil
}

// appendRequest puts the JSON text that write appends in b.buf.
func (b *callBuf) appendRequest(write func([]byte) ([]byte, error), op string) error {
	text, err := write(b.buf[:0])
	if err != nil {
		return &Error{Code: CodeInvalidJSON, Name: "TCCALL_E_INVALID_JSON",
			Message: fmt.Sprintf("%s request cannot be marshalled to JSON: %v", op, err)}
	}
	b.buf = text // JSON escapes NUL: the text has none
	return nil
}

// run calls the operation on the request in b.buf and returns its result JSON, valid until
// b is reused. Without a deadline or a Done channel (context.Background()) it passes no
// options and no cancel token; otherwise the deadline becomes deadline_ms and
// cancellation a tccall_cancel token cancelled from context.AfterFunc. A local operation
// does no I/O, so it gets neither.
func (c *Client) run(ctx context.Context, op *operation, b *callBuf) ([]byte, error) {
	if ctx == nil {
		ctx = context.Background()
	}
	if err := ctx.Err(); err != nil {
		return nil, contextError(err)
	}
	logCtx := ctx // the caller's, for the log handler, even for a local operation
	if !op.network {
		ctx = context.Background()
	}
	ptr, err := c.acquire()
	if err != nil {
		return nil, err
	}
	defer c.guard.leave()
	b.buf = append(b.buf, 0)

	deadline, hasDeadline := ctx.Deadline()
	var copts *C.char
	if hasDeadline {
		ms := int64(math.Ceil(float64(time.Until(deadline)) / float64(time.Millisecond)))
		ms = max(1, min(ms, c.totalMs))
		b.opts = append(strconv.AppendInt(append(b.opts[:0], `{"deadline_ms":`...), ms, 10), '}', 0)
		copts = (*C.char)(unsafe.Pointer(&b.opts[0]))
	}
	var token *C.tccall_cancel
	if ctx.Done() != nil {
		token = C.tccall_cancel_new()
		fired := make(chan struct{})
		stop := context.AfterFunc(ctx, func() {
			C.tccall_cancel_cancel(token)
			close(fired)
		})
		defer func() {
			// Free the token only once the callback cannot run any more.
			if !stop() {
				<-fired
			}
			C.tccall_cancel_free(token)
		}()
	}

	var logHandle cgo.Handle // the call's context for the log handler
	if c.log != nil {
		c.log.follow(ptr)
		if c.log.level.Load() != 0 {
			logHandle = cgo.NewHandle(logCtx)
			defer logHandle.Delete()
		}
	}
	rc, text := b.call(logHandle, ptr, op.cname, copts, token)
	runtime.KeepAlive(c)
	if rc != C.TCCALL_OK {
		e := parseError(int(rc), text)
		if token != nil {
			blameContext(ctx, e, hasDeadline, deadline)
		}
		return nil, e
	}
	return text, nil
}

// blameContext marks an error the context caused: a cancelled call (207) is the context's
// cancellation, or, when its deadline passed, a timeout (201); a timeout in the last
// millisecond before the context's deadline or after it is the context's (deadline_ms
// counts whole milliseconds, and the library gives up on a wait with less than 1 ms
// left). Both then unwrap to ctx.Err().
func blameContext(ctx context.Context, e *Error, hasDeadline bool, deadline time.Time) {
	switch {
	case e.Code == CodeCancelled && ctx.Err() != nil:
		e.ctxErr = ctx.Err()
		if e.ctxErr == context.DeadlineExceeded {
			e.Code, e.Name = CodeTimeout, "TCCALL_E_TIMEOUT"
			if rest, ok := strings.CutPrefix(e.Message, "cancelled "); ok {
				e.Message = "the context's deadline passed " + rest // "... while waiting for the response"
			} else {
				e.Message = "the context's deadline passed: " + e.Message
			}
		}
	case e.Code == CodeTimeout && hasDeadline && time.Until(deadline) < time.Millisecond:
		e.ctxErr = context.DeadlineExceeded
	}
}

// call runs op under ctx and decodes its result into a new T (itself when T is a
// jsonDecoder, else with encoding/json).
func call[T any](ctx context.Context, c *Client, op string, req any) (*T, error) {
	o, ok := operationTable()[op]
	if !ok {
		return nil, unknownOperation(op)
	}
	b := getCallBuf()
	defer putCallBuf(b)
	if err := b.setRequest(req, op); err != nil {
		return nil, err
	}
	return runDecode[T](ctx, c, o, b)
}

// callWith is call with the request JSON appended by write (a jsonAppender's appendJSON
// method value), which, unlike a request passed as an interface, stays on the caller's
// stack.
func callWith[T any](ctx context.Context, c *Client, op string, write func([]byte) ([]byte, error)) (*T, error) {
	o, ok := operationTable()[op]
	if !ok {
		return nil, unknownOperation(op)
	}
	b := getCallBuf()
	defer putCallBuf(b)
	if err := b.appendRequest(write, op); err != nil {
		return nil, err
	}
	return runDecode[T](ctx, c, o, b)
}

// runDecode runs op on the request in b and decodes its result into a new T.
func runDecode[T any](ctx context.Context, c *Client, o *operation, b *callBuf) (*T, error) {
	raw, err := c.run(ctx, o, b)
	if err != nil {
		return nil, err
	}
	v := new(T)
	if d, ok := any(v).(jsonDecoder); ok {
		if d.decodeJSON(raw) {
			return v, nil
		}
		*v = *new(T)
	}
	if err := json.Unmarshal(raw, v); err != nil {
		return nil, &Error{Code: CodeBadResponse, Name: "TCCALL_E_BAD_RESPONSE",
			Message: fmt.Sprintf("decoding the %s result: %v", o.Name, err)}
	}
	return v, nil
}

// construct runs one of the library's constructors (create, which makes a client or a
// sandbox from a config's JSON text) on config, a value or JSON text; it returns the text.
func construct(config any, what string, create func(config *C.char, cerr **C.char) C.int32_t) (string, error) {
	text, err := jsonText(config, what)
	if err != nil {
		return "", err
	}
	cs := C.CString(text)
	defer C.free(unsafe.Pointer(cs))
	var cerr *C.char
	if rc := create(cs, &cerr); rc != C.TCCALL_OK {
		return "", takeError(rc, cerr)
	}
	return text, nil
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
