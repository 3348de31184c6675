package tccall

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
)

const rootHeader = "../../include/tccall.h"

// The cgo copy of the header must be the generated one, byte for byte.
func TestHeaderCopyIsCurrent(t *testing.T) {
	want, err := os.ReadFile(rootHeader)
	if err != nil {
		t.Skipf("repository header not found (%v): not in the tccall repository", err)
	}
	got, err := os.ReadFile("include/tccall.h")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatal("bindings/go/include/tccall.h differs from include/tccall.h; update the copy:\n" +
			"\tcp include/tccall.h bindings/go/include/tccall.h   (from the repository root)")
	}
}

// notNeeded lists header functions the Go package has no use for, with the reason.
var notNeeded = map[string]string{
	"tccall_cancel_set_poll": "a poll callback serves hosts that cannot cancel from another thread " +
		"(Python's Ctrl-C); Go cancels from the context.AfterFunc goroutine",
}

// Every function the header declares is called from the package's non-test code (Go or the
// C of its cgo preambles), except
// the named operation exports (tccall_client_<op>), which the package reaches by name
// through tccall_client_call: each must be in the library's operation table.
func TestEveryHeaderFunctionIsWrapped(t *testing.T) {
	header, err := os.ReadFile("include/tccall.h")
	if err != nil {
		t.Fatal(err)
	}
	decl := regexp.MustCompile(`(?m)^[a-z_0-9 ]+[ *](tccall_[a-z0-9_]+)\(`)
	var names []string
	for _, m := range decl.FindAllSubmatch(header, -1) {
		names = append(names, string(m[1]))
	}
	if len(names) < 20 {
		t.Fatalf("found only %d functions in the header: %v", len(names), names)
	}
	files, _ := filepath.Glob("*.go")
	var src strings.Builder
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		src.Write(b)
	}
	byFunction := map[string]bool{}
	for _, op := range operationTable() {
		byFunction[op.CFunction] = true
	}
	var missing, ops []string
	for _, name := range names {
		if byFunction[name] {
			ops = append(ops, strings.TrimPrefix(name, "tccall_client_"))
			continue
		}
		if notNeeded[name] != "" {
			continue
		}
		// Called from Go (C.name) or from the C code of a cgo preamble (name(...)).
		if !regexp.MustCompile(`\bC\.` + name + `\b|\b` + name + `\(`).MatchString(src.String()) {
			missing = append(missing, name)
		}
	}
	if len(missing) > 0 {
		t.Fatalf("header functions not used by the Go package: %v", missing)
	}

	// Every tccall_client_* export is in the table, so Call reaches it, or is one of those the
	// package calls directly (checked above).
	direct := map[string]bool{"new": true, "free": true, "call": true, "parse_webhook": true, "parse_trtc_webhook": true,
		"set_log_callback": true, "stats": true, "update_credentials": true}
	for _, name := range names {
		op, ok := strings.CutPrefix(name, "tccall_client_")
		if ok && !byFunction[name] && !direct[op] {
			t.Errorf("%s is neither in the library's operation table nor called directly", name)
		}
	}
	got := Operations()
	sort.Strings(ops)
	sort.Strings(got)
	if strings.Join(ops, ",") != strings.Join(got, ",") {
		t.Fatalf("Operations() = %v, header has %v", got, ops)
	}
}

// callOnly lists operations of the library's table that have no typed method, with the
// reason; Call reaches them by name. Empty: every operation has one.
var callOnly = map[string]string{}

// methodName is the Go method of an operation: "end_call" -> "EndCall",
// "gen_usersig" -> "GenUserSig", "sign_cloud_api_request" -> "SignCloudAPIRequest".
func methodName(op string) string {
	words := map[string]string{"im": "IM", "api": "API", "usersig": "UserSig", "id": "ID", "trtc": "TRTC"}
	var b strings.Builder
	for _, w := range strings.Split(op, "_") {
		if s, ok := words[w]; ok {
			b.WriteString(s)
		} else if w != "" {
			b.WriteString(strings.ToUpper(w[:1]) + w[1:])
		}
	}
	return b.String()
}

// Every entry of the library's operation table (the list comes from tccall_operations(),
// not from this file) has a typed method on *Client, or is listed in callOnly; a network
// operation's method takes a context.Context first, a local one's does not.
func TestEveryOperationHasAMethod(t *testing.T) {
	table := operationTable()
	if len(table) < 20 {
		t.Fatalf("the library's table has %d operations", len(table))
	}
	ctxType := reflect.TypeOf((*context.Context)(nil)).Elem()
	client := reflect.TypeOf((*Client)(nil))
	families := map[string]bool{"im": true, "cloud_api": true, "composite": true, "local": true}
	for name, op := range table {
		if !families[op.Family] || op.CFunction != "tccall_client_"+name {
			t.Errorf("%s: family %q, c_function %q", name, op.Family, op.CFunction)
		}
		if op.network != (op.Family != "local") {
			t.Errorf("%s: network = %v for family %q", name, op.network, op.Family)
		}
		m, ok := client.MethodByName(methodName(name))
		if !ok {
			if callOnly[name] == "" {
				t.Errorf("operation %s has no method %s (add one, or list it in callOnly with the reason)", name, methodName(name))
			}
			continue
		}
		takesCtx := m.Type.NumIn() > 1 && m.Type.In(1) == ctxType
		if takesCtx != op.network {
			t.Errorf("%s: takes a context = %v, but the operation's family is %q", m.Name, takesCtx, op.Family)
		}
	}
	for name := range callOnly {
		if table[name] == nil {
			t.Errorf("callOnly lists %s, which the library does not have", name)
		}
	}
	for _, want := range []string{"terminate_call", "block_user"} {
		if table[want] == nil {
			t.Errorf("the library's table lacks %s", want)
		}
	}
	if table["terminate_call"] != nil && table["terminate_call"].Family != "composite" {
		t.Errorf("terminate_call is %q, not composite", table["terminate_call"].Family)
	}
}

// The Code* constants equal the header's TCCALL_E_* values, and none is missing.
func TestCodesMatchHeader(t *testing.T) {
	header, err := os.ReadFile("include/tccall.h")
	if err != nil {
		t.Fatal(err)
	}
	goCodes := map[string]int{
		"OK": CodeOK, "E_NULL_ARGUMENT": CodeNullArgument, "E_INVALID_UTF8": CodeInvalidUTF8,
		"E_INVALID_JSON": CodeInvalidJSON, "E_INVALID_REQUEST": CodeInvalidRequest,
		"E_INVALID_CONFIG": CodeInvalidConfig, "E_INPUT_TOO_LARGE": CodeInputTooLarge,
		"E_TIMEOUT": CodeTimeout, "E_CONNECT": CodeConnect, "E_TLS": CodeTLS, "E_PROXY": CodeProxy,
		"E_HTTP_STATUS": CodeHTTPStatus, "E_BAD_RESPONSE": CodeBadResponse, "E_CANCELLED": CodeCancelled,
		"E_SERVICE": CodeService, "E_NOT_FOUND": CodeNotFound, "E_RATE_LIMITED": CodeRateLimited,
		"E_SERVICE_UNAVAILABLE": CodeServiceUnavailable, "E_REMOTE_INVALID_PARAMETER": CodeRemoteInvalidParameter, "E_APP_CONFIG": CodeAppConfig,
		"E_AUTH_REJECTED": CodeAuthRejected, "E_USERSIG_EXPIRED": CodeUserSigExpired,
		"E_USERSIG_INVALID": CodeUserSigInvalid, "E_WEBHOOK_SIGNATURE": CodeWebhookSignature,
		"E_WEBHOOK_STALE": CodeWebhookStale, "E_WEBHOOK_APP_MISMATCH": CodeWebhookAppMismatch,
		"E_WEBHOOK_MALFORMED": CodeWebhookMalformed, "E_INTERNAL": CodeInternal,
	}
	defs := regexp.MustCompile(`(?m)^#define TCCALL_((?:OK|E_[A-Z0-9_]+)) (\d+)$`).FindAllSubmatch(header, -1)
	if len(defs) != len(goCodes) {
		t.Errorf("header defines %d result codes, the Go package %d", len(defs), len(goCodes))
	}
	for _, d := range defs {
		name, value := string(d[1]), string(d[2])
		n, _ := strconv.Atoi(value)
		got, ok := goCodes[name]
		if !ok {
			t.Errorf("TCCALL_%s has no Go Code constant", name)
		} else if got != n {
			t.Errorf("TCCALL_%s = %d in the header, %d in Go", name, n, got)
		}
		if strings.HasPrefix(name, "E_") && CodeText(n) == CodeText(99999) {
			t.Errorf("CodeText(%d) is not described", n)
		}
	}
}
