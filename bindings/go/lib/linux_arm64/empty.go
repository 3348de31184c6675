//go:build includebuild

// Package linux_arm64 holds libtccall.a (and libtccall_nosandbox.a) for linux/arm64. It
// exists as a package only so that `go mod vendor` keeps this directory and the libraries
// in it (golang/go#26366); it is never built.
package linux_arm64
