#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# regen-bindings.sh: regenerates java-bindings' org.mos.ffi.mos_h (and the class of each struct,
# e.g. mos_config / mos_config_t) from native/include/mos/mos.h with jextract, where jextract is
# installed, then re-applies the two local changes the bindings need.
#
#   scripts/regen-bindings.sh            # needs `jextract` on PATH (or JEXTRACT=/path/to/jextract)
#
# Local changes applied after jextract (both documented in mos_h.java):
#   1. SYMBOL_LOOKUP delegates to org.mos.ffi.MosLibrary (libmos by absolute path, installed by
#      org.mos.NativeLoader) instead of jextract's libraryLookup("libmos.so"), which is plain dlopen.
#   2. Linker.Option.critical(true) on the calls the committed file links critical (the buffer
#      copies, e.g. mos_tensor_read/write), so Java arrays pass as heap segments without a copy.
# Where jextract is absent (the build machines: not on Maven Central, not in Debian), the committed
# mos_h.java is maintained by hand in jextract's layout, and BindingsCoverageTest (run by
# `./mvnw -B verify`) fails if a binding is missing or differs from mos.h.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
HEADER="$ROOT/native/include/mos/mos.h"
TARGET="$ROOT/java-bindings/src/main/java/org/mos/ffi/mos_h.java"
# The functions the committed bindings link critical, so the choice survives regeneration.
mapfile -t CRITICAL < <(perl -0ne 'while (/class (mos_\w+) \{[^}]*critical\(true\)/g) { print "$1\n" }' "$TARGET")
JEXTRACT="${JEXTRACT:-jextract}"

if ! command -v "$JEXTRACT" >/dev/null 2>&1; then
  cat >&2 <<MSG
regen-bindings: jextract is not installed here, so nothing was regenerated.
  jextract is not on Maven Central or in Debian; get it from https://jdk.java.net/jextract/ and put
  it on PATH (or set JEXTRACT). Without it, edit $TARGET by hand in
  jextract's layout; BindingsCoverageTest checks every MOS_API declaration of mos.h against it:
    ./mvnw -B -pl java-bindings -am verify
MSG
  exit 3
fi

TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT
"$JEXTRACT" --target-package org.mos.ffi --header-class-name mos_h -l mos \
  --output "$TMP" "$HEADER"
GEN="$TMP/org/mos/ffi/mos_h.java"
[[ -f "$GEN" ]] || { echo "regen-bindings: jextract wrote no $GEN" >&2; exit 1; }

# 1. the library lookup
perl -0pi -e 's/static final SymbolLookup SYMBOL_LOOKUP\s*=.*?;/static final SymbolLookup SYMBOL_LOOKUP = name -> MosLibrary.lookup().find(name);/s' "$GEN"
# 2. critical downcalls
for fn in "${CRITICAL[@]}"; do
  perl -0pi -e "s/(class $fn \\{[^}]*?downcallHandle\\(\\s*ADDR\\s*,\\s*DESC)\\s*\\)/\$1, Linker.Option.critical(true))/" "$GEN"
  perl -0ne "exit(/class $fn \\{[^}]*critical\\(true\\)/ ? 0 : 1)" "$GEN" \
    || echo "regen-bindings: WARNING: could not mark $fn critical; edit $TARGET by hand" >&2
done
grep -q 'MosLibrary.lookup()' "$GEN" \
  || echo "regen-bindings: WARNING: SYMBOL_LOOKUP not redirected to MosLibrary; edit by hand" >&2

{
  echo "// Generated from native/include/mos/mos.h by jextract (scripts/regen-bindings.sh), then: lookup"
  echo "// through MosLibrary, Linker.Option.critical(true) on the buffer-copy calls. Do not edit by hand"
  echo "// unless jextract is unavailable; BindingsCoverageTest checks this file against the header."
  cat "$GEN"
} >"$TARGET"
# The struct and function-pointer classes (one per struct, one per typedef of it), as jextract
# wrote them; BindingsCoverageTest and BindingsStructTest check them against the header.
for gen in "$TMP"/org/mos/ffi/*.java; do
  name="$(basename "$gen")"
  [[ "$name" == mos_h.java ]] && continue
  {
    echo "// Generated from native/include/mos/mos.h by jextract (scripts/regen-bindings.sh). Do not edit"
    echo "// by hand unless jextract is unavailable; BindingsCoverageTest checks it against the header."
    cat "$gen"
  } >"$(dirname "$TARGET")/$name"
  echo "regen-bindings: wrote $name" >&2
done
echo "regen-bindings: wrote $TARGET; now run ./mvnw -B -pl java-bindings -am verify" >&2
