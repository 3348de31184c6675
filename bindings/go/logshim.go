package tccall

// The C side of the log bridge (definitions may not share a file with //export, see
// log.go): the trampoline the library calls, and the call wrapper that tells it which
// call's context an event belongs to. The library calls the log callback on the thread
// making the call, inside that call, so a thread-local set around tccall_client_call names
// the call whose events arrive on this thread.

/*
#include <stdint.h>
#include <stdlib.h>
#include "tccall.h"

extern void tccallGoLog(uintptr_t sink, uintptr_t ctx, int32_t level, char *event_json);

// The cgo.Handle of the context of the call this thread is making (0: none known).
static __thread uintptr_t tccall_go_call_ctx;

// Not static: cgo takes its address (C.tccall_go_log).
void tccall_go_log(void *userdata, int32_t level, const char *event_json) {
	tccallGoLog((uintptr_t)userdata, tccall_go_call_ctx, level, (char *)event_json);
}

// Registers the trampoline with the sink's cgo.Handle as its userdata. The handle becomes a
// void * here, in C: in a Go frame that small integer would be an unsafe.Pointer the
// garbage collector rejects ("invalid pointer found on stack") when it moves the stack.
static int32_t tccall_go_set_log_callback(const tccall_client *client, int32_t level, uintptr_t sink) {
	return tccall_client_set_log_callback(client, level, tccall_go_log, (void *)sink);
}

static int32_t tccall_go_call(uintptr_t ctx, const tccall_client *client, const char *op, const char *req,
                              const char *opts, const tccall_cancel *cancel, char **out_json, char **out_err) {
	uintptr_t outer = tccall_go_call_ctx; // a log handler may itself make a call
	tccall_go_call_ctx = ctx;
	int32_t rc = tccall_client_call(client, op, req, opts, cancel, out_json, out_err);
	tccall_go_call_ctx = outer;
	return rc;
}
*/
import "C"

import (
	"context"
	"runtime/cgo"
)

// setLogCallback registers the trampoline at level (TCCALL_LOG_*) with sink as its
// userdata, or turns logging off (level 0).
func setLogCallback(ptr *C.tccall_client, level int32, sink cgo.Handle) C.int32_t {
	if level == 0 {
		return C.tccall_client_set_log_callback(ptr, 0, nil, nil)
	}
	return C.tccall_go_set_log_callback(ptr, C.int32_t(level), C.uintptr_t(sink))
}

// callWithContext is tccall_client_call with ctx attached to the events it logs.
func callWithContext(ctx context.Context, ptr *C.tccall_client, op, req, opts *C.char, token *C.tccall_cancel,
	out, cerr **C.char) C.int32_t {
	h := cgo.NewHandle(ctx)
	defer h.Delete()
	return C.tccall_go_call(C.uintptr_t(h), ptr, op, req, opts, token, out, cerr)
}
