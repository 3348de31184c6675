package tccall

import (
	"context"
	"errors"
	"math/rand"
	"sync"
	"testing"
	"time"
)

// requestsLogged is how many API requests the sandbox has logged so far.
func requestsLogged(t testing.TB) int {
	t.Helper()
	var log struct{ Entries []any }
	control(t, "GET", "/_sandbox/log", nil, &log)
	return len(log.Entries)
}

// slowCall has the sandbox answer get_call_info after answerAfter and calls it with a
// context of the given timeout; it returns how long the call took and its error.
func slowCall(t *testing.T, c *Client, answerAfter, timeout time.Duration) (time.Duration, error) {
	t.Helper()
	delay(t, answerAfter, 1)
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	start := time.Now()
	_, err := c.GetCallInfo(ctx, unique("call"))
	return time.Since(start), err
}

func TestContextDeadline(t *testing.T) {
	elapsed, err := slowCall(t, sandboxClient(t, nil), 5*time.Second, 300*time.Millisecond)
	if !errors.Is(err, context.DeadlineExceeded) || !errors.Is(err, ErrTimeout) || !errors.Is(err, ErrTransport) ||
		errors.Is(err, ErrCancelled) || errors.Is(err, context.Canceled) {
		t.Fatalf("%v", err)
	}
	asError(t, err, CodeTimeout)
	if elapsed < 290*time.Millisecond || elapsed > 500*time.Millisecond {
		t.Fatalf("returned after %v, want about 300ms", elapsed)
	}
	t.Logf("300ms context deadline against a 5s delay: returned after %v: %v", elapsed, err)
}

func TestContextCancel(t *testing.T) {
	c := sandboxClient(t, nil)
	delay(t, 5*time.Second, 1)
	ctx, cancel := context.WithCancel(context.Background())
	cancelledAt := make(chan time.Time, 1)
	time.AfterFunc(150*time.Millisecond, func() {
		cancelledAt <- time.Now()
		cancel()
	})
	start := time.Now()
	_, err := c.GetCallInfo(ctx, unique("call"))
	returned := time.Now()
	if !errors.Is(err, context.Canceled) || !errors.Is(err, ErrCancelled) || !errors.Is(err, ErrTransport) ||
		errors.Is(err, ErrTimeout) || errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("%v", err)
	}
	asError(t, err, CodeCancelled)
	at := <-cancelledAt
	if after := returned.Sub(at); after > 200*time.Millisecond || returned.Sub(start) < 140*time.Millisecond {
		t.Fatalf("returned %v after the cancel (%v after the start)", after, returned.Sub(start))
	}
	t.Logf("cancel mid-call: returned %v after the cancel: %v", returned.Sub(at), err)
}

func TestContextAlreadyDone(t *testing.T) {
	c := sandboxClient(t, nil)
	before := requestsLogged(t)

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	start := time.Now()
	_, err := c.EndCall(ctx, unique("call"))
	if !errors.Is(err, context.Canceled) || !errors.Is(err, ErrCancelled) || time.Since(start) > 20*time.Millisecond {
		t.Fatalf("cancelled context: after %v: %v", time.Since(start), err)
	}
	if e := asError(t, err, CodeCancelled); e.Attempts != 0 {
		t.Fatalf("%+v", e)
	}

	expired, cancel2 := context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
	defer cancel2()
	_, err = c.DismissRoom(expired, NumericRoom(1234))
	if !errors.Is(err, context.DeadlineExceeded) || !errors.Is(err, ErrTimeout) {
		t.Fatalf("expired context: %v", err)
	}
	asError(t, err, CodeTimeout)
	if after := requestsLogged(t); after != before {
		t.Fatalf("a done context sent %d requests", after-before)
	}
	// Local operations take no context and are unaffected.
	if _, err := c.GenUserSig(UserSigRequest{UserID: "u"}); err != nil {
		t.Fatal(err)
	}
}

// A context deadline only shortens the config's timeouts.total_ms: an earlier total_ms
// still ends the call, as a plain timeout that is not the context's.
func TestContextDeadlineOnlyShortensTotal(t *testing.T) {
	c := sandboxClient(t, map[string]any{"timeouts": map[string]any{"total_ms": 300}})
	elapsed, err := slowCall(t, c, 2*time.Second, 5*time.Second)
	if !errors.Is(err, ErrTimeout) || errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("%v", err)
	}
	if elapsed > 600*time.Millisecond {
		t.Fatalf("returned after %v, want about 300ms (total_ms)", elapsed)
	}
}

// A context with a deadline that is far away changes nothing; a Background context takes
// the fast path (no options, no token).
func TestContextCallsSucceed(t *testing.T) {
	c := sandboxClient(t, nil)
	id := createCall(t, unique("a"), []string{unique("b")}, nil)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if info, err := c.GetCallInfo(ctx, id); err != nil || info.CallInfo.CallID != id {
		t.Fatalf("%+v, %v", info, err)
	}
	ctx2, cancel2 := context.WithCancel(context.Background())
	defer cancel2()
	if _, err := c.EndCall(ctx2, id); err != nil {
		t.Fatal(err)
	}
	if _, err := c.EndCall(context.Background(), id); !errors.Is(err, ErrNotFound) {
		t.Fatal(err)
	}
	if _, err := c.GetCallRecord(nil, id); err != nil { // nil is documented as context.Background()
		t.Fatal(err)
	}
}

// Many goroutines with contexts cancelled at random moments: every token is freed only
// after its AfterFunc can no longer run (checked by -race and the tccall_debug GC).
func TestContextCancelStorm(t *testing.T) {
	c := sandboxClient(t, map[string]any{"rate_limit": map[string]any{"enabled": false}})
	id := createCall(t, unique("a"), []string{unique("b")}, nil)
	var wg sync.WaitGroup
	for g := 0; g < 16; g++ {
		wg.Add(1)
		go func(seed int64) {
			defer wg.Done()
			r := rand.New(rand.NewSource(seed))
			for i := 0; i < 10; i++ {
				ctx, cancel := context.WithTimeout(context.Background(), time.Duration(r.Intn(3000))*time.Microsecond)
				if r.Intn(2) == 0 {
					go cancel()
				}
				_, err := c.GetCallInfo(ctx, id)
				cancel()
				if err != nil && !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded) &&
					!errors.Is(err, ErrRateLimited) {
					t.Errorf("%v", err)
					return
				}
			}
		}(int64(g))
	}
	wg.Wait()
}
