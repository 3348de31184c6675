//go:build !tccall_dynamic

package tccall

// Static linking (the default): libtccall.a from lib/<GOOS>_<GOARCH>/ plus the system
// libraries the Rust standard library needs (`rustc --print native-static-libs`).
// `make test-go` copies the library there; see README.md.

/*
#cgo linux,amd64 LDFLAGS: ${SRCDIR}/lib/linux_amd64/libtccall.a -lz -lgcc_s -lutil -lrt -lpthread -lm -ldl -lc
*/
import "C"
