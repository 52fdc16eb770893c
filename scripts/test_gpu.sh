#!/usr/bin/env bash
# `make test-gpu`: builds the CUDA backend and runs, on the GPU,
#   1. the GPU test executables (GPU versus CPU on random inputs, residency,
#      memory pressure) and every other C++ test,
#   2. the whole C++ op test suite again with the GPU as default device (the
#      same op tables as on the CPU),
#   3. pytest with the GPU as default device.
# Writes a log per step to ${OUT_DIR:-build-gpu/results}.
set -uo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build-gpu}
OUT_DIR=${OUT_DIR:-$BUILD/results}
JOBS=${JOBS:-$(nproc)}
mkdir -p "$OUT_DIR"
cmake -S . -B "$BUILD" -G Ninja -DEMBER_BUILD_CUDA=ON -DEMBER_BUILD_PYTHON=${BUILD_PYTHON:-ON} \
  -DCMAKE_CUDA_ARCHITECTURES="90-real;90-virtual" ${CMAKE_FLAGS:-} >"$OUT_DIR/configure.log" 2>&1 || { tail -30 "$OUT_DIR/configure.log"; exit 1; }
cmake --build "$BUILD" -j "$JOBS" >"$OUT_DIR/build.log" 2>&1 || { grep -E "error|Error" "$OUT_DIR/build.log" | head -40; exit 1; }
status=0
# Stage the Python package (sources + the extension built above) for pytest
# and the benchmarks: PYTHONPATH=$BUILD/pystage.
STAGE="$BUILD/pystage"
if [ "${BUILD_PYTHON:-ON}" = "ON" ]; then
  rm -rf "$STAGE" && mkdir -p "$STAGE" && cp -r python/ember "$STAGE/"
  find "$BUILD" -maxdepth 3 -name 'core*.so' -exec cp {} "$STAGE/ember/" \;
fi
export PYTHONPATH="$PWD/$STAGE${PYTHONPATH:+:$PYTHONPATH}"
(cd "$BUILD" && ctest -j 4 --timeout 300 --output-on-failure) >"$OUT_DIR/ctest.log" 2>&1 || status=1
tail -25 "$OUT_DIR/ctest.log"
(cd "$BUILD" && ctest -j 4 --timeout 300 --output-on-failure -E "test_gpu_") \
  >"$OUT_DIR/ctest_default_gpu.log" 2>&1 || status=1
tail -25 "$OUT_DIR/ctest_default_gpu.log"
if [ "${SKIP_PYTHON:-0}" != "1" ] && [ "${BUILD_PYTHON:-ON}" = "ON" ]; then
  python3 -m pytest -q tests/python >"$OUT_DIR/pytest_gpu.log" 2>&1 || status=1
  tail -15 "$OUT_DIR/pytest_gpu.log"
fi
exit $status
