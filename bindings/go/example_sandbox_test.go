package tccall_test

import (
	"encoding/json"

	tccall "github.com/tccall/tccall/bindings/go"
)

// startSandbox starts a sandbox, a local emulator of Tencent's servers, and a client
// configured for it with opts: the setup of the examples that call Tencent. Close both
// when done.
func startSandbox(opts ...tccall.ClientOption) (*tccall.Sandbox, *tccall.Client) {
	sb, err := tccall.StartSandbox(nil)
	if err != nil {
		panic(err)
	}
	client, err := sb.NewClient(opts...)
	if err != nil {
		sb.Close()
		panic(err)
	}
	return sb, client
}

// startCall starts a call from "a" to "b" in the sandbox, as a client SDK would, and
// returns its CallId.
func startCall(sb *tccall.Sandbox) string {
	raw, err := sb.Control("POST", "/_sandbox/calls", map[string]any{"caller": "a", "callees": []string{"b"}})
	if err != nil {
		panic(err)
	}
	var call struct{ CallId string }
	if err := json.Unmarshal(raw, &call); err != nil {
		panic(err)
	}
	return call.CallId
}
