//go:build cgo

package tccall

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"strconv"
	"strings"
)

// Request and result types carry Tencent's exact field names in their JSON tags (CallId,
// CalleeList_Account, RoomIdType, ...), so Tencent's documentation applies to them
// unchanged; Go field names follow Go conventions (CallID, CalleeAccounts, RoomIDType).
// Optional request fields are omitted when zero. Results tolerate fields they do not list;
// use Client.Call to see the full JSON.

// Result is the result of operations that return only Tencent's request id.
type Result struct {
	RequestID string `json:"RequestId,omitempty"`
	// AlreadyEnded is set by the ending operations (EndCall, DismissRoom, EndDeskSession)
	// when a retry found the target gone after an earlier attempt whose outcome was
	// unknown: the operation succeeded.
	AlreadyEnded bool `json:"already_ended,omitempty"`
}

func (r *Result) decodeJSON(b []byte) bool {
	return eachMember(b, func(key string, v []byte) bool {
		switch key {
		case "RequestId":
			return readString(v, &r.RequestID)
		case "already_ended":
			return readBool(v, &r.AlreadyEnded)
		}
		return true
	})
}

// oneField is a request of one string member, {"CallId": "..."}.
type oneField struct{ key, value string }

func (r *oneField) appendJSON(b []byte) ([]byte, error) {
	b = appendString(appendKey(append(b, '{'), r.key), r.value)
	return append(b, '}'), nil
}

// --- Call (TUICallKit) --------------------------------------------------------------------

// EndCall force-ends a call (v4/call_engine_http_srv/end_call). A call that does not exist
// or has already ended fails with ErrNotFound.
func (c *Client) EndCall(ctx context.Context, callID string) (*Result, error) {
	return callWith[Result](ctx, c, "end_call", (&oneField{"CallId", callID}).appendJSON)
}

// TerminateOption changes what TerminateCall does.
type TerminateOption func(*terminateRequest)

type terminateRequest struct {
	CallID      string `json:"call_id"`
	DismissRoom *bool  `json:"dismiss_room,omitempty"`
}

// KeepRoom makes TerminateCall end the call without dismissing its TRTC room.
func KeepRoom() TerminateOption {
	return func(r *terminateRequest) {
		keep := false
		r.DismissRoom = &keep
	}
}

// TerminateStep is one step TerminateCall took.
type TerminateStep struct {
	// Step is "get_call_info", "get_call_record" (only when the call had ended), "end_call"
	// or "dismiss_room".
	Step string `json:"step"`
	// Outcome is "found" / "not_found" (the reads), "ended" / "already_ended" (end_call),
	// "dismissed" / "already_gone" / "skipped" (dismiss_room).
	Outcome   string `json:"outcome"`
	RequestID string `json:"request_id"` // Tencent's; "" for a step that sent nothing
	Reason    string `json:"reason,omitempty"`
}

// TerminateCallResult is the result of TerminateCall.
type TerminateCallResult struct {
	CallID string `json:"call_id"`
	// Room is the call's TRTC room (from the live call, or from its record when it had
	// ended); the zero Room when it had none or nothing is known of the call.
	Room Room `json:"room"`
	// Members are the call's members when it was still live; nil otherwise.
	Members []CallMember    `json:"members"`
	Steps   []TerminateStep `json:"steps"`
}

// Step returns the step named name ("end_call", ...) and whether it was taken.
func (r *TerminateCallResult) Step(name string) (TerminateStep, bool) {
	for _, s := range r.Steps {
		if s.Step == name {
			return s, true
		}
	}
	return TerminateStep{}, false
}

// TerminateCall ends a call for good (tccall's own operation): it reads the call (its
// TRTC room and members; for a call that already ended, the room from its record), ends
// it, then dismisses its TRTC room, so no client lingers in the media room after the
// backend ended the call. KeepRoom() leaves the room alone.
//
// Each step is idempotent (a call already ended, a room already gone, a call never seen
// are successes, said so in the step's Outcome), so a repeat is safe. When a step fails,
// the error is that step's and its message says which steps already took effect. ctx
// bounds all steps together.
func (c *Client) TerminateCall(ctx context.Context, callID string, opts ...TerminateOption) (*TerminateCallResult, error) {
	req := terminateRequest{CallID: callID}
	for _, o := range opts {
		o(&req)
	}
	return call[TerminateCallResult](ctx, c, "terminate_call", req)
}

// CallInfo describes a live call.
type CallInfo struct {
	CallID      string     `json:"CallId"`
	MediaType   string     `json:"MediaType"` // "Audio" or "Video"
	ChatGroupID string     `json:"ChatGroupId"`
	RoomID      string     `json:"RoomId"`     // always a string in Call APIs, even for numeric rooms
	RoomIDType  RoomIDType `json:"RoomIdType"` // 1 numeric, 2 string (0 when RoomId is empty); see Room()
}

// CallMember is a member of a live call.
type CallMember struct {
	UserAccount string `json:"User_Account"`
	Status      string `json:"Status"` // "Calling" or "Waiting"
}

// CallInfoResult is the result of GetCallInfo.
type CallInfoResult struct {
	CallInfo  CallInfo     `json:"CallInfo"`
	UserList  []CallMember `json:"UserList"`
	RequestID string       `json:"RequestId,omitempty"`
}

// GetCallInfo reads the live state of a call (v4/call_engine_http_srv/get_call_info).
// A call that does not exist or has ended fails with ErrNotFound.
func (c *Client) GetCallInfo(ctx context.Context, callID string) (*CallInfoResult, error) {
	return callWith[CallInfoResult](ctx, c, "get_call_info", (&oneField{"CallId", callID}).appendJSON)
}

// RobotCallInfo is the CallInfo of a StartCallByRobot request.
type RobotCallInfo struct {
	MediaType  string     `json:"MediaType,omitempty"`  // "Audio" or "Video"; "" leaves it to the library: "Audio"
	RoomID     string     `json:"RoomId,omitempty"`     // a TRTC room id, as a string
	RoomIDType RoomIDType `json:"RoomIdType,omitempty"` // RoomIDNumeric or RoomIDString
}

// StartCallByRobotRequest is the request of StartCallByRobot.
type StartCallByRobotRequest struct {
	RobotAccount   string   `json:"Robot_Account"`
	CalleeAccounts []string `json:"CalleeList_Account"`
	// Timeout is the ringing timeout in milliseconds, 10000 to 600000; 0 leaves it to the
	// library: 30000.
	Timeout  int           `json:"Timeout,omitempty"`
	UserData string        `json:"UserData,omitempty"` // at most 1000 bytes, passed to the callees
	CallInfo RobotCallInfo `json:"CallInfo"`
	// OfflinePushInfo is Chat's offline push object (PushFlag, Title, Desc, Ext, ...),
	// passed through as given (a map, a struct or json.RawMessage).
	OfflinePushInfo any `json:"OfflinePushInfo,omitempty"`
}

// CalleeResult is the per-callee outcome of StartCallByRobot.
type CalleeResult struct {
	CalleeAccount string `json:"Callee_Account"`
	ResultCode    int    `json:"ResultCode"` // 0 is OK
}

// StartCallResult is the result of StartCallByRobot.
type StartCallResult struct {
	CallID     string         `json:"CallId"`
	CallResult []CalleeResult `json:"CallResult"`
	RequestID  string         `json:"RequestId,omitempty"`
}

// StartCallByRobot starts a call from a robot account
// (v4/call_engine_http_srv/start_call_by_robot). It is retried only when the request
// provably never reached Tencent, so it never rings twice.
func (c *Client) StartCallByRobot(ctx context.Context, req StartCallByRobotRequest) (*StartCallResult, error) {
	return call[StartCallResult](ctx, c, "start_call_by_robot", req)
}

// CallRecord is the record of an ended call. Times are unix seconds; AcceptTime is 0 when
// the call never connected.
type CallRecord struct {
	CallID         string     `json:"CallId"`
	CallerAccount  string     `json:"Caller_Account"`
	MediaType      string     `json:"MediaType"`
	CallType       string     `json:"CallType"` // "SingleCall" or "MultiCall"
	StartTime      int64      `json:"StartTime"`
	EndTime        int64      `json:"EndTime"`
	AcceptTime     int64      `json:"AcceptTime"`
	CallResult     string     `json:"CallResult"` // "NormalEnd", "Cancel", "Reject", "NotAnswer", ...
	CalleeAccounts []string   `json:"CalleeList_Account"`
	RoomID         string     `json:"RoomId"`
	RoomIDType     RoomIDType `json:"RoomIdType"` // see Room()
}

// CallRecordResult is the result of GetCallRecord.
type CallRecordResult struct {
	CallRecord CallRecord `json:"CallRecord"`
	RequestID  string     `json:"RequestId,omitempty"`
}

// GetCallRecord reads the record of one ended call
// (v4/call_record_http_srv/get_record_by_callid). Tencent keeps records readable about 5 s
// after the call ends; before that, and for unknown calls, it fails with ErrNotFound.
func (c *Client) GetCallRecord(ctx context.Context, callID string) (*CallRecordResult, error) {
	return callWith[CallRecordResult](ctx, c, "get_call_record", (&oneField{"CallId", callID}).appendJSON)
}

// CallRecordQuery filters SearchCallRecords; zero fields are left to Tencent's defaults
// (the last 7 days, page 1, 10 per page, every result and type).
type CallRecordQuery struct {
	StartTime     int64  `json:"StartTime,omitempty"` // unix seconds
	EndTime       int64  `json:"EndTime,omitempty"`   // unix seconds
	NumberPerPage int    `json:"NumberPerPage,omitempty"`
	Page          int    `json:"Page,omitempty"`
	CallResult    string `json:"CallResult,omitempty"`
	CallType      string `json:"CallType,omitempty"`
}

// CallRecordPage is the result of SearchCallRecords.
type CallRecordPage struct {
	TotalNum       int          `json:"TotalNum"`
	Page           int          `json:"Page"`
	CallRecordList []CallRecord `json:"CallRecordList"`
	RequestID      string       `json:"RequestId,omitempty"`
}

// SearchCallRecords lists call records of the last 7 days
// (v4/call_record_http_srv/get_record_by_filter). Tencent reports "no records" as
// ErrNotFound (101050) rather than as an empty page.
func (c *Client) SearchCallRecords(ctx context.Context, q CallRecordQuery) (*CallRecordPage, error) {
	return call[CallRecordPage](ctx, c, "search_call_records", q)
}

// Webhook commands a CallbackConfig can enable.
const (
	CommandAfterStartCall     = "Call.CallbackAfterStartCall"
	CommandAfterEndCall       = "Call.CallbackAfterEndCall"
	CommandAfterMemberChanged = "Call.CallbackAfterMemberChanged"
	CommandDeskSessionEvent   = "Desk.SessionEventNotify"
)

// CallbackConfig is the Call webhook configuration.
type CallbackConfig struct {
	URL      string   `json:"Url"`                 // http:// or https://
	Commands []string `json:"CallbackCommandList"` // Command* constants
}

// CallbackConfigResult is the result of GetCallbackConfig.
type CallbackConfigResult struct {
	CallbackConfig
	RequestID string `json:"RequestId,omitempty"`
}

// SetCallbackConfig creates or overwrites the Call webhook configuration
// (v4/call_config/set_callback).
func (c *Client) SetCallbackConfig(ctx context.Context, cfg CallbackConfig) (*Result, error) {
	return call[Result](ctx, c, "set_callback_config", cfg)
}

// GetCallbackConfig reads the Call webhook configuration (v4/call_config/get_callback);
// ErrNotFound when none is configured.
func (c *Client) GetCallbackConfig(ctx context.Context) (*CallbackConfigResult, error) {
	return call[CallbackConfigResult](ctx, c, "get_callback_config", struct{}{})
}

// DeleteCallbackConfig deletes the Call webhook configuration (v4/call_config/delete_callback).
func (c *Client) DeleteCallbackConfig(ctx context.Context) (*Result, error) {
	return call[Result](ctx, c, "delete_callback_config", struct{}{})
}

// --- Contact Center (Desk) ----------------------------------------------------------------

// EndDeskSession ends a Desk session handed to an agent (v4/desk_http_svc/end_session);
// ErrNotFound when it does not exist or has finished.
func (c *Client) EndDeskSession(ctx context.Context, sessionID string) (*Result, error) {
	return callWith[Result](ctx, c, "end_desk_session", (&oneField{"SessionId", sessionID}).appendJSON)
}

// DeskSessionQuery selects a Desk session: by SessionID, or by ClientUserID and
// CustomerServiceID (app-client integration mode only).
type DeskSessionQuery struct {
	SessionID         string `json:"SessionId,omitempty"`
	ClientUserID      string `json:"ClientUserId,omitempty"`
	CustomerServiceID string `json:"CustomerServiceId,omitempty"`
}

// DeskSessionState is the result of GetDeskSessionState.
type DeskSessionState struct {
	SessionID string `json:"SessionId"`
	// CurrentState is NotInSession, Chatbot, WaitingForAgentAnswering, Queueing or Agent.
	CurrentState string `json:"CurrentState"`
	AgentID      string `json:"AgentId"` // set for WaitingForAgentAnswering and Agent
	RequestID    string `json:"RequestId,omitempty"`
}

// GetDeskSessionState reads a Desk session's state (v4/desk_http_svc/get_session_state).
func (c *Client) GetDeskSessionState(ctx context.Context, q DeskSessionQuery) (*DeskSessionState, error) {
	return call[DeskSessionState](ctx, c, "get_desk_session_state", q)
}

// DeskSessionListQuery selects Desk session records. The time range is required.
type DeskSessionListQuery struct {
	StartTimestamp int64  `json:"StartTimestamp"`  // unix seconds
	EndTimestamp   int64  `json:"EndTimestamp"`    // unix seconds
	Limit          int    `json:"Limit,omitempty"` // 1 to 100; 0 means Tencent's default, 20
	Offset         int    `json:"Offset,omitempty"`
	ClientUserID   string `json:"ClientUserId,omitempty"`
}

// DeskSessionRecord is one Desk session record.
type DeskSessionRecord struct {
	SessionID            string `json:"SessionId"`
	AgentGroupID         string `json:"AgentGroupId"`
	AgentGroupName       string `json:"AgentGroupName"`
	AgentID              string `json:"AgentId"`
	ChannelType          string `json:"ChannelType"`
	ClientUserID         string `json:"ClientUserId"`
	ClientUserNickName   string `json:"ClientUserNickName"`
	Duration             int64  `json:"Duration"` // seconds
	EndStatus            string `json:"EndStatus"`
	SatisfactionSelected int    `json:"SatisfactionSelected"`
	Timestamp            int64  `json:"Timestamp"` // unix seconds
}

// DeskSessionList is the result of ListDeskSessions.
type DeskSessionList struct {
	TotalCount int                 `json:"TotalCount"`
	IMCdrList  []DeskSessionRecord `json:"IMCdrList"`
	RequestID  string              `json:"RequestId,omitempty"`
}

// ListDeskSessions lists Desk session records (v4/desk_http_svc/describe_im_cdr_list).
func (c *Client) ListDeskSessions(ctx context.Context, q DeskSessionListQuery) (*DeskSessionList, error) {
	return call[DeskSessionList](ctx, c, "list_desk_sessions", q)
}

// --- tokens (local, no I/O) ---------------------------------------------------------------

// UserSigRequest is the request of GenUserSig.
type UserSigRequest struct {
	UserID string `json:"user_id"`
	Expire int64  `json:"expire_s,omitempty"` // validity in seconds; 0 means 180 days
	// UserBuf is an optional user buffer; nil means none, while an empty non-nil slice is
	// an empty buffer (which signs differently, as in the official libraries).
	UserBuf []byte `json:"-"`
	Time    int64  `json:"time,omitempty"` // issue time, unix seconds; 0 means now
}

// UserSig is a generated UserSig.
type UserSig struct {
	UserSig  string `json:"usersig"`
	ExpireAt int64  `json:"expire_at"` // unix seconds
}

func (u *UserSig) decodeJSON(b []byte) bool {
	// The library's own form, {"usersig":"...","expire_at":N}, read in one pass; any other
	// (spacing, order, escapes) by the member scanner.
	if sig, rest, ok := cutPlainString(b, `{"usersig":"`); ok {
		if n, rest, ok := cutInt(rest, `,"expire_at":`); ok && string(rest) == "}" {
			u.UserSig, u.ExpireAt = string(sig), n
			return true
		}
	}
	return eachMember(b, func(key string, v []byte) bool {
		switch key {
		case "usersig":
			return readString(v, &u.UserSig)
		case "expire_at":
			return readInt(v, &u.ExpireAt)
		}
		return true
	})
}

// userSigWire is the library's gen_usersig request: UserBuf as userbuf_b64.
type userSigWire UserSigRequest

func (r *userSigWire) appendJSON(b []byte) ([]byte, error) {
	b = appendString(append(b, `{"user_id":`...), r.UserID)
	if r.Expire != 0 {
		b = strconv.AppendInt(append(b, `,"expire_s":`...), r.Expire, 10)
	}
	if r.Time != 0 {
		b = strconv.AppendInt(append(b, `,"time":`...), r.Time, 10)
	}
	if r.UserBuf != nil {
		b = append(base64.StdEncoding.AppendEncode(append(b, `,"userbuf_b64":"`...), r.UserBuf), '"')
	}
	return append(b, '}'), nil
}

// GenUserSig generates a UserSig (TLSSigAPIv2) locally: zlib stored blocks, as Tencent's
// official Go library writes them, or with the config's "usersig_compression": "python"
// byte-identical to its Python library. It needs the config's secret_key.
func (c *Client) GenUserSig(req UserSigRequest) (*UserSig, error) {
	return callWith[UserSig](context.Background(), c, "gen_usersig", (*userSigWire)(&req).appendJSON)
}

// VerifyUserSigRequest is the request of VerifyUserSig.
type VerifyUserSigRequest struct {
	UserID  string `json:"user_id"`
	UserSig string `json:"usersig"`
	Now     int64  `json:"now,omitempty"` // unix seconds; 0 means now
}

// UserSigInfo is the result of VerifyUserSig.
type UserSigInfo struct {
	Valid    bool   `json:"valid"` // always true: a bad UserSig is an error
	ExpireAt int64  `json:"expire_at"`
	UserBuf  []byte `json:"userbuf_b64"` // nil when the UserSig carries none
}

// VerifyUserSig verifies a UserSig locally. It fails with ErrUserSigExpired, or with
// ErrUserSigInvalid for a malformed one or the wrong signature, user or app.
func (c *Client) VerifyUserSig(req VerifyUserSigRequest) (*UserSigInfo, error) {
	return call[UserSigInfo](context.Background(), c, "verify_usersig", req)
}

// PrivateMapKeyRequest is the request of GenPrivateMapKey: set exactly one of RoomID and
// RoomStr.
type PrivateMapKeyRequest struct {
	UserID       string `json:"user_id"`
	RoomID       uint32 `json:"room_id,omitempty"`
	RoomStr      string `json:"room_str,omitempty"`
	PrivilegeMap uint32 `json:"privilege_map,omitempty"` // 0 leaves it to the library: 255 (every right)
	Expire       int64  `json:"expire_s,omitempty"`      // seconds; 0 means 180 days
	Time         int64  `json:"time,omitempty"`          // unix seconds; 0 means now
}

// PrivateMapKey is a generated TRTC room permission ticket.
type PrivateMapKey struct {
	PrivateMapKey string `json:"private_map_key"`
	ExpireAt      int64  `json:"expire_at"`
}

// GenPrivateMapKey generates a TRTC PrivateMapKey locally.
func (c *Client) GenPrivateMapKey(req PrivateMapKeyRequest) (*PrivateMapKey, error) {
	return call[PrivateMapKey](context.Background(), c, "gen_private_map_key", req)
}

// --- escape hatches ----------------------------------------------------------------------

type imRequest struct {
	Path string `json:"path"`
	Body any    `json:"body,omitempty"`
}

// IMRequest sends any IM REST command (e.g. "v4/openim/querystate") with body (a map,
// struct, json.RawMessage or nil), signed with the admin UserSig, and returns the response
// without its envelope. Retried only when the request provably never reached Tencent.
func (c *Client) IMRequest(ctx context.Context, path string, body any) (json.RawMessage, error) {
	return c.Call(ctx, "im_request", &imRequest{Path: path, Body: body})
}

// CloudAPIRequest is a Cloud API 3.0 action for Client.CloudAPIRequest.
type CloudAPIRequest struct {
	Service  string `json:"service,omitempty"` // "" leaves it to the library: "trtc"
	Version  string `json:"version,omitempty"` // "" leaves it to the library: "2019-07-22"
	Action   string `json:"action"`
	Region   string `json:"region,omitempty"`   // "" means the config's cloud_api.region
	Params   any    `json:"params,omitempty"`   // the action's parameters
	Endpoint string `json:"endpoint,omitempty"` // "" means the config's cloud_api.endpoint
}

// CloudAPIRequest sends any Cloud API 3.0 action, TC3-signed, and returns the contents of
// Response. Retried only when the request provably never reached Tencent.
func (c *Client) CloudAPIRequest(ctx context.Context, req CloudAPIRequest) (json.RawMessage, error) {
	return c.Call(ctx, "cloud_api_request", &req)
}

// SignedRequest is an HTTP request built and signed but not sent.
type SignedRequest struct {
	Method  string            `json:"method"`
	URL     string            `json:"url"` // for IM, carries the admin UserSig: a secret
	Headers map[string]string `json:"headers"`
	Body    string            `json:"body"`
}

func (r *SignedRequest) decodeJSON(b []byte) bool {
	d := newDoc(b)
	return eachMember(b, func(key string, v []byte) bool {
		switch key {
		case "method":
			return d.readString(v, &r.Method)
		case "url":
			return d.readString(v, &r.URL)
		case "body":
			return d.readString(v, &r.Body)
		case "headers":
			if string(v) == "null" {
				return true
			}
			if r.Headers == nil {
				r.Headers = make(map[string]string, 12)
			}
			return eachMember(v, func(name string, value []byte) bool {
				var s string
				if string(value) == "null" || !d.readString(value, &s) {
					return false
				}
				if h, ok := internedHeaders[name]; ok {
					name = h
				} else {
					name = strings.Clone(name)
				}
				r.Headers[name] = s
				return true
			})
		}
		return true
	})
}

func (r *imRequest) appendJSON(b []byte) ([]byte, error) {
	b = appendString(append(b, `{"path":`...), r.Path)
	if r.Body != nil {
		var err error
		if b, err = appendValue(append(b, `,"body":`...), r.Body); err != nil {
			return b, err
		}
	}
	return append(b, '}'), nil
}

// SignIMRequest builds a signed IM REST request without sending it, for callers with
// their own HTTP stack.
func (c *Client) SignIMRequest(path string, body any) (*SignedRequest, error) {
	return callWith[SignedRequest](context.Background(), c, "sign_im_request", (&imRequest{Path: path, Body: body}).appendJSON)
}

// SignCloudAPIRequest is the request of Client.SignCloudAPIRequest.
type SignCloudAPIRequest struct {
	CloudAPIRequest
	Timestamp int64  `json:"timestamp,omitempty"` // unix seconds; 0 means now
	Body      string `json:"body,omitempty"`      // exact JSON text to sign instead of Params
}

// appendMembers appends the members of r after '{' (action is never omitted).
func (r *CloudAPIRequest) appendMembers(b []byte) ([]byte, error) {
	if r.Service != "" {
		b = appendString(append(b, `"service":`...), r.Service)
	}
	if r.Version != "" {
		b = appendString(appendKey(b, "version"), r.Version)
	}
	b = appendString(appendKey(b, "action"), r.Action)
	if r.Region != "" {
		b = appendString(append(b, `,"region":`...), r.Region)
	}
	if r.Params != nil {
		var err error
		if b, err = appendValue(append(b, `,"params":`...), r.Params); err != nil {
			return b, err
		}
	}
	if r.Endpoint != "" {
		b = appendString(append(b, `,"endpoint":`...), r.Endpoint)
	}
	return b, nil
}

func (r *CloudAPIRequest) appendJSON(b []byte) ([]byte, error) {
	b, err := r.appendMembers(append(b, '{'))
	return append(b, '}'), err
}

func (r *SignCloudAPIRequest) appendJSON(b []byte) ([]byte, error) {
	b, err := r.CloudAPIRequest.appendMembers(append(b, '{'))
	if err != nil {
		return b, err
	}
	if r.Timestamp != 0 {
		b = strconv.AppendInt(append(b, `,"timestamp":`...), r.Timestamp, 10)
	}
	if r.Body != "" {
		b = appendString(append(b, `,"body":`...), r.Body)
	}
	return append(b, '}'), nil
}

// SignCloudAPIRequest builds a TC3-signed Cloud API request without sending it.
func (c *Client) SignCloudAPIRequest(req SignCloudAPIRequest) (*SignedRequest, error) {
	return callWith[SignedRequest](context.Background(), c, "sign_cloud_api_request", req.appendJSON)
}
