package tccall

/*
#include <stdlib.h>
#include "tccall.h"
*/
import "C"

import (
	"encoding/json"
	"fmt"
	"runtime"
	"strconv"
	"time"
	"unsafe"
)

// Stats are a client's counters since it was made (tccall_client_stats): always on, cheap
// (a few atomic adds per call), safe to read from any goroutine.
type Stats struct {
	// Operations by name ("end_call"); operations never called are absent.
	Operations  map[string]OperationStats
	Connections ConnectionStats
	// AdminUserSigMints counts the admin UserSigs minted (one per key and validity period).
	AdminUserSigMints uint64
	// Raw is the library's JSON, for fields a newer library adds.
	Raw json.RawMessage
}

// OperationStats are one operation's counters.
type OperationStats struct {
	Calls uint64
	OK    uint64
	// Errors counts failed calls by result code (Errors[CodeNotFound]).
	Errors       map[int]uint64
	Retries      uint64 // attempts beyond the first
	AlreadyEnded uint64 // successes where a retry found the target already gone
	LimiterWaits uint64 // calls that waited for the local rate limiter
	LimiterWait  time.Duration
	// Latency of whole calls, from a fixed log-scale histogram (each percentile at most 25 %
	// above the true value).
	Latency Latency
}

// Latency summarizes call durations.
type Latency struct {
	P50, P90, P99, Max time.Duration
}

// ConnectionStats are the connection pool's counters.
type ConnectionStats struct {
	Opened        uint64
	Reused        uint64
	TLSHandshakes uint64
	ForkResets    uint64
}

type statsJSON struct {
	Operations map[string]struct {
		Calls         uint64            `json:"calls"`
		OK            uint64            `json:"ok"`
		Errors        map[string]uint64 `json:"errors"`
		Retries       uint64            `json:"retries"`
		AlreadyEnded  uint64            `json:"already_ended"`
		LimiterWaits  uint64            `json:"limiter_waits"`
		LimiterWaitMs float64           `json:"limiter_wait_ms"`
		LatencyMs     struct {
			P50 float64 `json:"p50"`
			P90 float64 `json:"p90"`
			P99 float64 `json:"p99"`
			Max float64 `json:"max"`
		} `json:"latency_ms"`
	} `json:"operations"`
	Connections struct {
		Opened        uint64 `json:"opened"`
		Reused        uint64 `json:"reused"`
		TLSHandshakes uint64 `json:"tls_handshakes"`
		ForkResets    uint64 `json:"fork_resets"`
	} `json:"connections"`
	AdminUserSigMints uint64 `json:"admin_usersig_mints"`
}

func millis(ms float64) time.Duration { return time.Duration(ms * float64(time.Millisecond)) }

// Stats returns the client's counters (per operation: calls, successes, errors by code,
// retries, already-ended, limiter waits, latency p50/p90/p99/max; connections opened and
// reused, TLS handshakes; admin UserSig mints). It fails only on a closed client.
func (c *Client) Stats() (*Stats, error) {
	ptr, err := c.acquire()
	if err != nil {
		return nil, err
	}
	var out *C.char
	rc := C.tccall_client_stats(ptr, &out)
	c.guard.leave()
	runtime.KeepAlive(c)
	if rc != C.TCCALL_OK {
		return nil, parseError(int(rc), nil)
	}
	raw := takeBytes(out)
	var w statsJSON
	if err := json.Unmarshal(raw, &w); err != nil {
		return nil, &Error{Code: CodeBadResponse, Name: "TCCALL_E_BAD_RESPONSE", Message: "decoding the stats: " + err.Error()}
	}
	s := &Stats{Operations: make(map[string]OperationStats, len(w.Operations)), AdminUserSigMints: w.AdminUserSigMints, Raw: raw}
	s.Connections = ConnectionStats(w.Connections)
	for name, o := range w.Operations {
		errs := make(map[int]uint64, len(o.Errors))
		for code, n := range o.Errors {
			if k, err := strconv.Atoi(code); err == nil {
				errs[k] = n
			}
		}
		s.Operations[name] = OperationStats{
			Calls: o.Calls, OK: o.OK, Errors: errs, Retries: o.Retries, AlreadyEnded: o.AlreadyEnded,
			LimiterWaits: o.LimiterWaits, LimiterWait: millis(o.LimiterWaitMs),
			Latency: Latency{P50: millis(o.LatencyMs.P50), P90: millis(o.LatencyMs.P90),
				P99: millis(o.LatencyMs.P99), Max: millis(o.LatencyMs.Max)},
		}
	}
	return s, nil
}

// Credentials is what UpdateCredentials swaps: the IM SecretKey, the Cloud API
// credentials, or both (at least one).
type Credentials struct {
	// SecretKey is the app's IM secret key (UserSig signing); "" keeps the current one.
	SecretKey string `json:"secret_key,omitempty"`
	// CloudAPI replaces the Cloud API secret id, key and token together; nil keeps them.
	CloudAPI *CloudAPICredentials `json:"cloud_api,omitempty"`
}

// CloudAPICredentials are Cloud API 3.0 credentials: SecretID and SecretKey, plus Token for
// temporary (STS) credentials; or FromEnv alone, which reads TENCENTCLOUD_SECRET_ID,
// TENCENTCLOUD_SECRET_KEY and TENCENTCLOUD_SESSION_TOKEN now.
type CloudAPICredentials struct {
	SecretID  string `json:"secret_id,omitempty"`
	SecretKey string `json:"secret_key,omitempty"`
	Token     string `json:"token,omitempty"`
	FromEnv   bool   `json:"from_env,omitempty"`
}

// UpdateCredentials swaps the client's credentials while other goroutines call: calls in
// flight finish with the credentials they started with, later calls use the new ones (a
// new admin UserSig is minted with a new SecretKey). Rotate by adding the new key to
// Tencent's console, calling UpdateCredentials, waiting for calls in flight (at most the
// config's timeouts.total_ms), then deleting the old key. On failure nothing changes and
// the error matches ErrInvalidArgument (code 105 for an empty or incomplete update).
func (c *Client) UpdateCredentials(cred Credentials) error {
	b, err := json.Marshal(cred)
	if err != nil {
		return &Error{Code: CodeInvalidJSON, Name: "TCCALL_E_INVALID_JSON", Message: fmt.Sprintf("credentials: %v", err)}
	}
	text := C.CString(string(b)) // JSON escapes NUL: the text has none
	defer C.free(unsafe.Pointer(text))
	ptr, err := c.acquire()
	if err != nil {
		return err
	}
	defer c.guard.leave()
	if c.log != nil {
		c.log.follow(ptr)
	}
	var cerr *C.char
	rc := C.tccall_client_update_credentials(ptr, text, &cerr)
	runtime.KeepAlive(c)
	if rc != C.TCCALL_OK {
		return takeError(rc, cerr)
	}
	return nil
}
