#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The Java package test (run by the tests module in `./mos test`, phase integration-test):
#   1. `./mvnw install -DskipTests -pl mos-api -am` into a temporary local repository (<work>/repo,
#      chained to the build's own local repository, read-only, for everything else), which is
#      what a user's `./mvnw install` puts into ~/.m2: mos-parent, mos-native (+ its platform
#      artifact), mos-bindings, mos-api;
#   2. a copy of examples/java-app, outside the source tree, built and run against that repository
#      with `mvn compile exec:exec`: it depends on mos-api and the platform artifact only, and
#      libmos must come from the artifact (extracted by NativeLoader), not from the build tree.
# Usage: tests/consumers/java-app.sh <repository root> <work dir> <build's local repository>
#        <project version> offline=<true|false>
set -euo pipefail

root="$1"
work="$2"
tail_repo="$3"
version="$4"
offline="${5#offline=}"

fail() { echo "java-app test: $*" >&2; exit 1; }
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

app_pom="$root/examples/java-app/pom.xml"
grep -q "<mos.version>$version</mos.version>" "$app_pom" \
  || fail "examples/java-app/pom.xml must use <mos.version>$version</mos.version> (the project's version)"

rm -rf "$work"
mkdir -p "$work"
repo="$work/repo"
app="$(mktemp -d "${TMPDIR:-/tmp}/mos-java-app.XXXXXX")"
trap 'rm -rf "$app"' EXIT
mvn_opts=(-B -q -Dmaven.repo.local="$repo" -Dmaven.repo.local.tail="$tail_repo")
if [[ "$offline" == true ]]; then
  mvn_opts+=(-o)
fi
start="$(now)"

echo "== ./mvnw install -DskipTests -pl mos-api -am  (local repository $repo)"
t="$(now)"
"$root/mvnw" "${mvn_opts[@]}" -f "$root/pom.xml" install -pl mos-api -am \
  -DskipTests -Dmaven.test.skip=true -Dmos.sanitize.skip=true
install_s="$(since "$t")"
base="$repo/org/mos"
for f in "mos-parent/$version/mos-parent-$version.pom" \
         "mos-native/$version/mos-native-$version.jar" \
         "mos-native/$version/mos-native-$version-linux-x86_64.jar" \
         "mos-bindings/$version/mos-bindings-$version.jar" \
         "mos-api/$version/mos-api-$version.jar"; do
  [[ -f "$base/$f" ]] || fail "not installed: $base/$f"
  case "$f" in
    *.jar)
      listing="$(unzip -Z1 "$base/$f")"
      grep -qx "META-INF/LICENSE" <<<"$listing" && grep -qx "META-INF/NOTICE" <<<"$listing" \
        || fail "$f carries no META-INF/LICENSE and META-INF/NOTICE"
      ;;
  esac
done
# Listings are read whole before grep: `unzip | grep -q` under pipefail fails whenever grep exits
# first and unzip, writing line by line, gets SIGPIPE (about one run in four here).
platform_listing="$(unzip -Z1 "$base/mos-native/$version/mos-native-$version-linux-x86_64.jar")"
grep -qx "native/linux-x86_64/libmos.so" <<<"$platform_listing" \
  || fail "the platform artifact holds no libmos.so"
main_listing="$(unzip -Z1 "$base/mos-native/$version/mos-native-$version.jar")"
if grep -q "^native/" <<<"$main_listing"; then
  fail "the main mos-native jar carries native libraries; they belong in the platform artifact"
fi

# Every jar this build has packaged (all modules' in a full run) carries LICENSE and NOTICE too.
jars=0
for jar in "$root"/*/target/*.jar; do
  [[ -f "$jar" ]] || continue
  listing="$(unzip -Z1 "$jar")"
  grep -qx "META-INF/LICENSE" <<<"$listing" && grep -qx "META-INF/NOTICE" <<<"$listing" \
    || fail "${jar#"$root"/} carries no META-INF/LICENSE and META-INF/NOTICE"
  jars=$((jars + 1))
done
echo "LICENSE and NOTICE: in the 5 installed artifacts and the $jars jars under */target"

echo "== examples/java-app, copied to $app: mvn compile exec:exec"
cp -R "$root/examples/java-app/." "$app/"
rm -rf "$app/target"
t="$(now)"
(cd "$app" && env -u MOS_LIBRARY_PATH "$root/mvnw" "${mvn_opts[@]}" compile exec:exec) \
  | tee "$work/app.out"
app_s="$(since "$t")"
grep -q "^java-app OK$" "$work/app.out" || fail "the application did not finish with 'java-app OK'"
grep -Eq "loaded from .*/mos-native-[0-9]+/libmos\.so$" "$work/app.out" \
  || fail "libmos did not come from the platform artifact (NativeLoader's extraction)"

echo "java-app test: passed; install ${install_s} s, build and run ${app_s} s, total $(since "$start") s"
