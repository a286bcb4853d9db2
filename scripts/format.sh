#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# format.sh: formats the sources in the project's style, or checks that they are.
#
#   scripts/format.sh            # apply: clang-format -i (C, C++, CUDA), ./mvnw spotless:apply (Java)
#   scripts/format.sh --check    # report what differs and exit 1; changes nothing
#
# C, C++ and CUDA: every tracked *.c, *.h, *.cpp, *.cu, *.cuh under native/, tests/ and examples/
# with the repository's .clang-format (Google style, 100 columns). Needs clang-format 14 or newer
# on PATH (Debian: apt-get install clang-format) or CLANG_FORMAT=/path/to/clang-format.
# Java: Spotless with palantir-java-format (pinned in pom.xml), through the Maven wrapper.
# --native or --java limits it to one of the two.
# --check also checks hygiene: an SPDX line in the first lines of every tracked source file, and no
# reference to a path outside the repository (docs/method.md is the method's description here).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

check=0
native=1
java=1
for arg in "$@"; do
  case "$arg" in
    --check) check=1 ;;
    --native) java=0 ;;
    --java) native=0 ;;
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    *) echo "format.sh: unknown option '$arg' (--check, --native, --java)" >&2; exit 2 ;;
  esac
done

status=0
if ((check)); then
  missing=0
  while IFS= read -r f; do
    if ! head -n 3 "$f" | grep -q "SPDX-License-Identifier: Apache-2.0"; then
      echo "format.sh: $f: no SPDX-License-Identifier line in its first 3 lines" >&2
      missing=1
    fi
  done < <(git ls-files -- '*.java' '*.c' '*.h' '*.cpp' '*.cu' '*.cuh' '*.sh' '*.py' '*.cmake' \
             '*CMakeLists.txt' '*pom.xml' mos .ci/run)
  ((missing)) && status=1
  # Built from pieces so that this line does not match itself.
  outside="\.\./shared|/work/shared|mos-spec[.]md|[Ss]pec §"
  if git grep -n -I -E "$outside" -- . ':!scripts/format.sh' >&2; then
    echo "format.sh: the lines above point outside the repository (say it in docs/method.md's words)" >&2
    status=1
  fi
fi
if ((native)); then
  clang_format="${CLANG_FORMAT:-clang-format}"
  if ! command -v "$clang_format" >/dev/null; then
    echo "format.sh: $clang_format not found; install clang-format (Debian: apt-get install" \
         "clang-format) or set CLANG_FORMAT" >&2
    exit 3
  fi
  mapfile -t files < <(git ls-files -- 'native/*.c' 'native/*.h' 'native/*.cpp' 'native/*.cu' \
    'native/*.cuh' 'tests/*.c' 'tests/*.h' 'tests/*.cpp' 'tests/*.cu' 'tests/*.cuh' \
    'examples/*.c' 'examples/*.h' 'examples/*.cpp')
  echo "format.sh: $("$clang_format" --version | head -1) on ${#files[@]} files"
  if ((check)); then
    "$clang_format" --style=file --dry-run --Werror "${files[@]}" || status=1
  else
    "$clang_format" --style=file -i "${files[@]}"
  fi
fi
if ((java)); then
  export MAVEN_OPTS="${MAVEN_OPTS:---sun-misc-unsafe-memory-access=allow}"
  if ((check)); then
    "$ROOT/mvnw" -B -q spotless:check || status=1
  else
    "$ROOT/mvnw" -B -q spotless:apply
  fi
fi
exit "$status"
