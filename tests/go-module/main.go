// A program of your own module using tccall (README, "Install: Go"): it ends a call in the
// sandbox, the local Tencent emulator linked in by default. Real code passes real
// credentials to tccall.NewClient instead.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log"

	tccall "github.com/tccall/tccall/bindings/go"
)

func main() {
	sb, err := tccall.StartSandbox(nil)
	if err != nil {
		log.Fatal(err)
	}
	defer sb.Close()
	client, err := sb.NewHTTPSClient() // HTTPS, trusting the sandbox's own CA only
	if err != nil {
		log.Fatal(err)
	}
	defer client.Close()

	raw, err := sb.Control("POST", "/_sandbox/calls", map[string]any{"caller": "alice", "callees": []string{"bob"}})
	if err != nil {
		log.Fatal(err)
	}
	var call struct{ CallId string }
	if err := json.Unmarshal(raw, &call); err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	if _, err := client.EndCall(ctx, call.CallId); err != nil {
		log.Fatal(err)
	}
	_, err = client.EndCall(ctx, call.CallId)
	fmt.Println("tccall", tccall.Version(), "ended call", call.CallId, "- a second end is ErrNotFound:", errors.Is(err, tccall.ErrNotFound))
}
