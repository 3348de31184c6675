package tccall

/*
#include <stdint.h>
#include "tccall.h"
*/
import "C"

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"runtime"
	"runtime/cgo"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// ClientOption configures a Client beyond its config JSON (see [NewClient]).
type ClientOption func(*clientOptions)

type clientOptions struct {
	logHandler slog.Handler
}

// WithLogHandler sends the library's log events to h as [log/slog] records: one record per
// event, at the event's level (debug, info, warn, error), with a one-line message
// ("end_call ok in 12.3 ms (RequestId ...)") and the event's fields as attributes (op,
// event, family, duration_ms, attempts, outcome, code, name, message, service_code,
// request_id, decision, backoff_ms, host, port, reused, ...; never a key, UserSig, token
// or signature). The record's time is the event's, its source the caller of the tccall
// method, and Handle gets that call's context (for trace ids). Use h.WithGroup("tccall")
// or h.WithAttrs to tag them.
//
// The native callback is registered only at the most verbose level h is enabled for
// (h.Enabled(context.Background(), level)), so events h would drop are never built; a
// handler whose level changes (a [slog.LevelVar]) is followed: every call compares the
// current level with one or two Enabled checks and re-registers when it changed. A nil h
// is the same as no option: no callback at all.
func WithLogHandler(h slog.Handler) ClientOption {
	return func(o *clientOptions) { o.logHandler = h }
}

// TCCALL_LOG_* level -> slog level.
var slogLevels = [5]slog.Level{0, slog.LevelError, slog.LevelWarn, slog.LevelInfo, slog.LevelDebug}

// logSink is a client's log handler and its registration. Its cgo.Handle is the callback's
// userdata; it outlives the native client (deleted after tccall_client_free), so an event
// never finds it gone.
type logSink struct {
	h      slog.Handler
	handle cgo.Handle
	level  atomic.Int32 // the registered TCCALL_LOG_* level; 0 off
	mu     sync.Mutex   // serializes re-registration
}

func newLogSink(h slog.Handler) *logSink {
	s := &logSink{h: h}
	s.handle = cgo.NewHandle(s)
	return s
}

// wanted is the most verbose level h is enabled for now (0: none).
func (s *logSink) wanted() int32 {
	for lvl := int32(4); lvl >= 1; lvl-- {
		if s.h.Enabled(context.Background(), slogLevels[lvl]) {
			return lvl
		}
	}
	return 0
}

// follow re-registers the callback when h's level changed since the last registration.
// Cheap when it did not: the registered level is still enabled and the next more verbose
// one is not. The caller holds ptr (guard entered).
func (s *logSink) follow(ptr *C.tccall_client) {
	cur := s.level.Load()
	bg := context.Background()
	if (cur == 0 || s.h.Enabled(bg, slogLevels[cur])) && (cur == 4 || !s.h.Enabled(bg, slogLevels[cur+1])) {
		return
	}
	s.register(ptr)
}

// register sets the callback at the level h wants now.
func (s *logSink) register(ptr *C.tccall_client) {
	s.mu.Lock()
	defer s.mu.Unlock()
	want := s.wanted()
	if want == s.level.Load() {
		return
	}
	if setLogCallback(ptr, want, s.handle) == C.TCCALL_OK {
		s.level.Store(want)
	}
}

// LogLevel is the level the library currently sends events at: the most verbose level the
// WithLogHandler handler was enabled for as of the client's last call, as a slog level, and
// whether logging is on at all (false without a handler, or when it is enabled for no level).
func (c *Client) LogLevel() (slog.Level, bool) {
	if c.log == nil {
		return 0, false
	}
	lvl := c.log.level.Load()
	return slogLevels[lvl], lvl != 0
}

// tccallGoLog receives one event from the library, on the goroutine making the call. It
// must never panic: a panic cannot unwind through C.
//
//export tccallGoLog
func tccallGoLog(sink, ctxHandle C.uintptr_t, level C.int32_t, event *C.char) {
	defer func() {
		if r := recover(); r != nil {
			fmt.Fprintf(os.Stderr, "tccall: the log handler panicked: %v\n", r)
		}
	}()
	s, ok := cgo.Handle(sink).Value().(*logSink)
	if !ok || level < 1 || level > 4 {
		return
	}
	ctx := context.Background()
	if ctxHandle != 0 {
		if c, ok := cgo.Handle(ctxHandle).Value().(context.Context); ok {
			ctx = c
		}
	}
	lvl := slogLevels[level]
	if !s.h.Enabled(ctx, lvl) {
		return // the level went up since the callback was registered
	}
	ev, err := parseEvent(C.GoString(event))
	if err != nil {
		return
	}
	r := slog.NewRecord(ev.time, lvl, ev.message(), callerPC())
	r.AddAttrs(ev.attrs...)
	_ = s.h.Handle(ctx, r)
}

// logEvent is one decoded event: its fields in their order, as attributes.
type logEvent struct {
	time   time.Time
	attrs  []slog.Attr
	fields map[string]any
}

// parseEvent decodes an event, keeping its field order. ts_ms becomes the record's time and
// level its level; null fields are left out; numbers are int64 when whole, else float64.
// Events are flat objects of strings, numbers and booleans (a list at most), so a small
// scanner reads them; anything else goes through encoding/json.
func parseEvent(text string) (*logEvent, error) {
	ev := &logEvent{time: time.Now(), attrs: make([]slog.Attr, 0, 12), fields: make(map[string]any, 12)}
	p := eventScanner{s: text}
	if !p.skip('{') {
		return nil, errBadEvent
	}
	for first := true; ; first = false {
		if p.skip('}') {
			return ev, nil
		}
		if !first && !p.skip(',') {
			return nil, errBadEvent
		}
		key, ok := p.str()
		if !ok || !p.skip(':') {
			return nil, errBadEvent
		}
		v, ok := p.value()
		if !ok {
			return nil, errBadEvent
		}
		switch {
		case key == "ts_ms":
			if ms, ok := v.(int64); ok {
				ev.time = time.UnixMilli(ms)
			}
			continue
		case key == "level" || v == nil:
			continue
		}
		ev.fields[key] = v
		ev.attrs = append(ev.attrs, slog.Any(key, v))
	}
}

var errBadEvent = errors.New("tccall: unreadable log event")

// eventScanner reads one JSON object's top level.
type eventScanner struct {
	s string
	i int
}

func (p *eventScanner) space() {
	for p.i < len(p.s) && (p.s[p.i] == ' ' || p.s[p.i] == '\n' || p.s[p.i] == '\t' || p.s[p.i] == '\r') {
		p.i++
	}
}

func (p *eventScanner) skip(c byte) bool {
	p.space()
	if p.i < len(p.s) && p.s[p.i] == c {
		p.i++
		return true
	}
	return false
}

// str reads a string; one with escapes goes through encoding/json.
func (p *eventScanner) str() (string, bool) {
	p.space()
	if p.i >= len(p.s) || p.s[p.i] != '"' {
		return "", false
	}
	start, escaped := p.i, false
	for p.i++; p.i < len(p.s); p.i++ {
		switch p.s[p.i] {
		case '\\':
			escaped = true
			p.i++
		case '"':
			p.i++
			if !escaped {
				return p.s[start+1 : p.i-1], true
			}
			var out string
			err := json.Unmarshal([]byte(p.s[start:p.i]), &out)
			return out, err == nil
		}
	}
	return "", false
}

// value reads one value: string, number, true, false, null, or (through encoding/json) an
// array or object.
func (p *eventScanner) value() (any, bool) {
	p.space()
	if p.i >= len(p.s) {
		return nil, false
	}
	switch c := p.s[p.i]; {
	case c == '"':
		return p.str()
	case c == '[' || c == '{':
		dec := json.NewDecoder(strings.NewReader(p.s[p.i:]))
		dec.UseNumber()
		var v any
		if err := dec.Decode(&v); err != nil {
			return nil, false
		}
		p.i += int(dec.InputOffset())
		return v, true
	case strings.HasPrefix(p.s[p.i:], "true"):
		p.i += 4
		return true, true
	case strings.HasPrefix(p.s[p.i:], "false"):
		p.i += 5
		return false, true
	case strings.HasPrefix(p.s[p.i:], "null"):
		p.i += 4
		return nil, true
	default:
		start := p.i
		for p.i < len(p.s) && strings.IndexByte("+-0123456789.eE", p.s[p.i]) >= 0 {
			p.i++
		}
		num := p.s[start:p.i]
		if i, err := strconv.ParseInt(num, 10, 64); err == nil {
			return i, true
		}
		f, err := strconv.ParseFloat(num, 64)
		return f, err == nil && num != ""
	}
}

func (e *logEvent) str(key string) string {
	switch v := e.fields[key].(type) {
	case string:
		return v
	case nil:
		return ""
	default:
		return fmt.Sprint(v)
	}
}

func (e *logEvent) num(key string) float64 {
	switch v := e.fields[key].(type) {
	case int64:
		return float64(v)
	case float64:
		return v
	}
	return 0
}

func (e *logEvent) flag(key string) bool {
	b, _ := e.fields[key].(bool)
	return b
}

func (e *logEvent) requestID() string {
	if id := e.str("request_id"); id != "" {
		return " (RequestId " + id + ")"
	}
	return ""
}

func (e *logEvent) failure() string {
	var b strings.Builder
	if name := e.str("name"); name != "" {
		b.WriteString(name)
	} else {
		b.WriteString(e.str("code"))
	}
	if m := e.str("message"); m != "" {
		b.WriteString(": " + m)
	}
	if sc := e.str("service_code"); sc != "" {
		b.WriteString(" [Tencent " + sc + "]")
	}
	return b.String()
}

var decisions = map[string]string{
	"give_up_attempts":      "no attempts left",
	"give_up_not_retryable": "not retried",
	"give_up_deadline":      "no time left to retry",
}

// message is the event's one-line message (the same wording as the Python wrapper's).
func (e *logEvent) message() string {
	op := e.str("op")
	ms := func(key string) string { return strconv.FormatFloat(e.num(key), 'f', 1, 64) + " ms" }
	switch e.str("event") {
	case "call":
		after := ""
		if n := e.num("attempts"); n > 1 {
			after = fmt.Sprintf(" after %d attempts", int(n))
		}
		if e.str("outcome") == "ok" {
			ended := ""
			if e.flag("already_ended") {
				ended = " (already ended)"
			}
			return op + " ok" + ended + " in " + ms("duration_ms") + after + e.requestID()
		}
		return op + " failed in " + ms("duration_ms") + after + ": " + e.failure() + e.requestID()
	case "attempt_failed":
		then := decisions[e.str("decision")]
		if e.str("decision") == "retry" {
			then = "retrying in " + e.str("backoff_ms") + " ms"
		} else if then == "" {
			then = e.str("decision")
		}
		return op + " attempt " + e.str("attempt") + " failed: " + e.failure() + e.requestID() + "; " + then
	case "already_ended":
		return op + ": already ended (attempt " + e.str("attempt") + ")" + e.requestID()
	case "rate_limiter_wait":
		return op + " waits " + ms("wait_ms") + " for the rate limiter (" + e.str("bucket") + ")"
	case "connection":
		how := "new connection"
		if e.flag("reused") {
			how = "reusing the connection"
		}
		s := op + ": " + how + " to " + e.str("host") + ":" + e.str("port")
		if e.flag("via_proxy") {
			s += " via the proxy"
		}
		if e.flag("tls_resumed") {
			s += " (TLS session resumed)"
		}
		return s
	case "response":
		return op + ": HTTP " + e.str("http_status") + ", " + e.str("bytes") + " bytes"
	case "admin_usersig_minted":
		return "admin UserSig minted for " + e.str("identifier") + " (valid " + e.str("valid_s") + " s)"
	case "credentials_updated":
		var fields []string
		if list, ok := e.fields["fields"].([]any); ok {
			for _, f := range list {
				fields = append(fields, fmt.Sprint(f))
			}
		}
		return "credentials updated: " + strings.Join(fields, ", ")
	case "backup_domain":
		return op + ": trying the IM backup domain (" + e.str("reason") + ")"
	}
	if op != "" {
		return op + ": " + e.str("event")
	}
	return e.str("event")
}

// pkgPrefix is this package's function-name prefix ("github.com/tccall/tccall/bindings/go.").
var pkgPrefix = func() string {
	pc, _, _, _ := runtime.Caller(0)
	fn := runtime.FuncForPC(pc).Name() // "github.com/tccall/tccall/bindings/go.init.func1"
	slash := strings.LastIndexByte(fn, '/')
	return fn[:slash+1+strings.IndexByte(fn[slash+1:], '.')+1]
}()

// callerPC is the pc of the innermost frame outside the runtime and this package (its
// tests count as outside): the code that called the tccall method. The callback runs on
// that goroutine, below the cgo call. Whether a pc is inside is cached per pc.
func callerPC() uintptr {
	var pcs [32]uintptr
	n := runtime.Callers(3, pcs[:]) // runtime.Callers, callerPC, tccallGoLog
	for _, pc := range pcs[:n] {
		if !pcInside(pc) {
			return pc
		}
	}
	return 0
}

var insidePCs sync.Map // pc -> bool

func pcInside(pc uintptr) bool {
	if v, ok := insidePCs.Load(pc); ok {
		return v.(bool)
	}
	f, _ := runtime.CallersFrames([]uintptr{pc}).Next()
	inside := f.Function == "" || strings.HasPrefix(f.Function, "runtime.") || strings.HasPrefix(f.Function, "_cgoexp_") ||
		(strings.HasPrefix(f.Function, pkgPrefix) && !strings.HasSuffix(f.File, "_test.go"))
	insidePCs.Store(pc, inside)
	return inside
}
