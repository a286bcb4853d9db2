#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# test_run_sh.sh BUILD_DIR: checks tests/gpu/run.sh's own logic on a machine without a GPU (ctest
# "gpu_run_script"), reusing the CUDA-enabled build BUILD_DIR (MOS_GPU_SKIP_BUILD=1):
#   1. nvidia-smi fails (no driver): exit 2, "NOTHING TESTED", nothing run;
#   2. a stub nvidia-smi lists a GPU while the CUDA backend is unusable here (no driver, no
#      device): the CUDA tests must not count as skipped-and-passed. run.sh must exit non-zero,
#      and the summary must quote the tests' reason and the (stub's) driver version.
set -u
BUILD=${1:?usage: test_run_sh.sh BUILD_DIR}
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
failures=0
check() {  # check DESCRIPTION CONDITION...
  local what=$1; shift
  if "$@"; then echo "ok: $what"; else echo "FAIL: $what"; failures=$((failures + 1)); fi
}

mkdir -p "$TMP/nogpu" "$TMP/gpu"
cat > "$TMP/nogpu/nvidia-smi" <<'STUB'
#!/bin/sh
echo "NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver."
exit 9
STUB
cat > "$TMP/gpu/nvidia-smi" <<'STUB'
#!/bin/sh
echo "NVIDIA H100 80GB HBM3, 580.00.01, 81559 MiB"
STUB
chmod +x "$TMP/nogpu/nvidia-smi" "$TMP/gpu/nvidia-smi"

# 1. No GPU.
PATH="$TMP/nogpu:$PATH" OUT="$TMP/out1" MOS_GPU_BUILD="$BUILD" MOS_GPU_SKIP_BUILD=1 \
  MOS_CUBLAS_LIB=/nonexistent/libcublas.so.13 bash "$HERE/run.sh" > "$TMP/log1" 2>&1
rc=$?
check "no GPU: exit 2 (got $rc)" [ "$rc" = 2 ]
check "no GPU: the summary says nothing was tested" grep -q "NOTHING TESTED" "$TMP/out1/summary.txt"
check "no GPU: no ctest was run" [ ! -e "$TMP/out1/ctest.log" ]

# 2. A GPU listed, but the CUDA tests cannot use it.
PATH="$TMP/gpu:$PATH" OUT="$TMP/out2" MOS_GPU_BUILD="$BUILD" MOS_GPU_SKIP_BUILD=1 \
  MOS_CUBLAS_LIB=/nonexistent/libcublas.so.13 MOS_GPU_BUDGET_S=200 \
  bash "$HERE/run.sh" > "$TMP/log2" 2>&1
rc=$?
S="$TMP/out2/summary.txt"
check "GPU listed, tests would skip: non-zero exit (got $rc)" [ "$rc" != 0 ]
check "GPU listed: the summary names the driver version" grep -q "driver 580.00.01" "$S"
check "GPU listed: the summary says FAILED" grep -q "RESULT: FAILED" "$S"
check "GPU listed: ctest ran the CUDA tests" grep -q "cuda_parity" "$S"
check "GPU listed: a test's reason is quoted" grep -qE "FAIL: cuda_parity would skip \(.+\)" "$S"
check "GPU listed: no '100% tests passed'" bash -c "! grep -q '100% tests passed' '$S'"

if [ "$failures" != 0 ]; then
  echo "--- summary of run 2 ---"; cat "$S" 2>/dev/null
  echo "--- log of run 2 ---"; tail -30 "$TMP/log2"
  exit 1
fi
echo "test_run_sh: all checks passed"
