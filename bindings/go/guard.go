package tccall

import "sync/atomic"

// closedBit marks a guard closed; the bits below count the calls in flight.
const closedBit = int64(1) << 62

// guard keeps a native handle alive while calls use it, without a lock on the call path:
// every call enters and leaves (two atomic operations), and close first marks the guard
// closed, so later calls fail fast, then waits for the calls in flight and frees the
// handle once. Nothing else ever waits: a call hanging on the network delays only Close.
type guard struct {
	state atomic.Int64  // calls in flight | closedBit
	idle  chan struct{} // closed once closed and no call is in flight
	freed chan struct{} // closed once the handle is freed
}

func newGuard() guard {
	return guard{idle: make(chan struct{}), freed: make(chan struct{})}
}

// enter counts a call in; false once the guard is closed (the call must not start).
func (g *guard) enter() bool {
	for {
		s := g.state.Load()
		if s&closedBit != 0 {
			return false
		}
		if g.state.CompareAndSwap(s, s+1) {
			return true
		}
	}
}

// leave counts a call out; the last call out after close wakes close.
func (g *guard) leave() {
	if g.state.Add(-1) == closedBit {
		close(g.idle)
	}
}

// close marks the guard closed, waits for the calls in flight, and runs free once. Every
// caller returns only after free has run.
func (g *guard) close(free func()) {
	for {
		s := g.state.Load()
		if s&closedBit != 0 {
			<-g.freed // closed by another caller: wait until it has freed
			return
		}
		if g.state.CompareAndSwap(s, s|closedBit) {
			if s == 0 {
				close(g.idle)
			}
			<-g.idle
			free()
			close(g.freed)
			return
		}
	}
}
