#!/usr/bin/env bash
# make go-module: stages a self-contained Go module in target/go-module/, as wasmtime-go ships:
#
#   go.mod, README.md, the package's Go files and its runnable examples (example*_test.go;
#   the other tests need the repository and stay there)
#   include/tccall.h
#   lib/linux_amd64/libtccall.a            release, stripped, with the sandbox (the default link)
#   lib/linux_amd64/libtccall_nosandbox.a  release, stripped, production (-tags tccall_nosandbox)
#   lib/linux_arm64/...                    the same, cross-built (skipped, with the reason, when
#                                          the cross compiler or rust-std is missing)
#
# Nothing in it needs cargo: a consumer builds it with Go and a C compiler only. It is the
# content of the module at bindings/go for a release (the libraries are not in git).
set -euo pipefail
cd "$(dirname "$0")/.."

out=target/go-module
rm -rf "$out"
mkdir -p "$out/include"
cp bindings/go/go.mod bindings/go/README.md "$out/"
for f in bindings/go/*.go; do
    case $f in
        */example*_test.go) cp "$f" "$out/" ;;
        *_test.go) ;;
        *) cp "$f" "$out/" ;;
    esac
done
cp bindings/go/include/empty.go include/tccall.h "$out/include/"

staged=()
for plat in x86_64-unknown-linux-gnu:linux_amd64 aarch64-unknown-linux-gnu:linux_arm64; do
    triple=${plat%%:*} goplat=${plat#*:}
    dir=$out/lib/$goplat
    mkdir -p "$dir"
    cp "bindings/go/lib/$goplat/empty.go" "$dir/"
    for variant in sandbox production; do
        rc=0
        packaging/release-lib.sh "$variant" "$triple" || rc=$?
        if [ $rc = 3 ]; then
            echo "go-module: $goplat skipped (see above); the module builds on the other platforms" >&2
            rm -f "$dir"/*.a
            continue 2
        fi
        [ $rc = 0 ] || exit $rc
        name=libtccall.a src=link_static.go
        [ "$variant" = production ] && name=libtccall_nosandbox.a src=link_static_nosandbox.go
        cp "target/dist/$triple/$variant/libtccall.a" "$dir/$name"
        # Every system library rustc asks for must be on the #cgo line for this platform.
        line=$(grep "^#cgo ${goplat/_/,} LDFLAGS: \${SRCDIR}/lib/$goplat/$name " "$out/$src") || {
            echo "go-module: $src has no #cgo line for $goplat linking $name" >&2
            exit 1
        }
        for l in $(cat "target/dist/$triple/$variant/native-static-libs"); do
            [[ " $line " == *" $l "* ]] || {
                echo "go-module: $src's $goplat line lacks $l (rustc --print native-static-libs)" >&2
                exit 1
            }
        done
    done
    staged+=("$goplat")
done
echo "go-module: $out ($(du -sh "$out" | cut -f1)) for ${staged[*]}"
