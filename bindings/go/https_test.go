package tccall

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"
	"time"
)

// sandboxConnections is the answer of GET /_sandbox/connections.
type sandboxConnections struct {
	Accepted      int `json:"accepted"`
	TLSHandshakes int `json:"tls_handshakes"`
	Open          int `json:"open"`
}

func connections(t testing.TB) sandboxConnections {
	t.Helper()
	var c sandboxConnections
	control(t, "GET", "/_sandbox/connections", nil, &c)
	return c
}

// Every family of operation over HTTPS, trusting only the sandbox's throwaway CA.
func TestSandboxHTTPS(t *testing.T) {
	if !strings.HasPrefix(sb.HTTPSBaseURL, "https://127.0.0.1:") || sb.HTTPSBaseURL[5:] != sb.BaseURL[4:] {
		t.Fatalf("HTTPSBaseURL %q, BaseURL %q", sb.HTTPSBaseURL, sb.BaseURL)
	}
	if !strings.HasPrefix(sb.CAPEM, "-----BEGIN CERTIFICATE-----") {
		t.Fatalf("CAPEM %q", sb.CAPEM)
	}
	if pem, err := os.ReadFile(sb.CAFile); err != nil || strings.TrimSpace(string(pem)) != strings.TrimSpace(sb.CAPEM) {
		t.Fatalf("CAFile %s: %v", sb.CAFile, err)
	}
	if ep, _ := sb.HTTPSClientConfig["im_endpoint"].(string); !strings.HasPrefix(ep, "https://") {
		t.Fatalf("HTTPSClientConfig im_endpoint %q", ep)
	}
	before := connections(t)
	c, err := sb.NewHTTPSClient()
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	res, err := c.StartCallByRobot(ctx, StartCallByRobotRequest{RobotAccount: unique("robot"), CalleeAccounts: []string{unique("c")}})
	if err != nil {
		t.Fatal(err)
	}
	if info, err := c.GetCallInfo(ctx, res.CallID); err != nil || info.CallInfo.CallID != res.CallID {
		t.Fatalf("%+v, %v", info, err)
	}
	if _, err := c.EndCall(ctx, res.CallID); err != nil {
		t.Fatal(err)
	}
	if _, err := c.EndCall(ctx, res.CallID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("second EndCall: %v", err)
	}
	room := uint64(time.Now().UnixNano()%1_000_000 + 8_000_000)
	control(t, "POST", "/_sandbox/rooms", map[string]any{"room_id": room, "users": []string{"a"}}, nil)
	if _, err := c.DismissRoom(ctx, NumericRoom(room)); err != nil { // Cloud API (TC3) over HTTPS too
		t.Fatal(err)
	}
	// Five requests, one TLS connection kept alive between them.
	if after := connections(t); after.Accepted-before.Accepted != 1 || after.TLSHandshakes-before.TLSHandshakes != 1 {
		t.Fatalf("connections before %+v, after %+v", before, after)
	}

	// A context deadline and a cancel work the same over TLS.
	delay(t, 5*time.Second, 1)
	short, cancelShort := context.WithTimeout(ctx, 300*time.Millisecond)
	defer cancelShort()
	start := time.Now()
	if _, err := c.GetCallInfo(short, res.CallID); !errors.Is(err, context.DeadlineExceeded) || time.Since(start) > 500*time.Millisecond {
		t.Fatalf("after %v: %v", time.Since(start), err)
	}

	// Trusting only the public roots, the sandbox's certificate is refused; trusting the
	// CA through the file works as well.
	untrusting, err := NewClient(withChanges(sb.HTTPSClientConfig, map[string]any{
		"tls": map[string]any{"roots": "bundled"}, "retry": map[string]any{"max_attempts": 1}}))
	if err != nil {
		t.Fatal(err)
	}
	defer untrusting.Close()
	_, err = untrusting.GetCallInfo(ctx, res.CallID)
	if e := asError(t, err, CodeTLS); e.Name != "TCCALL_E_TLS" || !errors.Is(err, ErrTransport) {
		t.Fatalf("%+v", e)
	}
	byFile, err := NewClient(withChanges(sb.HTTPSClientConfig, map[string]any{
		"tls": map[string]any{"ca_file": sb.CAFile, "roots": "none"}}))
	if err != nil {
		t.Fatal(err)
	}
	defer byFile.Close()
	if _, err := byFile.GetCallRecord(ctx, res.CallID); err != nil {
		t.Fatal(err)
	}
}

// A sandbox serving a certificate clients must refuse: each is a TLS error (203).
func TestSandboxHTTPSBadCertificates(t *testing.T) {
	for _, leaf := range []string{"expired", "wrong_name", "self_signed"} {
		s, err := StartSandbox(map[string]any{"tls_leaf": leaf})
		if err != nil {
			t.Fatal(err)
		}
		c, err := NewClient(withChanges(s.HTTPSClientConfig, map[string]any{"retry": map[string]any{"max_attempts": 1}}))
		if err != nil {
			t.Fatal(err)
		}
		_, err = c.GetCallInfo(context.Background(), "c")
		c.Close()
		caFile := s.CAFile
		s.Close()
		asError(t, err, CodeTLS)
		if _, statErr := os.Stat(caFile); !os.IsNotExist(statErr) {
			t.Fatalf("%s: CA file left after Close: %v", leaf, statErr)
		}
	}
}
