package tccall

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

const trtcKey = "trtc-callback-key"

// trtcSample is the 103 (enter room) sample of trtc.io/document/54912, with its newlines
// and tabs: the signature covers these exact bytes.
const trtcSample = "{\n\t\"EventGroupId\":\t1,\n\t\"EventType\":\t103,\n\t\"CallbackTs\":\t1615554923704,\n\t\"EventInfo\":\t{\n" +
	"\t\t\"RoomId\":\t12345,\n\t\t\"EventTs\":\t1608441737,\n\t\t\"UserId\":\t\"test\",\n\t\t\"UniqueId\":\t1615554922656,\n" +
	"\t\t\"Role\":\t20,\n\t\t\"Reason\":\t1\n\t}\n}"

// trtcSign is TRTC's Sign header: base64(HMAC-SHA256(key, body)).
func trtcSign(key string, body []byte) string {
	m := hmac.New(sha256.New, []byte(key))
	m.Write(body)
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

func trtcEvent(kind int, room any, unique int) []byte {
	b, _ := json.Marshal(map[string]any{"EventGroupId": kind / 100, "EventType": kind, "CallbackTs": 1700000000000 + unique,
		"EventInfo": map[string]any{"RoomId": room, "EventTs": 1700000000, "UserId": "u1", "UniqueId": unique}})
	return b
}

func trtcClient(t testing.TB, webhook map[string]any) *Client {
	t.Helper()
	return newTestClient(t, map[string]any{"sdk_app_id": testAppID, "webhook": webhook})
}

var appHeader = fmt.Sprint(testAppID)

func TestParseTRTCWebhookSample(t *testing.T) {
	c := trtcClient(t, map[string]any{"trtc_key": trtcKey})
	body := []byte(trtcSample)
	ev, err := c.ParseTRTCWebhook(trtcSign(trtcKey, body), appHeader, body)
	if err != nil {
		t.Fatal(err)
	}
	if ev.Group != "room" || ev.Type != TRTCEventEnterRoom || ev.Name != "enter_room" || ev.RoomID != "12345" ||
		ev.RoomIDType != RoomIDNumeric || ev.UserID != "test" || ev.SDKAppID != testAppID || !ev.SignatureVerified ||
		ev.Duplicate || ev.Reply != `{"code":0}` {
		t.Fatalf("%+v", ev)
	}
	if ev.Room() != NumericRoom(12345) {
		t.Fatalf("Room() = %v", ev.Room())
	}
	var raw struct {
		CallbackTs int64
		EventInfo  struct{ Role, Reason int }
	}
	if err := json.Unmarshal(ev.Event, &raw); err != nil || raw.CallbackTs != 1615554923704 || raw.EventInfo.Role != 20 {
		t.Fatalf("%s: %+v, %v", ev.Event, raw, err)
	}
	// TRTC redelivers: the same event again is flagged.
	again, err := c.ParseTRTCWebhook(trtcSign(trtcKey, body), appHeader, body)
	if err != nil || !again.Duplicate || !again.SignatureVerified {
		t.Fatalf("%+v, %v", again, err)
	}
}

func TestParseTRTCWebhookRefusals(t *testing.T) {
	c := trtcClient(t, map[string]any{"trtc_key": trtcKey})
	body := []byte(trtcSample)
	good := trtcSign(trtcKey, body)
	for _, tc := range []struct {
		what       string
		sign, app  string
		body       []byte
		code       int
		wantInText string
	}{
		{"a wrong key", trtcSign("other-key", body), appHeader, body, CodeWebhookSignature, "Sign"},
		{"no Sign", "", appHeader, body, CodeWebhookSignature, "Sign"},
		{"a changed body", good, appHeader, []byte(strings.ReplaceAll(trtcSample, "\t", " ")), CodeWebhookSignature, "Sign"},
		{"another app's", good, "1400000001", body, CodeWebhookAppMismatch, "SdkAppId"},
		{"no SdkAppId", good, "", body, CodeWebhookAppMismatch, "SdkAppId"},
		{"a NUL in Sign", "a\x00b", appHeader, body, CodeWebhookSignature, "NUL"},
		{"not an event", trtcSign(trtcKey, []byte(`{"EventGroupId":1}`)), appHeader, []byte(`{"EventGroupId":1}`), CodeWebhookMalformed, "EventType"},
	} {
		_, err := c.ParseTRTCWebhook(tc.sign, tc.app, tc.body)
		if !errors.Is(err, ErrWebhook) {
			t.Errorf("%s: %v", tc.what, err)
			continue
		}
		if e := asError(t, err, tc.code); !strings.Contains(e.Message, tc.wantInText) {
			t.Errorf("%s: %v", tc.what, err)
		}
	}
}

func TestParseTRTCWebhookUnsignedAndStringRooms(t *testing.T) {
	c := trtcClient(t, map[string]any{"trtc_key": trtcKey, "require_sign": map[string]any{"trtc": false}, "dedupe_window_s": 0})
	body := trtcEvent(TRTCEventExitRoom, "room-a", 1)
	ev, err := c.ParseTRTCWebhook("", appHeader, body)
	if err != nil || ev.SignatureVerified || ev.Name != "exit_room" || ev.Room() != StringRoom("room-a") {
		t.Fatalf("%+v, %v", ev, err)
	}
	if again, _ := c.ParseTRTCWebhook("", appHeader, body); again.Duplicate {
		t.Fatal("dedupe_window_s 0 still flags duplicates")
	}
	if _, err := c.ParseTRTCWebhook("bad", appHeader, body); !errors.Is(err, ErrWebhook) {
		t.Fatalf("a Sign that is present is always checked: %v", err)
	}
	future := trtcEvent(999, 1, 2)
	if ev, err := c.ParseTRTCWebhook(trtcSign(trtcKey, future), appHeader, future); err != nil || ev.Name != "unknown" || ev.Type != 999 {
		t.Fatalf("%+v, %v", ev, err)
	}
}

func TestTRTCWebhookHandler(t *testing.T) {
	c := trtcClient(t, map[string]any{"trtc_key": trtcKey})
	got := make(chan *TRTCWebhookEvent, 4)
	srv := httptest.NewServer(c.TRTCWebhookHandler(func(ev *TRTCWebhookEvent) error {
		if ev.Type == TRTCEventChangeRole {
			return errors.New("business logic failed")
		}
		got <- ev
		return nil
	}))
	defer srv.Close()
	post := func(body []byte, sign, app string) (int, string) {
		t.Helper()
		headers := map[string]string{"Content-Type": "application/json", "Sign": sign, "SdkAppId": app}
		return httpDo(t, http.MethodPost, srv.URL+"/trtc/callback", string(body), headers)
	}
	body := []byte(trtcSample)
	if status, reply := post(body, trtcSign(trtcKey, body), appHeader); status != http.StatusOK || reply != `{"code":0}` {
		t.Fatalf("%d %s", status, reply)
	}
	if ev := <-got; ev.Name != "enter_room" || ev.Duplicate {
		t.Fatalf("%+v", ev)
	}
	if status, _ := post(body, trtcSign(trtcKey, body), appHeader); status != http.StatusOK {
		t.Fatalf("redelivery: %d", status)
	}
	if ev := <-got; !ev.Duplicate {
		t.Fatalf("redelivery not flagged: %+v", ev)
	}
	for _, tc := range []struct {
		body       []byte
		sign, app  string
		status     int
		notInReply string
	}{
		{body, trtcSign("wrong", body), appHeader, http.StatusUnauthorized, "HMAC"},
		{body, "", appHeader, http.StatusUnauthorized, "trtc_key"},
		{body, trtcSign(trtcKey, body), "1", http.StatusForbidden, "1400000000"},
		{[]byte("not json"), trtcSign(trtcKey, []byte("not json")), appHeader, http.StatusBadRequest, "JSON"},
		{trtcEvent(TRTCEventChangeRole, 1, 3), trtcSign(trtcKey, trtcEvent(TRTCEventChangeRole, 1, 3)), appHeader, http.StatusInternalServerError, "business"},
	} {
		status, reply := post(tc.body, tc.sign, tc.app)
		if status != tc.status || strings.Contains(reply, tc.notInReply) {
			t.Errorf("%d %s, want %d without %q", status, reply, tc.status, tc.notInReply)
		}
	}
	if status, _ := httpDo(t, http.MethodGet, srv.URL+"/trtc/callback", "", nil); status != http.StatusMethodNotAllowed {
		t.Fatalf("GET: %d", status)
	}
	if status, _ := post([]byte(strings.Repeat(" ", MaxWebhookBody+1)), "x", appHeader); status != http.StatusRequestEntityTooLarge {
		t.Fatalf("large: %d", status)
	}
}

func TestParseTRTCWebhookRequest(t *testing.T) {
	c := trtcClient(t, map[string]any{"trtc_key": trtcKey})
	body := trtcEvent(TRTCEventDismissRoom, 777, 42)
	r := httptest.NewRequest(http.MethodPost, "/trtc", strings.NewReader(string(body)))
	r.Header.Set("sign", trtcSign(trtcKey, body)) // header names are case-insensitive
	r.Header.Set("sdkappid", appHeader)
	ev, err := c.ParseTRTCWebhookRequest(r)
	if err != nil || ev.Name != "dismiss_room" || ev.Room() != NumericRoom(777) {
		t.Fatalf("%+v, %v", ev, err)
	}
}
