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
from ctypes import POINTER, c_char_p, c_int32, c_size_t, c_uint32, c_void_p
from pathlib import Path

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
