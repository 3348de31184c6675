//go:build tccall_dynamic

package tccall

// Dynamic linking (build tag tccall_dynamic): -ltccall, searched in lib/<GOOS>_<GOARCH>/
// first, then in the linker's default paths and any -L in CGO_LDFLAGS. At run time the
// loader must find libtccall.so (LD_LIBRARY_PATH, an rpath, or a system directory).

/*
#cgo linux,amd64 LDFLAGS: -L${SRCDIR}/lib/linux_amd64
#cgo linux,arm64 LDFLAGS: -L${SRCDIR}/lib/linux_arm64
#cgo LDFLAGS: -ltccall
*/
import "C"
