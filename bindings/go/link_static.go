//go:build !tccall_dynamic && !tccall_nosandbox

package tccall

// Static linking (the default): lib/<GOOS>_<GOARCH>/libtccall.a, the release library with
// the sandbox, plus the system libraries the Rust standard library needs (`rustc --print
// native-static-libs`; make go-module checks that these lines name them all). In a checkout
// `make go-lib` copies the library there; the module staged by `make go-module` carries it for
// linux/amd64 and linux/arm64. A linker error "cannot find .../lib/linux_amd64/libtccall.a"
// means it is not there yet: see README.md, "Installing".
//
// -tags tccall_nosandbox links libtccall_nosandbox.a instead (link_static_nosandbox.go).

/*
#cgo linux,amd64 LDFLAGS: ${SRCDIR}/lib/linux_amd64/libtccall.a -lz -lgcc_s -lutil -lrt -lpthread -lm -ldl -lc
#cgo linux,arm64 LDFLAGS: ${SRCDIR}/lib/linux_arm64/libtccall.a -lz -lgcc_s -lutil -lrt -lpthread -lm -ldl -lc
*/
import "C"
