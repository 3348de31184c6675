// Quickstart: the tccall story against the in-process sandbox, a strict local emulator
// of Tencent's servers, over HTTPS: the sandbox mints a throwaway CA at start and its
// HTTPSClientConfig trusts that CA only. With real credentials the same Client talks to
// Tencent.
//
//	make example-go     (or, after make go-lib: go run . in this directory)
package main

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net"
	"net/http"
	"time"

	tccall "github.com/tccall/tccall-go"
)

func main() {
	log.SetFlags(0)
	// Every network call takes a context: its deadline bounds the whole call (retries
	// included) and cancelling it ends the call at once.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	// 1. Start the sandbox and a client pointed at it over HTTPS.
	sb, err := tccall.StartSandbox(nil)
	check(err)
	defer sb.Close()
	client, err := tccall.NewClient(sb.HTTPSClientConfig)
	check(err)
	defer client.Close()
	fmt.Println("sandbox at", sb.HTTPSBaseURL, "(CA in", sb.CAFile+") - tccall", tccall.Version())

	// 2. Receive Call webhooks: WebhookHandler verifies each one and answers Tencent.
	webhooks := make(chan *tccall.WebhookEvent, 4)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	check(err)
	go http.Serve(ln, client.WebhookHandler(func(ev *tccall.WebhookEvent) error {
		webhooks <- ev
		return nil
	}))
	_, err = client.SetCallbackConfig(ctx, tccall.CallbackConfig{
		URL:      "http://" + ln.Addr().String() + "/tencent/call",
		Commands: []string{tccall.CommandAfterEndCall},
	})
	check(err)

	// 3. A robot calls a user.
	started, err := client.StartCallByRobot(ctx, tccall.StartCallByRobotRequest{
		RobotAccount:   "robot-1",
		CalleeAccounts: []string{"alice"},
		Timeout:        60000,
		CallInfo:       tccall.RobotCallInfo{MediaType: "Audio", RoomID: "support-1", RoomIDType: 2},
	})
	check(err)
	fmt.Println("started call", started.CallID)

	// 4. Alice answers (in real life her app does; here the sandbox's control API).
	_, err = sb.Control("POST", "/_sandbox/calls/"+started.CallID+"/members",
		map[string]any{"user": "alice", "action": "Answer"})
	check(err)

	// 5. Who is in the call?
	info, err := client.GetCallInfo(ctx, started.CallID)
	check(err)
	for _, m := range info.UserList {
		fmt.Printf("  member %-8s %s\n", m.UserAccount, m.Status)
	}

	// 6. End it from the server, then read its record.
	_, err = client.EndCall(ctx, started.CallID)
	check(err)
	rec, err := client.GetCallRecord(ctx, started.CallID)
	check(err)
	fmt.Printf("record: %s, %s call, result %s, members %v\n",
		rec.CallRecord.CallID, rec.CallRecord.MediaType, rec.CallRecord.CallResult, rec.CallRecord.CalleeAccounts)

	// 7. The end-of-call webhook arrived, verified and parsed.
	select {
	case ev := <-webhooks:
		fmt.Printf("webhook %s from app %d (replied %s)\n", ev.Command, ev.SDKAppID, ev.Reply)
	case <-time.After(5 * time.Second):
		log.Fatal("no webhook arrived")
	}

	// 8. Dismiss a TRTC room (numeric id) that users are still in.
	_, err = sb.Control("POST", "/_sandbox/rooms", map[string]any{"room_id": 1234, "users": []string{"bob", "carol"}})
	check(err)
	_, err = client.DismissRoom(ctx, tccall.NumericRoom(1234))
	check(err)
	fmt.Println("dismissed room 1234")

	// 9. Errors: ending the call again is ErrNotFound, with Tencent's code and request id.
	_, err = client.EndCall(ctx, started.CallID)
	var e *tccall.Error
	if errors.Is(err, tccall.ErrNotFound) && errors.As(err, &e) {
		fmt.Printf("second end_call: %s (code %d, Tencent %s, request %s)\n", e.Name, e.Code, e.ServiceCode, e.RequestID)
	} else {
		log.Fatalf("expected ErrNotFound, got %v", err)
	}

	// 10. Tokens are local: a UserSig for a client app.
	sig, err := client.GenUserSig(tccall.UserSigRequest{UserID: "alice", Expire: 86400})
	check(err)
	fmt.Printf("UserSig for alice (%d chars) expires at %s\n", len(sig.UserSig), time.Unix(sig.ExpireAt, 0).UTC().Format(time.RFC3339))
}

func check(err error) {
	if err != nil {
		log.Fatal(err)
	}
}
