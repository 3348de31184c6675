package tccall

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestSandboxInfo(t *testing.T) {
	if !strings.HasPrefix(sb.BaseURL, "http://127.0.0.1:") {
		t.Fatalf("BaseURL %q", sb.BaseURL)
	}
	if sb.ClientConfig["sdk_app_id"] == nil {
		t.Fatalf("ClientConfig %v", sb.ClientConfig)
	}
	var health struct{ Ok bool }
	control(t, "GET", "/_sandbox/health", nil, &health)
	if !health.Ok {
		t.Fatal("sandbox not healthy")
	}
	_, err := sb.Control("GET", "/_sandbox/no-such-endpoint", nil)
	if !errors.Is(err, ErrInvalidArgument) || !strings.Contains(err.Error(), "404") {
		t.Fatalf("unknown endpoint: %v", err)
	}
	_, err = sb.Control("POST", "/_sandbox/calls", map[string]any{"callees": []string{"x"}})
	if e := asError(t, err, CodeInvalidRequest); !strings.Contains(e.Message, "caller is required") {
		t.Fatalf("bad control body: %v", err)
	}

	// The same control endpoints are served over HTTP under BaseURL.
	if status, _ := httpDo(t, http.MethodGet, sb.BaseURL+"/_sandbox/health", "", nil); status != http.StatusOK {
		t.Fatalf("HTTP health: %d", status)
	}
}

func TestSandboxLifecycle(t *testing.T) {
	if _, err := StartSandbox(map[string]any{"no_such_setting": 1}); !errors.Is(err, ErrInvalidArgument) {
		t.Fatalf("bad sandbox config: %v", err)
	}
	s, err := StartSandbox(`{"sdk_app_id": 1400000099}`)
	if err != nil {
		t.Fatal(err)
	}
	c, err := s.NewClient()
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if fmt.Sprint(s.ClientConfig["sdk_app_id"]) != "1400000099" {
		t.Fatalf("%v", s.ClientConfig)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if _, err := s.Control("GET", "/_sandbox/health", nil); !errors.Is(err, ErrClosed) {
		t.Fatalf("control after close: %v", err)
	}
	// The client now meets a closed port.
	if _, err := c.GetCallInfo(bg, "x"); !errors.Is(err, ErrTransport) {
		t.Fatalf("call to a stopped sandbox: %v", err)
	}
}

func TestSandboxCallLifecycle(t *testing.T) {
	c := sandboxClient(t, nil)
	alice, bob := unique("alice"), unique("bob")
	room := unique("room")
	id := createCall(t, alice, []string{bob}, room)

	info, err := c.GetCallInfo(bg, id)
	if err != nil {
		t.Fatal(err)
	}
	if info.CallInfo.CallID != id || info.CallInfo.MediaType != "Video" || info.CallInfo.RoomID != room ||
		info.CallInfo.RoomIDType != 2 || len(info.UserList) != 2 {
		t.Fatalf("%+v", info)
	}
	status := map[string]string{}
	for _, u := range info.UserList {
		status[u.UserAccount] = u.Status
	}
	if status[alice] != "Calling" || status[bob] != "Waiting" {
		t.Fatalf("members %v", status)
	}

	control(t, "POST", "/_sandbox/calls/"+id+"/members", map[string]any{"user": bob, "action": "Answer"}, nil)
	if info, err = c.GetCallInfo(bg, id); err != nil || info.UserList[1].Status != "Calling" {
		t.Fatalf("after answer: %+v, %v", info, err)
	}

	if _, err := c.EndCall(bg, id); err != nil {
		t.Fatal(err)
	}
	_, err = c.EndCall(bg, id)
	if !errors.Is(err, ErrNotFound) || !errors.Is(err, ErrService) {
		t.Fatalf("second EndCall: %v", err)
	}
	if e := asError(t, err, CodeNotFound); e.ServiceCode != "101004" || e.RequestID == "" {
		t.Fatalf("%+v", e)
	}
	if _, err := c.GetCallInfo(bg, id); !errors.Is(err, ErrNotFound) {
		t.Fatalf("info of an ended call: %v", err)
	}

	rec, err := c.GetCallRecord(bg, id)
	if err != nil {
		t.Fatal(err)
	}
	r := rec.CallRecord
	if r.CallID != id || r.CallerAccount != alice || r.CallResult != "NormalEnd" || r.AcceptTime == 0 ||
		r.CallType != "SingleCall" || len(r.CalleeAccounts) != 2 {
		t.Fatalf("%+v", r)
	}
	if _, err := c.GetCallRecord(bg, unique("nope")); !errors.Is(err, ErrNotFound) {
		t.Fatalf("missing record: %v", err)
	}

	page, err := c.SearchCallRecords(bg, CallRecordQuery{NumberPerPage: 100})
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, r := range page.CallRecordList {
		found = found || r.CallID == id
	}
	if !found || page.TotalNum < 1 {
		t.Fatalf("record %s not listed: %+v", id, page)
	}
}

func TestSandboxStartCallByRobot(t *testing.T) {
	c := sandboxClient(t, nil)
	robot, callee := unique("robot"), unique("callee")
	res, err := c.StartCallByRobot(bg, StartCallByRobotRequest{
		RobotAccount: robot, CalleeAccounts: []string{callee}, UserData: "order-42",
		CallInfo:        RobotCallInfo{MediaType: "Audio", RoomID: unique("robot-room"), RoomIDType: 2},
		OfflinePushInfo: map[string]any{"PushFlag": 0, "Title": "Incoming call"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if res.CallID == "" || len(res.CallResult) != 1 || res.CallResult[0].CalleeAccount != callee || res.CallResult[0].ResultCode != 0 {
		t.Fatalf("%+v", res)
	}
	info, err := c.GetCallInfo(bg, res.CallID)
	if err != nil || len(info.UserList) != 2 || info.UserList[0].UserAccount != robot {
		t.Fatalf("%+v, %v", info, err)
	}
	if _, err := c.EndCall(bg, res.CallID); err != nil {
		t.Fatal(err)
	}
	if rec, err := c.GetCallRecord(bg, res.CallID); err != nil || rec.CallRecord.CallResult != "Cancel" {
		t.Fatalf("%+v, %v", rec, err)
	}

	// Without Timeout and MediaType the library's defaults apply (30000 ms, Audio).
	res, err = c.StartCallByRobot(bg, StartCallByRobotRequest{RobotAccount: robot, CalleeAccounts: []string{callee}})
	if err != nil {
		t.Fatal(err)
	}
	if info, err := c.GetCallInfo(bg, res.CallID); err != nil || info.CallInfo.MediaType != "Audio" {
		t.Fatalf("%+v, %v", info, err)
	}
	c.EndCall(bg, res.CallID)
}

// 60020 (no Call package) is the app's configuration: ErrAppConfig, not retried.
func TestSandboxAppConfigError(t *testing.T) {
	c := sandboxClient(t, nil)
	control(t, "POST", "/_sandbox/faults", map[string]any{"match": "get_call_info", "kind": "im_error", "code": 60020, "count": 1}, nil)
	_, err := c.GetCallInfo(bg, unique("call"))
	if !errors.Is(err, ErrAppConfig) || !errors.Is(err, ErrService) || IsRetryable(err) {
		t.Fatalf("%v", err)
	}
	if e := asError(t, err, CodeAppConfig); e.ServiceCode != "60020" || e.Attempts != 1 {
		t.Fatalf("%+v", e)
	}
}

func TestSandboxRooms(t *testing.T) {
	c := sandboxClient(t, nil)
	num := uint64(time.Now().UnixNano()%1_000_000_000 + 1)
	control(t, "POST", "/_sandbox/rooms", map[string]any{"room_id": num, "users": []string{"a", "b", "c"}}, nil)
	if _, err := c.RemoveUsers(bg, NumericRoom(num), []string{"a", "b"}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.DismissRoom(bg, NumericRoom(num)); err != nil {
		t.Fatal(err)
	}
	_, err := c.DismissRoom(bg, NumericRoom(num))
	if !errors.Is(err, ErrNotFound) {
		t.Fatalf("second DismissRoom: %v", err)
	}
	if e := asError(t, err, CodeNotFound); e.ServiceCode != "FailedOperation.RoomNotExist" {
		t.Fatalf("%+v", e)
	}

	str := unique("room")
	control(t, "POST", "/_sandbox/rooms", map[string]any{"room_id": str, "users": []string{"x", "y"}}, nil)
	if _, err := c.RemoveUsers(bg, StringRoom(str), []string{"x"}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.DismissRoom(bg, StringRoom(str)); err != nil {
		t.Fatal(err)
	}
	if _, err := c.RemoveUsers(bg, StringRoom(str), []string{"y"}); !errors.Is(err, ErrNotFound) {
		t.Fatalf("remove from a dismissed room: %v", err)
	}
	// The same digits as a string room are a different room.
	if _, err := c.DismissRoom(bg, StringRoom(fmt.Sprint(num))); !errors.Is(err, ErrNotFound) {
		t.Fatalf("string twin: %v", err)
	}
	// The zero Room is refused before any request, naming RoomId.
	if _, err := c.DismissRoom(bg, Room{}); err == nil || !strings.Contains(err.Error(), "RoomId") {
		t.Fatalf("zero room: %v", err)
	}

	// The raw Cloud API escape hatch reaches the same emulator.
	control(t, "POST", "/_sandbox/rooms", map[string]any{"room_id": num + 1, "users": []string{"z"}}, nil)
	raw, err := c.CloudAPIRequest(bg, CloudAPIRequest{Action: "DismissRoom", Params: map[string]any{
		"SdkAppId": sb.ClientConfig["sdk_app_id"], "RoomId": num + 1}})
	if err != nil || !strings.Contains(string(raw), "RequestId") {
		t.Fatalf("%s, %v", raw, err)
	}
}

// sandboxRoom is a room of GET /_sandbox/state; RoomId is a JSON number for a numeric room.
type sandboxRoom struct {
	RoomID  any            `json:"RoomId"`
	Users   []string       `json:"users"`
	Blocked map[string]int `json:"blocked"`
}

// sandboxRooms reads the sandbox's rooms, keyed "n:1234" (numeric) or "s:1234" (string).
func sandboxRooms(t testing.TB, s *Sandbox) map[string]sandboxRoom {
	t.Helper()
	var state struct{ Rooms []sandboxRoom }
	sandboxControl(t, s, "GET", "/_sandbox/state", nil, &state)
	rooms := map[string]sandboxRoom{}
	for _, r := range state.Rooms {
		switch id := r.RoomID.(type) {
		case float64:
			rooms[fmt.Sprintf("n:%d", int64(id))] = r
		case string:
			rooms["s:"+id] = r
		}
	}
	return rooms
}

// robotCall starts a call from "robot" to "alice" in numeric room roomID (as Tencent's Call
// APIs name it: a string with RoomIdType 1) and returns its id.
func robotCall(t testing.TB, c *Client, roomID string) string {
	t.Helper()
	started, err := c.StartCallByRobot(bg, StartCallByRobotRequest{RobotAccount: "robot", CalleeAccounts: []string{"alice"},
		CallInfo: RobotCallInfo{RoomID: roomID, RoomIDType: RoomIDNumeric}})
	if err != nil {
		t.Fatal(err)
	}
	return started.CallID
}

// get_call_info reports the call's room as "4321" with RoomIdType 1: CallInfo.Room() is
// numeric room 4321, which DismissRoom dismisses, while string room "4321" stays.
func TestSandboxCallRoomGoesStraightToDismissRoom(t *testing.T) {
	s := ownSandbox(t, nil)
	c := ownClient(t, s, nil)
	id := robotCall(t, c, "4321")
	if _, ok := sandboxRooms(t, s)["n:4321"]; !ok { // a sandbox that does not create the call's room
		sandboxControl(t, s, "POST", "/_sandbox/rooms", map[string]any{"room_id": 4321, "users": []string{"robot"}}, nil)
	}
	sandboxControl(t, s, "POST", "/_sandbox/rooms", map[string]any{"room_id": "4321", "users": []string{"bystander"}}, nil)
	info, err := c.GetCallInfo(bg, id)
	if err != nil {
		t.Fatal(err)
	}
	room := info.CallInfo.Room()
	if info.CallInfo.RoomID != "4321" || info.CallInfo.RoomIDType != RoomIDNumeric || room != NumericRoom(4321) {
		t.Fatalf("%+v -> %v", info.CallInfo, room)
	}
	if _, err := c.DismissRoom(bg, room); err != nil {
		t.Fatal(err)
	}
	rooms := sandboxRooms(t, s)
	if _, ok := rooms["n:4321"]; ok {
		t.Fatalf("numeric room 4321 is still there: %+v", rooms)
	}
	if r, ok := rooms["s:4321"]; !ok || len(r.Users) != 1 || r.Users[0] != "bystander" {
		t.Fatalf("string room \"4321\" did not survive: %+v", rooms)
	}
	if _, err := c.GetCallInfo(bg, id); !errors.Is(err, ErrNotFound) {
		t.Fatalf("the call outlived its room: %v", err)
	}
	// The record names the same room.
	rec, err := c.GetCallRecord(bg, id)
	if err != nil || rec.CallRecord.Room() != room {
		t.Fatalf("%+v, %v", rec, err)
	}
	if _, err := c.DismissRoom(bg, StringRoom("4321")); err != nil {
		t.Fatal(err)
	}
}

func TestSandboxTerminateCall(t *testing.T) {
	s := ownSandbox(t, nil)
	c := ownClient(t, s, nil)
	id := robotCall(t, c, "9001")
	sandboxControl(t, s, "POST", "/_sandbox/rooms", map[string]any{"room_id": "9001", "users": []string{"bystander"}}, nil)
	res, err := c.TerminateCall(bg, id)
	if err != nil {
		t.Fatal(err)
	}
	if res.CallID != id || res.Room != NumericRoom(9001) || len(res.Members) != 2 || res.Members[0].UserAccount != "robot" {
		t.Fatalf("%+v", res)
	}
	outcomes := map[string]string{}
	for _, st := range res.Steps {
		outcomes[st.Step] = st.Outcome
		if st.RequestID == "" {
			t.Errorf("step %+v has no RequestID", st)
		}
	}
	if outcomes["get_call_info"] != "found" || outcomes["end_call"] != "ended" ||
		(outcomes["dismiss_room"] != "dismissed" && outcomes["dismiss_room"] != "already_gone") {
		t.Fatalf("%+v", res.Steps)
	}
	if _, err := c.GetCallInfo(bg, id); !errors.Is(err, ErrNotFound) {
		t.Fatalf("the call is still live: %v", err)
	}
	rooms := sandboxRooms(t, s)
	if _, ok := rooms["n:9001"]; ok {
		t.Fatal("the call's room is still there")
	}
	if _, ok := rooms["s:9001"]; !ok {
		t.Fatal("the string twin went too")
	}
	// Again: idempotent, the room from the record.
	again, err := c.TerminateCall(bg, id)
	if err != nil {
		t.Fatal(err)
	}
	if st, _ := again.Step("get_call_info"); st.Outcome != "not_found" || again.Members != nil || again.Room != NumericRoom(9001) {
		t.Fatalf("%+v", again)
	}
	if st, ok := again.Step("end_call"); !ok || st.Outcome != "already_ended" {
		t.Fatalf("%+v", again.Steps)
	}

	// KeepRoom: a room that outlives its calls stays.
	sandboxControl(t, s, "POST", "/_sandbox/rooms", map[string]any{"room_id": 5005, "users": []string{"early"}}, nil)
	kept, err := c.TerminateCall(bg, robotCall(t, c, "5005"), KeepRoom())
	if err != nil {
		t.Fatal(err)
	}
	if st, _ := kept.Step("dismiss_room"); st.Outcome != "skipped" || st.RequestID != "" || st.Reason == "" {
		t.Fatalf("%+v", kept.Steps)
	}
	if _, ok := sandboxRooms(t, s)["n:5005"]; !ok {
		t.Fatal("KeepRoom dismissed the room")
	}
	// A call never seen: nothing to do, and that is success.
	unknown, err := c.TerminateCall(bg, "no-such-call")
	if err != nil || !unknown.Room.IsZero() || unknown.Members != nil || len(unknown.Steps) != 4 {
		t.Fatalf("%+v, %v", unknown, err)
	}
	// A context already done sends nothing.
	done, cancel := context.WithCancel(bg)
	cancel()
	if _, err := c.TerminateCall(done, "x"); !errors.Is(err, context.Canceled) {
		t.Fatalf("%v", err)
	}
}

func TestSandboxBlockUser(t *testing.T) {
	c := sandboxClient(t, nil)
	num := uint64(time.Now().UnixNano()%1_000_000_000 + 1)
	twin := StringRoom(fmt.Sprint(num))
	control(t, "POST", "/_sandbox/rooms", map[string]any{"room_id": num, "users": []string{"a", "b"}}, nil)
	control(t, "POST", "/_sandbox/rooms", map[string]any{"room_id": twin.ID(), "users": []string{"a"}}, nil)
	for _, step := range []struct {
		room Room
		user string
		mute Mute
	}{{NumericRoom(num), "a", MuteAudio}, {NumericRoom(num), "b", MuteAll}, {twin, "a", MuteVideo}, {NumericRoom(num), "b", MuteNone}} {
		if _, err := c.BlockUser(bg, step.room, step.user, step.mute); err != nil {
			t.Fatalf("%v %s %v: %v", step.room, step.user, step.mute, err)
		}
	}
	rooms := sandboxRooms(t, sb)
	if n, s := rooms[fmt.Sprintf("n:%d", num)], rooms["s:"+twin.ID()]; n.Blocked != nil { // a sandbox that reports blocks
		if fmt.Sprint(n.Blocked) != "map[a:2]" || fmt.Sprint(s.Blocked) != "map[a:3]" {
			t.Fatalf("blocked: numeric %v, string %v", n.Blocked, s.Blocked)
		}
	}
	if _, err := c.BlockUser(bg, NumericRoom(num+1), "a", MuteAll); !errors.Is(err, ErrNotFound) {
		t.Fatalf("no such room: %v", err)
	}
	_, err := c.BlockUser(bg, NumericRoom(num), "a", Mute(4))
	if e := asError(t, err, CodeInvalidRequest); !strings.Contains(e.Message, "IsMute") {
		t.Fatalf("%v", err)
	}
}

func TestSandboxDesk(t *testing.T) {
	c := sandboxClient(t, nil)
	start := time.Now().Unix() - 5
	user := unique("customer")
	var s struct{ SessionId string }
	control(t, "POST", "/_sandbox/desk/sessions", map[string]any{"client_user_id": user}, &s)
	if s.SessionId == "" {
		t.Fatal("no SessionId")
	}
	state, err := c.GetDeskSessionState(bg, DeskSessionQuery{SessionID: s.SessionId})
	if err != nil || state.SessionID != s.SessionId || state.CurrentState != "Agent" || state.AgentID == "" {
		t.Fatalf("%+v, %v", state, err)
	}
	if _, err := c.EndDeskSession(bg, s.SessionId); err != nil {
		t.Fatal(err)
	}
	if _, err := c.EndDeskSession(bg, s.SessionId); !errors.Is(err, ErrNotFound) {
		t.Fatalf("second EndDeskSession: %v", err)
	}
	list, err := c.ListDeskSessions(bg, DeskSessionListQuery{StartTimestamp: start, EndTimestamp: time.Now().Unix() + 5, ClientUserID: user})
	if err != nil {
		t.Fatal(err)
	}
	if list.TotalCount != 1 || len(list.IMCdrList) != 1 || list.IMCdrList[0].SessionID != s.SessionId {
		t.Fatalf("%+v", list)
	}
}

func TestSandboxCallbackConfig(t *testing.T) {
	c := sandboxClient(t, nil)
	if _, err := c.DeleteCallbackConfig(bg); err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetCallbackConfig(bg); !errors.Is(err, ErrNotFound) {
		t.Fatalf("no config: %v", err)
	}
	want := CallbackConfig{URL: "http://127.0.0.1:9/callback", Commands: []string{CommandAfterStartCall, CommandAfterEndCall}}
	if _, err := c.SetCallbackConfig(bg, want); err != nil {
		t.Fatal(err)
	}
	got, err := c.GetCallbackConfig(bg)
	if err != nil {
		t.Fatal(err)
	}
	if got.URL != want.URL || strings.Join(got.Commands, ",") != strings.Join(want.Commands, ",") {
		t.Fatalf("%+v", got)
	}
	if _, err := c.DeleteCallbackConfig(bg); err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetCallbackConfig(bg); !errors.Is(err, ErrNotFound) {
		t.Fatalf("after delete: %v", err)
	}
}

func TestSandboxWrongSecretKeyIsAuth(t *testing.T) {
	c := sandboxClient(t, map[string]any{"secret_key": strings.Repeat("0", 64)})
	_, err := c.GetCallInfo(bg, unique("call"))
	if !errors.Is(err, ErrAuth) || errors.Is(err, ErrUserSigExpired) {
		t.Fatalf("%v", err)
	}
	asError(t, err, CodeAuthRejected)

	cloud := map[string]any{}
	for k, v := range sb.ClientConfig["cloud_api"].(map[string]any) {
		cloud[k] = v
	}
	cloud["secret_key"] = "wrong"
	c = sandboxClient(t, map[string]any{"cloud_api": cloud})
	_, err = c.DismissRoom(bg, NumericRoom(1))
	if !errors.Is(err, ErrAuth) {
		t.Fatalf("cloud api: %v", err)
	}
	if e := asError(t, err, CodeAuthRejected); !strings.HasPrefix(e.ServiceCode, "AuthFailure") {
		t.Fatalf("%+v", e)
	}
}

func TestSandboxFaults(t *testing.T) {
	c := sandboxClient(t, nil)
	id := createCall(t, unique("a"), []string{unique("b")}, nil)

	// One 502 is retried away.
	control(t, "POST", "/_sandbox/faults", map[string]any{"match": "get_call_info", "kind": "http_502", "count": 1}, nil)
	if _, err := c.GetCallInfo(bg, id); err != nil {
		t.Fatalf("502 once: %v", err)
	}
	// More 502s than attempts surface as a transport error.
	control(t, "POST", "/_sandbox/faults", map[string]any{"match": "get_call_info", "kind": "http_502", "count": 3}, nil)
	_, err := c.GetCallInfo(bg, id)
	if !errors.Is(err, ErrTransport) {
		t.Fatalf("502 x3: %v", err)
	}
	if e := asError(t, err, CodeHTTPStatus); e.HTTPStatus != 502 || e.Attempts != 3 {
		t.Fatalf("%+v", e)
	}
	// A delay past the request timeout is ErrTimeout.
	slow := sandboxClient(t, map[string]any{"timeouts": map[string]any{"request_ms": 200}, "retry": map[string]any{"max_attempts": 1}})
	control(t, "POST", "/_sandbox/faults", map[string]any{"match": "get_call_info", "kind": "delay_ms", "delay_ms": 1500, "count": 1}, nil)
	if _, err := slow.GetCallInfo(bg, id); !errors.Is(err, ErrTimeout) {
		t.Fatalf("delay: %v", err)
	}
	// Tencent's "internal error, retry" after every attempt.
	control(t, "POST", "/_sandbox/faults", map[string]any{"match": "get_call_info", "kind": "im_error", "code": 101001, "count": 3}, nil)
	if _, err := c.GetCallInfo(bg, id); !errors.Is(err, ErrServiceUnavailable) {
		t.Fatalf("101001: %v", err)
	}
	// end_call processed but unanswered: the retry finds it gone and reports AlreadyEnded.
	control(t, "POST", "/_sandbox/faults", map[string]any{"match": "end_call", "kind": "drop_after", "count": 1}, nil)
	res, err := c.EndCall(bg, id)
	if err != nil || !res.AlreadyEnded {
		t.Fatalf("drop_after: %+v, %v", res, err)
	}
	control(t, "DELETE", "/_sandbox/faults", nil, nil)

	var log struct{ Entries []json.RawMessage }
	control(t, "GET", "/_sandbox/log", nil, &log)
	if len(log.Entries) == 0 {
		t.Fatal("empty request log")
	}
}

func TestSandboxRawIMRequest(t *testing.T) {
	c := sandboxClient(t, nil)
	id := createCall(t, unique("a"), []string{unique("b")}, nil)
	raw, err := c.IMRequest(bg, "v4/call_engine_http_srv/get_call_info", map[string]string{"CallId": id})
	if err != nil || !strings.Contains(string(raw), id) {
		t.Fatalf("%s, %v", raw, err)
	}
	raw, err = c.Call(bg, "end_call", fmt.Sprintf(`{"CallId": %q}`, id))
	if err != nil || !strings.Contains(string(raw), "RequestId") {
		t.Fatalf("%s, %v", raw, err)
	}
}

// 16 goroutines share one client for mixed remote and local operations.
func TestSandboxConcurrentClient(t *testing.T) {
	c := sandboxClient(t, nil)
	var wg sync.WaitGroup
	var remote atomic.Int64
	for g := 0; g < 16; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := 0; i < 5; i++ {
				caller, callee := unique("ca"), unique("ce")
				raw, err := sb.Control("POST", "/_sandbox/calls", map[string]any{"caller": caller, "callees": []string{callee}})
				if err != nil {
					t.Error(err)
					return
				}
				var out struct{ CallId string }
				json.Unmarshal(raw, &out)
				ok := func(err error) bool {
					if err != nil && !errors.Is(err, ErrRateLimited) {
						t.Errorf("goroutine %d: %v", g, err)
						return false
					}
					if err == nil {
						remote.Add(1)
					}
					return true
				}
				if _, err := c.GetCallInfo(bg, out.CallId); !ok(err) {
					return
				}
				if _, err := c.EndCall(bg, out.CallId); !ok(err) {
					return
				}
				if _, err := c.GetCallRecord(bg, out.CallId); !ok(err) {
					return
				}
				if _, err := c.GenUserSig(UserSigRequest{UserID: caller}); err != nil {
					t.Error(err)
					return
				}
				if i == 0 {
					room := uint64(g*1000 + 7_000_000)
					if _, err := sb.Control("POST", "/_sandbox/rooms", map[string]any{"room_id": room, "users": []string{caller}}); err != nil {
						t.Error(err)
						return
					}
					if _, err := c.DismissRoom(bg, NumericRoom(room)); !ok(err) {
						return
					}
				}
			}
		}(g)
	}
	wg.Wait()
	if remote.Load() < 100 {
		t.Fatalf("only %d remote calls succeeded", remote.Load())
	}
}
