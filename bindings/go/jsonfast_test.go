package tccall

// The hand-written JSON of jsonfast.go against encoding/json: the requests' bytes must be
// exactly what json.Marshal wrote for them, and the decoders must give what json.Unmarshal
// gives.

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"math/rand"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"
)

// jsonStrings are strings that exercise every escape: HTML, controls, quotes, U+2028,
// non-ASCII, invalid UTF-8, NUL.
var jsonStrings = []string{"", "alice", `a"b\c`, "<script>&amp;</script>", "\x00\x01\b\f\n\r\t\x1f\x7f",
	"\u2028\u2029", "é中文😀", "\xff\xfe", "a\xc3", "\xed\xa0\x80", "tab\there", "/slash/"}

// randomStrings adds random byte and rune strings to jsonStrings.
func randomStrings() []string {
	r := rand.New(rand.NewSource(14))
	out := append([]string(nil), jsonStrings...)
	for i := 0; i < 2000; i++ {
		b := make([]byte, r.Intn(24))
		if i%2 == 0 {
			r.Read(b)
		} else {
			b = b[:0]
			for j := r.Intn(12); j > 0; j-- {
				b = utf8.AppendRune(b, rune(r.Intn(0x30000)))
			}
		}
		out = append(out, string(b))
	}
	return out
}

func TestAppendStringIsJSONMarshal(t *testing.T) {
	for _, s := range randomStrings() {
		want, _ := json.Marshal(s)
		if got := appendString(nil, s); !bytes.Equal(got, want) {
			t.Fatalf("%q: got %s, want %s", s, got, want)
		}
	}
}

func TestReadStringIsJSONUnmarshal(t *testing.T) {
	texts := []string{`"\ud83d\ude00"`, `"\ud83d"`, `"\ud83dx"`, `"\ud83d\u0041"`, `"\ude00\ud83d"`, `"\/\"\\\b\f\n\r\t"`,
		`"\u00e9\u4E2D"`, `"a\u0000b"`, `"\ud83d\ud83d\ude00"`}
	for _, s := range randomStrings() {
		b, _ := json.Marshal(s)
		texts = append(texts, string(b))
	}
	for _, text := range texts {
		var want, got string
		if err := json.Unmarshal([]byte(text), &want); err != nil {
			t.Fatalf("%s: %v", text, err)
		}
		if !readString([]byte(text), &got) || got != want {
			t.Fatalf("%s: got %q, want %q", text, got, want)
		}
	}
	for _, bad := range []string{`"\x"`, `"\u12"`, `"a`, `a"`, "\"\\n\x01\"", `"\"`} {
		var s string
		if readString([]byte(bad), &s) {
			t.Errorf("%s read as %q", bad, s)
		}
	}
}

// The typed requests' JSON, next to what json.Marshal made of them before.
func TestRequestsAreWhatJSONMarshalWrote(t *testing.T) {
	type userSigWireBefore struct {
		UserSigRequest
		UserBuf *string `json:"userbuf_b64,omitempty"`
	}
	check := func(a jsonAppender, before any) {
		t.Helper()
		want, err := json.Marshal(before)
		if err != nil {
			t.Fatal(err)
		}
		got, err := a.appendJSON(nil)
		if err != nil || !bytes.Equal(got, want) {
			t.Fatalf("got %s (%v), want %s", got, err, want)
		}
	}
	for _, s := range jsonStrings {
		for _, buf := range [][]byte{nil, {}, []byte("buf\x00\xff")} {
			req := UserSigRequest{UserID: s, Expire: int64(len(s)), UserBuf: buf, Time: 1700000000}
			before := userSigWireBefore{UserSigRequest: req}
			if buf != nil {
				b64 := base64.StdEncoding.EncodeToString(buf)
				before.UserBuf = &b64
			}
			check((*userSigWire)(&req), before)
		}
		check(&oneField{"CallId", s}, map[string]string{"CallId": s})
		for _, room := range []Room{NumericRoom(1234), StringRoom(s), {}, NewRoom("99999999999999999999", RoomIDNumeric)} {
			req := newRoomRequest(room)
			check(&req, req)
			mute, user := MuteAudio, s
			req.UserIDs, req.UserID, req.IsMute = []string{s, "b"}, &user, &mute
			check(&req, req)
		}
		for _, params := range []any{nil, map[string]any{"SdkAppId": 1400000000, "RoomId": uint64(424242), s: s, "f": 1.5,
			"n": nil, "b": true, "nested": map[string]any{"z": []int{1}, "a": int64(-1)}}, map[string]string{s: s},
			map[string]any(nil), struct{ X string }{s}, json.RawMessage(`{"a" : 1}`), s} {
			req := SignCloudAPIRequest{CloudAPIRequest: CloudAPIRequest{Service: s, Action: "DismissRoom", Region: s,
				Params: params, Endpoint: s}, Timestamp: 17, Body: s}
			check(&req, req)
			check(&req.CloudAPIRequest, req.CloudAPIRequest)
			req.Version, req.Service = "2019-07-22", ""
			check(&req, req)
			check(&imRequest{Path: s, Body: params}, imRequest{Path: s, Body: params})
		}
	}
	if _, err := (&imRequest{Path: "p", Body: map[string]any{"f": func() {}}}).appendJSON(nil); err == nil {
		t.Fatal("a func marshalled")
	}
}

// The hand decoders give what json.Unmarshal gives, and refuse what they do not expect.
func TestDecodersAreJSONUnmarshal(t *testing.T) {
	check := func(text string, fresh func() any) {
		t.Helper()
		want, got := fresh(), fresh()
		if err := json.Unmarshal([]byte(text), want); err != nil {
			t.Fatalf("%s: %v", text, err)
		}
		if !got.(jsonDecoder).decodeJSON([]byte(text)) {
			t.Fatalf("%s: not decoded", text)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("%s: got %+v, want %+v", text, got, want)
		}
	}
	check(`{"usersig":"eJyrVgrx_-","expire_at":1811641844}`, func() any { return new(UserSig) })
	check(`{"usersig":"","expire_at":-7}`, func() any { return new(UserSig) })
	check(`{"usersig":"a\"b","expire_at":1}`, func() any { return new(UserSig) })
	check(`{"usersig":"a\\","expire_at":1}`, func() any { return new(UserSig) })
	check(`{"usersig":"x","expire_at":1234567890123456789}`, func() any { return new(UserSig) })
	check(`{"usersig":"x","expire_at":1,"more":[2]}`, func() any { return new(UserSig) })
	check(` { "expire_at" : -1 , "usersig" : "a\"b" , "extra": [1, {"x": "}"}], "n": null } `, func() any { return new(UserSig) })
	check(`{"RequestId":"r-1","already_ended":true}`, func() any { return new(Result) })
	check(`{"RequestId":null}`, func() any { return new(Result) })
	check(`{}`, func() any { return new(Result) })
	check(`{"method":"POST","url":"http://127.0.0.1:9/","headers":{"Content-Type":"application/json","X-TC-Action":"DismissRoom"},`+
		`"body":"{\"SdkAppId\": 1400000000, \"RoomId\": 424242}"}`, func() any { return new(SignedRequest) })
	check(`{"method":"POST","headers":null}`, func() any { return new(SignedRequest) })
	check(`{"code":302,"name":"TCCALL_E_NOT_FOUND","message":"room \u00e9","service_code":"FailedOperation.RoomNotExist",`+
		`"service_message":"m","request_id":"r","http_status":200,"retryable":false,"attempts":1}`, func() any { return new(errorJSON) })
	check(`{"code":201,"name":"N","message":"m","service_code":70001,"service_message":null,"request_id":null,`+
		`"http_status":null,"retryable":true,"attempts":null}`, func() any { return new(errorJSON) })
	for _, bad := range []string{``, `[]`, `{"usersig":1}`, `{"expire_at":"1"}`, `{"expire_at":1.5}`, `{"expire_at":1e3}`,
		`{"us\u0065rsig":"x"}`, `{"usersig":"x"`, `{"usersig":"x",}`, `{"usersig" "x"}`, `{"usersig":"x"} x`,
		`{"usersig":"x","expire_at":1}x`, `{"usersig":"x","expire_at":1.5}`, `{"usersig":"x","expire_at":-}`,
		`{"usersig":"x","expire_at":12345678901234567890}`, `{"usersig":"x,"expire_at":1}`} {
		if new(UserSig).decodeJSON([]byte(bad)) {
			t.Errorf("%s decoded", bad)
		}
	}
}

// An error whose JSON the fast decoder leaves alone still comes out as encoding/json reads it.
func TestParseErrorFallsBack(t *testing.T) {
	e := parseError(302, []byte(`{"co\u0064e":302,"name":"TCCALL_E_NOT_FOUND","message":"gone","http_status":200}`))
	if e.Code != 302 || e.Message != "gone" || e.HTTPStatus != 200 {
		t.Fatalf("%+v", e)
	}
	e = parseError(901, []byte("not json"))
	if e.Code != 901 || e.Message != "not json" {
		t.Fatalf("%+v", e)
	}
}

// A map that contains itself is an error, as with encoding/json, not a stack overflow.
func TestAppendValueCycleIsAnError(t *testing.T) {
	m := map[string]any{}
	m["self"] = m
	if _, err := (&CloudAPIRequest{Action: "X", Params: m}).appendJSON(nil); err == nil {
		t.Fatal("a self-referencing map was encoded")
	}
}

// Call takes the hand-written path only for the package's own request types: a nil pointer
// is refused by the library as encoding/json's null, and a type embedding a request keeps
// its own fields.
func TestCallRequestsOutsideTheFastPath(t *testing.T) {
	c := localClient(t)
	if _, err := c.Call(context.Background(), "sign_cloud_api_request", (*SignCloudAPIRequest)(nil)); err == nil {
		t.Fatal("a nil request was signed")
	}
	type withTimestamp struct {
		CloudAPIRequest
		Timestamp int64 `json:"timestamp"`
	}
	req := &withTimestamp{CloudAPIRequest{Action: "DescribeRoomInfo", Params: map[string]any{"SdkAppId": 1}}, 1700000000}
	raw, err := c.Call(context.Background(), "sign_cloud_api_request", req)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(raw), `"X-TC-Timestamp":"1700000000"`) {
		t.Fatalf("the embedding type's timestamp was dropped: %s", raw)
	}
}
