//go:build !tccall_dynamic && tccall_nosandbox

package tccall

// -tags tccall_nosandbox: the production library, built without the local Tencent emulator
// (lib/<GOOS>_<GOARCH>/libtccall_nosandbox.a). The binary carries no sandbox code and
// StartSandbox does not exist (sandbox.go is left out); everything else is the same.

/*
#cgo linux,amd64 LDFLAGS: ${SRCDIR}/lib/linux_amd64/libtccall_nosandbox.a -lz -lgcc_s -lutil -lrt -lpthread -lm -ldl -lc
#cgo linux,arm64 LDFLAGS: ${SRCDIR}/lib/linux_arm64/libtccall_nosandbox.a -lz -lgcc_s -lutil -lrt -lpthread -lm -ldl -lc
*/
import "C"
