// A production program: no sandbox, so it builds with -tags tccall_nosandbox and links the
// library without the emulator (tests/go-module/run.sh checks the binary for it).
package main

import (
	"fmt"
	"log"

	tccall "github.com/tccall/tccall/bindings/go"
)

func main() {
	client, err := tccall.NewClient(map[string]any{"sdk_app_id": 1400000001, "secret_key": "my-secret-key"})
	if err != nil {
		log.Fatal(err)
	}
	defer client.Close()
	sig, err := client.GenUserSig(tccall.UserSigRequest{UserID: "alice"})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("tccall", tccall.Version(), "usersig", sig.UserSig[:16]+"...")
}
