#!/usr/bin/env bash
# Installs the staged release library (packaging/release-lib.sh) of one variant, as
# `make install` does, the way libcurl and cargo-c's `cargo cinstall` lay it out:
#
#   INCLUDEDIR/tccall.h
#   LIBDIR/libtccall.so.<abi>.<minor>.<patch>   the library; SONAME libtccall.so.<abi>
#   LIBDIR/libtccall.so.<abi> -> the above      what programs load (NEEDED libtccall.so.1)
#   LIBDIR/libtccall.so -> libtccall.so.<abi>   what -ltccall finds when linking
#   LIBDIR/libtccall.a
#   LIBDIR/pkgconfig/tccall.pc                  -ltccall, with the static system libs in Libs.private
#   LIBDIR/pkgconfig/tccall-static.pc           LIBDIR/libtccall.a and those libs (like curl-config --static-libs)
#   LIBDIR/cmake/tccall/tccallConfig.cmake      find_package(tccall): tccall::tccall, tccall::tccall_static
#   LIBDIR/cmake/tccall/tccallConfigVersion.cmake
#
# <abi> is TCCALL_ABI_VERSION and <minor>.<patch> the crate's, both from the generated header.
# The CMake package is relocatable (paths relative to its own directory); the .pc files name
# PREFIX. DESTDIR is prepended to every path written, not to the paths inside the files.
#
# usage: packaging/install.sh production|sandbox DESTDIR PREFIX LIBDIR INCLUDEDIR
set -euo pipefail
cd "$(dirname "$0")/.."

variant=$1 destdir=$2 prefix=$3 libdir=$4 includedir=$5
case $prefix in /*) ;; *) echo "PREFIX must be an absolute path, not '$prefix'" >&2; exit 2 ;; esac
host=$(rustc -vV | sed -n 's/^host: //p')
stage=target/dist/$host/$variant
[ -f "$stage/libtccall.so" ] || { echo "$stage is empty: run packaging/release-lib.sh $variant" >&2; exit 1; }

define() { sed -n "s/^#define $1 \"\{0,1\}\([^\"]*\)\"\{0,1\}$/\1/p" include/tccall.h; }
version=$(define TCCALL_VERSION)
major=$(define TCCALL_VERSION_MAJOR) minor=$(define TCCALL_VERSION_MINOR) patch=$(define TCCALL_VERSION_PATCH)
abi=$(define TCCALL_ABI_VERSION)
[ -n "$version" ] && [ -n "$abi" ] || { echo "include/tccall.h has no TCCALL_VERSION / TCCALL_ABI_VERSION" >&2; exit 1; }
soname=libtccall.so.$abi
real=libtccall.so.$abi.$minor.$patch
native=$(cat "$stage/native-static-libs")
sandbox=$([ "$variant" = sandbox ] && echo 1 || echo 0)

lib=$destdir$libdir inc=$destdir$includedir
install -d "$inc" "$lib/pkgconfig" "$lib/cmake/tccall"
install -m 644 include/tccall.h "$inc/tccall.h"
rm -f "$lib"/libtccall.so.*
install -m 755 "$stage/libtccall.so" "$lib/$real"
ln -sf "$real" "$lib/$soname"
ln -sf "$soname" "$lib/libtccall.so"
install -m 644 "$stage/libtccall.a" "$lib/libtccall.a"

pc_head="prefix=$prefix
libdir=${libdir/#$prefix/\$\{prefix\}}
includedir=${includedir/#$prefix/\$\{prefix\}}
# 1: the library carries the local Tencent emulator (tccall_sandbox_*; make install SANDBOX=1)
sandbox=$sandbox
abi_version=$abi
"
cat >"$lib/pkgconfig/tccall.pc" <<EOF
${pc_head}
Name: tccall
Description: Server-side call control for Tencent Cloud (TUICallKit, TRTC, Contact Center)
Version: $version
Cflags: -I\${includedir}
Libs: -L\${libdir} -ltccall
Libs.private: $native
EOF
cat >"$lib/pkgconfig/tccall-static.pc" <<EOF
${pc_head}
Name: tccall-static
Description: tccall linked statically: libtccall.a and the system libraries it needs
Version: $version
Cflags: -I\${includedir}
Libs: \${libdir}/libtccall.a
Libs.private: $native
EOF

# CMake wants the libraries as a list; the configs find the prefix from their own location.
cmake_libs=$(echo "$native" | tr ' ' ';')
inc_rel=$(realpath -m --relative-to="$libdir" "$includedir")
cat >"$lib/cmake/tccall/tccallConfig.cmake" <<EOF
# tccall $version, installed by make install. find_package(tccall) defines
#   tccall::tccall         the shared library ($soname)
#   tccall::tccall_static  libtccall.a with the system libraries it needs
# and tccall_VERSION, tccall_ABI_VERSION, tccall_SANDBOX (ON when the library carries the
# local Tencent emulator: make install SANDBOX=1).
set(tccall_ABI_VERSION $abi)
set(tccall_SANDBOX $([ "$sandbox" = 1 ] && echo ON || echo OFF))
get_filename_component(_tccall_libdir "\${CMAKE_CURRENT_LIST_DIR}/../.." ABSOLUTE)
get_filename_component(_tccall_includedir "\${_tccall_libdir}/$inc_rel" ABSOLUTE)
if(NOT TARGET tccall::tccall)
  add_library(tccall::tccall SHARED IMPORTED)
  set_target_properties(tccall::tccall PROPERTIES
    IMPORTED_LOCATION "\${_tccall_libdir}/$real"
    IMPORTED_SONAME "$soname"
    INTERFACE_INCLUDE_DIRECTORIES "\${_tccall_includedir}")
endif()
if(NOT TARGET tccall::tccall_static)
  add_library(tccall::tccall_static STATIC IMPORTED)
  set_target_properties(tccall::tccall_static PROPERTIES
    IMPORTED_LOCATION "\${_tccall_libdir}/libtccall.a"
    IMPORTED_LINK_INTERFACE_LANGUAGES "C"
    INTERFACE_INCLUDE_DIRECTORIES "\${_tccall_includedir}"
    INTERFACE_LINK_LIBRARIES "$cmake_libs")
endif()
unset(_tccall_libdir)
unset(_tccall_includedir)
EOF
cat >"$lib/cmake/tccall/tccallConfigVersion.cmake" <<EOF
# Compatibility as Cargo reads versions: 0.x releases are compatible within a minor, 1.0 and
# later within a major. A 64-bit library is no use to a 32-bit build.
set(PACKAGE_VERSION "$version")
if(PACKAGE_FIND_VERSION VERSION_GREATER PACKAGE_VERSION)
  set(PACKAGE_VERSION_COMPATIBLE FALSE)
elseif(NOT PACKAGE_FIND_VERSION_MAJOR EQUAL $major)
  set(PACKAGE_VERSION_COMPATIBLE FALSE)
elseif($major EQUAL 0 AND NOT PACKAGE_FIND_VERSION_MINOR EQUAL $minor)
  set(PACKAGE_VERSION_COMPATIBLE FALSE)
else()
  set(PACKAGE_VERSION_COMPATIBLE TRUE)
  if(PACKAGE_FIND_VERSION STREQUAL PACKAGE_VERSION)
    set(PACKAGE_VERSION_EXACT TRUE)
  endif()
endif()
if(NOT CMAKE_SIZEOF_VOID_P STREQUAL "" AND NOT CMAKE_SIZEOF_VOID_P EQUAL 8)
  set(PACKAGE_VERSION_UNSUITABLE TRUE)
endif()
EOF
echo "installed tccall $version ($variant) into $destdir$prefix: $soname, libtccall.a, tccall.pc, cmake/tccall"
