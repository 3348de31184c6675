package tccall

import (
	"encoding/json"
	"testing"
)

func TestRoomValues(t *testing.T) {
	cases := []struct {
		room Room
		str  string
		kind RoomIDType
		req  string // the room's fields in a request
		obj  string // MarshalJSON
	}{
		{NumericRoom(1234), "1234", RoomIDNumeric, `{"RoomId":1234,"RoomIdType":1}`, `{"RoomId":"1234","RoomIdType":1}`},
		{StringRoom("1234"), `"1234"`, RoomIDString, `{"RoomId":"1234","RoomIdType":2}`, `{"RoomId":"1234","RoomIdType":2}`},
		{NewRoom("4321", RoomIDNumeric), "4321", RoomIDNumeric, `{"RoomId":4321,"RoomIdType":1}`, `{"RoomId":"4321","RoomIdType":1}`},
		{NewRoom("r", 0), `"r"`, 0, `{"RoomId":"r"}`, `{"RoomId":"r"}`},
		{NewRoom("", RoomIDNumeric), "no room", 0, `{}`, `null`},
	}
	for _, tc := range cases {
		if tc.room.String() != tc.str || tc.room.Type() != tc.kind {
			t.Errorf("%#v: String %q Type %d", tc.room, tc.room.String(), tc.room.Type())
		}
		if b, _ := json.Marshal(newRoomRequest(tc.room)); string(b) != tc.req {
			t.Errorf("%v request: %s, want %s", tc.room, b, tc.req)
		}
		b, _ := json.Marshal(tc.room)
		if string(b) != tc.obj {
			t.Errorf("%v JSON: %s, want %s", tc.room, b, tc.obj)
		}
		var back Room
		if err := json.Unmarshal(b, &back); err != nil || back != tc.room {
			t.Errorf("%s read back as %#v, %v", b, back, err)
		}
	}
	if NumericRoom(1234) == StringRoom("1234") {
		t.Fatal("numeric 1234 equals string \"1234\"")
	}
	if !(Room{}).IsZero() || NumericRoom(0).IsZero() {
		t.Fatal("IsZero")
	}
	// Rooms as the Call APIs and TRTC report them.
	var info CallInfoResult
	json.Unmarshal([]byte(`{"CallInfo":{"CallId":"c","RoomId":"4321","RoomIdType":1}}`), &info)
	if info.CallInfo.Room() != NumericRoom(4321) {
		t.Fatalf("%v", info.CallInfo.Room())
	}
	json.Unmarshal([]byte(`{"CallInfo":{"CallId":"c","RoomId":"","RoomIdType":0}}`), &info)
	if !info.CallInfo.Room().IsZero() {
		t.Fatalf("a call without a room: %v", info.CallInfo.Room())
	}
	if (CallRecord{RoomID: "r-1", RoomIDType: RoomIDString}).Room() != StringRoom("r-1") {
		t.Fatal("CallRecord.Room")
	}
	for in, want := range map[string]Room{
		`{"RoomId":1234}`:                   NumericRoom(1234),
		`{"RoomId":"x"}`:                    NewRoom("x", 0),
		`{"RoomId":7,"RoomIdType":2}`:       StringRoom("7"),
		`{"RoomId":null,"RoomIdType":null}`: {},
		`null`:                              {},
	} {
		var r Room
		if err := json.Unmarshal([]byte(in), &r); err != nil || r != want {
			t.Errorf("%s: %#v, %v", in, r, err)
		}
	}
	var r Room
	if err := json.Unmarshal([]byte(`{"RoomId":true}`), &r); err == nil {
		t.Error("RoomId true accepted")
	}
	if MuteNone != 0 || MuteAll != 1 || MuteAudio != 2 || MuteVideo != 3 || MuteVideo.String() != "MuteVideo" || Mute(9).String() != "Mute(9)" {
		t.Fatal("Mute values")
	}
}
