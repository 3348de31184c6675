#!/usr/bin/env bash
# make test-go-module: a consumer module in a temporary directory outside the repository
# requires the module staged in target/go-module/ (make go-module) through a `replace`, as the
# README's "Install: Go" section shows, and builds with cargo and rustc off PATH:
#   - main.go (the README's, byte for byte) with the sandbox, built and run;
#   - the same vendored (go mod vendor, -mod=vendor), built and run;
#   - prod/main.go with -tags tccall_nosandbox: no tccall_sandbox_* in the binary, run;
#   - CGO_ENABLED=0: exactly one compiler error, naming tccall_requires_cgo_set_CGO_ENABLED_1;
#   - linux/arm64 (when staged and aarch64-linux-gnu-gcc is there): cross-built, and run under
#     qemu-aarch64 when that is installed;
#   - go vet in target/go-module (its Go files and examples compile where they are staged).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
here=$root/tests/go-module
module=$root/target/go-module
tmp=$(mktemp -d "${TMPDIR:-/tmp}/tccall-go-module.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
fail() { echo "test-go-module: $*" >&2; exit 1; }
[ -f "$module/go.mod" ] || fail "$module is not staged: run make go-module"

readme_block() {
    awk -v mark="<!-- $1 -->" '$0 == mark {found = 1; next}
        found && /^```/ {if (inside) exit; inside = 1; next}
        inside {print}' "$root/README.md"
}
diff -u "$here/main.go" <(readme_block install-go:main.go) >/dev/null ||
    fail "README.md's main.go (after <!-- install-go:main.go -->) differs from tests/go-module/main.go"

# No cargo, no rustc: drop every PATH entry that has them.
path=
IFS=: read -ra dirs <<<"$PATH"
for d in "${dirs[@]}"; do
    [ -x "$d/cargo" ] || [ -x "$d/rustc" ] || path=${path:+$path:}$d
done
export PATH=$path GOFLAGS=-mod=mod GOPROXY=off GOTOOLCHAIN=local
! command -v cargo >/dev/null || fail "cargo is still on PATH"

app=$tmp/hello
mkdir -p "$app/prod"
readme_block install-go:go.mod | sed "s#=> ../tccall/target/go-module#=> $module#" >"$app/go.mod"
grep -q "=> $module\$" "$app/go.mod" || fail "README.md's go.mod has no 'replace ... => ../tccall/target/go-module'"
cp "$here/main.go" "$app/"
cp "$here/prod/main.go" "$app/prod/"
cd "$app"

readme_block install-go:build | sed "s#../tccall/target/go-module#$module#g" >build.sh
[ -s build.sh ] || fail "README.md has no block after <!-- install-go:build -->"
bash -euo pipefail build.sh >build.log 2>&1 || { cat build.log; fail "the README's Go build commands failed"; }
grep -q "a second end is ErrNotFound: true" build.log || { cat build.log; fail "hello did not end the call"; }
[ -x hello-vendored ] && [ -f vendor/github.com/tccall/tccall/bindings/go/lib/linux_amd64/libtccall.a ] ||
    fail "go mod vendor did not keep lib/linux_amd64/libtccall.a"

go build -tags tccall_nosandbox -o hello-prod ./prod
[ -z "$(go tool nm hello-prod | grep -i 'tccall_sandbox\|rcgen')" ] || fail "hello-prod carries the sandbox"
[ "$(go tool nm hello | grep -c tccall_sandbox_start)" -gt 0 ] || fail "hello lacks the sandbox"
./hello-prod | grep -q usersig || fail "hello-prod failed"

if CGO_ENABLED=0 go build -o /dev/null . >nocgo.log 2>&1; then fail "CGO_ENABLED=0 built"; fi
errors=$(grep -c '\.go:[0-9]*:[0-9]*: ' nocgo.log || true)
[ "$errors" = 1 ] && grep -q 'undefined: tccall_requires_cgo_set_CGO_ENABLED_1' nocgo.log ||
    { cat nocgo.log; fail "CGO_ENABLED=0 should fail with the one tccall_requires_cgo_set_CGO_ENABLED_1 error"; }

arm=
if [ ! -f "$module/lib/linux_arm64/libtccall.a" ]; then
    arm="not staged"
elif ! command -v aarch64-linux-gnu-gcc >/dev/null || [ "$(aarch64-linux-gnu-gcc -print-file-name=libz.so)" = libz.so ]; then
    arm="staged, not linked here (needs aarch64-linux-gnu-gcc and zlib1g-dev:arm64)"
else
    CGO_ENABLED=1 GOARCH=arm64 CC=aarch64-linux-gnu-gcc go build -o hello-arm64 .
    CGO_ENABLED=1 GOARCH=arm64 CC=aarch64-linux-gnu-gcc go build -tags tccall_nosandbox -o hello-prod-arm64 ./prod
    readelf -h hello-arm64 | grep -q AArch64 || fail "hello-arm64 is not an AArch64 binary"
    arm="cross-built"
    if command -v qemu-aarch64 >/dev/null; then
        timeout -s KILL 300 qemu-aarch64 ./hello-arm64 >arm64.log 2>&1 || { cat arm64.log; fail "hello-arm64 failed"; }
        grep -q "a second end is ErrNotFound: true" arm64.log || { cat arm64.log; fail "hello-arm64 did not end the call"; }
        timeout -s KILL 120 qemu-aarch64 ./hello-prod-arm64 | grep -q usersig || fail "hello-prod-arm64 failed"
        arm="cross-built and run under qemu-aarch64"
    fi
fi

# The staged module is complete: its files and examples compile and vet there (test-go runs them).
(cd "$module" && go vet . >"$tmp/vet.log" 2>&1) || { cat "$tmp/vet.log"; fail "go vet fails in $module"; }

echo "go-module: a consumer outside the repository, no cargo on PATH: built and ran with the sandbox," \
    "vendored, and -tags tccall_nosandbox ($(stat -c %s hello) and $(stat -c %s hello-prod) bytes);" \
    "CGO_ENABLED=0 gives one error; linux/arm64 $arm; go vet passes in the staged module"
