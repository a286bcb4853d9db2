#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The C/C++ package test (ctest: package_consumers). Installs libmos from a build tree into a
# fresh prefix outside the source tree, checks what the prefix holds, then builds and runs the
# two consumers README "From C" shows, each from a copy outside the source tree:
#   1. tests/consumers/cmake: find_package(mos CONFIG REQUIRED) + mos::mos (C++);
#   2. the installed C example, compiled by `cc $(pkg-config --cflags --libs mos)`.
# Usage: tests/consumers/run.sh <build dir>
# Environment (ctest sets it): CMAKE, CMAKE_GENERATOR, CC, CXX, PKG_CONFIG, MOS_SOURCE_DIR.
# Exit 77 (ctest: skipped) only when pkg-config is missing, after the CMake consumer passed.
set -euo pipefail

build="${1:?usage: run.sh <build dir>}"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
src="${MOS_SOURCE_DIR:-$(cd "$here/../.." && pwd)}"
cmake="${CMAKE:-cmake}"
generator="${CMAKE_GENERATOR:-Ninja}"
cc="${CC:-cc}"

work="$(mktemp -d "${TMPDIR:-/tmp}/mos-consumers.XXXXXX")"
trap 'rm -rf "$work"' EXIT
prefix="$work/prefix"

fail() { echo "package_consumers: $*" >&2; exit 1; }
step() { echo; echo "== $*"; }

step "cmake --install $build --prefix $prefix"
"$cmake" --install "$build" --prefix "$prefix"

step "what the prefix holds"
major="$(sed -n 's/^#define MOS_ABI_VERSION_MAJOR \([0-9]*\).*/\1/p' "$src/native/include/mos/mos.h")"
[[ -n "$major" ]] || fail "no MOS_ABI_VERSION_MAJOR in $src/native/include/mos/mos.h"
pc="$(find "$prefix" -name mos.pc -path '*/pkgconfig/*' | head -1)"
[[ -n "$pc" ]] || fail "no pkgconfig/mos.pc under $prefix"
libdir="$(cd "$(dirname "$pc")/.." && pwd)"
for f in "$prefix/include/mos/mos.h" "$libdir/libmos.so" "$libdir/libmos.so.$major" \
         "$libdir/cmake/mos/mosConfig.cmake" "$libdir/cmake/mos/mosConfigVersion.cmake" \
         "$prefix/share/doc/mos/LICENSE" "$prefix/share/doc/mos/NOTICE" \
         "$prefix/share/doc/mos/examples/train_two_blocks.c"; do
  [[ -e "$f" ]] || fail "missing $f"
done
cmp -s "$prefix/include/mos/mos.h" "$src/native/include/mos/mos.h" || fail "installed mos.h differs"
cmp -s "$prefix/share/doc/mos/LICENSE" "$src/LICENSE" || fail "installed LICENSE differs"
soname="$(readelf -d "$libdir/libmos.so" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')"
[[ "$soname" == "libmos.so.$major" ]] || fail "SONAME is '$soname', expected libmos.so.$major"
# A bundled BLAS runtime must be what the installed libmos loads, from the prefix, not the build.
if [[ -e "$libdir/mos/libopenblas.so.0" ]]; then
  for rt in libopenblas.so.0 libgfortran.so.5 libquadmath.so.0; do
    resolved="$(env -u LD_LIBRARY_PATH ldd "$libdir/libmos.so" | awk -v n="$rt" '$1 == n {print $3}')"
    [[ "$resolved" == "$libdir/mos/$rt" ]] \
      || fail "installed libmos resolves $rt to '$resolved', not $libdir/mos/$rt"
  done
  echo "libmos $soname; bundled BLAS runtime resolved from $libdir/mos"
else
  echo "libmos $soname; no bundled BLAS runtime (system or fallback BLAS)"
fi
if env -u LD_LIBRARY_PATH ldd "$libdir/libmos.so" | grep -q "not found"; then
  env -u LD_LIBRARY_PATH ldd "$libdir/libmos.so" >&2
  fail "the installed libmos has unresolved dependencies"
fi

step "CMake consumer (find_package(mos CONFIG REQUIRED), mos::mos), built outside the tree"
cp -R "$here/cmake" "$work/cmake-src"
"$cmake" -S "$work/cmake-src" -B "$work/cmake-build" -G "$generator" \
  -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_COMPILER="${CXX:-c++}" \
  -DCMAKE_PREFIX_PATH="$prefix" -DMOS_EXPECTED_MAJOR="$major"
"$cmake" --build "$work/cmake-build"
env -u LD_LIBRARY_PATH "$work/cmake-build/mos_consumer"

step "pkg-config consumer: cc train_two_blocks.c \$(pkg-config --cflags --libs mos)"
pkg_config="${PKG_CONFIG:-}"
if [[ -z "$pkg_config" || "$pkg_config" == *NOTFOUND* ]]; then
  pkg_config="$(command -v pkg-config || command -v pkgconf || true)"
fi
if [[ -z "$pkg_config" ]]; then
  echo "package_consumers: SKIPPED the pkg-config consumer: pkg-config is not installed" \
       "(Debian: apt-get install pkg-config)"
  exit 77
fi
export PKG_CONFIG_PATH="$(dirname "$pc")"
unset PKG_CONFIG_LIBDIR PKG_CONFIG_SYSROOT_DIR
[[ "$("$pkg_config" --modversion mos)" == "$major".* ]] \
  || fail "pkg-config --modversion mos is $("$pkg_config" --modversion mos), not $major.x"
cp "$prefix/share/doc/mos/examples/train_two_blocks.c" "$work/"
# shellcheck disable=SC2046  # the flags are meant to split
"$cc" -std=c99 -Wall -Wextra -o "$work/train_two_blocks" "$work/train_two_blocks.c" \
  $("$pkg_config" --cflags --libs mos) -Wl,-rpath,"$("$pkg_config" --variable=libdir mos)" -lm
env -u LD_LIBRARY_PATH "$work/train_two_blocks" > "$work/train.out"
tail -3 "$work/train.out"
grep -q "AdamW step 5" "$work/train.out" || fail "train_two_blocks did not run its 5 AdamW steps"

echo
echo "package_consumers: the installed package built and ran both consumers"
