package tccall_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"time"

	tccall "github.com/tccall/tccall/bindings/go"
)

// The library's log events as slog records. Here a text handler at debug keeps only the
// level, the event and its op and decision (the rest varies from run to run).
func ExampleWithLogHandler() {
	keep := map[string]bool{"level": true, "event": true, "op": true, "decision": true}
	h := slog.NewTextHandler(os.Stdout, &slog.HandlerOptions{
		Level: slog.LevelDebug, // slog.LevelInfo: one record per call
		ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
			if !keep[a.Key] {
				return slog.Attr{}
			}
			return a
		},
	})
	sb, client := startSandbox(tccall.WithLogHandler(h))
	defer sb.Close()
	defer client.Close()

	callID := startCall(sb)
	sb.Control("POST", "/_sandbox/faults", map[string]any{"match": "end_call", "kind": "http_502", "count": 1})
	client.EndCall(context.Background(), callID) // a 502, a retry, then ok
	// Output:
	// level=DEBUG event=admin_usersig_minted op=end_call
	// level=DEBUG event=connection op=end_call
	// level=DEBUG event=response op=end_call
	// level=WARN event=attempt_failed op=end_call decision=retry
	// level=DEBUG event=connection op=end_call
	// level=DEBUG event=response op=end_call
	// level=INFO event=call op=end_call
}

// Stats are always on: per operation calls, successes, errors by code, retries and latency.
func ExampleClient_Stats() {
	sb, client := startSandbox()
	defer sb.Close()
	defer client.Close()
	ctx := context.Background()

	callID := startCall(sb)
	client.GetCallInfo(ctx, callID)
	client.EndCall(ctx, callID)
	client.EndCall(ctx, callID) // ErrNotFound: it has ended

	stats, err := client.Stats()
	if err != nil {
		panic(err)
	}
	end := stats.Operations["end_call"]
	fmt.Println(end.Calls, end.OK, end.Errors[tccall.CodeNotFound], end.Retries)
	fmt.Println(end.Latency.P99 > 0, end.Latency.P99 <= end.Latency.Max, stats.Connections.Opened, stats.AdminUserSigMints)
	// Output:
	// 2 1 1 0
	// true true 1 1
}

// Rotating keys without a failed call: add the new key at Tencent (the sandbox here), switch
// the client, wait for calls in flight, then delete the old key.
func ExampleClient_UpdateCredentials() {
	sb, client := startSandbox()
	defer sb.Close()
	defer client.Close()
	callID := startCall(sb)

	keys := map[string]any{"secret_key": "new-im-key", "cloud_secret_id": "AKIDnew", "cloud_secret_key": "new-cloud-key"}
	sb.Control("POST", "/_sandbox/credentials", keys)   // 1. both keys valid
	err := client.UpdateCredentials(tccall.Credentials{ // 2. switch the client
		SecretKey: "new-im-key",
		CloudAPI:  &tccall.CloudAPICredentials{SecretID: "AKIDnew", SecretKey: "new-cloud-key"},
	})
	if err != nil {
		panic(err)
	}
	time.Sleep(300 * time.Millisecond) // 3. calls in flight finish
	keys["revoke_others"] = true
	sb.Control("POST", "/_sandbox/credentials", keys) // 4. the old keys are gone

	ctx := context.Background()
	_, err = client.GetCallInfo(ctx, callID) // the new keys work
	fmt.Println(err)
	stale, _ := sb.NewClient() // still on the old keys
	defer stale.Close()
	_, err = stale.GetCallInfo(ctx, callID)
	fmt.Println(errors.Is(err, tccall.ErrAuth))
	// Output:
	// <nil>
	// true
}
