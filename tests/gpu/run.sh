#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# tests/gpu/run.sh: the one script that checks mos's CUDA backend on a GPU machine (docs/cuda.md,
# "Checking the GPU path"). Builds libmos + native tests for sm_90 (Release), finds cuBLAS, runs
# `ctest -L cuda` (the emulated copies excluded; the decoder's cuda_decoder_parity and
# cuda_decoder_ops among them), the kernels under compute-sanitizer (memcheck, racecheck,
# synccheck, initcheck) and the GPU benchmarks; writes $OUT/summary.txt (default
# ./gpu-out) plus the full logs. Needs nvcc, CMake, ninja; no JDK, no network. Every step has a
# timeout; the whole run stays under 8 minutes.
#
# It cannot pass without having used a GPU:
#   * no GPU listed by nvidia-smi: nothing is built or run, the summary says so, exit 2;
#   * a GPU listed: MOS_REQUIRE_GPU=1 is exported, so every CUDA test or benchmark that would
#     skip (driver too old for the static cudart, cuBLAS not found, no kernel image, ...) fails
#     instead, and the summary quotes its reason next to the driver version; exit 1.
# Exit 0 only when the build, every CUDA test (none skipped) and every sanitizer run passed.
#
#   tests/gpu/run.sh                 # OUT=./gpu-out
#   OUT=/tmp/o tests/gpu/run.sh      # MOS_GPU_BUILD=<dir> chooses the build directory;
#                                    # MOS_GPU_SKIP_BUILD=1 reuses it as it is (tests of this script)
set -u
set -o pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
OUT=${OUT:-./gpu-out}
mkdir -p "$OUT" || { echo "cannot create OUT=$OUT" >&2; exit 2; }
OUT=$(cd "$OUT" && pwd)
BUILD=${MOS_GPU_BUILD:-$ROOT/build-gpu}
ARCH=${MOS_GPU_ARCH:-90}
BUDGET=${MOS_GPU_BUDGET_S:-450}   # seconds for everything; the hard limit is 480
START=$(date +%s)
SUMMARY=$OUT/summary.txt
LOG=$OUT/run.log
: > "$LOG"

elapsed() { echo $(( $(date +%s) - START )); }
left() { echo $(( BUDGET - $(elapsed) )); }
log() { echo "[$(elapsed)s] $*" | tee -a "$LOG"; }
say() { echo "$*" >> "$SUMMARY"; }
# cap SECONDS: min(SECONDS, time left - reserve), at least 5
cap() { local want=$1 reserve=${2:-15} l; l=$(( $(left) - reserve )); (( l < want )) && want=$l; (( want < 5 )) && want=5; echo "$want"; }
FINAL_RC=0
fail() { FINAL_RC=1; say "FAILED: $*"; }

# The summary is written step by step, so even a run killed from outside leaves one.
{
  echo "mos GPU check - $(date -u '+%Y-%m-%d %H:%M:%S UTC') on $(hostname)"
  echo "tree: $ROOT ($(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo 'no git'))"
} > "$SUMMARY"

# ---- machine -----------------------------------------------------------------------------------
SMI=$(timeout 20 nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>&1)
SMI_RC=$?
GPU=$(echo "$SMI" | head -1)
DRIVER=$(echo "$GPU" | awk -F', *' 'NF >= 3 {print $2}')
if [ "$SMI_RC" != 0 ] || [ -z "$DRIVER" ]; then
  say "GPU: NONE VISIBLE (nvidia-smi exit $SMI_RC: ${GPU:-no output})"
  say "RESULT: NOTHING TESTED - this script checks the GPU path and no GPU was found (exit 2)"
  log "no GPU: $GPU"
  cat "$SUMMARY"
  exit 2
fi
export MOS_REQUIRE_GPU=1  # from here on a skip is a failure
NVCC=$(command -v nvcc || ls /usr/local/cuda/bin/nvcc 2>/dev/null || true)
NVCC_VER=$([ -n "$NVCC" ] && "$NVCC" --version 2>/dev/null | grep -o 'release [0-9.]*' || echo "not found")
say "GPU: $GPU (driver $DRIVER; CUDA 13 needs driver >= 580)"
say "nvcc: ${NVCC:-not found} (${NVCC_VER}), cmake: $(cmake --version 2>/dev/null | head -1), ninja: $(ninja --version 2>/dev/null || echo 'not found')"
log "GPU: $GPU; nvcc: $NVCC"
[ -n "$NVCC" ] && export PATH="$(dirname "$NVCC"):$PATH"

# ---- cuBLAS (the nvidia-cublas wheel under a Python site-packages; 13, else 12) -------------------
find_cublas() {  # find_cublas DIR...: the first libcublas.so.13*, else .so.12*, not the tests' fakes
  local major f
  for major in 13 12; do
    f=$(timeout 60 find "$@" -xdev \( -path /proc -o -path /sys \) -prune -o \
        -name "libcublas.so.$major*" \( -type f -o -type l \) -print 2>/dev/null \
        | grep -v mos_fake_cublas | sort | head -1)
    [ -n "$f" ] && { echo "$f"; return 0; }
  done
  return 1
}
CUBLAS=${MOS_CUBLAS_LIB:-}
if [ -z "$CUBLAS" ] || [ ! -e "$CUBLAS" ]; then
  CUBLAS=""
  SITES=$(timeout 20 python3 -c 'import site,sys; print(" ".join(site.getsitepackages()+[site.getusersitepackages()]))' 2>/dev/null || true)
  EXISTING=()
  for d in $SITES; do [ -d "$d" ] && EXISTING+=("$d"); done
  ((${#EXISTING[@]})) && CUBLAS=$(find_cublas "${EXISTING[@]}")
  if [ -z "$CUBLAS" ]; then
    log "cuBLAS not in site-packages; searching / (60 s at most per version)"
    CUBLAS=$(find_cublas /)
  fi
fi
if [ -n "$CUBLAS" ]; then
  export MOS_CUBLAS_LIB=$CUBLAS
  # libcublasLt and friends sit next to it (the wheel's RPATH is $ORIGIN; this is a fallback).
  export LD_LIBRARY_PATH="$(dirname "$CUBLAS")${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
  say "cuBLAS: $CUBLAS"
else
  say "cuBLAS: NOT FOUND (the CUDA tests will fail with 'cuBLAS not found')"
fi
log "MOS_CUBLAS_LIB=${MOS_CUBLAS_LIB:-unset}"

# ---- OpenBLAS for the CPU reference, if one is lying around (else the plain C++ GEMM) ----------
OB_ARGS=()
if [ -n "${MOS_OPENBLAS_ROOT:-}" ]; then
  OB_ARGS=(-DMOS_OPENBLAS_ROOT="$MOS_OPENBLAS_ROOT")
else
  for h in $(timeout 20 find /usr /opt -maxdepth 6 -name cblas.h 2>/dev/null); do
    r=$(dirname "$(dirname "$h")")
    if ls "$r"/lib/libopenblas.so* "$r"/libopenblas.so* >/dev/null 2>&1; then
      OB_ARGS=(-DMOS_OPENBLAS_ROOT="$r"); break
    fi
  done
fi
say "CPU reference BLAS: ${OB_ARGS[*]:-plain C++ fallback GEMM (no OpenBLAS found)}"

# ---- build ---------------------------------------------------------------------------------------
BUILD_OK=0
T0=$(date +%s)
if [ "${MOS_GPU_SKIP_BUILD:-0}" = 1 ]; then
  [ -f "$BUILD/CTestTestfile.cmake" ] && BUILD_OK=1
  say "build: reusing $BUILD (MOS_GPU_SKIP_BUILD=1), usable=$BUILD_OK"
else
  log "configure + build in $BUILD (sm_$ARCH, Release)"
  if timeout "$(cap 90)" cmake -S "$ROOT" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release \
       -DMOS_CUDA=ON -DCMAKE_CUDA_ARCHITECTURES="$ARCH" -DMOS_BUILD_TESTS=ON \
       -DMOS_CUDA_EMULATION_TESTS=OFF "${OB_ARGS[@]}" > "$OUT/configure.log" 2>&1; then
    if timeout "$(cap 270 150)" cmake --build "$BUILD" --parallel "$(nproc)" > "$OUT/build.log" 2>&1; then
      BUILD_OK=1
    fi
  fi
  T1=$(date +%s)
  if [ "$BUILD_OK" = 1 ]; then
    say "build: OK in $((T1 - T0)) s ($(grep -m1 'CUDA backend' "$OUT/configure.log" | sed 's/^-- //'))"
  else
    say "build: FAILED after $((T1 - T0)) s; last lines of the logs:"
    tail -n 25 "$OUT/configure.log" "$OUT/build.log" 2>/dev/null | sed 's/^/    /' >> "$SUMMARY"
  fi
fi
[ "$BUILD_OK" = 1 ] || fail "no usable build"
log "build ok=$BUILD_OK"

# ---- ctest -L cuda (not the emulated copies) ------------------------------------------------------
if [ "$BUILD_OK" = 1 ]; then
  log "ctest -L cuda -LE emulated"
  timeout "$(cap 200 130)" ctest --test-dir "$BUILD" -L cuda -LE emulated --output-on-failure \
    --timeout 180 > "$OUT/ctest.log" 2>&1
  CTEST_RC=$?
  RESULT=$(grep -E 'tests passed|tests failed' "$OUT/ctest.log" | tail -1)
  say "ctest -L cuda (exit $CTEST_RC): ${RESULT:-no result line (timed out?)}"
  grep -E '^ *[0-9]+/[0-9]+ Test' "$OUT/ctest.log" | sed 's/^/    /' >> "$SUMMARY"
  [ "$CTEST_RC" = 0 ] || fail "ctest -L cuda exit $CTEST_RC"
  # Under MOS_REQUIRE_GPU a test that would skip fails; a skip that still shows (a test without the
  # guard) is a failure here all the same.
  SKIPS=$(grep -cE '\*\*\*Skipped|Not Run' "$OUT/ctest.log")
  [ "$SKIPS" = 0 ] || fail "$SKIPS CUDA test(s) skipped or not run on a machine with a GPU"
  REASONS=$(grep -E '^(SKIP|FAIL)[: ]' "$OUT/ctest.log" | sort | uniq | head -20 | sed 's/^/    /')
  [ -n "$REASONS" ] && { say "  reasons given by the tests (driver $DRIVER):"; say "$REASONS"; }
  # What libmos itself says about CUDA here.
  ND=$BUILD/tests/native/cuda/cuda_no_device
  [ -x "$ND" ] && timeout 30 "$ND" 2>&1 | grep -E '^mos_backend_available|^libmos|^CUDA runtime' | sed 's/^/  /' >> "$SUMMARY"
fi

# ---- compute-sanitizer on the kernels (small shapes) ----------------------------------------------
SAN=$(command -v compute-sanitizer || ls "$(dirname "${NVCC:-/usr/local/cuda/bin/nvcc}")"/compute-sanitizer 2>/dev/null || true)
PARITY=$BUILD/tests/native/cuda/cuda_parity
BANKP=$BUILD/tests/native/cuda_bank_parity
[ -x "$BANKP" ] || BANKP=$(find "$BUILD" -name cuda_bank_parity -type f -perm -u+x 2>/dev/null | head -1)
sanitize() {  # sanitize TOOL SECONDS LABEL CMD...: one compute-sanitizer run, its result in the summary
  local tool=$1 secs=$2 label=$3 rc extra=()
  shift 3
  [ "$tool" = memcheck ] && extra=(--leak-check no)
  [ "$tool" = racecheck ] && extra=(--racecheck-report all)
  timeout "$(cap "$secs" 60)" "$SAN" --tool "$tool" --error-exitcode 99 "${extra[@]}" "$@" \
    > "$OUT/sanitizer-$tool-$label.log" 2>&1
  rc=$?
  case $rc in
    0) say "compute-sanitizer $tool ($label): clean ($(grep -m1 'ERROR SUMMARY\|RACECHECK SUMMARY' "$OUT/sanitizer-$tool-$label.log" | sed 's/^========= //'))" ;;
    124) say "compute-sanitizer $tool ($label): TIMED OUT after its cap (inconclusive, not counted as a failure)" ;;
    *) fail "compute-sanitizer $tool ($label) exit $rc: $(grep -m3 -E 'ERROR SUMMARY|RACECHECK SUMMARY|Invalid|Race|FAIL|Uninitialized' "$OUT/sanitizer-$tool-$label.log" | tr '\n' ' ')" ;;
  esac
}
DEC_OPS=$BUILD/tests/native/cuda/cuda_decoder_ops
DEC_PARITY=$BUILD/tests/native/cuda/cuda_decoder_parity
if [ "$BUILD_OK" = 1 ] && [ -n "$SAN" ] && [ -x "$PARITY" ]; then
  log "compute-sanitizer runs"
  for tool in memcheck racecheck synccheck initcheck; do
    # racecheck and initcheck slow kernels down most: smaller shapes for them.
    if [ "$tool" = memcheck ]; then export MOS_PARITY_MAX_DIM=256; else export MOS_PARITY_MAX_DIM=128; fi
    (( $(left) > 90 )) || { say "compute-sanitizer $tool: not run (time)"; continue; }
    # cuda_parity: gather, scatter-add, shrink/expand (shared memory + shuffles), block sums,
    # AdamW, dropout, bf16; the bank's kernels through cuda_bank_parity --small; every decoder
    # kernel (attention tiles in shared memory, shuffles, block reductions, key splits) through
    # cuda_decoder_ops --small.
    sanitize "$tool" 70 parity "$PARITY"
    [ -n "$BANKP" ] && (( $(left) > 90 )) && sanitize "$tool" 50 bank "$BANKP" --small
    [ -x "$DEC_OPS" ] && (( $(left) > 90 )) && sanitize "$tool" 45 decoder-ops "$DEC_OPS" --small
  done
  # The whole decoder (cuBLAS, the bank and every kernel together) under memcheck.
  [ -x "$DEC_PARITY" ] && (( $(left) > 100 )) && sanitize memcheck 60 decoder "$DEC_PARITY" --small
  unset MOS_PARITY_MAX_DIM
else
  say "compute-sanitizer: not run (tool ${SAN:-not found}, build ok=$BUILD_OK)"
fi

# ---- GPU benchmarks ------------------------------------------------------------------------------
BENCH=$BUILD/native/bench/mos_cuda_bench
if [ "$BUILD_OK" = 1 ] && [ -x "$BENCH" ] && (( $(left) > 40 )); then
  QUICK=""
  (( $(left) < 150 )) && QUICK="--quick"
  log "mos_cuda_bench $QUICK"
  timeout "$(cap 150 25)" "$BENCH" $QUICK > "$OUT/bench.txt" 2>&1
  BENCH_RC=$?
  say ""
  say "mos_cuda_bench $QUICK (exit $BENCH_RC; GB/s count the bytes each operation must move):"
  grep -E '^(device|libmos|\||no cuBLAS|SKIP|FAIL|CUDA error|C API error)' "$OUT/bench.txt" | sed 's/^/  /' >> "$SUMMARY"
  [ "$BENCH_RC" = 0 ] || [ "$BENCH_RC" = 124 ] || fail "mos_cuda_bench exit $BENCH_RC"
else
  say "mos_cuda_bench: not run (build ok=$BUILD_OK, $(left) s left)"
fi

# The suite's own GPU cases (native/bench), if built and time allows.
MOS_BENCH=$BUILD/native/bench/mos_bench
if [ "$BUILD_OK" = 1 ] && [ -x "$MOS_BENCH" ] && (( $(left) > 60 )); then
  log "mos_bench --backend cuda --quick --cases layer,adapter"
  timeout "$(cap 60 15)" "$MOS_BENCH" --backend cuda --quick --cases layer,adapter \
    > "$OUT/mos_bench_cuda.txt" 2>&1
  MB_RC=$?
  say ""
  say "mos_bench --backend cuda --quick --cases layer,adapter (exit $MB_RC): see mos_bench_cuda.txt"
  [ "$MB_RC" = 77 ] && fail "mos_bench --backend cuda found no usable CUDA backend"
fi

# The decoder's own benchmark on the GPU (SmolLM-135M's shape: prefill, decode, training steps),
# if time allows; mos_cuda_bench above already set decode against copy bandwidth and training
# against cuBLAS SGEMM.
DEC_BENCH=$BUILD/native/bench/mos_decoder_bench
if [ "$BUILD_OK" = 1 ] && [ -x "$DEC_BENCH" ] && (( $(left) > 75 )); then
  log "mos_decoder_bench --backend cuda"
  timeout "$(cap 60 15)" "$DEC_BENCH" --backend cuda > "$OUT/decoder_bench_cuda.txt" 2>&1
  DB_RC=$?
  say ""
  say "mos_decoder_bench --backend cuda (exit $DB_RC):"
  grep -E '^(model|[0-9]+ sequence|training step|SKIP|FAIL)' "$OUT/decoder_bench_cuda.txt" | sed 's/^/  /' >> "$SUMMARY"
  [ "$DB_RC" = 0 ] || [ "$DB_RC" = 124 ] || fail "mos_decoder_bench --backend cuda exit $DB_RC"
fi

say ""
if [ "$FINAL_RC" = 0 ]; then
  say "RESULT: PASSED on $GPU"
else
  say "RESULT: FAILED (see the FAILED lines above)"
fi
say "total: $(elapsed) s; logs in $OUT"
log "done in $(elapsed) s"
cat "$SUMMARY"
exit "$FINAL_RC"
