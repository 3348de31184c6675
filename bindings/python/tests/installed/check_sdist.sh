#!/usr/bin/env bash
# Installs tccall's sdist in a fresh venv outside the repository.
#   check_sdist.sh SDIST PYTHON no-cargo   cargo off PATH: pip must stop with our one-line error
#   check_sdist.sh SDIST PYTHON cargo      builds the library from the sdist's rust/ (shares
#                                          CARGO_TARGET_DIR if set) and runs a call
set -euo pipefail
sdist=$(realpath "$1")
python=$(command -v "${2:-python3}")
mode=${3:-no-cargo}

tmp=$(mktemp -d /tmp/tccall-sdist.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"
unset TCCALL_LIBRARY PYTHONPATH
"$python" -m venv venv

if [ "$mode" = no-cargo ]; then
    PATH=$(printf '%s' "$PATH" | tr ':' '\n' | grep -v -e '/\.cargo/bin' -e '/\.rustup' | paste -sd:)
    export PATH
    unset CARGO
    if venv/bin/pip install --disable-pip-version-check "$sdist" >pip.log 2>&1; then
        echo "the sdist installed without cargo"; exit 1
    fi
    line="error: building tccall from source needs Rust's \`cargo\` on PATH"
    grep -F "$line" pip.log >/dev/null || { cat pip.log; echo "no one-line cargo error"; exit 1; }
    grep -F "[1 lines of output]" pip.log >/dev/null || { cat pip.log; echo "more than our line"; exit 1; }
    echo "sdist without cargo: $(grep -F "$line" pip.log | sed 's/^ *//')"
else
    start=$(date +%s)
    venv/bin/pip install -q --disable-pip-version-check "$sdist"
    echo "sdist built with cargo in $(( $(date +%s) - start )) s"
    venv/bin/python -c "import tccall; c = tccall.Client({'sdk_app_id': 1, 'secret_key': 'k'}); \
assert c.gen_usersig('u')['usersig']; print('tccall', tccall.__version__, 'from the sdist works')"
fi
