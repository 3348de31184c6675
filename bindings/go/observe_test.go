package tccall

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// captureHandler keeps every record, writes each one through slog's JSON and text handlers
// (with source) into text, and counts Enabled calls made with a context carrying probeKey.
type captureHandler struct {
	level   slog.Leveler
	mu      sync.Mutex
	records []slog.Record
	ctxs    []context.Context
	text    bytes.Buffer
	probed  atomic.Int64 // Enabled calls with a probe context: only the log callback makes them
	panics  bool
	handled atomic.Int64
}

type probeKey struct{}

func (h *captureHandler) Enabled(ctx context.Context, l slog.Level) bool {
	if ctx.Value(probeKey{}) != nil {
		h.probed.Add(1)
	}
	return l >= h.level.Level()
}

func (h *captureHandler) Handle(ctx context.Context, r slog.Record) error {
	h.handled.Add(1)
	if h.panics {
		panic("handler bug")
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	h.records = append(h.records, r.Clone())
	h.ctxs = append(h.ctxs, ctx)
	opts := &slog.HandlerOptions{AddSource: true, Level: slog.LevelDebug}
	_ = slog.NewJSONHandler(&h.text, opts).Handle(ctx, r)
	_ = slog.NewTextHandler(&h.text, opts).Handle(ctx, r)
	return nil
}

func (h *captureHandler) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h *captureHandler) WithGroup(string) slog.Handler      { return h }

func (h *captureHandler) snapshot() []slog.Record {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]slog.Record(nil), h.records...)
}

func attrsOf(r slog.Record) map[string]any {
	m := map[string]any{}
	r.Attrs(func(a slog.Attr) bool {
		m[a.Key] = a.Value.Any()
		return true
	})
	return m
}

func eventsNamed(recs []slog.Record, name string) []slog.Record {
	var out []slog.Record
	for _, r := range recs {
		if attrsOf(r)["event"] == name {
			out = append(out, r)
		}
	}
	return out
}

// A UserSig: zlib-deflated JSON in Tencent's base64 variant.
var userSigShape = regexp.MustCompile(`eJ[A-Za-z0-9*_-]{40,}`)

func TestLogFaultedRunAtDebugHasEveryDecisionAndNoSecret(t *testing.T) {
	s := ownSandbox(t, nil)
	const token = "STS-TOKEN-never-logged-4711"
	cfg := ownConfig(s, map[string]any{"timeouts": map[string]any{"request_ms": 300, "total_ms": 5000}})
	cfg["cloud_api"].(map[string]any)["token"] = token
	secrets := []string{cfg["secret_key"].(string), cfg["cloud_api"].(map[string]any)["secret_key"].(string), token}
	h := &captureHandler{level: slog.LevelDebug}
	c := newTestClient(t, cfg, WithLogHandler(h))
	if lvl, on := c.LogLevel(); !on || lvl != slog.LevelDebug {
		t.Fatalf("LogLevel() = %v, %v", lvl, on)
	}
	sandboxControl(t, s, "POST", "/_sandbox/rooms", map[string]any{"room_id": 5, "users": []string{"x"}}, nil)
	type marker struct{}
	ctx := context.WithValue(context.Background(), marker{}, "this call")
	for _, fault := range []map[string]any{
		{"match": "*", "kind": "http_502", "count": 1},
		{"match": "*", "kind": "drop_before", "count": 1},
		{"match": "*", "kind": "im_error", "code": 70001, "count": 1},
		{"match": "*", "kind": "cloud_error", "code": "InternalError", "count": 1},
		{"match": "end_call", "kind": "drop_after", "count": 1},
	} {
		sandboxControl(t, s, "DELETE", "/_sandbox/faults", nil, nil)
		sandboxControl(t, s, "POST", "/_sandbox/faults", fault, nil)
		id := ownCall(t, s)
		c.GetCallInfo(ctx, id)
		c.EndCall(ctx, id)
		c.RemoveUsers(ctx, NumericRoom(5), []string{"nobody"})
		c.DismissRoom(ctx, NumericRoom(6))
	}
	sandboxControl(t, s, "DELETE", "/_sandbox/faults", nil, nil)
	if _, err := c.SignIMRequest("v4/call_engine_http_srv/end_call", map[string]any{}); err != nil { // holds a UserSig
		t.Fatal(err)
	}
	if _, err := c.SignCloudAPIRequest(SignCloudAPIRequest{CloudAPIRequest: CloudAPIRequest{Action: "DismissRoom", Params: map[string]any{"RoomId": 1}}}); err != nil {
		t.Fatal(err)
	}
	c.GenUserSig(UserSigRequest{UserID: "alice"})

	recs := h.snapshot()
	if len(recs) < 40 {
		t.Fatalf("only %d records", len(recs))
	}
	text := h.text.String()
	for _, line := range strings.Split(text, "\n") {
		for _, secret := range secrets {
			if strings.Contains(line, secret) {
				t.Fatalf("a secret in %s", line)
			}
		}
		for _, m := range []string{"usersig=", "Authorization", "TC3-HMAC", "X-TC-Token", "Signature="} {
			if strings.Contains(line, m) {
				t.Fatalf("%s in %s", m, line)
			}
		}
		if userSigShape.MatchString(line) {
			t.Fatalf("a UserSig in %s", line)
		}
	}
	for i, r := range recs {
		a := attrsOf(r)
		if _, ok := a["event"].(string); !ok || a["level"] != nil || a["ts_ms"] != nil {
			t.Fatalf("attrs %v", a)
		}
		if time.Since(r.Time) > time.Minute || r.Message == "" {
			t.Fatalf("record %v", r)
		}
		// The source is the test's line that made the call; the context is that call's.
		f, _ := runtime.CallersFrames([]uintptr{r.PC}).Next()
		if !strings.HasSuffix(f.File, "observe_test.go") {
			t.Fatalf("%q: source %s:%d (%s)", r.Message, f.File, f.Line, f.Function)
		}
		if _, local := a["family"]; a["op"] == "get_call_info" && !local && h.ctxs[i].Value(marker{}) != "this call" {
			t.Fatalf("%q: not the call's context", r.Message)
		}
	}

	var retry *slog.Record
	codes := map[int64]bool{}
	for _, r := range eventsNamed(recs, "attempt_failed") {
		a := attrsOf(r)
		codes[a["code"].(int64)] = true
		if a["decision"] == "retry" && retry == nil {
			r := r
			retry = &r
		} else if a["decision"] != "retry" && r.Level != slog.LevelDebug {
			t.Fatalf("a give-up at %v: %v", r.Level, a)
		}
	}
	if retry == nil {
		t.Fatal("no retry decision")
	}
	if a := attrsOf(*retry); retry.Level != slog.LevelWarn || a["attempt"] != int64(1) || a["reach"] == nil ||
		a["backoff_ms"] == nil || !strings.Contains(retry.Message, "retrying in") {
		t.Fatalf("retry %q %v", retry.Message, a)
	}
	if !codes[CodeHTTPStatus] || !codes[CodeServiceUnavailable] {
		t.Fatalf("attempt codes %v", codes)
	}
	var ok, failed, ended, cloud bool
	for _, r := range eventsNamed(recs, "call") {
		a := attrsOf(r)
		switch {
		case a["outcome"] == "ok" && a["op"] == "get_call_info":
			ok = true
			if r.Level != slog.LevelInfo || a["family"] != "im" || a["request_id"] == nil || a["attempts"] == nil ||
				a["duration_ms"] == nil || !strings.HasPrefix(r.Message, "get_call_info ok in ") {
				t.Fatalf("ok call %q %v", r.Message, a)
			}
		case a["outcome"] == "error":
			failed = true
			want := slog.LevelError // not found (302) is a warning
			if a["code"] == int64(302) {
				want = slog.LevelWarn
			}
			if r.Level != want || a["code"].(int64) < 200 || !strings.HasPrefix(a["name"].(string), "TCCALL_E_") ||
				a["message"] == nil || !strings.Contains(r.Message, " failed in ") {
				t.Fatalf("failed call %q %v", r.Message, a)
			}
		}
		ended = ended || a["already_ended"] == true
		cloud = cloud || a["family"] == "cloud_api"
	}
	if !ok || !failed || !ended || !cloud {
		t.Fatalf("call events: ok %v failed %v already_ended %v cloud_api %v", ok, failed, ended, cloud)
	}
	var fresh, reused bool
	for _, r := range eventsNamed(recs, "connection") {
		a := attrsOf(r)
		if a["reused"] == false && a["host"] == "127.0.0.1" && a["port"] != nil && a["via_proxy"] == false {
			fresh = true
		}
		reused = reused || a["reused"] == true
	}
	if !fresh || !reused || len(eventsNamed(recs, "already_ended")) == 0 || len(eventsNamed(recs, "admin_usersig_minted")) == 0 {
		t.Fatalf("fresh %v reused %v, events %d", fresh, reused, len(recs))
	}
	saw502 := false
	for _, r := range eventsNamed(recs, "response") {
		saw502 = saw502 || attrsOf(r)["http_status"] == int64(502)
	}
	if !saw502 {
		t.Fatal("no response event with the 502")
	}
}

func TestStatsCountKnownCalls(t *testing.T) {
	s := ownSandbox(t, nil)
	c := ownClient(t, s, nil)
	ctx := context.Background()
	if st, err := c.Stats(); err != nil || len(st.Operations) != 0 {
		t.Fatalf("%v %v", st, err)
	}
	ids := []string{ownCall(t, s), ownCall(t, s), ownCall(t, s)}
	for _, id := range ids {
		if _, err := c.GetCallInfo(ctx, id); err != nil {
			t.Fatal(err)
		}
	}
	sandboxControl(t, s, "POST", "/_sandbox/faults", map[string]any{"match": "end_call", "kind": "http_502", "count": 1}, nil)
	if _, err := c.EndCall(ctx, ids[0]); err != nil {
		t.Fatal(err)
	}
	sandboxControl(t, s, "POST", "/_sandbox/faults", map[string]any{"match": "end_call", "kind": "drop_after", "count": 1}, nil)
	if r, err := c.EndCall(ctx, ids[1]); err != nil || !r.AlreadyEnded {
		t.Fatalf("%v %v", r, err)
	}
	if _, err := c.EndCall(ctx, "gone"); !errors.Is(err, ErrNotFound) {
		t.Fatal(err)
	}
	c.GenUserSig(UserSigRequest{UserID: "u"})

	st, err := c.Stats()
	if err != nil {
		t.Fatal(err)
	}
	info := st.Operations["get_call_info"]
	if info.Calls != 3 || info.OK != 3 || info.Retries != 0 || len(info.Errors) != 0 {
		t.Fatalf("get_call_info %+v", info)
	}
	l := info.Latency
	if !(0 < l.P50 && l.P50 <= l.P90 && l.P90 <= l.P99 && l.P99 <= l.Max && l.Max < 5*time.Second) {
		t.Fatalf("latency %+v", l)
	}
	end := st.Operations["end_call"]
	if end.Calls != 3 || end.OK != 2 || end.AlreadyEnded != 1 || end.Retries != 2 || end.Errors[CodeNotFound] != 1 ||
		len(end.Errors) != 1 || end.LimiterWaits != 0 || end.LimiterWait != 0 {
		t.Fatalf("end_call %+v", end)
	}
	if st.Operations["gen_usersig"].Calls != 1 {
		t.Fatalf("gen_usersig %+v", st.Operations["gen_usersig"])
	}
	if _, ok := st.Operations["dismiss_room"]; ok {
		t.Fatal("an operation never called is listed")
	}
	if st.Connections.Opened < 1 || st.Connections.Reused < 1 || st.AdminUserSigMints != 1 {
		t.Fatalf("%+v mints %d", st.Connections, st.AdminUserSigMints)
	}
	if !bytes.Contains(st.Raw, []byte(`"admin_usersig_mints":1`)) {
		t.Fatalf("raw %s", st.Raw)
	}
	// The same key again: a fresh admin UserSig on the next call.
	if err := c.UpdateCredentials(Credentials{SecretKey: s.ClientConfig["secret_key"].(string)}); err != nil {
		t.Fatal(err)
	}
	c.GetCallInfo(ctx, ids[2])
	if st, _ := c.Stats(); st.AdminUserSigMints != 2 {
		t.Fatalf("mints %d", st.AdminUserSigMints)
	}
	c.Close()
	if _, err := c.Stats(); !errors.Is(err, ErrClosed) {
		t.Fatalf("Stats after Close: %v", err)
	}
}

func TestUpdateCredentialsChecksItsInput(t *testing.T) {
	s := ownSandbox(t, nil)
	c := ownClient(t, s, nil)
	for _, bad := range []struct {
		cred Credentials
		want string
	}{
		{Credentials{}, "secret_key, cloud_api or both"},
		{Credentials{CloudAPI: &CloudAPICredentials{SecretID: "AKID2"}}, "needs secret_id and secret_key"},
		{Credentials{CloudAPI: &CloudAPICredentials{FromEnv: true, SecretID: "x"}}, "from_env"},
	} {
		err := c.UpdateCredentials(bad.cred)
		e := asError(t, err, CodeInvalidConfig)
		if !errors.Is(err, ErrInvalidArgument) || !strings.Contains(e.Message, bad.want) {
			t.Fatalf("%+v: %v", bad.cred, err)
		}
	}
	if _, err := c.GetCallInfo(context.Background(), ownCall(t, s)); err != nil {
		t.Fatalf("the credentials changed: %v", err)
	}
	c.Close()
	if err := c.UpdateCredentials(Credentials{SecretKey: "k"}); !errors.Is(err, ErrClosed) {
		t.Fatal(err)
	}
}

// 16 goroutines call through a rotation of both keys: the sandbox gains the new keys, the
// client switches, the sandbox revokes the old ones. No call fails, calls succeed after the
// revocation, and a client left on the old keys is refused.
func TestRotationUnderLoadWithTheOldKeysRevoked(t *testing.T) {
	s := ownSandbox(t, nil)
	cfg := ownConfig(s, map[string]any{"rate_limit": map[string]any{"enabled": false}})
	h := &captureHandler{level: slog.LevelInfo}
	c := newTestClient(t, cfg, WithLogHandler(h))
	stale := newTestClient(t, cfg)
	callID := ownCall(t, s)
	sandboxControl(t, s, "POST", "/_sandbox/rooms", map[string]any{"room_id": 77, "users": []string{"x"}}, nil)

	var before, after atomic.Int64
	var revoked, stop atomic.Bool
	var mu sync.Mutex
	var failures []error
	var wg sync.WaitGroup
	ctx := context.Background()
	for g := 0; g < 16; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for !stop.Load() {
				wasRevoked := revoked.Load()
				var err error
				if g%2 == 0 {
					_, err = c.GetCallInfo(ctx, callID)
				} else if _, err = c.RemoveUsers(ctx, NumericRoom(77), []string{"nobody"}); errors.Is(err, ErrNotFound) {
					err = nil // a Cloud API call that passed authentication
				}
				switch {
				case err != nil:
					mu.Lock()
					failures = append(failures, err)
					mu.Unlock()
				case wasRevoked:
					after.Add(1)
				default:
					before.Add(1)
				}
			}
		}(g)
	}
	waitFor := func(n *atomic.Int64, atLeast int64) {
		for deadline := time.Now().Add(30 * time.Second); n.Load() < atLeast && time.Now().Before(deadline); {
			time.Sleep(5 * time.Millisecond)
		}
	}
	waitFor(&before, 200)
	keys := map[string]any{"secret_key": "rotated-im-key-2", "cloud_secret_id": "AKIDrotated2", "cloud_secret_key": "rotated-cloud-key-2"}
	sandboxControl(t, s, "POST", "/_sandbox/credentials", keys, nil)
	if err := c.UpdateCredentials(Credentials{SecretKey: "rotated-im-key-2",
		CloudAPI: &CloudAPICredentials{SecretID: "AKIDrotated2", SecretKey: "rotated-cloud-key-2"}}); err != nil {
		t.Error(err)
	}
	time.Sleep(300 * time.Millisecond) // calls that started with the old keys finish
	keys["revoke_others"] = true
	sandboxControl(t, s, "POST", "/_sandbox/credentials", keys, nil)
	revoked.Store(true)
	waitFor(&after, 200)
	stop.Store(true)
	wg.Wait()

	if len(failures) > 0 {
		t.Fatalf("%d calls failed, first: %v", len(failures), failures[0])
	}
	if before.Load() < 200 || after.Load() < 200 {
		t.Fatalf("before %d after %d", before.Load(), after.Load())
	}
	if _, err := stale.GetCallInfo(ctx, callID); !errors.Is(err, ErrAuth) {
		t.Fatalf("the stale client's IM call: %v", err)
	}
	if _, err := stale.DismissRoom(ctx, NumericRoom(77)); !errors.Is(err, ErrAuth) {
		t.Fatalf("the stale client's Cloud API call: %v", err)
	}
	if st, _ := c.Stats(); st.AdminUserSigMints != 2 {
		t.Fatalf("mints %d", st.AdminUserSigMints)
	}
	recs := h.snapshot()
	if n := int64(len(eventsNamed(recs, "call"))); n < before.Load()+after.Load() {
		t.Fatalf("%d call records for %d calls", n, before.Load()+after.Load())
	}
	if u := eventsNamed(recs, "credentials_updated"); len(u) != 1 || u[0].Message != "credentials updated: secret_key, cloud_api" {
		t.Fatalf("credentials_updated: %v", u)
	}
	for _, secret := range []string{cfg["secret_key"].(string), "rotated-im-key-2", "rotated-cloud-key-2"} {
		if strings.Contains(h.text.String(), secret) {
			t.Fatalf("%s logged", secret)
		}
	}
}

func TestLoggingDisabledNeverCallsTheCallback(t *testing.T) {
	s := ownSandbox(t, nil)
	ctx := context.WithValue(context.Background(), probeKey{}, true)
	run := func(c *Client) {
		t.Helper()
		if _, err := c.GetCallInfo(ctx, ownCall(t, s)); err != nil {
			t.Fatal(err)
		}
		if _, err := c.EndCall(ctx, "gone"); !errors.Is(err, ErrNotFound) { // an error event
			t.Fatal(err)
		}
		if _, err := c.EndCall(ctx, ""); !errors.Is(err, ErrInvalidArgument) { // a warn event
			t.Fatal(err)
		}
	}

	// No handler: nothing registered.
	plain := ownClient(t, s, nil)
	if _, on := plain.LogLevel(); on {
		t.Fatal("logging on without a handler")
	}
	run(plain)

	// A handler enabled for no level: no callback; every level change is followed on the next call.
	var lv slog.LevelVar
	lv.Set(slog.LevelError + 4)
	h := &captureHandler{level: &lv}
	c := ownClient(t, s, nil, WithLogHandler(h))
	if _, on := c.LogLevel(); on {
		t.Fatal("registered for a handler enabled for nothing")
	}
	run(c)
	if h.probed.Load() != 0 || h.handled.Load() != 0 {
		t.Fatalf("the callback ran %d times, Handle %d", h.probed.Load(), h.handled.Load())
	}

	lv.Set(slog.LevelWarn)
	if _, err := c.GetCallInfo(ctx, ownCall(t, s)); err != nil {
		t.Fatal(err)
	}
	if lvl, on := c.LogLevel(); !on || lvl != slog.LevelWarn || h.probed.Load() != 0 {
		t.Fatalf("at warn: %v %v, a successful call reached the callback %d times", lvl, on, h.probed.Load())
	}
	c.EndCall(ctx, "gone")
	if h.probed.Load() != 1 || h.snapshot()[0].Level != slog.LevelWarn {
		t.Fatalf("at warn, a not-found call: %d callbacks", h.probed.Load())
	}
	lv.Set(slog.LevelInfo)
	c.GenUserSig(UserSigRequest{UserID: "u"})
	if lvl, _ := c.LogLevel(); lvl != slog.LevelInfo || h.handled.Load() != 2 {
		t.Fatalf("at info: %v, %d records", lvl, h.handled.Load())
	}
	lv.Set(slog.LevelError + 4)
	before := h.probed.Load()
	run(c)
	if _, on := c.LogLevel(); on || h.probed.Load() != before {
		t.Fatal("not turned off again")
	}
}

func TestAPanickingLogHandlerDoesNotBreakTheCall(t *testing.T) {
	s := ownSandbox(t, nil)
	h := &captureHandler{level: slog.LevelDebug, panics: true}
	c := ownClient(t, s, nil, WithLogHandler(h))
	id := ownCall(t, s)
	r, err := c.GetCallInfo(context.Background(), id)
	if err != nil || r.CallInfo.CallID != id || h.handled.Load() == 0 {
		t.Fatalf("%v %v, %d records", r, err, h.handled.Load())
	}
}

// The handler keeps working across many clients opened and closed while others log.
func TestLogHandlerAcrossClose(t *testing.T) {
	s := ownSandbox(t, nil)
	h := &captureHandler{level: slog.LevelInfo}
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 20; i++ {
				c, err := s.NewClient(WithLogHandler(h))
				if err != nil {
					t.Error(err)
					return
				}
				go c.Close() // races the call: it fails with ErrClosed or logs
				if _, err := c.GenUserSig(UserSigRequest{UserID: "u"}); err != nil && !errors.Is(err, ErrClosed) {
					t.Error(err)
				}
				c.Close()
			}
		}()
	}
	wg.Wait()
	runtime.GC()
}

// Per-call cost of logging through the wrapper: go test -run '^$' -bench Logging -benchtime 2s
func BenchmarkLogging(b *testing.B) {
	s := ownSandbox(b, nil)
	cfg := ownConfig(s, map[string]any{"rate_limit": map[string]any{"enabled": false}})
	call := ownCall(b, s)
	ctx := context.Background()
	for _, setup := range []struct {
		name string
		opts []ClientOption
	}{
		{"off", nil},
		{"handler-at-warn", []ClientOption{WithLogHandler(slog.NewJSONHandler(io.Discard, &slog.HandlerOptions{Level: slog.LevelWarn}))}},
		{"json-info", []ClientOption{WithLogHandler(slog.NewJSONHandler(io.Discard, &slog.HandlerOptions{Level: slog.LevelInfo}))}},
		{"json-debug", []ClientOption{WithLogHandler(slog.NewJSONHandler(io.Discard, &slog.HandlerOptions{Level: slog.LevelDebug}))}},
	} {
		c, err := NewClient(cfg, setup.opts...)
		if err != nil {
			b.Fatal(err)
		}
		b.Run("gen_usersig/"+setup.name, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				if _, err := c.GenUserSig(UserSigRequest{UserID: "u"}); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run("get_call_info/"+setup.name, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				if _, err := c.GetCallInfo(ctx, call); err != nil {
					b.Fatal(err)
				}
			}
		})
		c.Close()
	}
}

func TestParseEventKeepsOrderAndTypes(t *testing.T) {
	ev, err := parseEvent(`{"ts_ms":1700000000123,"level":"warn","event":"attempt_failed","op":"end_call",` +
		`"message":"say \"hi\"\n\u00e9","code":-205,"wait_ms":1.5e1,"reused":false,"ok":true,"request_id":null,` +
		`"fields":["secret_key","cloud_api"],"obj":{"a":[1,{"b":"]"}]},"last":"x"}`)
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, a := range ev.attrs {
		keys = append(keys, a.Key)
	}
	if strings.Join(keys, ",") != "event,op,message,code,wait_ms,reused,ok,fields,obj,last" {
		t.Fatalf("keys %v", keys)
	}
	f := ev.fields
	if f["message"] != "say \"hi\"\né" || f["code"] != int64(-205) || f["wait_ms"] != 15.0 || f["reused"] != false ||
		f["ok"] != true || f["last"] != "x" || len(f["fields"].([]any)) != 2 || !ev.time.Equal(time.UnixMilli(1700000000123)) {
		t.Fatalf("fields %#v", f)
	}
	for _, bad := range []string{``, `{`, `{"a"}`, `{"a":}`, `{"a":1,}`, `{"a":1 "b":2}`, `{"a":tru}`, `{"a":"x`, `[1]`} {
		if _, err := parseEvent(bad); err == nil {
			t.Errorf("%q parsed", bad)
		}
	}
}
