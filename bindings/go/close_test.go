package tccall

import (
	"context"
	"errors"
	"testing"
	"time"
)

// delay arms a fault: the next count get_call_info requests wait d before they are answered.
func delay(t testing.TB, d time.Duration, count int) {
	t.Helper()
	control(t, "POST", "/_sandbox/faults", map[string]any{"match": "get_call_info", "kind": "delay_ms",
		"delay_ms": d.Milliseconds(), "count": count}, nil)
	t.Cleanup(func() { sb.Control("DELETE", "/_sandbox/faults", nil) })
}

// Close marks the client closed at once: while a call hangs, other goroutines' new calls
// (even local ones and the webhook handler) fail fast with ErrClosed instead of waiting;
// the hanging call completes; then Close returns.
func TestCloseDoesNotBlockOtherGoroutines(t *testing.T) {
	c := sandboxClient(t, nil)
	id := createCall(t, unique("a"), []string{unique("b")}, nil)
	delay(t, 3*time.Second, 1)

	hung := make(chan error, 1)
	callStart := time.Now()
	go func() {
		_, err := c.GetCallInfo(context.Background(), id)
		hung <- err
	}()
	time.Sleep(300 * time.Millisecond) // the call is now waiting for its answer

	closed := make(chan time.Time, 1)
	go func() {
		c.Close()
		closed <- time.Now()
	}()
	time.Sleep(50 * time.Millisecond) // Close is now waiting for the hanging call

	start := time.Now()
	_, err := c.GenUserSig(UserSigRequest{UserID: "u"})
	if !errors.Is(err, ErrClosed) || !errors.Is(err, ErrInvalidArgument) {
		t.Fatalf("GenUserSig during Close: %v", err)
	}
	_, err = c.ParseWebhook(endCallQuery, []byte(endCallBody))
	if !errors.Is(err, ErrClosed) {
		t.Fatalf("ParseWebhook during Close: %v", err)
	}
	_, err = c.ParseTRTCWebhook("sign", "1", []byte(trtcSample))
	if !errors.Is(err, ErrClosed) {
		t.Fatalf("ParseTRTCWebhook during Close: %v", err)
	}
	_, err = c.EndCall(context.Background(), id)
	if !errors.Is(err, ErrClosed) {
		t.Fatalf("EndCall during Close: %v", err)
	}
	fast := time.Since(start)
	if fast > 100*time.Millisecond {
		t.Fatalf("calls during Close took %v", fast)
	}
	select {
	case <-closed:
		t.Fatal("Close returned while a call was in flight")
	default:
	}

	select {
	case err := <-hung:
		if err != nil {
			t.Fatalf("the hanging call: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the hanging call never completed")
	}
	select {
	case at := <-closed:
		// The answer is delayed 3 s from when the request arrived: Close waited for it.
		if at.Sub(callStart) < 2900*time.Millisecond {
			t.Fatalf("Close returned %v after the hanging call started, before its answer", at.Sub(callStart))
		}
		t.Logf("calls during Close failed with ErrClosed in %v; Close returned %v after the hanging call started",
			fast, at.Sub(callStart))
	case <-time.After(5 * time.Second):
		t.Fatal("Close never returned")
	}
	c.Close() // idempotent
}

// Control racing Close from other goroutines: no crash, ErrClosed afterwards.
func TestSandboxCloseWhileControl(t *testing.T) {
	for i := 0; i < 20; i++ {
		s, err := StartSandbox(nil)
		if err != nil {
			t.Fatal(err)
		}
		closeWhileCalling(t, 3, func() error {
			_, err := s.Control("GET", "/_sandbox/state", nil)
			return err
		}, func() {
			time.Sleep(2 * time.Millisecond)
			s.Close()
		})
		if _, err := s.Control("GET", "/_sandbox/health", nil); !errors.Is(err, ErrClosed) {
			t.Fatalf("after Close: %v", err)
		}
	}
}
