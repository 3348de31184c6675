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

// The answer of one call: its result code, and the result (rc 0) or error JSON's length,
// with the library's string itself when it did not fit the caller's buffer (NULL when it
// was copied there, or when there is none). Returned by value: no Go pointer to check.
struct tccall_go_answer {
	int32_t rc;
	char *text;
	size_t len;
};

// tccall_client_call with ctx as the thread's call context (0: none) and the request JSON
// in buf, whose answer is then copied over the request into buf (cap bytes) and freed when
// it fits (most do): the whole call, copy and free in one cgo call, with one Go pointer.
//
// No "#cgo nocallback" or "#cgo noescape" here. nocallback would be wrong: with a log
// handler registered, every operation (local ones too: gen_usersig logs its call event)
// calls tccall_go_log, and so Go, from inside tccall_client_call on this thread. For a
// client without a handler it would hold, but it saves nothing by itself (cgo only sets and
// clears a flag around the call, runtime.cgoNoCallback, to panic on a callback); its use is
// to make noescape effective, and noescape has nothing to save either: buf is pooled heap
// memory, already escaped, and a stack buffer instead would cost a zeroed multi-KiB frame
// per call and could not serve the calls that log.
static struct tccall_go_answer tccall_go_call(uintptr_t ctx, const tccall_client *client, const char *op, char *buf,
                                              size_t cap, const char *opts, const tccall_cancel *cancel) {
	struct tccall_go_answer answer = {0, NULL, 0};
	char *out = NULL, *err = NULL;
	uintptr_t outer = tccall_go_call_ctx; // a log handler may itself make a call
	tccall_go_call_ctx = ctx;
	answer.rc = tccall_client_call(client, op, buf, opts, cancel, &out, &err);
	tccall_go_call_ctx = outer;
	char *text = answer.rc == TCCALL_OK ? out : err;
	if (text != NULL) {
		answer.len = strlen(text);
		if (answer.len <= cap) {
			memcpy(buf, text, answer.len);
			tccall_string_free(text);
		} else {
			answer.text = text;
		}
	}
	return answer;
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
	buf  []byte // the request JSON and its NUL; then the answer, copied over it by tccall_go_call
	opts []byte // the options JSON and its NUL, when there are options
}

// maxPooledBuf bounds the buffer a pooled callBuf keeps growing to.
const maxPooledBuf = 64 << 10

var callBufs = sync.Pool{New: func() any { return &callBuf{buf: make([]byte, 0, 2048)} }}

func getCallBuf() *callBuf { return callBufs.Get().(*callBuf) }

func putCallBuf(b *callBuf) {
	if cap(b.buf) <= maxPooledBuf {
		callBufs.Put(b)
	}
}

// call runs op on the request in b.buf (NUL-terminated by the caller) with opts (nil for
// none) and token, with ctx (its cgo.Handle, 0 for none) as the call's context for the log
// callback. It returns the result code and the answer: the result JSON for 0, else the
// error JSON (empty when there is none). The answer is in b.buf or, when it did not fit, a
// copy; it is valid until b is reused.
func (b *callBuf) call(ctx cgo.Handle, ptr *C.tccall_client, op *C.char, opts *C.char, token *C.tccall_cancel) (C.int32_t, []byte) {
	buf := b.buf[:cap(b.buf)]
	a := C.tccall_go_call(C.uintptr_t(ctx), ptr, op, (*C.char)(unsafe.Pointer(&buf[0])), C.size_t(len(buf)), opts, token)
	n := int(a.len)
	if a.text == nil {
		b.buf = buf[:n]
		return a.rc, b.buf
	}
	// Too long for b.buf: take the library's string, and keep a larger buffer for next time.
	long := C.GoBytes(unsafe.Pointer(a.text), C.int(n))
	C.tccall_string_free(a.text)
	if n <= maxPooledBuf {
		size := len(buf)
		for size < n {
			size *= 2
		}
		b.buf = make([]byte, 0, size)
	}
	return a.rc, long
}
