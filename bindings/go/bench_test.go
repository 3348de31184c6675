package tccall

// The wrapper's hot paths, for profiling and before/after comparisons (not timed tests):
//
//	go test -run '^$' -bench 'GenUserSig|SignCloudAPIRequest|DismissRoom' -benchmem
//
// tests/bench/go compares the same calls with Tencent's official Go SDKs.

import (
	"errors"
	"testing"
)

func BenchmarkGenUserSig(b *testing.B) {
	c := localClient(b)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, err := c.GenUserSig(UserSigRequest{UserID: "xiaojun"}); err != nil {
			b.Fatal(err)
		}
	}
}

// The typed form of DismissRoom's signed request, as a caller with its own HTTP stack makes it.
func BenchmarkSignCloudAPIRequest(b *testing.B) {
	c := localClient(b)
	req := SignCloudAPIRequest{CloudAPIRequest: CloudAPIRequest{Service: "trtc", Version: "2019-07-22",
		Action: "DismissRoom", Params: map[string]any{"SdkAppId": testAppID, "RoomId": 424242}}}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, err := c.SignCloudAPIRequest(req); err != nil {
			b.Fatal(err)
		}
	}
}

// DismissRoom of a room that does not exist against an in-process sandbox without rate
// limits: a full signed round trip that ends in ErrNotFound, as tests/bench/e2e.rs measures
// it (-cpu 1,4 for 1 and 4 goroutines).
func BenchmarkDismissRoom(b *testing.B) {
	c := ownClient(b, ownSandbox(b, nil), map[string]any{"rate_limit": map[string]any{"enabled": false},
		"retry": map[string]any{"max_attempts": 1}})
	room := NumericRoom(424242)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := c.DismissRoom(bg, room); !errors.Is(err, ErrNotFound) {
				b.Fatal(err)
			}
		}
	})
}
