// Quickstart: the tccall story against the in-process sandbox, a strict local emulator
// of Tencent's servers, over HTTPS: the sandbox mints a throwaway CA at start and its
// HTTPSClientConfig trusts that CA only. With real credentials the same Client talks to
// Tencent.
//
// A robot calls a user in numeric TRTC room 9001; TerminateCall ends the call and
// dismisses its room; the Call webhook and the room's TRTC callbacks (a user exits: 104,
// the room is dismissed: 102) arrive at local handlers, signed, and are verified.
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

	tccall "github.com/tccall/tccall/bindings/go"
)

// trtcKey is the TRTC callback key (set in the TRTC console; here, in the sandbox).
const trtcKey = "QuickstartTrtcKey2024"

func main() {
	log.SetFlags(0)
	// Every network call takes a context: its deadline bounds the whole call (retries
	// included) and cancelling it ends the call at once.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	// 1. Start the sandbox and a client pointed at it over HTTPS, verifying TRTC
	// callbacks with trtcKey.
	sb, err := tccall.StartSandbox(nil)
	check(err)
	defer sb.Close()
	config := map[string]any{"webhook": map[string]any{"trtc_key": trtcKey}}
	for k, v := range sb.HTTPSClientConfig {
		config[k] = v
	}
	client, err := tccall.NewClient(config)
	check(err)
	defer client.Close()
	fmt.Println("sandbox at", sb.HTTPSBaseURL, "(CA in", sb.CAFile+") - tccall", tccall.Version())

	// 2. Receive webhooks: WebhookHandler verifies Call webhooks, TRTCWebhookHandler the
	// TRTC room callbacks (Sign and SdkAppId headers, raw body); both answer Tencent.
	webhooks := make(chan *tccall.WebhookEvent, 4)
	roomEvents := make(chan *tccall.TRTCWebhookEvent, 16)
	mux := http.NewServeMux()
	mux.Handle("/tencent/call", client.WebhookHandler(func(ev *tccall.WebhookEvent) error {
		webhooks <- ev
		return nil
	}))
	mux.Handle("/tencent/trtc", client.TRTCWebhookHandler(func(ev *tccall.TRTCWebhookEvent) error {
		select { // never block the answer to Tencent
		case roomEvents <- ev:
		default:
		}
		return nil
	}))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	check(err)
	go http.Serve(ln, mux)
	base := "http://" + ln.Addr().String()
	_, err = client.SetCallbackConfig(ctx, tccall.CallbackConfig{
		URL:      base + "/tencent/call",
		Commands: []string{tccall.CommandAfterEndCall},
	})
	check(err)
	// The TRTC console's callback URL and key (here: the sandbox's control API).
	_, err = sb.Control("POST", "/_sandbox/trtc/callback", map[string]any{"url": base + "/tencent/trtc", "key": trtcKey})
	check(err)

	// 3. A robot calls a user in numeric TRTC room 9001.
	started, err := client.StartCallByRobot(ctx, tccall.StartCallByRobotRequest{
		RobotAccount:   "robot-1",
		CalleeAccounts: []string{"alice"},
		Timeout:        60000,
		CallInfo:       tccall.RobotCallInfo{MediaType: "Audio", RoomID: "9001", RoomIDType: tccall.RoomIDNumeric},
	})
	check(err)
	fmt.Println("started call", started.CallID)

	// 4. Alice answers (in real life her app does; here the sandbox's control API).
	_, err = sb.Control("POST", "/_sandbox/calls/"+started.CallID+"/members",
		map[string]any{"user": "alice", "action": "Answer"})
	check(err)

	// 5. Who is in the call, and in which room? CallInfo.Room() is numeric room 9001.
	info, err := client.GetCallInfo(ctx, started.CallID)
	check(err)
	for _, m := range info.UserList {
		fmt.Printf("  member %-8s %s\n", m.UserAccount, m.Status)
	}
	fmt.Println("  room", info.CallInfo.Room())

	// 6. Terminate it: end the call and dismiss its room, each step reported.
	ended, err := client.TerminateCall(ctx, started.CallID)
	check(err)
	for _, s := range ended.Steps {
		fmt.Printf("  terminate: %-14s %-13s %s\n", s.Step, s.Outcome, s.RequestID)
	}

	// 7. The room's TRTC callbacks arrive, verified: everyone exits (104), then the room
	// is dismissed (102).
	deadline := time.After(5 * time.Second)
	exits, dismissed := 0, false
	for !dismissed {
		select {
		case ev := <-roomEvents:
			if ev.Room() != tccall.NumericRoom(9001) {
				continue
			}
			fmt.Printf("TRTC callback %d %-12s user %-8s verified=%v duplicate=%v\n",
				ev.Type, ev.Name, ev.UserID, ev.SignatureVerified, ev.Duplicate)
			switch ev.Type {
			case tccall.TRTCEventExitRoom:
				exits++
			case tccall.TRTCEventDismissRoom:
				dismissed = true
			}
		case <-deadline:
			log.Fatal("the room's dismiss callback (102) did not arrive")
		}
	}
	if exits == 0 {
		log.Fatal("no exit callback (104) arrived")
	}

	// 8. The end-of-call webhook arrived, verified and parsed; the record is readable.
	select {
	case ev := <-webhooks:
		fmt.Printf("webhook %s from app %d (replied %s)\n", ev.Command, ev.SDKAppID, ev.Reply)
	case <-time.After(5 * time.Second):
		log.Fatal("no webhook arrived")
	}
	rec, err := client.GetCallRecord(ctx, started.CallID)
	check(err)
	fmt.Printf("record: %s, %s call, result %s, members %v, room %v\n", rec.CallRecord.CallID,
		rec.CallRecord.MediaType, rec.CallRecord.CallResult, rec.CallRecord.CalleeAccounts, rec.CallRecord.Room())

	// 9. Rooms by value: mute a user, then dismiss a TRTC room users are still in.
	_, err = sb.Control("POST", "/_sandbox/rooms", map[string]any{"room_id": 1234, "users": []string{"bob", "carol"}})
	check(err)
	_, err = client.BlockUser(ctx, tccall.NumericRoom(1234), "carol", tccall.MuteAudio)
	check(err)
	_, err = client.DismissRoom(ctx, tccall.NumericRoom(1234))
	check(err)
	fmt.Println("muted carol, then dismissed room 1234")

	// 10. Errors: ending the call again is ErrNotFound, with Tencent's code and request id.
	_, err = client.EndCall(ctx, started.CallID)
	var e *tccall.Error
	if errors.Is(err, tccall.ErrNotFound) && errors.As(err, &e) {
		fmt.Printf("second end_call: %s (code %d, Tencent %s, request %s)\n", e.Name, e.Code, e.ServiceCode, e.RequestID)
	} else {
		log.Fatalf("expected ErrNotFound, got %v", err)
	}

	// 11. Tokens are local: a UserSig for a client app.
	sig, err := client.GenUserSig(tccall.UserSigRequest{UserID: "alice", Expire: 86400})
	check(err)
	fmt.Printf("UserSig for alice (%d chars) expires at %s\n", len(sig.UserSig), time.Unix(sig.ExpireAt, 0).UTC().Format(time.RFC3339))
}

func check(err error) {
	if err != nil {
		log.Fatal(err)
	}
}
