"""An in-process Tencent emulator (the tccall sandbox) for your own tests.

    from tccall.testing import Sandbox
    with Sandbox() as sb:
        client = tccall.Client(sb.client_config)          # over HTTP
        secure = tccall.Client(sb.https_client_config)    # over HTTPS, trusting the sandbox's CA

With pytest, the ``tccall_sandbox`` fixture (registered by ``pytest_plugins = ["tccall.testing"]``
in your conftest.py) yields a fresh started sandbox per test.
"""

from __future__ import annotations

import json
import os
from ctypes import byref, c_void_p
from typing import Any, Iterator, Mapping

from . import _ffi
from ._managed import Managed
from .errors import from_json


class Sandbox(Managed):
    """A running sandbox on 127.0.0.1 (a random port). Stop it with :meth:`close`.

    The port serves HTTP and HTTPS. Attributes: ``base_url`` (``http://127.0.0.1:PORT``),
    ``client_config`` (a tccall config pointing at it over HTTP), ``https_base_url``
    (``https://127.0.0.1:PORT``), ``https_client_config`` (the same over HTTPS, trusting
    only the sandbox's CA), ``ca_pem`` (that CA's certificate, minted at start) and
    ``ca_file`` (a file holding it, for other HTTPS clients; removed by :meth:`close`).

    Thread-safe: :meth:`control` may run on many threads; :meth:`close` makes later calls
    raise :class:`tccall.ClientClosed` and waits for the ones in flight.
    """

    _what = "sandbox"

    def __init__(self, config: Mapping[str, Any] | None = None):
        if not hasattr(_ffi.lib, "tccall_sandbox_start"):
            raise RuntimeError(
                f"tccall: the library at {_ffi.library_path()} was built without the sandbox "
                "(cargo feature \"sandbox\"; TCCALL_NO_SANDBOX=1 for the wheel)"
            )
        handle, err = c_void_p(), c_void_p()
        rc = _ffi.lib.tccall_sandbox_start(json.dumps(dict(config or {})).encode(), byref(handle), byref(err))
        if rc != 0:
            raise from_json(_ffi.take_string(err), rc)
        self._pid = os.getpid()
        self._init_handle(handle.value)
        out, err = c_void_p(), c_void_p()
        rc = _ffi.lib.tccall_sandbox_info(handle.value, byref(out), byref(err))
        if rc != 0:
            self.close()
            raise from_json(_ffi.take_string(err), rc)
        info = json.loads(_ffi.take_string(out) or "{}")
        self.base_url: str = info["base_url"]
        self.client_config: dict[str, Any] = info["client_config"]
        self.https_base_url: str = info["https_base_url"]
        self.https_client_config: dict[str, Any] = info["https_client_config"]
        self.ca_pem: str = info["ca_pem"]
        self.ca_file: str = info["ca_file"]

    def control(self, method: str, path: str, body: Any = None) -> Any:
        """Calls a ``/_sandbox/`` control endpoint in-process, e.g.
        ``control("POST", "/_sandbox/faults", {"match": "end_call", "kind": "http_502", "count": 1})``.
        Over HTTP the same endpoint is ``{method} {base_url}{path}``."""
        out, err = c_void_p(), c_void_p()
        data = json.dumps(body).encode() if body is not None else None
        handle = self._acquire()
        try:
            rc = _ffi.lib.tccall_sandbox_control(handle, method.encode(), path.encode(), data, byref(out), byref(err))
        finally:
            self._release()
        if rc != 0:
            raise from_json(_ffi.take_string(err), rc)
        return json.loads(_ffi.take_string(out) or "null")

    def _free(self, handle: int) -> None:
        # A forked child inherits the handle but not the sandbox's threads: only the
        # process that started it stops it.
        if os.getpid() == self._pid:
            _ffi.lib.tccall_sandbox_free(handle)


try:
    import pytest

    @pytest.fixture
    def tccall_sandbox() -> Iterator[Sandbox]:
        """A fresh sandbox for one test."""
        with Sandbox() as sb:
            yield sb

except ImportError:  # pragma: no cover - pytest is optional
    pass
