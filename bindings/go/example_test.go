package tccall_test

import (
	"errors"
	"fmt"

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
