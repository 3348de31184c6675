package tccall_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"time"

	tccall "github.com/tccall/tccall/bindings/go"
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
	// Output: eAEBtgBJ-3siVExTLnZlciI6 1715552000
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
	sb, client := startSandbox() // a local emulator of Tencent's servers and a client of it
	defer sb.Close()
	defer client.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, err := client.EndCall(ctx, "055662e1-bc8a-469c-a334-1126c8c17d58")
	fmt.Println("already ended:", errors.Is(err, tccall.ErrNotFound))

	cancel() // a done context fails at once, without a request
	_, err = client.EndCall(ctx, "055662e1-bc8a-469c-a334-1126c8c17d58")
	fmt.Println(errors.Is(err, context.Canceled), errors.Is(err, tccall.ErrCancelled))
	// Output:
	// already ended: true
	// true true
}

// A call's room goes straight from GetCallInfo into DismissRoom: CallInfo.Room() reads
// RoomId "4321" with RoomIdType 1 as numeric room 4321, not string room "4321".
func ExampleCallInfo_Room() {
	sb, client := startSandbox()
	defer sb.Close()
	defer client.Close()
	ctx := context.Background()

	started, err := client.StartCallByRobot(ctx, tccall.StartCallByRobotRequest{
		RobotAccount: "robot", CalleeAccounts: []string{"alice"},
		CallInfo: tccall.RobotCallInfo{RoomID: "4321", RoomIDType: tccall.RoomIDNumeric},
	})
	if err != nil {
		panic(err)
	}
	info, err := client.GetCallInfo(ctx, started.CallID)
	if err != nil {
		panic(err)
	}
	room := info.CallInfo.Room()
	fmt.Println(room, room == tccall.NumericRoom(4321), room == tccall.StringRoom("4321"))
	_, err = client.DismissRoom(ctx, room) // the call ends with its room
	fmt.Println(err)
	_, err = client.BlockUser(ctx, tccall.StringRoom("4321"), "alice", tccall.MuteAudio)
	fmt.Println(errors.Is(err, tccall.ErrNotFound)) // no such string room
	// Output:
	// 4321 true false
	// <nil>
	// true
}

// TRTC signs each room callback with the key set in its console:
// Sign = base64(HMAC-SHA256(key, body)). ParseTRTCWebhook checks it over the raw body.
func ExampleClient_ParseTRTCWebhook() {
	const key = "MyTrtcCallbackKey"
	client, err := tccall.NewClient(map[string]any{"sdk_app_id": 1400000001,
		"webhook": map[string]any{"trtc_key": key}})
	if err != nil {
		panic(err)
	}
	defer client.Close()

	// What TRTC sends when alice leaves room 9001 (here signed by hand).
	body := []byte(`{"EventGroupId":1,"EventType":104,"CallbackTs":1700000000000,` +
		`"EventInfo":{"RoomId":9001,"EventTs":1700000000,"UserId":"alice","UniqueId":1,"Reason":1}}`)
	mac := hmac.New(sha256.New, []byte(key))
	mac.Write(body)
	sign := base64.StdEncoding.EncodeToString(mac.Sum(nil))

	ev, err := client.ParseTRTCWebhook(sign, "1400000001", body)
	if err != nil {
		panic(err)
	}
	fmt.Println(ev.Name, ev.UserID, ev.Room(), ev.SignatureVerified, ev.Duplicate, ev.Reply)
	_, err = client.ParseTRTCWebhook("forged", "1400000001", body)
	fmt.Println(errors.Is(err, tccall.ErrWebhook))
	// Output:
	// exit_room alice 9001 true false {"code":0}
	// true
}
