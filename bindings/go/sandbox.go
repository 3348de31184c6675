//go:build tccall_sandbox

package tccall

/*
#include <stdlib.h>
#include "tccall.h"
*/
import "C"

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"time"
	"unsafe"
)

// Sandbox is a running in-process emulator of Tencent's servers on 127.0.0.1 (a free
// port): the IM REST gateway (Call v4 and Desk, UserSig checked on every request), Cloud
// API 3.0 for the TRTC room actions (TC3 signature checked), webhook delivery, and control
// endpoints under BaseURL + "/_sandbox/" that create calls, rooms and Desk sessions, arm
// faults and read the request log. Use it in tests; real credentials point the same
// Client at Tencent.
type Sandbox struct {
	// BaseURL is the sandbox's root URL, "http://127.0.0.1:PORT".
	BaseURL string
	// ClientConfig is a tccall config pointing at the sandbox with its credentials: pass
	// it (or a copy with changes) to NewClient. Numbers are json.Number.
	ClientConfig map[string]any

	mu   sync.Mutex
	ptr  *C.tccall_sandbox
	http *http.Client
}

// StartSandbox starts a sandbox. config is nil (every default) or the sandbox settings as a
// map, struct or JSON text, e.g. {"sdk_app_id": 1400000001, "webhook_token": "t"}.
func StartSandbox(config any) (*Sandbox, error) {
	if config == nil {
		config = struct{}{}
	}
	text, err := jsonText(config, "sandbox config")
	if err != nil {
		return nil, err
	}
	cs := C.CString(text)
	defer C.free(unsafe.Pointer(cs))
	var ptr *C.tccall_sandbox
	var cerr *C.char
	if rc := C.tccall_sandbox_start(cs, &ptr, &cerr); rc != C.TCCALL_OK {
		return nil, takeError(rc, cerr)
	}
	s := &Sandbox{ptr: ptr, http: &http.Client{Timeout: 30 * time.Second}}
	runtime.SetFinalizer(s, (*Sandbox).Close)

	var out *C.char
	if rc := C.tccall_sandbox_info(ptr, &out, &cerr); rc != C.TCCALL_OK {
		s.Close()
		return nil, takeError(rc, cerr)
	}
	var info struct {
		BaseURL      string         `json:"base_url"`
		ClientConfig map[string]any `json:"client_config"`
	}
	dec := json.NewDecoder(bytes.NewReader(takeBytes(out)))
	dec.UseNumber()
	if err := dec.Decode(&info); err != nil || info.BaseURL == "" {
		s.Close()
		return nil, fmt.Errorf("tccall: reading the sandbox info: %v", err)
	}
	s.BaseURL, s.ClientConfig = strings.TrimRight(info.BaseURL, "/"), info.ClientConfig
	return s, nil
}

// NewClient returns a Client configured for the sandbox (NewClient(s.ClientConfig)).
func (s *Sandbox) NewClient() (*Client, error) { return NewClient(s.ClientConfig) }

// Control calls a control endpoint, e.g. Control("POST", "/_sandbox/calls",
// map[string]any{"caller": "alice", "callees": []string{"bob"}}), and returns its JSON
// answer. body is nil, a map or struct, or JSON text. A non-2xx answer is an error
// carrying the sandbox's {"error": "..."} message.
func (s *Sandbox) Control(method, path string, body any) (json.RawMessage, error) {
	var r io.Reader
	if body != nil {
		text, err := jsonText(body, "control body")
		if err != nil {
			return nil, err
		}
		r = strings.NewReader(text)
	}
	if !strings.HasPrefix(path, "/") {
		path = "/" + path
	}
	req, err := http.NewRequest(method, s.BaseURL+path, r)
	if err != nil {
		return nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := s.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("tccall sandbox: %s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("tccall sandbox: %s %s: %w", method, path, err)
	}
	if resp.StatusCode/100 != 2 {
		var e struct {
			Error string `json:"error"`
		}
		if json.Unmarshal(data, &e) != nil || e.Error == "" {
			e.Error = strings.TrimSpace(string(data))
		}
		return nil, fmt.Errorf("tccall sandbox: %s %s: HTTP %d: %s", method, path, resp.StatusCode, e.Error)
	}
	return json.RawMessage(data), nil
}

// Close stops the sandbox. It is idempotent and always returns nil.
func (s *Sandbox) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ptr != nil {
		C.tccall_sandbox_free(s.ptr)
		s.ptr = nil
		runtime.SetFinalizer(s, nil)
		s.http.CloseIdleConnections()
	}
	return nil
}
