#!/usr/bin/env bash
# make test-install: installs both release variants into temporary prefixes outside the
# repository and builds programs against them as a user would, with the commands of the
# README's "Install: C" section (extracted from README.md and run, /opt/tccall replaced):
#   - production (make install): SONAME and symlinks, no tccall_sandbox_* symbol, tests/install/hello.c
#     linked through pkg-config (shared with an rpath, static with tccall-static) and CMake
#     (tccall::tccall, tccall::tccall_static), each run;
#   - sandbox (make install SANDBOX=1): examples/c/quickstart.c built the same four ways and run.
# The README's hello.c and CMakeLists.txt must be these files byte for byte.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
here=$root/tests/install
tmp=$(mktemp -d "${TMPDIR:-/tmp}/tccall-install.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
unset LD_LIBRARY_PATH
fail() { echo "test-install: $*" >&2; exit 1; }

# The fenced block that follows the line `<!-- NAME -->` in README.md.
readme_block() {
    awk -v mark="<!-- $1 -->" '$0 == mark {found = 1; next}
        found && /^```/ {if (inside) exit; inside = 1; next}
        inside {print}' "$root/README.md"
}
for f in hello.c CMakeLists.txt; do
    diff -u "$here/$f" <(readme_block "install-c:$f") >/dev/null ||
        fail "README.md's $f (after <!-- install-c:$f -->) differs from tests/install/$f"
done
for b in install-c:pkg-config install-c:cmake; do
    [ -n "$(readme_block "$b")" ] || fail "README.md has no block after <!-- $b -->"
done

make -C "$root" --no-print-directory install PREFIX="$tmp/opt" >"$tmp/install.log" 2>&1 ||
    { cat "$tmp/install.log"; fail "make install failed"; }
make -C "$root" --no-print-directory install SANDBOX=1 PREFIX="$tmp/sandbox" >>"$tmp/install.log" 2>&1 ||
    { cat "$tmp/install.log"; fail "make install SANDBOX=1 failed"; }

abi=$(sed -n 's/^#define TCCALL_ABI_VERSION //p' "$root/include/tccall.h")
for p in "$tmp/opt" "$tmp/sandbox"; do
    for f in include/tccall.h lib/libtccall.a lib/pkgconfig/tccall.pc lib/pkgconfig/tccall-static.pc \
        lib/cmake/tccall/tccallConfig.cmake lib/cmake/tccall/tccallConfigVersion.cmake; do
        [ -f "$p/$f" ] || fail "$p/$f is missing"
    done
    [ "$(readlink "$p/lib/libtccall.so")" = "libtccall.so.$abi" ] || fail "libtccall.so is not a link to libtccall.so.$abi"
    real=$(readlink "$p/lib/libtccall.so.$abi")
    [[ $real == libtccall.so.$abi.*.* && -f $p/lib/$real ]] || fail "libtccall.so.$abi -> '$real'"
    readelf -d "$p/lib/$real" | grep -q "(SONAME).*\[libtccall.so.$abi\]" || fail "$real has no SONAME libtccall.so.$abi"
done
[ -z "$(nm -D --defined-only "$tmp/opt/lib/libtccall.so" | grep tccall_sandbox_)" ] ||
    fail "the production libtccall.so exports tccall_sandbox_*"
[ -z "$(nm --defined-only "$tmp/opt/lib/libtccall.a" 2>/dev/null | grep ' T tccall_sandbox_')" ] ||
    fail "the production libtccall.a defines tccall_sandbox_*"
nm -D --defined-only "$tmp/sandbox/lib/libtccall.so" | grep -q ' T tccall_sandbox_start' ||
    fail "the SANDBOX=1 libtccall.so lacks tccall_sandbox_start"
[ "$(PKG_CONFIG_PATH=$tmp/opt/lib/pkgconfig pkg-config --variable=sandbox tccall)" = 0 ] || fail "tccall.pc: sandbox != 0"

# Builds SOURCE as hello.c with the README's commands against PREFIX, runs every program.
build_and_run() {
    local source=$1 prefix=$2 dir=$3
    mkdir -p "$dir"
    cp "$source" "$dir/hello.c"
    cp "$here/CMakeLists.txt" "$dir/"
    (
        cd "$dir"
        readme_block install-c:pkg-config | sed "s#/opt/tccall#$prefix#g" >pkg-config.sh
        readme_block install-c:cmake | sed "s#/opt/tccall#$prefix#g" >cmake.sh
        bash -euo pipefail pkg-config.sh >run.log 2>&1 || { cat run.log; fail "pkg-config block failed in $dir"; }
        bash -euo pipefail cmake.sh >>run.log 2>&1 || { cat run.log; fail "cmake block failed in $dir"; }
        for exe in hello build/hello; do
            readelf -d "$exe" | grep -q "(NEEDED).*\[libtccall.so.$abi\]" || fail "$exe does not need libtccall.so.$abi"
            readelf -d "$exe" | grep -q "(RUNPATH\|RPATH).*$prefix/lib" || fail "$exe has no rpath to $prefix/lib"
        done
        for exe in hello-static build/hello-static; do
            ! readelf -d "$exe" | grep -q "libtccall" || fail "$exe is not linked statically against libtccall"
        done
        for exe in hello hello-static build/hello build/hello-static; do
            "./$exe" >"$exe.out" 2>&1 || { cat "$exe.out"; fail "$dir/$exe failed"; }
        done
    )
}
build_and_run "$here/hello.c" "$tmp/opt" "$tmp/hello"
grep -q '"usersig"' "$tmp/hello/hello.out" || fail "hello printed no UserSig"
build_and_run "$root/examples/c/quickstart.c" "$tmp/sandbox" "$tmp/quickstart"
grep -q "end_desk_session -> success" "$tmp/quickstart/build/hello-static.out" || fail "the quickstart did not finish"

so=$(stat -L -c %s "$tmp/opt/lib/libtccall.so.$abi") sb=$(stat -L -c %s "$tmp/sandbox/lib/libtccall.so.$abi")
a=$(stat -c %s "$tmp/opt/lib/libtccall.a") ab=$(stat -c %s "$tmp/sandbox/lib/libtccall.a")
echo "install: SONAME libtccall.so.$abi; production .so $((so / 1024)) KiB, .a $((a / 1024)) KiB;" \
    "SANDBOX=1 .so $((sb / 1024)) KiB, .a $((ab / 1024)) KiB (stripped)"
echo "install: hello and the C quickstart built with pkg-config (shared, static) and CMake (tccall::tccall, tccall::tccall_static) and run"
