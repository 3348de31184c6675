//go:build !cgo

package tccall

// The package calls the Rust library through cgo. Without cgo (CGO_ENABLED=0, or a cross
// build with no C compiler) every other file is left out and the compiler stops on the one
// undefined name below, which says what to do: build with CGO_ENABLED=1 and a C compiler
// (gcc or clang) on PATH. `make test-go` checks that this stays the only error.
var _ = tccall_requires_cgo_set_CGO_ENABLED_1
