#!/usr/bin/env bash
# tests/gpu/run.sh: the one script that checks mos's CUDA backend on a GPU machine (see
# /work/shared/docs/gpu.md and docs/cuda.md). Builds libmos + native tests for sm_90 (Release),
# finds cuBLAS, runs `ctest -L cuda`, one parity test under compute-sanitizer, and the GPU
# benchmark; writes $OUT/summary.txt (default ./gpu-out) plus the full logs. Needs nvcc, CMake,
# ninja; no JDK, no network. Every step has a timeout; the whole run stays under 8 minutes.
#
#   tests/gpu/run.sh                 # OUT=./gpu-out
#   OUT=/tmp/o tests/gpu/run.sh      # MOS_GPU_BUILD=<dir> to choose the build directory
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

# The summary is written step by step, so even a run killed from outside leaves one.
{
  echo "mos GPU check - $(date -u '+%Y-%m-%d %H:%M:%S UTC') on $(hostname)"
  echo "tree: $ROOT ($(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo 'no git'))"
} > "$SUMMARY"

# ---- machine -----------------------------------------------------------------------------------
GPU=$(timeout 20 nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>&1 | head -1)
NVCC=$(command -v nvcc || ls /usr/local/cuda/bin/nvcc 2>/dev/null || true)
NVCC_VER=$([ -n "$NVCC" ] && "$NVCC" --version 2>/dev/null | grep -o 'release [0-9.]*' || echo "not found")
say "GPU: ${GPU:-nvidia-smi failed}"
say "nvcc: ${NVCC:-not found} (${NVCC_VER}), cmake: $(cmake --version 2>/dev/null | head -1), ninja: $(ninja --version 2>/dev/null || echo 'not found')"
log "GPU: $GPU; nvcc: $NVCC"
[ -n "$NVCC" ] && export PATH="$(dirname "$NVCC"):$PATH"

# ---- cuBLAS (the nvidia-cublas wheel under a Python site-packages) -----------------------------
CUBLAS=${MOS_CUBLAS_LIB:-}
if [ -z "$CUBLAS" ] || [ ! -e "$CUBLAS" ]; then
  CUBLAS=""
  SITES=$(timeout 20 python3 -c 'import site,sys; print(" ".join(site.getsitepackages()+[site.getusersitepackages()]))' 2>/dev/null || true)
  for d in $SITES; do
    [ -d "$d" ] || continue
    CUBLAS=$(timeout 30 find "$d" -name 'libcublas.so.13*' \( -type f -o -type l \) 2>/dev/null \
             | grep -v mos_fake_cublas | sort | head -1)
    [ -n "$CUBLAS" ] && break
  done
  if [ -z "$CUBLAS" ]; then
    log "cuBLAS not in site-packages; searching / (60 s at most)"
    CUBLAS=$(timeout 60 find / -xdev \( -path /proc -o -path /sys \) -prune -o \
             -name 'libcublas.so.13*' \( -type f -o -type l \) -print 2>/dev/null \
             | grep -v mos_fake_cublas | sort | head -1)  # not the tests' fake
  fi
fi
if [ -n "$CUBLAS" ]; then
  export MOS_CUBLAS_LIB=$CUBLAS
  # libcublasLt and friends sit next to it (the wheel's RPATH is $ORIGIN; this is a fallback).
  export LD_LIBRARY_PATH="$(dirname "$CUBLAS")${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
  say "cuBLAS: $CUBLAS"
else
  say "cuBLAS: NOT FOUND (CUDA tests will report 'cuBLAS not found' and skip or fail)"
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
FINAL_RC=0
log "configure + build in $BUILD (sm_$ARCH, Release)"
T0=$(date +%s)
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
  FINAL_RC=1
  say "build: FAILED after $((T1 - T0)) s; last lines of the logs:"
  tail -n 25 "$OUT/configure.log" "$OUT/build.log" 2>/dev/null | sed 's/^/    /' >> "$SUMMARY"
fi
log "build ok=$BUILD_OK"

# ---- ctest -L cuda ---------------------------------------------------------------------------------
if [ "$BUILD_OK" = 1 ]; then
  log "ctest -L cuda"
  timeout "$(cap 200 130)" ctest --test-dir "$BUILD" -L cuda --output-on-failure --timeout 180 \
    > "$OUT/ctest.log" 2>&1
  CTEST_RC=$?
  [ "$CTEST_RC" = 0 ] || FINAL_RC=1
  RESULT=$(grep -E 'tests passed|tests failed' "$OUT/ctest.log" | tail -1)
  say "ctest -L cuda (exit $CTEST_RC): ${RESULT:-no result line (timed out?)}"
  grep -E '^ *[0-9]+/[0-9]+ Test' "$OUT/ctest.log" | sed 's/^/    /' >> "$SUMMARY"
  FAILED=$(grep -E '\*\*\*Failed|\*\*\*Exception|\*\*\*Timeout|Not Run' "$OUT/ctest.log" | sed 's/^/    /')
  [ -n "$FAILED" ] && { say "  failures:"; say "$FAILED"; }
  # What libmos itself says about CUDA here (the reason, when tests skipped).
  ND=$BUILD/tests/native/cuda/cuda_no_device
  [ -x "$ND" ] && timeout 30 "$ND" 2>&1 | grep -E '^mos_backend_available|^libmos' | sed 's/^/  /' >> "$SUMMARY"
fi

# ---- compute-sanitizer (memcheck) on the parity test, small shapes ----------------------------------
SAN=$(command -v compute-sanitizer || ls "$(dirname "${NVCC:-/usr/local/cuda/bin/nvcc}")"/compute-sanitizer 2>/dev/null || true)
PARITY=$BUILD/tests/native/cuda/cuda_parity
if [ "$BUILD_OK" = 1 ] && [ -n "$SAN" ] && [ -x "$PARITY" ] && (( $(left) > 200 )); then
  log "compute-sanitizer memcheck cuda_parity (MOS_PARITY_MAX_DIM=512)"
  MOS_PARITY_MAX_DIM=512 timeout "$(cap 100 100)" "$SAN" --tool memcheck --error-exitcode 99 \
    --leak-check no "$PARITY" > "$OUT/sanitizer.log" 2>&1
  SAN_RC=$?
  case $SAN_RC in
    0) say "compute-sanitizer memcheck (cuda_parity, dims <= 512): clean" ;;
    77) say "compute-sanitizer memcheck: parity skipped ($(grep -m1 SKIP "$OUT/sanitizer.log"))" ;;
    124) say "compute-sanitizer memcheck: TIMED OUT (see sanitizer.log)" ;;
    *) say "compute-sanitizer memcheck: FAILED (exit $SAN_RC): $(grep -m3 -E 'ERROR SUMMARY|Invalid|FAIL' "$OUT/sanitizer.log" | tr '\n' ' ')" ;;
  esac
else
  say "compute-sanitizer: skipped (tool ${SAN:-not found}, build ok=$BUILD_OK, $(left) s left)"
fi

# ---- GPU benchmark -------------------------------------------------------------------------------
BENCH=$BUILD/tests/native/cuda/mos_cuda_bench
if [ "$BUILD_OK" = 1 ] && [ -x "$BENCH" ] && (( $(left) > 40 )); then
  QUICK=""
  (( $(left) < 150 )) && QUICK="--quick"
  log "mos_cuda_bench $QUICK"
  timeout "$(cap 170 25)" "$BENCH" $QUICK > "$OUT/bench.txt" 2>&1
  BENCH_RC=$?
  say ""
  say "mos_cuda_bench $QUICK (exit $BENCH_RC; GB/s count the bytes each operation must move):"
  grep -E '^(device|libmos|\||no cuBLAS|SKIP|CUDA error|C API error)' "$OUT/bench.txt" | sed 's/^/  /' >> "$SUMMARY"
else
  say "mos_cuda_bench: skipped (build ok=$BUILD_OK, $(left) s left)"
fi

# The suite's own GPU cases (native/bench), if built and time allows.
MOS_BENCH=$(find "$BUILD" -name mos_bench -type f -perm -u+x 2>/dev/null | head -1)
if [ "$BUILD_OK" = 1 ] && [ -n "$MOS_BENCH" ] && (( $(left) > 60 )); then
  log "mos_bench --backend cuda --quick --cases layer,adapter"
  timeout "$(cap 60 15)" "$MOS_BENCH" --backend cuda --quick --cases layer,adapter \
    > "$OUT/mos_bench_cuda.txt" 2>&1
  say ""
  say "mos_bench --backend cuda --quick --cases layer,adapter (exit $?): see mos_bench_cuda.txt"
fi

say ""
say "total: $(elapsed) s; logs in $OUT (configure.log build.log ctest.log sanitizer.log bench.txt run.log)"
log "done in $(elapsed) s"
cat "$SUMMARY"
# 0 when the build and every ctest passed (skips count as passes); the summary says the rest.
exit "$FINAL_RC"
