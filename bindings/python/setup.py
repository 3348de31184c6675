"""Builds tccall's Python package with setuptools-rust: cargo builds the Rust crate's cdylib and
the wheel carries it as ``tccall/libtccall.so``, loaded by ctypes (``Binding.NoBinding``).

The library does not link Python, so the wheel is ``py3-none-<platform>`` (one wheel for every
CPython). ``make wheel`` builds it against glibc 2.17 (cargo-zigbuild) and auditwheel tags it
manylinux. The crate is the repository root (``../../Cargo.toml``); an sdist carries a copy of
its sources under ``rust/`` so that it builds wherever cargo is installed.

Environment: ``CARGO`` (e.g. ``cargo-zigbuild``) and ``CARGO_BUILD_TARGET`` (e.g.
``x86_64-unknown-linux-gnu.2.17``) are setuptools-rust's. The library is built with the crate's
``sandbox`` feature only (the emulator behind ``tccall.testing`` and the pytest fixture; no other
default feature, such as the command line); ``TCCALL_NO_SANDBOX=1`` leaves the sandbox out too
(smaller; ``tccall.testing`` then raises).
"""

import os
import shutil
import sys
from pathlib import Path

from setuptools import setup
from setuptools.command.sdist import sdist
from setuptools_rust import Binding, RustExtension
from setuptools_rust.build import build_rust

try:
    from setuptools.command.bdist_wheel import bdist_wheel
except ImportError:  # pragma: no cover - setuptools < 70.1
    from wheel.bdist_wheel import bdist_wheel

HERE = Path(__file__).resolve().parent
LIB = {"darwin": "libtccall.dylib", "win32": "tccall.dll"}.get(sys.platform, "libtccall.so")
# The crate: rust/ in an sdist, the repository root in a checkout.
CRATE = HERE / "rust" if (HERE / "rust" / "Cargo.toml").is_file() else HERE.parents[1]
# What an sdist needs of the crate to build the library (no tests, examples or benches).
CRATE_FILES = ["Cargo.toml", "Cargo.lock", "build.rs", "cbindgen.toml", "src", "include"]
BUILD_COMMANDS = {"build", "build_ext", "build_rust", "bdist_wheel", "install", "develop", "editable_wheel"}


def _require_cargo() -> None:
    """Fails a source build without cargo with one line, before setuptools says anything."""
    cargo = os.environ.get("CARGO", "cargo")
    if BUILD_COMMANDS.intersection(sys.argv[1:]) and shutil.which(cargo) is None:
        sys.exit(
            f"error: building tccall from source needs Rust's `{cargo}` on PATH (https://rustup.rs); "
            "or install a prebuilt wheel (`make wheel` leaves one in target/wheels/)"
        )


class BuildRust(build_rust):
    """Places the cdylib as ``tccall/libtccall.so`` (not as a CPython extension module name)."""

    def get_dylib_ext_path(self, ext: RustExtension, target_fname: str) -> str:
        path = Path(super().get_dylib_ext_path(ext, target_fname))
        return str(path.with_name(LIB))


class PlatformWheel(bdist_wheel):
    """``py3-none-<platform>``: any Python 3, this platform."""

    def get_tag(self):
        _, _, plat = super().get_tag()
        return "py3", "none", plat


class SdistWithCrate(sdist):
    """Adds the crate's sources under ``rust/``; its manifest keeps only what those sources build
    (the examples, benches and tests of the repository are not in the sdist)."""

    def make_release_tree(self, base_dir, files):
        super().make_release_tree(base_dir, files)
        dest = Path(base_dir) / "rust"
        for name in CRATE_FILES:
            src = CRATE / name
            if src.is_dir():
                shutil.copytree(src, dest / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
            else:
                dest.mkdir(parents=True, exist_ok=True)
                shutil.copy2(src, dest / name)
        manifest = dest / "Cargo.toml"
        if CRATE != HERE / "rust":  # an sdist of an sdist keeps the manifest it has
            manifest.write_text(_library_manifest(manifest.read_text()))


def _library_manifest(text: str) -> str:
    """The crate's Cargo.toml without its ``[[example]]``, ``[[bench]]`` and ``[[test]]`` tables."""
    out, skipping = [], False
    for line in text.splitlines(keepends=True):
        stripped = line.strip()
        if stripped.startswith("["):
            skipping = stripped in ("[[example]]", "[[bench]]", "[[test]]")
        if not skipping:
            out.append(line)
    return "# tccall's Cargo.toml as shipped in the Python sdist: examples, benches and tests removed.\n" + "".join(out)


_require_cargo()

no_sandbox = os.environ.get("TCCALL_NO_SANDBOX", "") not in ("", "0")
setup(
    rust_extensions=[
        RustExtension(
            "tccall.libtccall",
            path=str(CRATE / "Cargo.toml"),
            binding=Binding.NoBinding,
            py_limited_api=False,
            args=["--no-default-features"],
            features=[] if no_sandbox else ["sandbox"],
        )
    ],
    cmdclass={"build_rust": BuildRust, "bdist_wheel": PlatformWheel, "sdist": SdistWithCrate},
    zip_safe=False,
)
