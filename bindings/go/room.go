//go:build cgo

package tccall

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
)

// RoomIDType is the kind of a TRTC room, as the Call APIs report it next to a RoomId.
type RoomIDType int

const (
	// RoomIDNumeric is a numeric room (Cloud API DismissRoom, RemoveUser, SetUserBlocked).
	RoomIDNumeric RoomIDType = 1
	// RoomIDString is a string room (DismissRoomByStrRoomId, RemoveUserByStrRoomId, ...).
	RoomIDString RoomIDType = 2
)

// Room is a TRTC room: its id and its kind. The numeric room 1234 and the string room
// "1234" are different rooms, so a Room always knows which it is:
//
//	tccall.NumericRoom(1234)        // numeric room 1234
//	tccall.StringRoom("support-1")  // string room "support-1"
//	info.CallInfo.Room()            // a call's own room, from GetCallInfo
//
// The Call APIs report a call's room as a string plus RoomIdType (1 numeric, 2 string);
// [CallInfo.Room], [CallRecord.Room] and [TRTCWebhookEvent.Room] turn that into the right
// kind, so a call's room goes straight into DismissRoom, RemoveUsers and BlockUser. The
// zero Room is no room (the library refuses it, naming RoomId).
type Room struct {
	id   string
	kind RoomIDType
}

// NumericRoom is the numeric TRTC room id.
func NumericRoom(id uint64) Room {
	return Room{id: strconv.FormatUint(id, 10), kind: RoomIDNumeric}
}

// StringRoom is the string TRTC room id.
func StringRoom(id string) Room { return Room{id: id, kind: RoomIDString} }

// NewRoom is a room given as the Call APIs report one: its id as a string and its kind
// ("1234" with RoomIDNumeric is numeric room 1234). An empty id is the zero Room. A kind
// other than RoomIDNumeric and RoomIDString leaves the kind to the id's JSON type: a
// string room.
func NewRoom(id string, kind RoomIDType) Room {
	if id == "" {
		return Room{}
	}
	if kind != RoomIDNumeric && kind != RoomIDString {
		kind = 0
	}
	return Room{id: id, kind: kind}
}

// ID is the room id as text ("1234" for numeric room 1234).
func (r Room) ID() string { return r.id }

// Type is the room's kind: RoomIDNumeric, RoomIDString, or 0 for the zero Room (or a
// room whose kind was not reported).
func (r Room) Type() RoomIDType { return r.kind }

// IsZero reports whether r is no room.
func (r Room) IsZero() bool { return r.id == "" }

// String is the room for logs: 1234 for a numeric room, "support-1" (quoted) for a string
// room, and "no room" for the zero Room.
func (r Room) String() string {
	switch {
	case r.id == "":
		return "no room"
	case r.kind == RoomIDNumeric:
		return r.id
	}
	return strconv.Quote(r.id)
}

// fields are the room's RoomId (a JSON number for a numeric room whose id is one, a
// string otherwise) and RoomIdType; nil and 0 for the zero Room.
func (r Room) fields() (any, RoomIDType) {
	if r.id == "" {
		return nil, 0
	}
	if r.kind == RoomIDNumeric {
		if n, err := strconv.ParseUint(r.id, 10, 64); err == nil {
			return n, r.kind
		}
	}
	return r.id, r.kind
}

// MarshalJSON writes the room as the Call APIs report one:
// {"RoomId": "1234", "RoomIdType": 1}; the zero Room is null.
func (r Room) MarshalJSON() ([]byte, error) {
	if r.id == "" {
		return []byte("null"), nil
	}
	return json.Marshal(struct {
		RoomID     string     `json:"RoomId"`
		RoomIDType RoomIDType `json:"RoomIdType,omitempty"`
	}{r.id, r.kind})
}

// UnmarshalJSON reads {"RoomId": "1234" | 1234 | "r", "RoomIdType"?: 1 | 2} (a number
// without RoomIdType is a numeric room, a string a string room) or null.
func (r *Room) UnmarshalJSON(b []byte) error {
	var v struct {
		RoomID     json.RawMessage `json:"RoomId"`
		RoomIDType RoomIDType      `json:"RoomIdType"`
	}
	if string(b) == "null" {
		*r = Room{}
		return nil
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	if len(v.RoomID) == 0 || string(v.RoomID) == "null" {
		*r = Room{}
		return nil
	}
	var s string
	if err := json.Unmarshal(v.RoomID, &s); err == nil {
		*r = NewRoom(s, v.RoomIDType)
		return nil
	}
	var n uint64
	if err := json.Unmarshal(v.RoomID, &n); err != nil {
		return fmt.Errorf("tccall: RoomId %s is neither a string nor a room number", v.RoomID)
	}
	if v.RoomIDType == RoomIDString {
		*r = StringRoom(strconv.FormatUint(n, 10))
		return nil
	}
	*r = NumericRoom(n)
	return nil
}

// Room is the call's TRTC room, of the kind RoomIDType says; the zero Room when the call
// has none.
func (ci CallInfo) Room() Room { return NewRoom(ci.RoomID, ci.RoomIDType) }

// Room is the ended call's TRTC room, of the kind RoomIDType says; the zero Room when the
// call had none.
func (cr CallRecord) Room() Room { return NewRoom(cr.RoomID, cr.RoomIDType) }

// Mute is what BlockUser blocks a user from sending in a TRTC room (Tencent's IsMute).
type Mute int

const (
	MuteNone  Mute = 0 // lift the block: audio and video allowed again
	MuteAll   Mute = 1 // block audio and video
	MuteAudio Mute = 2 // block audio only
	MuteVideo Mute = 3 // block video only
)

// String names the mode ("MuteAudio").
func (m Mute) String() string {
	switch m {
	case MuteNone:
		return "MuteNone"
	case MuteAll:
		return "MuteAll"
	case MuteAudio:
		return "MuteAudio"
	case MuteVideo:
		return "MuteVideo"
	}
	return "Mute(" + strconv.Itoa(int(m)) + ")"
}

// --- TRTC rooms ---------------------------------------------------------------------------
//
// Each method takes a Room, so the kind is never guessed: a numeric room goes to
// DismissRoom / RemoveUser / SetUserBlocked, a string room to the ...ByStrRoomId action.
// SdkAppId is the config's.

type roomRequest struct {
	RoomID     any        `json:"RoomId,omitempty"`
	RoomIDType RoomIDType `json:"RoomIdType,omitempty"`
	UserIDs    []string   `json:"UserIds,omitempty"`
	UserID     *string    `json:"UserId,omitempty"`
	IsMute     *Mute      `json:"IsMute,omitempty"`
}

func (r *roomRequest) appendJSON(b []byte) ([]byte, error) {
	b = append(b, '{')
	if r.RoomID != nil {
		var err error
		if b, err = appendValue(append(b, `"RoomId":`...), r.RoomID); err != nil {
			return b, err
		}
	}
	if r.RoomIDType != 0 {
		b = strconv.AppendInt(appendKey(b, "RoomIdType"), int64(r.RoomIDType), 10)
	}
	if len(r.UserIDs) != 0 {
		b = append(appendKey(b, "UserIds"), '[')
		for i, id := range r.UserIDs {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendString(b, id)
		}
		b = append(b, ']')
	}
	if r.UserID != nil {
		b = appendString(appendKey(b, "UserId"), *r.UserID)
	}
	if r.IsMute != nil {
		b = strconv.AppendInt(appendKey(b, "IsMute"), int64(*r.IsMute), 10)
	}
	return append(b, '}'), nil
}

func newRoomRequest(room Room) roomRequest {
	id, kind := room.fields()
	return roomRequest{RoomID: id, RoomIDType: kind}
}

// DismissRoom removes everyone from the TRTC room and dismisses it (Cloud API DismissRoom
// for a numeric room, DismissRoomByStrRoomId for a string one); a call in it ends. A room
// that does not exist fails with ErrNotFound. For a call's room pass
// info.CallInfo.Room() (or use TerminateCall).
func (c *Client) DismissRoom(ctx context.Context, room Room) (*Result, error) {
	req := newRoomRequest(room)
	return callWith[Result](ctx, c, "dismiss_room", req.appendJSON)
}

// RemoveUsers removes 1 to 10 users from the TRTC room (RemoveUser /
// RemoveUserByStrRoomId); call members among them hang up.
func (c *Client) RemoveUsers(ctx context.Context, room Room, userIDs []string) (*Result, error) {
	req := newRoomRequest(room)
	req.UserIDs = nonNil(userIDs)
	return callWith[Result](ctx, c, "remove_users", req.appendJSON)
}

// BlockUser blocks a user in the TRTC room from sending audio and/or video, or lifts the
// block with MuteNone (SetUserBlocked / SetUserBlockedByStrRoomId). The user must be in
// the room.
func (c *Client) BlockUser(ctx context.Context, room Room, userID string, mute Mute) (*Result, error) {
	req := newRoomRequest(room)
	req.UserID, req.IsMute = &userID, &mute
	return callWith[Result](ctx, c, "block_user", req.appendJSON)
}

// nonNil keeps an empty user list in the request, so the library names the field.
func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
