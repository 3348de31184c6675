"""Builds the Rust library (release) and bundles it in a platform wheel (py3-none-<platform>).

The library does not link Python, so no CPython ABI tag is needed. Set
TCCALL_SOURCE_DIR to the repository root when building from elsewhere.
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

try:
    from wheel.bdist_wheel import bdist_wheel
except ImportError:  # pragma: no cover - setuptools >= 70 vendors it
    from setuptools.command.bdist_wheel import bdist_wheel

LIB = {"linux": "libtccall.so", "darwin": "libtccall.dylib", "win32": "tccall.dll"}.get(sys.platform, "libtccall.so")


class BuildNative(build_py):
    def run(self):
        super().run()
        root = Path(os.environ.get("TCCALL_SOURCE_DIR", Path(__file__).resolve().parents[2]))
        subprocess.check_call(["cargo", "build", "--release", "--lib"], cwd=root)
        target = Path(os.environ.get("CARGO_TARGET_DIR", root / "target"))
        dest = Path(self.build_lib) / "tccall"
        dest.mkdir(parents=True, exist_ok=True)
        shutil.copy2(target / "release" / LIB, dest / LIB)


class PlatformWheel(bdist_wheel):
    def finalize_options(self):
        super().finalize_options()
        self.root_is_pure = False

    def get_tag(self):
        _, _, plat = super().get_tag()
        return "py3", "none", plat


setup(cmdclass={"build_py": BuildNative, "bdist_wheel": PlatformWheel})
