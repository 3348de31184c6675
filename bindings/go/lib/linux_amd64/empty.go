//go:build includebuild

// Package linux_amd64 holds libtccall.a for linux/amd64. It exists as a package only so
// that `go mod vendor` keeps this directory and the library in it (golang/go#26366);
// it is never built.
package linux_amd64
