package tccall

// The C side of the log bridge (definitions may not share a file with //export, see
// log.go): the trampoline the library calls, and the call wrapper that tells it which
// call's context an event belongs to. The library calls the log callback on the thread
// making the call, inside that call, so a thread-local set around tccall_client_call names
// the call whose events arrive on this thread.

/*
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
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

// The answer of one call: the result (rc 0) or error JSON, when it did not fit the caller's
// buffer; its length either way.
struct tccall_go_answer {
	char *out;
	char *err;
	size_t len;
};

// tccall_client_call with ctx as the thread's call context (0: none), and its answer copied
// into buf and freed when it fits (most do): the whole call, copy and free in one cgo call.
static int32_t tccall_go_call(uintptr_t ctx, const tccall_client *client, const char *op, const char *req,
                              const char *opts, const tccall_cancel *cancel, char *buf, size_t cap,
                              struct tccall_go_answer *answer) {
	uintptr_t outer = tccall_go_call_ctx; // a log handler may itself make a call
	tccall_go_call_ctx = ctx;
	answer->out = NULL;
	answer->err = NULL;
	answer->len = 0;
	int32_t rc = tccall_client_call(client, op, req, opts, cancel, &answer->out, &answer->err);
	tccall_go_call_ctx = outer;
	char **text = rc == TCCALL_OK ? &answer->out : &answer->err;
	if (*text != NULL) {
		size_t n = strlen(*text);
		answer->len = n;
		if (n <= cap) {
			memcpy(buf, *text, n);
			tccall_string_free(*text);
			*text = NULL;
		}
	}
	return rc;
}
*/
import "C"

import (
	"runtime/cgo"
	"sync"
	"unsafe"
)

// setLogCallback registers the trampoline at level (TCCALL_LOG_*) with sink as its
// userdata, or turns logging off (level 0).
func setLogCallback(ptr *C.tccall_client, level int32, sink cgo.Handle) C.int32_t {
	if level == 0 {
		return C.tccall_client_set_log_callback(ptr, 0, nil, nil)
	}
	return C.tccall_go_set_log_callback(ptr, C.int32_t(level), C.uintptr_t(sink))
}

// callBuf holds one call's request and answer; reused through callBufs, so a call
// allocates neither C strings nor a copy of the answer it decodes.
type callBuf struct {
	req    []byte // the request JSON, then its NUL
	opts   []byte // the options JSON and its NUL, when there are options
	out    []byte // the answer, copied here by tccall_go_call when it fits
	answer C.struct_tccall_go_answer
}

// maxPooledOut bounds the answer buffer a pooled callBuf keeps growing to.
const maxPooledOut = 64 << 10

var callBufs = sync.Pool{New: func() any {
	return &callBuf{req: make([]byte, 0, 256), out: make([]byte, 2048)}
}}

func getCallBuf() *callBuf { return callBufs.Get().(*callBuf) }

func putCallBuf(b *callBuf) {
	if cap(b.req) <= maxPooledOut {
		callBufs.Put(b)
	}
}

// call runs op on b.req (NUL-terminated by the caller) with opts (nil for none) and token,
// with ctx (its cgo.Handle, 0 for none) as the call's context for the log callback. It
// returns the result code and the answer: the result JSON for 0, else the error JSON
// (empty when there is none). The answer is b.out's or, when it did not fit, a copy; it is
// valid until b is reused.
func (b *callBuf) call(ctx cgo.Handle, ptr *C.tccall_client, op *C.char, opts *C.char, token *C.tccall_cancel) (C.int32_t, []byte) {
	rc := C.tccall_go_call(C.uintptr_t(ctx), ptr, op, (*C.char)(unsafe.Pointer(&b.req[0])), opts, token,
		(*C.char)(unsafe.Pointer(&b.out[0])), C.size_t(len(b.out)), &b.answer)
	n := int(b.answer.len)
	text := b.answer.out
	if rc != C.TCCALL_OK {
		text = b.answer.err
	}
	if text == nil {
		return rc, b.out[:n]
	}
	// Too long for b.out: take the library's string, and keep a larger buffer for next time.
	long := C.GoBytes(unsafe.Pointer(text), C.int(n))
	C.tccall_string_free(text)
	b.answer.out, b.answer.err = nil, nil
	if n <= maxPooledOut {
		size := len(b.out)
		for size < n {
			size *= 2
		}
		b.out = make([]byte, size)
	}
	return rc, long
}
