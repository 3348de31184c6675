//go:build tccall_debug

package tccall

import "runtime"

// debugGC forces a collection before every native call (build tag tccall_debug), which
// flushes out finalizer and KeepAlive mistakes: a client freed while still in use crashes
// here instead of once in a while in production.
func debugGC() { runtime.GC() }
