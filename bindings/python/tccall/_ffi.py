"""Loads libtccall and declares the C signature of every export.

The library is looked up in ``$TCCALL_LIBRARY`` first, then next to this file (the
wheel bundles it there). Owned strings come back through ``char **`` out pointers
typed as ``c_void_p`` so ctypes never converts (and leaks) them; ``take_string``
copies and frees them with ``tccall_string_free``.
"""

from __future__ import annotations

import ctypes
import json
import os
import sys
import threading
from ctypes import POINTER, c_char_p, c_int32, c_size_t, c_uint32, c_void_p
from pathlib import Path
from typing import Any

ABI_VERSION = 1

_LIB_NAMES = {"linux": "libtccall.so", "darwin": "libtccall.dylib", "win32": "tccall.dll"}

# int32_t (*tccall_poll_fn)(void *userdata)
POLL_FN = ctypes.CFUNCTYPE(c_int32, c_void_p)
# void (*tccall_log_fn)(void *userdata, int32_t level, const char *event_json)
LOG_FN = ctypes.CFUNCTYPE(None, c_void_p, c_int32, c_char_p)


def _library_path() -> str:
    override = os.environ.get("TCCALL_LIBRARY")
    if override:
        return override
    name = _LIB_NAMES.get(sys.platform, "libtccall.so")
    return str(Path(__file__).resolve().parent / name)


def library_path() -> str:
    """The path libtccall was loaded from."""
    return _library_path()


def _load() -> ctypes.CDLL:
    path = _library_path()
    try:
        lib = ctypes.CDLL(path)
    except OSError as e:
        raise ImportError(
            f"tccall: cannot load the native library at {path} ({e}); "
            "install the package with pip, or set TCCALL_LIBRARY to libtccall.so"
        ) from e
    out = POINTER(c_void_p)
    sigs = {
        "tccall_version": ([], c_char_p),
        "tccall_abi_version": ([], c_uint32),
        "tccall_operations": ([], c_char_p),
        "tccall_strerror": ([c_int32], c_char_p),
        "tccall_string_free": ([c_void_p], None),
        "tccall_client_new": ([c_char_p, out, out], c_int32),
        "tccall_client_free": ([c_void_p], None),
        "tccall_client_parse_webhook": ([c_void_p, c_char_p, c_char_p, c_size_t, out, out], c_int32),
        # client, sign_header, sdkappid_header, body, body_len, out_json, out_err
        "tccall_client_parse_trtc_webhook": ([c_void_p, c_char_p, c_char_p, c_char_p, c_size_t, out, out], c_int32),
        # client, op_name, request_json, options_json, cancel, out_json, out_err
        "tccall_client_call": ([c_void_p, c_char_p, c_char_p, c_char_p, c_void_p, out, out], c_int32),
        # client, level, callback (None: off), userdata
        "tccall_client_set_log_callback": ([c_void_p, c_int32, LOG_FN, c_void_p], c_int32),
        "tccall_client_stats": ([c_void_p, out], c_int32),
        "tccall_client_update_credentials": ([c_void_p, c_char_p, out], c_int32),
        "tccall_cancel_new": ([], c_void_p),
        "tccall_cancel_cancel": ([c_void_p], None),
        "tccall_cancel_set_poll": ([c_void_p, POLL_FN, c_void_p, c_uint32], c_int32),
        "tccall_cancel_free": ([c_void_p], None),
        "tccall_sandbox_start": ([c_char_p, out, out], c_int32),
        "tccall_sandbox_info": ([c_void_p, out, out], c_int32),
        "tccall_sandbox_control": ([c_void_p, c_char_p, c_char_p, c_char_p, out, out], c_int32),
        "tccall_sandbox_free": ([c_void_p], None),
    }
    for name, (argtypes, restype) in sigs.items():
        if name.startswith("tccall_sandbox_") and not hasattr(lib, name):
            continue  # a library built without the "sandbox" feature
        fn = getattr(lib, name)
        fn.argtypes = argtypes
        fn.restype = restype
    found = lib.tccall_abi_version()
    if found != ABI_VERSION:
        raise ImportError(
            f"tccall: native library ABI version {found} does not match this wrapper's {ABI_VERSION} "
            f"({path}); install matching versions"
        )
    # The operations, each also exported as tccall_client_<name>(client, request_json, out_json, out_err).
    for op in json.loads(lib.tccall_operations()):
        fn = getattr(lib, op["c_function"])
        fn.argtypes = [c_void_p, c_char_p, out, out]
        fn.restype = c_int32
    return lib


lib = _load()

# The operation table: [{"name", "family": "im" | "cloud_api" | "composite" | "local", "retry", "c_function"}].
OPERATION_TABLE = tuple(json.loads(lib.tccall_operations()))
# Every operation name tccall_client_call takes, in the library's order.
OPERATIONS = tuple(op["name"] for op in OPERATION_TABLE)
# Operations that never touch the network (family "local"): no deadline, no cancel token, no
# Ctrl-C poll. Every other family ("im", "cloud_api", "composite") is a network operation.
LOCAL_OPERATIONS = frozenset(op["name"] for op in OPERATION_TABLE if op["family"] == "local")
DECLARED = frozenset(
    ["tccall_version", "tccall_abi_version", "tccall_operations", "tccall_strerror", "tccall_string_free",
     "tccall_client_new", "tccall_client_free", "tccall_client_parse_webhook", "tccall_client_parse_trtc_webhook",
     "tccall_client_call", "tccall_client_set_log_callback", "tccall_client_stats", "tccall_client_update_credentials",
     "tccall_cancel_new", "tccall_cancel_cancel", "tccall_cancel_set_poll", "tccall_cancel_free",
     "tccall_sandbox_start", "tccall_sandbox_info", "tccall_sandbox_control", "tccall_sandbox_free"]
    + [op["c_function"] for op in OPERATION_TABLE]
)


# -- the hot path ---------------------------------------------------------------------------
#
# The calls made per operation use their own function objects (the declarations above stay as
# they are for everything else): the out pointers are plain addresses (c_void_p) into a
# per-thread pair of slots, so a call builds no ctypes objects, and a result is read with one
# index of a c_char_p array (a copy up to the NUL) and freed by address.


def _own(name: str, argtypes: list, restype: Any) -> Any:
    """A separate function object for the export ``name``, with its own argtypes."""
    fn = lib._FuncPtr((name, lib))
    fn.argtypes = argtypes
    fn.restype = restype
    return fn


# client, op_name, request_json, options_json, cancel, &out_json, &out_err
CALL = _own("tccall_client_call", [c_void_p, c_char_p, c_char_p, c_char_p, c_void_p, c_void_p, c_void_p], c_int32)
FREE = _own("tccall_string_free", [c_void_p], None)
# Operation name -> tccall_client_<op>(client, request_json, &out_json, &out_err).
OP_FUNCTIONS = {op["name"]: _own(op["c_function"], [c_void_p, c_char_p, c_void_p, c_void_p], c_int32)
                for op in OPERATION_TABLE}

_TEXT2 = c_char_p * 2
_ADDR2 = c_void_p * 2


class Slots:
    """``out_json`` and ``out_err`` of one call: ``text[i]`` reads slot i as bytes (or None),
    ``ptr[i]`` as an address; ``out`` and ``err`` are the slots' addresses to pass to C.

    The library writes ``*out_json`` only on success and ``*out_err`` only on failure, so after
    a call the slot its result code names is the one just written (the other may be stale)."""

    __slots__ = ("text", "ptr", "out", "err")

    def __init__(self) -> None:
        self.text = _TEXT2()
        self.ptr = _ADDR2.from_buffer(self.text)
        self.out = ctypes.addressof(self.text)
        self.err = self.out + ctypes.sizeof(c_void_p)

    def take(self, i: int) -> bytes:
        """Copies slot ``i`` (0: out_json, 1: out_err) and frees it."""
        data = self.text[i]
        FREE(self.ptr[i])
        return data


_tls = threading.local()


def slots() -> Slots:
    """A free pair of slots for this thread; give it back with :func:`give_back` once both are read.

    Taken out of the thread's free list while in use, so a call made from a signal handler or a
    log handler in the middle of another call on the same thread gets a pair of its own."""
    try:
        free = _tls.free
    except AttributeError:
        free = _tls.free = []
    return free.pop() if free else Slots()


def give_back(s: Slots) -> None:
    _tls.free.append(s)


if sys.implementation.name == "cpython":
    _scan_once = json.JSONDecoder().scan_once  # the C scanner json.loads ends in

    def loads(data: bytes) -> Any:
        """``json.loads`` of the library's compact UTF-8 JSON, without json.loads' encoding
        detection and whitespace matching (the same objects; anything unexpected goes to
        json.loads)."""
        text = data.decode("utf-8")
        try:
            value, end = _scan_once(text, 0)
        except StopIteration:
            return json.loads(text)
        return value if end == len(text) else json.loads(text)

else:  # PyPy: json.loads is its own fast parser
    loads = json.loads


def take_bytes(ptr: c_void_p) -> bytes | None:
    """Copies a library-owned string and frees it (exactly once)."""
    if not ptr.value:
        return None
    try:
        return ctypes.string_at(ptr.value)
    finally:
        lib.tccall_string_free(ptr.value)
        ptr.value = None


def take_string(ptr: c_void_p) -> str | None:
    """As :func:`take_bytes`, decoded from UTF-8."""
    data = take_bytes(ptr)
    return None if data is None else data.decode("utf-8")
