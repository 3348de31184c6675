#!/usr/bin/env bash
# Builds the release library of one variant for one platform and stages it, stripped, in
# target/dist/<triple>/<variant>/ for `make install`, `make go-lib` and `make go-module`:
#
#   libtccall.a          debug info and embedded LLVM bitcode removed (neither is needed to link)
#   libtccall.so         host platform only; symbols not needed for dynamic linking removed
#   native-static-libs   the system libraries a static link needs (rustc --print native-static-libs)
#
# Two variants from one source:
#   production  --no-default-features: the client only, no emulator, no tccall_sandbox_* export
#   sandbox     --features sandbox: the client plus the local Tencent emulator (tests, quickstarts)
# On the host each variant has its own cargo target directory (target/ and target/nosandbox/),
# so building one never invalidates the other (target/release stays the sandbox build the
# rest of the repository expects) and a second run is a no-op. A cross build uses target/ for
# both: switching variants recompiles only this crate (~15 s, against ~75 s for a second cold
# tree), and its only consumer, make go-module, copies each library right after building it.
#
# Another triple is cross-built as a static library only (a static library is not linked, so
# no cross linker is needed), but ring compiles C and assembly: that needs the target's gcc
# (aarch64-linux-gnu-gcc from Debian's gcc-aarch64-linux-gnu) and rust-std for the triple
# (rustup target add). Without them this script prints why and exits 3.
#
# usage: packaging/release-lib.sh production|sandbox [TRIPLE]
set -euo pipefail
cd "$(dirname "$0")/.."

variant=${1:-}
host=$(rustc -vV | sed -n 's/^host: //p')
triple=${2:-$host}
case $variant in
    production) tdir=target/nosandbox; features=(--no-default-features) ;;
    sandbox) tdir=target; features=(--no-default-features --features sandbox) ;;
    *) echo "usage: $0 production|sandbox [TRIPLE]" >&2; exit 2 ;;
esac

args=(rustc --release --lib "${features[@]}" --target-dir "$tdir")
strip=strip
if [ "$triple" = "$host" ]; then
    out=$tdir/release
else
    arch=${triple%%-*}
    gcc=$arch-linux-gnu-gcc
    if ! rustup target list --installed 2>/dev/null | grep -qx "$triple"; then
        echo "$triple skipped: no rust-std for it (rustup target add $triple)" >&2
        exit 3
    fi
    if ! command -v "$gcc" >/dev/null; then
        echo "$triple skipped: ring needs the C cross compiler $gcc (apt-get install gcc-$arch-linux-gnu)" >&2
        exit 3
    fi
    tdir=target
    args=(rustc --release --lib "${features[@]}" --target-dir "$tdir" --target "$triple" --crate-type staticlib)
    out=$tdir/$triple/release
    strip=$arch-linux-gnu-strip
fi

log=$(mktemp)
trap 'rm -f "$log"' EXIT
# --print native-static-libs: cargo replays the note when the build is fresh.
if ! "${CARGO:-cargo}" "${args[@]}" -- --print native-static-libs >"$log" 2>&1; then
    cat "$log" >&2
    exit 1
fi
libs=$(sed -n 's/^note: native-static-libs: //p' "$log" | tail -1)
[ -n "$libs" ] || { cat "$log" >&2; echo "no native-static-libs note from rustc" >&2; exit 1; }

dest=target/dist/$triple/$variant
mkdir -p "$dest"
"$strip" --strip-debug -R .llvmbc -R .llvmcmd -o "$dest/libtccall.a.tmp" "$out/libtccall.a"
mv "$dest/libtccall.a.tmp" "$dest/libtccall.a"
if [ "$triple" = "$host" ]; then
    "$strip" --strip-unneeded -o "$dest/libtccall.so.tmp" "$out/libtccall.so"
    mv "$dest/libtccall.so.tmp" "$dest/libtccall.so"
fi
echo "$libs" >"$dest/native-static-libs"
echo "staged $dest ($(cd "$dest" && ls -1 libtccall.* | tr '\n' ' '))"
