import pytest

import tccall

pytest_plugins = ["tccall.testing"]

KEY = "5bd2850fff3ecb11d7c805251c51ee463a25727bddc2385f3fa8bfee1bb93b5e"


@pytest.fixture
def local_client():
    """A client for local operations only (nothing listens on its endpoints)."""
    with tccall.Client({"sdk_app_id": 1400000000, "secret_key": KEY, "im_endpoint": "http://127.0.0.1:9",
                        "retry": {"max_attempts": 1}}) as c:
        yield c


@pytest.fixture
def client(tccall_sandbox):
    cfg = dict(tccall_sandbox.client_config)
    cfg["retry"] = {"max_attempts": 3, "base_delay_ms": 1, "max_delay_ms": 5}
    with tccall.Client(cfg) as c:
        yield c
