//go:build !tccall_nosandbox

package tccall

/*
#include <stdlib.h>
#define TCCALL_SANDBOX // declares the tccall_sandbox_* functions (include/tccall.h)
#include "tccall.h"
*/
import "C"

import (
	"bytes"
	"encoding/json"
	"fmt"
	"runtime"
	"strings"
	"unsafe"
)

// Sandbox is a running in-process emulator of Tencent's servers on 127.0.0.1 (a free
// port): the IM REST gateway (Call v4 and Desk, UserSig checked on every request), Cloud
// API 3.0 for the TRTC room actions (TC3 signature checked), webhook delivery, and control
// endpoints under BaseURL + "/_sandbox/" that create calls, rooms and Desk sessions, arm
// faults and read the request log. Use it in tests; real credentials point the same
// Client at Tencent.
//
// The port serves HTTP and HTTPS. The HTTPS certificate is issued by a throwaway CA the
// sandbox mints at start; HTTPSClientConfig trusts that CA only.
type Sandbox struct {
	// BaseURL is the sandbox's root URL, "http://127.0.0.1:PORT".
	BaseURL string
	// ClientConfig is a tccall config pointing at the sandbox with its credentials: pass
	// it (or a copy with changes) to NewClient. Numbers are json.Number.
	ClientConfig map[string]any
	// HTTPSBaseURL is the same port over HTTPS, "https://127.0.0.1:PORT".
	HTTPSBaseURL string
	// HTTPSClientConfig is ClientConfig over HTTPS, trusting only the sandbox's CA
	// ("tls": {"ca_pem": ..., "roots": "none"}).
	HTTPSClientConfig map[string]any
	// CAPEM is the sandbox's CA certificate (PEM), minted at start.
	CAPEM string
	// CAFile is a file holding CAPEM, for other HTTPS clients; Close removes it.
	CAFile string

	ptr   *C.tccall_sandbox // freed only by guard.close, after every Control has left
	guard guard
}

// StartSandbox starts a sandbox. config is nil (every default) or the sandbox settings as a
// map, struct or JSON text, e.g. {"sdk_app_id": 1400000001, "webhook_token": "t"}.
func StartSandbox(config any) (*Sandbox, error) {
	if config == nil {
		config = struct{}{}
	}
	var ptr *C.tccall_sandbox
	_, err := construct(config, "sandbox config", func(cs *C.char, cerr **C.char) C.int32_t {
		return C.tccall_sandbox_start(cs, &ptr, cerr)
	})
	if err != nil {
		return nil, err
	}
	s := &Sandbox{ptr: ptr, guard: newGuard()}
	runtime.SetFinalizer(s, (*Sandbox).Close)

	var out, cerr *C.char
	if rc := C.tccall_sandbox_info(ptr, &out, &cerr); rc != C.TCCALL_OK {
		s.Close()
		return nil, takeError(rc, cerr)
	}
	var info struct {
		BaseURL           string         `json:"base_url"`
		ClientConfig      map[string]any `json:"client_config"`
		HTTPSBaseURL      string         `json:"https_base_url"`
		HTTPSClientConfig map[string]any `json:"https_client_config"`
		CAPEM             string         `json:"ca_pem"`
		CAFile            string         `json:"ca_file"`
	}
	dec := json.NewDecoder(bytes.NewReader(takeBytes(out)))
	dec.UseNumber()
	if err := dec.Decode(&info); err != nil || info.BaseURL == "" {
		s.Close()
		return nil, &Error{Code: CodeBadResponse, Name: "TCCALL_E_BAD_RESPONSE", Message: fmt.Sprintf("reading the sandbox info: %v", err)}
	}
	s.BaseURL, s.ClientConfig = strings.TrimRight(info.BaseURL, "/"), info.ClientConfig
	s.HTTPSBaseURL, s.HTTPSClientConfig = strings.TrimRight(info.HTTPSBaseURL, "/"), info.HTTPSClientConfig
	s.CAPEM, s.CAFile = info.CAPEM, info.CAFile
	return s, nil
}

// NewClient returns a Client configured for the sandbox over HTTP (NewClient(s.ClientConfig, opts...)).
func (s *Sandbox) NewClient(opts ...ClientOption) (*Client, error) {
	return NewClient(s.ClientConfig, opts...)
}

// NewHTTPSClient returns a Client configured for the sandbox over HTTPS, trusting its CA
// (NewClient(s.HTTPSClientConfig, opts...)).
func (s *Sandbox) NewHTTPSClient(opts ...ClientOption) (*Client, error) {
	return NewClient(s.HTTPSClientConfig, opts...)
}

// Control calls a control endpoint in-process, e.g. Control("POST", "/_sandbox/calls",
// map[string]any{"caller": "alice", "callees": []string{"bob"}}), and returns its JSON
// answer. body is nil (no body), a map or struct, or JSON text. The endpoints create calls,
// rooms and Desk sessions, move members, arm faults, and read the request log and state
// (src/sandbox/control.rs in the repository documents each). A non-200 answer is an
// *Error with code 104 (ErrInvalidArgument) whose message carries the status and the
// sandbox's {"error": "..."}. The same endpoints are served over HTTP under BaseURL.
func (s *Sandbox) Control(method, path string, body any) (json.RawMessage, error) {
	var cbody *C.char
	if body != nil {
		text, err := jsonText(body, "control body")
		if err != nil {
			return nil, err
		}
		cbody = C.CString(text)
		defer C.free(unsafe.Pointer(cbody))
	}
	cmethod, err := nulFreeCString(method, "method", CodeInvalidRequest, "TCCALL_E_INVALID_REQUEST")
	if err != nil {
		return nil, err
	}
	defer C.free(unsafe.Pointer(cmethod))
	cpath, err := nulFreeCString(path, "path", CodeInvalidRequest, "TCCALL_E_INVALID_REQUEST")
	if err != nil {
		return nil, err
	}
	defer C.free(unsafe.Pointer(cpath))

	debugGC()
	if !s.guard.enter() {
		return nil, closedError("sandbox")
	}
	defer s.guard.leave()
	var out, cerr *C.char
	rc := C.tccall_sandbox_control(s.ptr, cmethod, cpath, cbody, &out, &cerr)
	runtime.KeepAlive(s)
	if rc != C.TCCALL_OK {
		return nil, takeError(rc, cerr)
	}
	return json.RawMessage(takeBytes(out)), nil
}

// Close stops the sandbox and always returns nil. Like Client.Close it marks the sandbox
// closed first (later Control calls fail at once with an error matching ErrClosed), waits
// for the Control calls in flight, never blocks other goroutines, and is idempotent.
func (s *Sandbox) Close() error {
	s.guard.close(func() {
		C.tccall_sandbox_free(s.ptr)
		runtime.SetFinalizer(s, nil)
	})
	return nil
}
