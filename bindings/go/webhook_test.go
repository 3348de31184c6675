package tccall

import (
	"crypto/sha256"
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

func TestParseWebhookRequest(t *testing.T) {
	c := localClient(t)
	r := httptest.NewRequest(http.MethodPost, "/cb?"+endCallQuery, strings.NewReader(endCallBody))
	ev, err := c.ParseWebhookRequest(r)
	if err != nil || ev.Command != CommandAfterEndCall {
		t.Fatalf("%+v, %v", ev, err)
	}
}
