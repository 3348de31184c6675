package tccall_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	tccall "github.com/tccall/tccall-go"
)

// UserSig generation is local and deterministic for a fixed time.
func ExampleClient_GenUserSig() {
	client, err := tccall.NewClient(map[string]any{
		"sdk_app_id": 1400000000,
		"secret_key": "5bd2850fff3ecb11d7c805251c51ee463a25727bddc2385f3fa8bfee1bb93b5e",
	})
	if err != nil {
		panic(err)
	}
	defer client.Close()
	sig, err := client.GenUserSig(tccall.UserSigRequest{UserID: "xiaojun", Time: 1700000000})
	if err != nil {
		panic(err)
	}
	fmt.Println(sig.UserSig[:24], sig.ExpireAt)
	// Output: eJyrVgrxCdYrSy1SslJQMtIz 1715552000
}

// Errors match the sentinels with errors.Is and carry details through errors.As.
func ExampleError() {
	client, err := tccall.NewClient(map[string]any{"sdk_app_id": 1400000000, "secret_key": "k"})
	if err != nil {
		panic(err)
	}
	defer client.Close()
	_, err = client.VerifyUserSig(tccall.VerifyUserSigRequest{UserID: "alice", UserSig: "not-a-usersig"})
	var e *tccall.Error
	fmt.Println(errors.Is(err, tccall.ErrUserSigInvalid), errors.Is(err, tccall.ErrAuth), errors.As(err, &e) && e.Code == 403)
	// Output: true true true
}

// Network operations take a context: its deadline bounds the whole call, retries
// included, and cancelling it ends the call within milliseconds.
func ExampleClient_EndCall() {
	sb, err := tccall.StartSandbox(nil) // a local emulator of Tencent's servers
	if err != nil {
		panic(err)
	}
	defer sb.Close()
	client, err := sb.NewClient()
	if err != nil {
		panic(err)
	}
	defer client.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, err = client.EndCall(ctx, "055662e1-bc8a-469c-a334-1126c8c17d58")
	fmt.Println("already ended:", errors.Is(err, tccall.ErrNotFound))

	cancel() // a done context fails at once, without a request
	_, err = client.EndCall(ctx, "055662e1-bc8a-469c-a334-1126c8c17d58")
	fmt.Println(errors.Is(err, context.Canceled), errors.Is(err, tccall.ErrCancelled))
	// Output:
	// already ended: true
	// true true
}
