package tccall

// The tests' shared setup: the clients and sandboxes they call, the sandbox's control
// endpoints, and the HTTP and Close-racing helpers of the handler and lifecycle tests.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// The official demo key (tls-sig-api-v2) and app.
const (
	testKey   = "5bd2850fff3ecb11d7c805251c51ee463a25727bddc2385f3fa8bfee1bb93b5e"
	testAppID = 1400000000
)

// bg is the context of calls a test does not bound.
var bg = context.Background()

// sb is the one sandbox the tests share (started by TestMain). A test that arms faults
// for many calls, rotates keys or changes the sandbox's settings starts its own (ownSandbox).
var sb *Sandbox

func TestMain(m *testing.M) {
	var err error
	sb, err = StartSandbox(nil)
	if err != nil {
		fmt.Fprintln(os.Stderr, "starting the sandbox:", err)
		os.Exit(1)
	}
	code := m.Run()
	sb.Close()
	os.Exit(code)
}

// localClient returns a client for local operations; nothing listens on its endpoints.
func localClient(t testing.TB) *Client {
	t.Helper()
	return newTestClient(t, map[string]any{
		"sdk_app_id": testAppID, "secret_key": testKey,
		"im_endpoint": "http://127.0.0.1:9", "retry": map[string]any{"max_attempts": 1},
		"cloud_api": map[string]any{"secret_id": "AKIDexample", "secret_key": "cloudkey", "endpoint": "http://127.0.0.1:9"},
	})
}

// newTestClient returns a client of config, closed when the test ends.
func newTestClient(t testing.TB, config any, opts ...ClientOption) *Client {
	t.Helper()
	c, err := NewClient(config, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// asError fails the test unless err is a *Error with the given code.
func asError(t *testing.T, err error, code int) *Error {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v (%T) is not a *tccall.Error", err, err)
	}
	if e.Code != code {
		t.Fatalf("code = %d, want %d: %v", e.Code, code, e)
	}
	return e
}

// withChanges copies a config map with top-level changes.
func withChanges(cfg map[string]any, changes map[string]any) map[string]any {
	out := make(map[string]any, len(cfg)+len(changes))
	for k, v := range cfg {
		out[k] = v
	}
	for k, v := range changes {
		out[k] = v
	}
	return out
}

// ownConfig returns a copy of s's client config (its cloud_api copied too, so that a test
// may change it) with fast retries and the given top-level changes.
func ownConfig(s *Sandbox, changes map[string]any) map[string]any {
	cfg := withChanges(s.ClientConfig, map[string]any{
		"cloud_api": withChanges(s.ClientConfig["cloud_api"].(map[string]any), nil),
		"retry":     map[string]any{"max_attempts": 3, "base_delay_ms": 1, "max_delay_ms": 5},
	})
	return withChanges(cfg, changes)
}

// sandboxConfig is ownConfig of the shared sandbox.
func sandboxConfig(changes map[string]any) map[string]any {
	return ownConfig(sb, changes)
}

// ownClient returns a client of s (ownConfig with the changes), closed when the test ends.
func ownClient(t testing.TB, s *Sandbox, changes map[string]any, opts ...ClientOption) *Client {
	t.Helper()
	return newTestClient(t, ownConfig(s, changes), opts...)
}

// sandboxClient is ownClient of the shared sandbox.
func sandboxClient(t testing.TB, changes map[string]any) *Client {
	t.Helper()
	return ownClient(t, sb, changes)
}

// ownSandbox starts a sandbox for one test, closed when it ends: faults and key rotations
// must not reach the shared one. Its rate limits are off (tests count calls), and settings
// (nil for none) are added to its config.
func ownSandbox(t testing.TB, settings map[string]any) *Sandbox {
	t.Helper()
	s, err := StartSandbox(withChanges(map[string]any{"enforce_rate_limits": false}, settings))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

var seq atomic.Int64

// unique returns a fresh name for this test run.
func unique(prefix string) string {
	return fmt.Sprintf("%s-%d-%d", prefix, time.Now().UnixNano()%1e9, seq.Add(1))
}

// sandboxControl calls a control endpoint of s and decodes its answer into out (when not nil).
func sandboxControl(t testing.TB, s *Sandbox, method, path string, body, out any) {
	t.Helper()
	raw, err := s.Control(method, path, body)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			t.Fatalf("%s %s: %v in %s", method, path, err, raw)
		}
	}
}

// control is sandboxControl of the shared sandbox.
func control(t testing.TB, method, path string, body, out any) {
	t.Helper()
	sandboxControl(t, sb, method, path, body, out)
}

// callIn starts a video call in s the way a client SDK would (in room, when not nil) and
// returns its id.
func callIn(t testing.TB, s *Sandbox, caller string, callees []string, room any) string {
	t.Helper()
	body := map[string]any{"caller": caller, "callees": callees, "media_type": "Video"}
	if room != nil {
		body["room_id"] = room
	}
	var out struct{ CallId string }
	sandboxControl(t, s, "POST", "/_sandbox/calls", body, &out)
	if out.CallId == "" {
		t.Fatal("no CallId")
	}
	return out.CallId
}

// createCall is callIn of the shared sandbox.
func createCall(t testing.TB, caller string, callees []string, room any) string {
	t.Helper()
	return callIn(t, sb, caller, callees, room)
}

// ownCall starts a call from "a" to "b" in s and returns its id.
func ownCall(t testing.TB, s *Sandbox) string {
	t.Helper()
	return callIn(t, s, "a", []string{"b"}, nil)
}

// httpDo sends an HTTP request with body ("" for none) and headers (an empty value is left
// out), and returns the answer's status and body.
func httpDo(t testing.TB, method, url, body string, headers map[string]string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range headers {
		if v != "" {
			req.Header.Set(k, v)
		}
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// closeWhileCalling calls call in a loop on goroutines, each until a call fails, runs
// closeIt meanwhile, and fails the test if a call failed with anything but ErrClosed.
func closeWhileCalling(t *testing.T, goroutines int, call func() error, closeIt func()) {
	t.Helper()
	var wg sync.WaitGroup
	start := make(chan struct{})
	for g := 0; g < goroutines; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			for {
				if err := call(); err != nil {
					if !errors.Is(err, ErrClosed) {
						t.Error(err)
					}
					return
				}
			}
		}()
	}
	close(start)
	closeIt()
	wg.Wait()
}
