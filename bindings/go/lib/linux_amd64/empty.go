//go:build includebuild

// Package linux_amd64 holds libtccall.a (and libtccall_nosandbox.a) for linux/amd64, which
// `make go-lib` copies here in a checkout. It exists as a package only so that `go mod vendor`
// keeps this directory and the libraries in it (golang/go#26366); it is never built.
package linux_amd64
