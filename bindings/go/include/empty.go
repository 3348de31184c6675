//go:build includebuild

// Package include holds a copy of tccall.h for cgo. It exists as a package only so that
// `go mod vendor` keeps this directory (golang/go#26366); it is never built.
package include
