//go:build !tccall_debug

package tccall

// debugGC is a no-op; build with -tags tccall_debug to force a GC before every call.
func debugGC() {}
