package tccall

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

const (
	endCallBody = `{"CallbackCommand":"Call.CallbackAfterEndCall","CallRecord":{"CallId":"055662e1-bc8a-469c-a334-1126c8c17d58",` +
		`"Caller_Account":"10001","MediaType":"Audio","CallType":"SingleCall","StartTime":1741231146,"EndTime":1741231296,` +
		`"AcceptTime":0,"CallResult":"NotAnswer","CalleeList_Account":["10001","user2"],"RoomId":"roomid-1434","RoomIdType":2},` +
		`"EventTime":1703589922780}`
	endCallQuery = "SdkAppid=1400000000&CallbackCommand=Call.CallbackAfterEndCall&contenttype=json&ClientIP=127.0.0.1&OptPlatform=RESTAPI"
	replyOK      = `{"ActionStatus":"OK","ErrorCode":0,"ErrorInfo":""}`
)

func TestParseWebhook(t *testing.T) {
	c := localClient(t)
	ev, err := c.ParseWebhook(endCallQuery, []byte(endCallBody))
	if err != nil {
		t.Fatal(err)
	}
	if ev.Command != CommandAfterEndCall || ev.SDKAppID != testAppID || ev.ClientIP != "127.0.0.1" ||
		ev.OptPlatform != "RESTAPI" || ev.SignatureVerified || ev.Reply != replyOK {
		t.Fatalf("%+v", ev)
	}
	var body struct {
		CallRecord CallRecord
		EventTime  int64
	}
	if err := json.Unmarshal(ev.Event, &body); err != nil {
		t.Fatal(err)
	}
	if body.CallRecord.CallID != "055662e1-bc8a-469c-a334-1126c8c17d58" || body.CallRecord.CallResult != "NotAnswer" ||
		body.EventTime != 1703589922780 || len(body.CallRecord.CalleeAccounts) != 2 {
		t.Fatalf("%+v", body)
	}

	// A leading "?" or a whole URL is accepted.
	if _, err := c.ParseWebhook("https://example.com/cb?"+endCallQuery, []byte(endCallBody)); err != nil {
		t.Fatal(err)
	}
	// Unknown commands pass through.
	ev, err = c.ParseWebhook("SdkAppid=1400000000", []byte(`{"CallbackCommand":"Call.Future","X":1}`))
	if err != nil || ev.Command != "Call.Future" || !strings.Contains(string(ev.Event), `"X":1`) {
		t.Fatalf("%+v, %v", ev, err)
	}

	_, err = c.ParseWebhook("SdkAppid=1&CallbackCommand=Call.CallbackAfterEndCall", []byte(endCallBody))
	if !errors.Is(err, ErrWebhook) {
		t.Fatalf("app mismatch: %v", err)
	}
	asError(t, err, CodeWebhookAppMismatch)
	_, err = c.ParseWebhook("CallbackCommand=Call.CallbackAfterEndCall", []byte(endCallBody))
	asError(t, err, CodeWebhookAppMismatch)
	_, err = c.ParseWebhook("SdkAppid=1400000000", []byte{0xff})
	asError(t, err, CodeWebhookMalformed)
	_, err = c.ParseWebhook("SdkAppid=1400000000", nil)
	asError(t, err, CodeWebhookMalformed)
	_, err = c.ParseWebhook("SdkAppid=1400000000", []byte(`{"CallbackCommand":"Call.CallbackAfterEndCall"}`))
	if e := asError(t, err, CodeWebhookMalformed); !strings.Contains(e.Message, "CallRecord") {
		t.Fatalf("%v", err)
	}
}

func sign(token string, at int64) string {
	sum := sha256.Sum256([]byte(fmt.Sprintf("%s%d", token, at)))
	return hex.EncodeToString(sum[:])
}

func TestParseWebhookSignature(t *testing.T) {
	c, err := NewClient(map[string]any{"sdk_app_id": testAppID, "webhook": map[string]any{"token": "xxxxyyyy", "max_age_s": 60}})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	now := time.Now().Unix()
	q := func(sig string, at int64) string {
		return fmt.Sprintf("%s&Sign=%s&RequestTime=%d", endCallQuery, sig, at)
	}
	ev, err := c.ParseWebhook(q(sign("xxxxyyyy", now), now), []byte(endCallBody))
	if err != nil || !ev.SignatureVerified {
		t.Fatalf("%+v, %v", ev, err)
	}
	_, err = c.ParseWebhook(q(sign("wrong", now), now), []byte(endCallBody))
	asError(t, err, CodeWebhookSignature)
	old := now - 3600
	_, err = c.ParseWebhook(q(sign("xxxxyyyy", old), old), []byte(endCallBody))
	asError(t, err, CodeWebhookStale)

	// Tencent's Call pages never mention Sign: by default (require_sign.call false) an
	// unsigned Call webhook passes, unverified; other IM callbacks (Desk) need one.
	ev, err = c.ParseWebhook(endCallQuery, []byte(endCallBody))
	if err != nil || ev.SignatureVerified {
		t.Fatalf("%+v, %v", ev, err)
	}
	_, err = c.ParseWebhook("SdkAppid=1400000000&CallbackCommand=Desk.SessionEventNotify", []byte(`{"CallbackCommand":"Desk.SessionEventNotify"}`))
	asError(t, err, CodeWebhookSignature)
	strict, err := NewClient(map[string]any{"sdk_app_id": testAppID, "webhook": map[string]any{"token": "xxxxyyyy",
		"require_sign": map[string]any{"call": true}}})
	if err != nil {
		t.Fatal(err)
	}
	defer strict.Close()
	_, err = strict.ParseWebhook(endCallQuery, []byte(endCallBody))
	asError(t, err, CodeWebhookSignature)
}

// The same event parsed twice is flagged Duplicate the second time.
func TestParseWebhookDuplicate(t *testing.T) {
	c := localClient(t)
	first, err := c.ParseWebhook(endCallQuery, []byte(endCallBody))
	if err != nil || first.Duplicate {
		t.Fatalf("%+v, %v", first, err)
	}
	again, err := c.ParseWebhook(endCallQuery, []byte(endCallBody))
	if err != nil || !again.Duplicate {
		t.Fatalf("%+v, %v", again, err)
	}
}

func TestWebhookHandler(t *testing.T) {
	c := localClient(t)
	got := make(chan *WebhookEvent, 1)
	srv := httptest.NewServer(c.WebhookHandler(func(ev *WebhookEvent) error {
		if strings.Contains(string(ev.Event), "fail-me") {
			return errors.New("business logic failed")
		}
		got <- ev
		return nil
	}))
	defer srv.Close()

	post := func(query, body string) (int, string) {
		t.Helper()
		headers := map[string]string{"Content-Type": "application/json"}
		return httpDo(t, http.MethodPost, srv.URL+"/tencent/callback?"+query, body, headers)
	}

	status, body := post(endCallQuery, endCallBody)
	if status != http.StatusOK || body != replyOK {
		t.Fatalf("%d %s", status, body)
	}
	if ev := <-got; ev.Command != CommandAfterEndCall {
		t.Fatalf("%+v", ev)
	}

	status, body = post(strings.Replace(endCallQuery, "1400000000", "1", 1), endCallBody)
	if status != http.StatusForbidden || !strings.Contains(body, "TCCALL_E_WEBHOOK_APP_MISMATCH") {
		t.Fatalf("app mismatch: %d %s", status, body)
	}
	status, _ = post(endCallQuery, "not json")
	if status != http.StatusBadRequest {
		t.Fatalf("malformed: %d", status)
	}
	status, body = post("SdkAppid=1400000000", `{"CallbackCommand":"Call.Other","fail-me":1}`)
	if status != http.StatusInternalServerError || strings.Contains(body, "business logic") {
		t.Fatalf("handler error: %d %s", status, body)
	}
	status, _ = post(endCallQuery, strings.Repeat(" ", MaxWebhookBody+1))
	if status != http.StatusRequestEntityTooLarge {
		t.Fatalf("large: %d", status)
	}
	if status, _ := httpDo(t, http.MethodGet, srv.URL+"/?"+endCallQuery, "", nil); status != http.StatusMethodNotAllowed {
		t.Fatalf("GET: %d", status)
	}
}

// The sandbox posts the end-of-call webhook to a WebhookHandler, which verifies it.
func TestSandboxWebhookDelivery(t *testing.T) {
	c := sandboxClient(t, nil)
	webhookRoundTrip(t, sb, c, false)
}

// With a callback token, the webhook carries Sign and RequestTime and is verified.
func TestSandboxSignedWebhook(t *testing.T) {
	s := ownSandbox(t, map[string]any{"webhook_token": "callback-token"})
	webhookRoundTrip(t, s, ownClient(t, s, nil), true)
}

// webhookRoundTrip points s's call webhook at c.WebhookHandler, ends a call, and checks
// the verified event.
func webhookRoundTrip(t *testing.T, s *Sandbox, c *Client, signed bool) {
	t.Helper()
	events := make(chan *WebhookEvent, 8)
	srv := httptest.NewServer(c.WebhookHandler(func(ev *WebhookEvent) error {
		events <- ev
		return nil
	}))
	defer srv.Close()
	if _, err := c.SetCallbackConfig(bg, CallbackConfig{URL: srv.URL + "/cb", Commands: []string{CommandAfterEndCall}}); err != nil {
		t.Fatal(err)
	}
	defer c.DeleteCallbackConfig(bg)

	id := callIn(t, s, unique("a"), []string{unique("b")}, nil)
	if _, err := c.EndCall(bg, id); err != nil {
		t.Fatal(err)
	}
	deadline := time.After(10 * time.Second)
	for {
		select {
		case ev := <-events:
			var body struct{ CallRecord CallRecord }
			if err := json.Unmarshal(ev.Event, &body); err != nil {
				t.Fatal(err)
			}
			if ev.Command != CommandAfterEndCall {
				t.Fatalf("%+v", ev)
			}
			if body.CallRecord.CallID == id {
				if ev.SignatureVerified != signed {
					t.Fatalf("SignatureVerified = %v, want %v", ev.SignatureVerified, signed)
				}
				return
			}
		case <-deadline:
			t.Fatal("no webhook for the ended call")
		}
	}
}

func TestParseWebhookRequest(t *testing.T) {
	c := localClient(t)
	r := httptest.NewRequest(http.MethodPost, "/cb?"+endCallQuery, strings.NewReader(endCallBody))
	ev, err := c.ParseWebhookRequest(r)
	if err != nil || ev.Command != CommandAfterEndCall {
		t.Fatalf("%+v, %v", ev, err)
	}
}

// --- TRTC room and media callbacks ---------------------------------------------------------

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
