"""Run by check_wheel.sh from a directory outside the repository, against the installed wheel:
pytest finds the tccall_sandbox fixture through tccall's pytest11 entry point (no conftest.py,
no pytest_plugins)."""

import tccall


def test_the_fixture_comes_from_the_installed_plugin(tccall_sandbox, request):
    assert request.config.pluginmanager.has_plugin("tccall.testing")
    with tccall.Client(tccall_sandbox.client_config) as client:
        call_id = tccall_sandbox.control("POST", "/_sandbox/calls", {"caller": "a", "callees": ["b"]})["CallId"]
        client.end_call(call_id, timeout=5)
        assert client.get_call_record(call_id)["CallRecord"]["CallId"] == call_id
