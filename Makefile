# tccall: one entry point for every test suite and the quickstart.
#   make test        Rust, C (C99 + C++, dynamic + static, valgrind, ASan), Python and Go
#   make quickstart  the end-to-end story against the in-process sandbox
#   make lint        cargo fmt --check and clippy -D warnings

SHELL   := /bin/bash
CARGO   ?= cargo
CC      ?= gcc
CXX     ?= g++
PYTHON  ?= python3
TARGET  := target/debug
CFLAGS  := -Wall -Wextra -Werror -Iinclude
BUILD   := build
# Libraries the Rust staticlib needs (from `rustc --print native-static-libs`).
STATIC_LIBS := -lz -lgcc_s -lutil -lrt -lpthread -lm -ldl -lc
# The C ABI version (src/ffi/mod.rs, also read by build.rs): the shared library's SONAME is
# libtccall.so.$(ABI), so programs linked with -ltccall need that name at run time.
ABI     := $(shell sed -n 's/^pub const TCCALL_ABI_VERSION: u32 = \([0-9]*\);$$/\1/p' src/ffi/mod.rs)

.PHONY: test test-rust test-c test-python test-python-install test-go lint quickstart lib clean-build examples example-c example-python test-interop bench bench-compare fuzz wheel sdist test-python-sdist

test: test-rust test-c test-python test-go test-interop examples test-install test-nosandbox test-go-module
	@echo "all test suites passed"

lib:
	$(CARGO) build --lib
	ln -sf libtccall.so $(TARGET)/libtccall.so.$(ABI)

test-rust:
	$(CARGO) test

# The production build (no emulator) on its own target directory, so target/debug keeps the
# sandbox the other suites need: unit tests, the ABI, header, memory, network, request and
# vector tests run; the sandbox-driven ones are compiled out (#![cfg(feature = "sandbox")]).
.PHONY: test-nosandbox
test-nosandbox:
	$(CARGO) test --no-default-features --target-dir target/nosandbox

$(BUILD):
	mkdir -p $(BUILD)

test-c: lib | $(BUILD)
	$(CC) -std=c99 $(CFLAGS) tests/c/test_abi.c -L$(TARGET) -ltccall -o $(BUILD)/test_abi_c99
	$(CXX) -x c++ -std=c++17 $(CFLAGS) tests/c/test_abi.c -L$(TARGET) -ltccall -o $(BUILD)/test_abi_cxx
	$(CC) -std=c99 $(CFLAGS) tests/c/test_abi.c $(TARGET)/libtccall.a $(STATIC_LIBS) -o $(BUILD)/test_abi_static
	LD_LIBRARY_PATH=$(TARGET) $(BUILD)/test_abi_c99
	LD_LIBRARY_PATH=$(TARGET) $(BUILD)/test_abi_cxx
	$(BUILD)/test_abi_static
	LD_LIBRARY_PATH=$(TARGET) valgrind --quiet --leak-check=full --show-leak-kinds=definite,indirect \
		--errors-for-leak-kinds=definite,indirect --error-exitcode=1 $(BUILD)/test_abi_c99 200
	$(CC) -std=c99 $(CFLAGS) -g -fsanitize=address -fno-omit-frame-pointer tests/c/test_abi.c \
		$(TARGET)/libtccall.a $(STATIC_LIBS) -o $(BUILD)/test_abi_asan
	ASAN_OPTIONS=detect_leaks=1 $(BUILD)/test_abi_asan 500
	$(CC) -std=c99 $(CFLAGS) tests/c/test_fork.c -L$(TARGET) -ltccall -o $(BUILD)/test_fork
	LD_LIBRARY_PATH=$(TARGET) $(BUILD)/test_fork 200

# pytest exits 5 when it collected nothing: that is a failure here, not a pass.
test-python: lib test-python-install
	cd bindings/python && TCCALL_LIBRARY=$(CURDIR)/$(TARGET)/libtccall.so $(PYTHON) -m pytest -q tests

# --- Python wheel (bindings/python, setuptools-rust) -----------------------------------------
# build/pybuild holds the pinned build tools (bindings/python/build-requirements.txt). The
# library is linked against glibc $(WHEEL_GLIBC) by cargo-zigbuild (zig from PyPI), into
# target/$(WHEEL_TARGET)/release (cached there, apart from the host's target/release), and
# auditwheel tags the wheel manylinux (grafting any library outside the manylinux set).
PYBUILD      := $(BUILD)/pybuild
WHEEL_TARGET := x86_64-unknown-linux-gnu
WHEEL_GLIBC  := 2.17
WHEEL_PLAT   := manylinux_2_17_x86_64
WHEEL_DIR    := target/wheels

$(PYBUILD)/.installed: bindings/python/build-requirements.txt | $(BUILD)
	$(PYTHON) -m venv $(PYBUILD)
	$(PYBUILD)/bin/pip install -q --disable-pip-version-check -r $<
	touch $@

# The manylinux wheel in target/wheels/; `auditwheel show` prints its tag.
wheel: $(PYBUILD)/.installed
	rm -rf $(BUILD)/wheel-raw $(WHEEL_DIR)/tccall-*.whl
	cd bindings/python && PATH=$(CURDIR)/$(PYBUILD)/bin:$$PATH CARGO=cargo-zigbuild \
		CARGO_BUILD_TARGET=$(WHEEL_TARGET).$(WHEEL_GLIBC) CARGO_TARGET_DIR=$(CURDIR)/target \
		python -m build --wheel --no-isolation --outdir $(CURDIR)/$(BUILD)/wheel-raw . >$(CURDIR)/$(BUILD)/wheel.log 2>&1 \
		|| { tail -40 $(CURDIR)/$(BUILD)/wheel.log; exit 1; }
	rm -rf bindings/python/build
	PATH=$(CURDIR)/$(PYBUILD)/bin:$$PATH auditwheel repair --plat $(WHEEL_PLAT) -w $(WHEEL_DIR) $(BUILD)/wheel-raw/tccall-*.whl
	$(PYBUILD)/bin/auditwheel show $(WHEEL_DIR)/tccall-*.whl
	@ls -l $(WHEEL_DIR)/tccall-*.whl

# The sdist (target/wheels/tccall-*.tar.gz) carries the crate's sources under rust/.
sdist: $(PYBUILD)/.installed
	rm -f $(WHEEL_DIR)/tccall-*.tar.gz
	cd bindings/python && $(CURDIR)/$(PYBUILD)/bin/python -m build --sdist --no-isolation --outdir $(CURDIR)/$(WHEEL_DIR) .

# The wheel as a user gets it (bindings/python/tests/installed/check_wheel.sh): a fresh venv in
# a temporary directory outside the repository, cargo off PATH, runs the Python quickstarts (sync
# and async) and a pytest that finds the tccall_sandbox fixture through the pytest11 entry point.
# vermin checks that the package calls nothing of the standard library newer than 3.8 (and
# tests/test_py38.py that nothing evaluated at run time needs a newer Python).
# The same again with a second interpreter, Debian's PyPy 3.9 (.ci/run installs pypy3).
PYPY ?= pypy3
test-python-install: wheel
	$(PYBUILD)/bin/vermin -q --no-tips --violations --target=3.8- bindings/python/tccall
	bindings/python/tests/installed/check_wheel.sh $(WHEEL_DIR)/tccall-*.whl $(PYTHON)
	@if command -v $(PYPY) >/dev/null; then \
		echo "bindings/python/tests/installed/check_wheel.sh $(WHEEL_DIR)/tccall-*.whl $(PYPY)"; \
		bindings/python/tests/installed/check_wheel.sh $(WHEEL_DIR)/tccall-*.whl $(PYPY); \
	else echo "SKIPPED: the wheel on PyPy 3.9 (no $(PYPY); apt-get install pypy3 pypy3-venv)"; fi
	$(MAKE) --no-print-directory sdist >/dev/null
	bindings/python/tests/installed/check_sdist.sh $(WHEEL_DIR)/tccall-*.tar.gz $(PYTHON) no-cargo

# The sdist built with cargo in a fresh venv outside the repository (not in `make test`: it
# compiles the crate again, about 35 s with target/'s dependencies, 2 minutes cold).
test-python-sdist: sdist
	CARGO_TARGET_DIR=$(CURDIR)/target bindings/python/tests/installed/check_sdist.sh $(WHEEL_DIR)/tccall-*.tar.gz $(PYTHON) cargo

# Tencent's official Python SDK and UserSig library against the sandbox (installed from PyPI).
test-interop: lib | $(BUILD)
	$(PYTHON) -m venv $(BUILD)/interop
	$(BUILD)/interop/bin/pip install -q --disable-pip-version-check pytest tencentcloud-sdk-python-trtc tls-sig-api-v2
	TCCALL_LIBRARY=$(CURDIR)/$(TARGET)/libtccall.so $(BUILD)/interop/bin/python -m pytest -q -p no:cacheprovider tests/interop

# Coverage-guided fuzzing (cargo-fuzz, nightly). FUZZ_SECONDS per target; .ci/run uses a short smoke run.
FUZZ_SECONDS ?= 600
FUZZ_TARGETS := webhook_parse usersig_verify config_parse response_decode
fuzz:
	@for t in $(FUZZ_TARGETS); do \
		mkdir -p $(BUILD)/fuzz-corpus/$$t; \
		CARGO_TARGET_DIR=$(CURDIR)/target/fuzz $(CARGO) +nightly fuzz run --fuzz-dir tests/fuzz -O $$t \
			$(BUILD)/fuzz-corpus/$$t tests/fuzz/seeds/$$t -- -max_total_time=$(FUZZ_SECONDS) -max_len=8192 \
			-print_final_stats=1 2>&1 | grep -E "^stat::number_of_executed_units|^Done|ERROR|panicked|SUMMARY" \
			| sed "s/^/$$t: /"; \
		test $${PIPESTATUS[0]} -eq 0 || exit 1; \
	done

# Benchmarks (not part of `make test`): see BENCHMARKS.md.
bench:
	$(CARGO) bench --bench micro
	$(CARGO) bench --bench e2e
	$(CARGO) bench --bench e2e -- --rss 100000

# Side by side with Tencent's official SDKs (tests/bench/compare.py: ROUNDS, SECS, HTTPS, RSS=1, ...).
# Builds the release library and sandbox, the Rust bench binaries, and with Go the Go harness.
bench-compare: | $(BUILD)
	$(CARGO) build --release --lib --bin tccall-sandbox
	$(CARGO) bench --no-run --bench e2e --bench micro
	@rm -f target/bench/tccallbench; mkdir -p target/bench; \
	if command -v $(GO) >/dev/null; then \
		$(MAKE) --no-print-directory go-lib && (cd tests/bench/go && $(GO) build -tags tccall_nosandbox -o ../../../target/bench/tccallbench .) \
			|| echo "skipped: the Go harness (tests/bench/go) did not build"; \
	else echo "skipped: the Go harness (no $(GO))"; fi
	$(PYTHON) -m venv $(BUILD)/interop
	$(BUILD)/interop/bin/pip install -q --disable-pip-version-check pytest tencentcloud-sdk-python-trtc tls-sig-api-v2
	$(BUILD)/interop/bin/python tests/bench/compare.py

# Every example runs its story against the in-process sandbox.
examples: quickstart example-c example-python example-go

example-c: lib | $(BUILD)
	$(CC) -std=c99 $(CFLAGS) examples/c/quickstart.c -L$(TARGET) -ltccall -o $(BUILD)/c-quickstart
	LD_LIBRARY_PATH=$(TARGET) $(BUILD)/c-quickstart

example-python: lib
	TCCALL_LIBRARY=$(CURDIR)/$(TARGET)/libtccall.so $(PYTHON) examples/python/quickstart.py
	TCCALL_LIBRARY=$(CURDIR)/$(TARGET)/libtccall.so $(PYTHON) examples/python/quickstart_async.py

# --- Release artifacts: make install (C), go-lib and go-module (Go); see packaging/ ----------
# Two variants from one source: production (--no-default-features: no emulator) and sandbox
# (--features sandbox), each in its own cargo target directory (target/nosandbox/, target/),
# staged stripped in target/dist/<triple>/<variant>/ by packaging/release-lib.sh.
PREFIX     ?= /usr/local
LIBDIR     ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
SANDBOX    ?= 0
VARIANT    := $(if $(filter 1 yes true,$(SANDBOX)),sandbox,production)

.PHONY: install test-install

# The release library (SANDBOX=1: with the emulator), its header, tccall.pc and the CMake
# package under PREFIX (README, "Install").
install:
	packaging/release-lib.sh $(VARIANT)
	packaging/install.sh $(VARIANT) "$(DESTDIR)" "$(PREFIX)" "$(LIBDIR)" "$(INCLUDEDIR)"

# Both variants installed into temporary prefixes; the README's C install commands run there.
test-install:
	tests/install/run.sh

lint:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --all-targets --all-features -- -D warnings
	$(CARGO) clippy --all-targets --no-default-features --target-dir target/nosandbox -- -D warnings
	RUSTDOCFLAGS="-D warnings" $(CARGO) doc --no-deps --quiet

quickstart:
	$(CARGO) run --example quickstart

clean-build:
	rm -rf $(BUILD)

# --- Go wrapper (bindings/go) and its example (examples/go) ---------------------------------
GO      ?= go
GO_DIR  := bindings/go
GO_LIB  := $(GO_DIR)/lib/$(shell $(GO) env GOOS 2>/dev/null)_$(shell $(GO) env GOARCH 2>/dev/null)
HOST_TRIPLE := $(shell rustc -vV 2>/dev/null | sed -n 's/^host: //p')
GO_EXAMPLE := examples/go/quickstart

.PHONY: go-lib example-go go-module test-go-module

# cgo links bindings/go/lib/<goos>_<goarch>/libtccall.a (static, the default): the release
# library with the sandbox, stripped; libtccall_nosandbox.a is the production one
# (-tags tccall_nosandbox) and the .so is there for the tccall_dynamic build tag.
go-lib:
	packaging/release-lib.sh sandbox
	packaging/release-lib.sh production
	mkdir -p $(GO_LIB)
	cp target/dist/$(HOST_TRIPLE)/sandbox/libtccall.a target/dist/$(HOST_TRIPLE)/sandbox/libtccall.so $(GO_LIB)/
	cp target/dist/$(HOST_TRIPLE)/production/libtccall.a $(GO_LIB)/libtccall_nosandbox.a
	ln -sf libtccall.so $(GO_LIB)/libtccall.so.$(ABI)

# A self-contained module in target/go-module/ with the libraries for linux/amd64 and
# linux/arm64 (cross-built; skipped with a message when the cross tools are missing).
go-module:
	packaging/go-module.sh

# A consumer module outside the repository builds and runs against target/go-module/ with
# cargo off PATH: the README's go.mod and main.go, vendored, tccall_nosandbox, CGO_ENABLED=0, arm64.
test-go-module: go-module
	tests/go-module/run.sh

# gofmt must list nothing; then vet, the race-enabled suite (static), and the suite once
# more linked dynamically with the tccall_debug tag (a GC before every native call).
test-go: go-lib
	@unformatted="$$(gofmt -l $(GO_DIR) examples/go tests/go-module)"; \
	if [ -n "$$unformatted" ]; then echo "gofmt -l lists:"; echo "$$unformatted"; exit 1; fi
	cd $(GO_DIR) && $(GO) vet ./...
	cd $(GO_DIR) && $(GO) test -race -count=1 ./...
	cd $(GO_DIR) && LD_LIBRARY_PATH=$(CURDIR)/$(GO_LIB) $(GO) test -count=1 -tags "tccall_dynamic tccall_debug" ./...

example-go: go-lib | $(BUILD)
	cd $(GO_EXAMPLE) && $(GO) vet ./... && $(GO) build -o $(CURDIR)/$(BUILD)/go-quickstart .
	$(BUILD)/go-quickstart
