package tccall

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"runtime"
	"strings"
	"sync"
	"testing"
)

func TestVersion(t *testing.T) {
	if Version() == "" || !strings.Contains(Version(), ".") {
		t.Fatalf("Version() = %q", Version())
	}
	if LibraryABIVersion() != ABIVersion {
		t.Fatalf("library ABI %d, header %d", LibraryABIVersion(), ABIVersion)
	}
	if CodeText(CodeNotFound) == CodeText(12345) {
		t.Fatalf("CodeText(302) = %q", CodeText(CodeNotFound))
	}
}

func TestGenUserSigOfficialVector(t *testing.T) {
	// "python": zlib level 6, byte-identical to the official Python library's token.
	c := newTestClient(t, map[string]any{"sdk_app_id": testAppID, "secret_key": testKey, "usersig_compression": "python"})
	sig, err := c.GenUserSig(UserSigRequest{UserID: "xiaojun", Time: 1700000000})
	if err != nil {
		t.Fatal(err)
	}
	const want = "eJyrVgrxCdYrSy1SslJQMtIzUNJRAItkpqTmlWSmZUIkKjIT87NK82CSxSnZiQUFmSlAKUMTAyiAyqVWFGQWpYJkTE1NjRDiJZm5YFFzNPXFmekgG3zKHM1T9D3LzdODi-OKs8vCqpxcAvydnV2SSv2cy03cPcpDnA2SMgu0nUxslWoBHdYzUg__"
	if sig.UserSig != want {
		t.Fatalf("usersig = %s\nwant       %s", sig.UserSig, want)
	}
	if sig.ExpireAt != 1700000000+15552000 {
		t.Fatalf("expire_at = %d", sig.ExpireAt)
	}
	info, err := c.VerifyUserSig(VerifyUserSigRequest{UserID: "xiaojun", UserSig: sig.UserSig, Now: 1700000000})
	if err != nil || !info.Valid || info.ExpireAt != sig.ExpireAt {
		t.Fatalf("verify: %+v, %v", info, err)
	}
}

// Every official UserSig vector for the demo app (shared/vectors/official.json).
func TestGenUserSigAllOfficialVectors(t *testing.T) {
	data, err := os.ReadFile("../../../shared/vectors/official.json")
	if err != nil {
		t.Skipf("official vectors not available: %v", err)
	}
	var file struct {
		UserSig []struct {
			ID     string `json:"id"`
			Inputs struct {
				Key        string  `json:"key"`
				SDKAppID   uint64  `json:"sdkappid"`
				Identifier string  `json:"identifier"`
				Expire     int64   `json:"expire"`
				Time       int64   `json:"time"`
				UserBufB64 *string `json:"userbuf_b64"`
			} `json:"inputs"`
			Expected struct {
				UserSig string `json:"usersig"`
			} `json:"expected"`
		} `json:"usersig"`
	}
	if err := json.Unmarshal(data, &file); err != nil {
		t.Fatal(err)
	}
	checked := 0
	for _, v := range file.UserSig {
		in := v.Inputs
		if in.Identifier == "" {
			continue // tccall refuses empty user ids
		}
		c, err := NewClient(map[string]any{"sdk_app_id": in.SDKAppID, "secret_key": in.Key, "usersig_compression": "python"})
		if err != nil {
			t.Fatalf("%s: %v", v.ID, err)
		}
		req := UserSigRequest{UserID: in.Identifier, Expire: in.Expire, Time: in.Time}
		if in.UserBufB64 != nil {
			if req.UserBuf, err = base64.StdEncoding.DecodeString(*in.UserBufB64); err != nil {
				t.Fatal(err)
			}
		}
		sig, err := c.GenUserSig(req)
		c.Close()
		if err != nil {
			t.Fatalf("%s: %v", v.ID, err)
		}
		if sig.UserSig != v.Expected.UserSig {
			t.Errorf("%s: usersig %s, want %s", v.ID, sig.UserSig, v.Expected.UserSig)
		}
		checked++
	}
	if checked < 5 {
		t.Fatalf("only %d vectors checked", checked)
	}
}

func TestVerifyUserSigErrors(t *testing.T) {
	c := localClient(t)
	sig, err := c.GenUserSig(UserSigRequest{UserID: "alice", Expire: 60, Time: 1000, UserBuf: []byte("buf")})
	if err != nil {
		t.Fatal(err)
	}
	info, err := c.VerifyUserSig(VerifyUserSigRequest{UserID: "alice", UserSig: sig.UserSig, Now: 1060})
	if err != nil || info.ExpireAt != 1060 || string(info.UserBuf) != "buf" {
		t.Fatalf("verify: %+v, %v", info, err)
	}

	_, err = c.VerifyUserSig(VerifyUserSigRequest{UserID: "alice", UserSig: sig.UserSig, Now: 1061})
	if !errors.Is(err, ErrUserSigExpired) || !errors.Is(err, ErrAuth) || errors.Is(err, ErrUserSigInvalid) {
		t.Fatalf("expired: %v", err)
	}
	asError(t, err, CodeUserSigExpired)

	for _, req := range []VerifyUserSigRequest{
		{UserID: "bob", UserSig: sig.UserSig, Now: 1000},
		{UserID: "alice", UserSig: "garbage", Now: 1000},
	} {
		_, err = c.VerifyUserSig(req)
		if !errors.Is(err, ErrUserSigInvalid) || !errors.Is(err, ErrAuth) {
			t.Fatalf("%+v: %v", req, err)
		}
	}
}

func TestGenPrivateMapKey(t *testing.T) {
	c := localClient(t)
	pmk, err := c.GenPrivateMapKey(PrivateMapKeyRequest{UserID: "u1", RoomID: 1234, PrivilegeMap: 42, Expire: 300, Time: 1000})
	if err != nil || pmk.ExpireAt != 1300 || pmk.PrivateMapKey == "" {
		t.Fatalf("%+v, %v", pmk, err)
	}
	info, err := c.VerifyUserSig(VerifyUserSigRequest{UserID: "u1", UserSig: pmk.PrivateMapKey, Now: 1000})
	if err != nil || len(info.UserBuf) == 0 {
		t.Fatalf("verify pmk: %+v, %v", info, err)
	}
	if _, err := c.GenPrivateMapKey(PrivateMapKeyRequest{UserID: "u1", RoomStr: "room-a"}); err != nil {
		t.Fatal(err)
	}
	_, err = c.GenPrivateMapKey(PrivateMapKeyRequest{UserID: "u1"})
	if !errors.Is(err, ErrInvalidArgument) {
		t.Fatalf("no room: %v", err)
	}
}

func TestInvalidRequests(t *testing.T) {
	c := localClient(t)
	_, err := c.StartCallByRobot(bg, StartCallByRobotRequest{RobotAccount: "robot", CalleeAccounts: []string{"a"}, Timeout: 5})
	if !errors.Is(err, ErrInvalidArgument) {
		t.Fatalf("timeout 5: %v", err)
	}
	e := asError(t, err, CodeInvalidRequest)
	if e.Name != "TCCALL_E_INVALID_REQUEST" || !strings.Contains(e.Message, "Timeout") {
		t.Fatalf("message does not name the field: %+v", e)
	}

	users := make([]string, 11)
	for i := range users {
		users[i] = fmt.Sprintf("u%d", i)
	}
	_, err = c.RemoveUsers(bg, NumericRoom(1), users)
	if e := asError(t, err, CodeInvalidRequest); !strings.Contains(e.Message, "UserIds") {
		t.Fatalf("11 users: %v", err)
	}
	_, err = c.RemoveUsers(bg, StringRoom("r"), nil)
	if e := asError(t, err, CodeInvalidRequest); !strings.Contains(e.Message, "UserIds") {
		t.Fatalf("no users: %v", err)
	}
	_, err = c.StartCallByRobot(bg, StartCallByRobotRequest{RobotAccount: "robot", CalleeAccounts: []string{"a"},
		CallInfo: RobotCallInfo{MediaType: "Hologram"}})
	if e := asError(t, err, CodeInvalidRequest); !strings.Contains(e.Message, "CallInfo.MediaType") {
		t.Fatalf("media type: %v", err)
	}
	_, err = c.Call(bg, "end_call", map[string]any{"CallId": "x", "Unknown": 1})
	if e := asError(t, err, CodeInvalidRequest); !strings.Contains(e.Message, "Unknown") {
		t.Fatalf("unknown field: %v", err)
	}
	_, err = c.Call(bg, "end_call", `{"CallId":`)
	asError(t, err, CodeInvalidJSON)
	_, err = c.Call(bg, "no_such_op", struct{}{})
	if !errors.Is(err, ErrInvalidArgument) || !strings.Contains(err.Error(), "no_such_op") {
		t.Fatalf("unknown op: %v", err)
	}
	_, err = c.Call(bg, "end_call", "{\"CallId\": \"a\x00b\"}")
	asError(t, err, CodeInvalidJSON)
}

func TestNewClientConfigForms(t *testing.T) {
	type config struct {
		SDKAppID  uint64 `json:"sdk_app_id"`
		SecretKey string `json:"secret_key"`
	}
	text := `{"sdk_app_id": 1400000000, "secret_key": "` + testKey + `"}`
	for _, cfg := range []any{
		map[string]any{"sdk_app_id": testAppID, "secret_key": testKey},
		config{testAppID, testKey},
		&config{testAppID, testKey},
		text,
		[]byte(text),
		json.RawMessage(text),
	} {
		c, err := NewClient(cfg)
		if err != nil {
			t.Fatalf("%T: %v", cfg, err)
		}
		if _, err := c.GenUserSig(UserSigRequest{UserID: "u"}); err != nil {
			t.Fatalf("%T: %v", cfg, err)
		}
		c.Close()
	}
}

func TestBadConfig(t *testing.T) {
	_, err := NewClient(map[string]any{"sdk_app_id": "nope"})
	if !errors.Is(err, ErrInvalidArgument) {
		t.Fatalf("%v", err)
	}
	asError(t, err, CodeInvalidConfig)
	_, err = NewClient("{not json")
	asError(t, err, CodeInvalidJSON)
	_, err = NewClient(map[string]any{"sdk_app_id": 1, "bad": func() {}})
	asError(t, err, CodeInvalidJSON)
}

func TestMissingCredentialIsAConfigError(t *testing.T) {
	c, err := NewClient(map[string]any{"sdk_app_id": testAppID, "secret_key": testKey})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_, err = c.DismissRoom(bg, NumericRoom(1234))
	e := asError(t, err, CodeInvalidConfig)
	if !strings.Contains(e.Message, "cloud_api.secret_id is required for dismiss_room") {
		t.Fatalf("%v", err)
	}
}

func TestConnectionRefusedIsTransport(t *testing.T) {
	c := localClient(t)
	_, err := c.EndCall(bg, "c1")
	if !errors.Is(err, ErrTransport) || errors.Is(err, ErrTimeout) || errors.Is(err, ErrService) {
		t.Fatalf("%v", err)
	}
	e := asError(t, err, CodeConnect)
	if !e.Retryable || !IsRetryable(err) || e.Attempts != 1 {
		t.Fatalf("%+v", e)
	}
	_, err = c.DismissRoom(bg, StringRoom("room-a"))
	asError(t, err, CodeConnect)
}

func TestSignRequests(t *testing.T) {
	c := localClient(t)
	im, err := c.SignIMRequest("v4/openim/querystate", map[string]any{"To_Account": []string{"u1"}})
	if err != nil {
		t.Fatal(err)
	}
	if im.Method != "POST" || !strings.Contains(im.URL, "v4/openim/querystate") || !strings.Contains(im.URL, "usersig=") ||
		!strings.Contains(im.Body, "To_Account") {
		t.Fatalf("%+v", im)
	}
	api, err := c.SignCloudAPIRequest(SignCloudAPIRequest{
		CloudAPIRequest: CloudAPIRequest{Action: "DescribeRoomInfo", Region: "ap-guangzhou",
			Params: map[string]any{"SdkAppId": testAppID}},
		Timestamp: 1700000000,
	})
	if err != nil {
		t.Fatal(err)
	}
	if api.Headers["X-TC-Action"] != "DescribeRoomInfo" || !strings.HasPrefix(api.Headers["Authorization"], "TC3-HMAC-SHA256 ") ||
		api.Headers["X-TC-Timestamp"] != "1700000000" {
		t.Fatalf("%+v", api)
	}
	// The same request signed twice at the same time is identical.
	again, _ := c.SignCloudAPIRequest(SignCloudAPIRequest{
		CloudAPIRequest: CloudAPIRequest{Action: "DescribeRoomInfo", Region: "ap-guangzhou",
			Params: map[string]any{"SdkAppId": testAppID}},
		Timestamp: 1700000000,
	})
	if again.Headers["Authorization"] != api.Headers["Authorization"] {
		t.Fatalf("signing is not deterministic")
	}
	// Service and version left empty are the library's: trtc, 2019-07-22.
	if api.Headers["X-TC-Version"] != "2019-07-22" || !strings.Contains(api.Headers["Authorization"], "/trtc/tc3_request") {
		t.Fatalf("%+v", api.Headers)
	}
}

// Requests and answers of every size around the call buffer's (2 KiB to start, then grown,
// up to 64 KiB kept in the pool) come through whole: an answer copied into the buffer over
// its request, one too long for it taken from the library, and the buffer reused after.
func TestAnswersOfEverySize(t *testing.T) {
	c := localClient(t)
	for _, n := range []int{0, 1500, 1900, 2000, 2047, 2100, 4000, 5000, 70000, 10, 3000, 200000, 100} {
		body := `{"Pad":"` + strings.Repeat("x", n) + `"}`
		api, err := c.SignCloudAPIRequest(SignCloudAPIRequest{CloudAPIRequest: CloudAPIRequest{Action: "DescribeRoomInfo"},
			Timestamp: 1700000000, Body: body})
		if err != nil {
			t.Fatalf("%d: %v", n, err)
		}
		if api.Body != body || api.Headers["X-TC-Action"] != "DescribeRoomInfo" {
			t.Fatalf("%d: body of %d bytes, headers %v", n, len(api.Body), api.Headers)
		}
		field := "Unknown" + strings.Repeat("y", n)
		_, err = c.Call(bg, "end_call", map[string]any{"CallId": "x", field: 1})
		if e := asError(t, err, CodeInvalidRequest); n < 3000 && !strings.Contains(e.Message, field) {
			t.Fatalf("%d: %v", n, e.Message)
		}
	}
}

// Optional fields left zero are left out of the request: the library fills its defaults
// (the wrapper keeps none of its own).
func TestRequestsCarryNoDefaultsOfTheWrapper(t *testing.T) {
	for _, tc := range []struct {
		req  any
		want string
	}{
		{StartCallByRobotRequest{RobotAccount: "r", CalleeAccounts: []string{"a"}},
			`{"Robot_Account":"r","CalleeList_Account":["a"],"CallInfo":{}}`},
		{CloudAPIRequest{Action: "DismissRoom"}, `{"action":"DismissRoom"}`},
		{PrivateMapKeyRequest{UserID: "u", RoomID: 1}, `{"user_id":"u","room_id":1}`},
	} {
		b, err := json.Marshal(tc.req)
		if err != nil || string(b) != tc.want {
			t.Errorf("%T: %s, %v; want %s", tc.req, b, err, tc.want)
		}
	}
	c := localClient(t)
	deflt, err := c.GenPrivateMapKey(PrivateMapKeyRequest{UserID: "u", RoomID: 1, Time: 1000})
	if err != nil {
		t.Fatal(err)
	}
	all, _ := c.GenPrivateMapKey(PrivateMapKeyRequest{UserID: "u", RoomID: 1, Time: 1000, PrivilegeMap: 255})
	if deflt.PrivateMapKey != all.PrivateMapKey {
		t.Fatal("the default privilege_map is not 255")
	}
}

func TestErrorIs(t *testing.T) {
	cases := []struct {
		code int
		is   []error
		not  []error
	}{
		{101, []error{ErrInvalidArgument}, []error{ErrClosed, ErrTransport, ErrInternal}},
		{104, []error{ErrInvalidArgument}, []error{ErrService}},
		{201, []error{ErrTransport, ErrTimeout}, []error{ErrService}},
		{205, []error{ErrTransport}, []error{ErrTimeout}},
		{301, []error{ErrService}, []error{ErrNotFound}},
		{302, []error{ErrService, ErrNotFound}, []error{ErrRateLimited}},
		{303, []error{ErrService, ErrRateLimited}, []error{ErrNotFound}},
		{304, []error{ErrService, ErrServiceUnavailable}, []error{ErrAuth}},
		{306, []error{ErrService, ErrAppConfig}, []error{ErrServiceUnavailable, ErrNotFound}},
		{401, []error{ErrAuth}, []error{ErrUserSigExpired, ErrUserSigInvalid}},
		{402, []error{ErrAuth, ErrUserSigExpired}, []error{ErrUserSigInvalid}},
		{403, []error{ErrAuth, ErrUserSigInvalid}, []error{ErrUserSigExpired}},
		{503, []error{ErrWebhook}, []error{ErrAuth}},
		{901, []error{ErrInternal}, []error{ErrService, ErrWebhook}},
	}
	for _, tc := range cases {
		err := fmt.Errorf("wrapped: %w", parseError(tc.code, []byte(fmt.Sprintf(
			`{"code":%d,"name":"X","message":"m","service_code":"101004","service_message":"sm",`+
				`"request_id":"Id-1","http_status":200,"retryable":true,"attempts":3}`, tc.code))))
		for _, s := range tc.is {
			if !errors.Is(err, s) {
				t.Errorf("code %d is not %v", tc.code, s)
			}
		}
		for _, s := range tc.not {
			if errors.Is(err, s) {
				t.Errorf("code %d is %v", tc.code, s)
			}
		}
		var e *Error
		if !errors.As(err, &e) || e.ServiceCode != "101004" || e.ServiceMessage != "sm" || e.RequestID != "Id-1" ||
			e.HTTPStatus != 200 || !e.Retryable || e.Attempts != 3 {
			t.Errorf("parsed %+v", e)
		}
	}
	// Nulls, a numeric service code, and an unreadable error JSON.
	e := parseError(302, []byte(`{"code":302,"name":"TCCALL_E_NOT_FOUND","message":"gone","service_code":101004,`+
		`"service_message":null,"request_id":null,"http_status":null,"retryable":false,"attempts":null}`))
	if e.ServiceCode != "101004" || e.RequestID != "" || e.HTTPStatus != 0 || e.Attempts != 0 {
		t.Errorf("%+v", e)
	}
	if e.Error() != "tccall: TCCALL_E_NOT_FOUND (302): gone [service_code 101004]" {
		t.Errorf("Error() = %q", e.Error())
	}
	if e := parseError(201, nil); e.Code != 201 || e.Message == "" || !errors.Is(e, ErrTimeout) {
		t.Errorf("%+v", e)
	}
	if ErrNotFound.Error() != "tccall: not found or already ended" {
		t.Errorf("%q", ErrNotFound.Error())
	}
}

func TestCloseSemantics(t *testing.T) {
	c, err := NewClient(map[string]any{"sdk_app_id": testAppID, "secret_key": testKey})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	_, err = c.GenUserSig(UserSigRequest{UserID: "u"})
	if !errors.Is(err, ErrClosed) || !errors.Is(err, ErrInvalidArgument) || !strings.Contains(err.Error(), "closed") {
		t.Fatalf("%v", err)
	}
	_, err = c.ParseWebhook("SdkAppid=1400000000", []byte(`{}`))
	if !errors.Is(err, ErrClosed) {
		t.Fatalf("%v", err)
	}
	// An error of the same code that is not about closing is not ErrClosed.
	if errors.Is(parseError(101, nil), ErrClosed) {
		t.Fatal("code 101 matched ErrClosed")
	}
}

// Close while other goroutines call: every call either succeeds or reports ErrClosed.
func TestCloseWhileCalling(t *testing.T) {
	c, err := NewClient(map[string]any{"sdk_app_id": testAppID, "secret_key": testKey})
	if err != nil {
		t.Fatal(err)
	}
	closeWhileCalling(t, 8, func() error {
		_, err := c.GenUserSig(UserSigRequest{UserID: "u"})
		return err
	}, func() { c.Close() })
}

// A client dropped without Close is freed by its finalizer.
func TestFinalizer(t *testing.T) {
	for i := 0; i < 50; i++ {
		if _, err := NewClient(map[string]any{"sdk_app_id": testAppID, "secret_key": testKey}); err != nil {
			t.Fatal(err)
		}
	}
	for i := 0; i < 3; i++ {
		runtime.GC()
	}
}

// 16 goroutines share one client for every local operation.
func TestConcurrentLocalOperations(t *testing.T) {
	c := localClient(t)
	body := []byte(`{"CallbackCommand":"Call.CallbackAfterEndCall","CallRecord":{"CallId":"c1"}}`)
	var wg sync.WaitGroup
	for g := 0; g < 16; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			user := fmt.Sprintf("user%d", g)
			for i := 0; i < 50; i++ {
				sig, err := c.GenUserSig(UserSigRequest{UserID: user, Expire: 3600})
				if err != nil {
					t.Error(err)
					return
				}
				if _, err := c.VerifyUserSig(VerifyUserSigRequest{UserID: user, UserSig: sig.UserSig}); err != nil {
					t.Error(err)
					return
				}
				switch i % 4 {
				case 0:
					_, err = c.GenPrivateMapKey(PrivateMapKeyRequest{UserID: user, RoomID: uint32(g + 1)})
				case 1:
					_, err = c.ParseWebhook("SdkAppid=1400000000&CallbackCommand=Call.CallbackAfterEndCall", body)
				case 2:
					_, err = c.SignIMRequest("v4/openim/querystate", nil)
				case 3:
					_, err = c.VerifyUserSig(VerifyUserSigRequest{UserID: "other", UserSig: sig.UserSig})
					if errors.Is(err, ErrUserSigInvalid) {
						err = nil
					}
				}
				if err != nil {
					t.Error(err)
					return
				}
			}
		}(g)
	}
	wg.Wait()
}
