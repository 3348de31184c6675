#!/usr/bin/env bash
# Installs tccall's wheel as a user would and runs what a user runs: a fresh venv in a temporary
# directory outside the repository, cargo not on PATH, no TCCALL_LIBRARY; the Python quickstarts
# (sync and async) copied out of the repository; and pytest finding the tccall_sandbox fixture
# through the installed pytest11 entry point.
#   check_wheel.sh WHEEL [PYTHON]        (make test-python-install)
set -euo pipefail
wheel=$(realpath "$1")
python=$(command -v "${2:-python3}")
repo=$(cd "$(dirname "$0")/../../../.." && pwd)

tmp=$(mktemp -d /tmp/tccall-wheel.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
cp "$repo/examples/python/quickstart.py" "$repo/examples/python/quickstart_async.py" \
   "$repo/bindings/python/tests/installed/test_plugin.py" "$tmp/"
cd "$tmp"

# Rust off PATH: the wheel must not need it.
PATH=$(printf '%s' "$PATH" | tr ':' '\n' | grep -v -e '/\.cargo/bin' -e '/\.rustup' | paste -sd:)
export PATH
unset TCCALL_LIBRARY PYTHONPATH CARGO
if command -v cargo >/dev/null; then echo "cargo is still on PATH: $(command -v cargo)"; exit 1; fi

"$python" -m venv venv
venv/bin/pip install -q --disable-pip-version-check "$wheel" pytest
venv/bin/python - <<'PY'
import pathlib, tccall
where = pathlib.Path(tccall.__file__).resolve()
assert "venv" in where.parts and (where.parent / "libtccall.so").is_file(), where
print(f"installed tccall {tccall.__version__} (Python {__import__('sys').version.split()[0]}) in {where.parent}")
PY
for story in quickstart quickstart_async; do
    if ! venv/bin/python "$story.py" >"$story.log" 2>&1; then cat "$story.log"; exit 1; fi
    echo "$story.py: $(tail -1 "$story.log")"
done
venv/bin/python -m pytest -q -p no:cacheprovider test_plugin.py
