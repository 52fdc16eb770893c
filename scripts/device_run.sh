#!/usr/bin/env bash
# One device-machine session (lead's helper script): build the CUDA backend and
# the Python extension, run the GPU tests (with a backtrace for crashes), the
# C++ op tables with the GPU as default device, and optionally benchmarks.
# Usage: scripts/device_run.sh OUTDIR [bench|nobench]
# Env: PYTEST=0 / CTEST=0 skip pytest / the C++ suite; BENCH_CPP=OFF skips
# the C++ benchmarks.
set -uo pipefail
OUT=${1:?outdir}; MODE=${2:-bench}
export CC=/usr/bin/gcc CXX=/usr/bin/g++
cd "$(dirname "$0")/.."
nvidia-smi --query-gpu=name,memory.total --format=csv,noheader | tee "$OUT/summary.log"
# The cuDNN frontend headers (attention) travel as a wheel in .whl.
CUDNN_FE=""
if ls .whl/nvidia_cudnn_frontend-*.whl >/dev/null 2>&1; then
  python3 -m pip install -q --no-index --no-deps --no-compile --target /tmp/cudnn_fe .whl/nvidia_cudnn_frontend-*.whl
  CUDNN_FE="-DCUDNN_FRONTEND_INCLUDE_DIR=/tmp/cudnn_fe/include"
fi
cmake -S . -B build-gpu -G Ninja -DEMBER_BUILD_CUDA=ON $CUDNN_FE -DEMBER_BUILD_PYTHON=ON -DEMBER_BUILD_BENCHMARKS=${BENCH_CPP:-ON} \
  -DCMAKE_CUDA_HOST_COMPILER=/usr/bin/g++ -DCMAKE_CUDA_ARCHITECTURES=90-real >"$OUT/build.log" 2>&1
timeout ${BUILD_TIMEOUT:-330} ninja -C build-gpu -k 0 -j 20 >>"$OUT/build.log" 2>&1
echo "build rc=$?" | tee -a "$OUT/summary.log"
grep -E "error|FAILED" "$OUT/build.log" | head -30 | tee -a "$OUT/summary.log"
grep -E "cuDNN attention" "$OUT/build.log" | tee -a "$OUT/summary.log"
cd build-gpu
for t in test_gpu_*; do
  [ -x "$t" ] || continue
  echo "== $t" >>"$OUT/gpu_tests.log"
  timeout 120 ./$t --gtest_brief=1 >>"$OUT/gpu_tests.log" 2>&1
  rc=$?
  echo "== $t rc=$rc" | tee -a "$OUT/summary.log"
  if [ $rc -ge 128 ]; then
    timeout 120 cuda-gdb -batch -ex run -ex bt ./$t >"$OUT/crash_$t.log" 2>&1
    grep -E "^#|signal" "$OUT/crash_$t.log" | head -25 >>"$OUT/summary.log"
  fi
done
grep -E "FAILED|Failure|exception|rror" "$OUT/gpu_tests.log" | grep -v "^\[  FAILED  \] [0-9]* test" | head -80 >>"$OUT/summary.log"
if [ "${CTEST:-1}" = 1 ]; then
  timeout 200 ctest -j 8 --timeout 150 -E "test_gpu_" --output-on-failure >"$OUT/ctest_default_gpu.log" 2>&1
  grep -E "tests passed|\(Failed\)|\(SEGFAULT\)|Timeout|Not Run" "$OUT/ctest_default_gpu.log" | tee -a "$OUT/summary.log"
fi
cd ..
STAGE=build-gpu/pystage; rm -rf $STAGE; mkdir -p $STAGE; cp -r python/ember $STAGE/
find build-gpu -maxdepth 3 -path build-gpu/pystage -prune -o -name 'core*.so' -print -exec cp {} $STAGE/ember/ \;
export PYTHONPATH=$PWD/$STAGE PYTHONUNBUFFERED=1
python3 -c "import ember.core as mx; print(mx.default_device(), mx.add(mx.array([1.0,2.0]), 1, stream=mx.gpu))" 2>&1 | tail -3 | tee -a "$OUT/summary.log"
if [ "${PYTEST:-1}" = 1 ]; then
  if ! python3 -c "import pytest" 2>/dev/null && ls .whl/*.whl >/dev/null 2>&1; then
    python3 -m pip install -q --no-index --no-deps --no-compile --target /tmp/site .whl/*.whl && export PYTHONPATH=$PYTHONPATH:/tmp/site
  fi
  timeout ${PYTEST_TIMEOUT:-200} python3 -m pytest -q -p no:cacheprovider tests/python \
    --deselect tests/python/test_pipeline.py >"$OUT/pytest_gpu.log" 2>&1
  grep -E "passed|failed" "$OUT/pytest_gpu.log" | tail -3 | tee -a "$OUT/summary.log"
  grep -E "^FAILED|^ERROR" "$OUT/pytest_gpu.log" | head -60 >>"$OUT/summary.log"
fi
if [ "$MODE" = bench ]; then
  [ -x build-gpu/bench_gpu_launch ] && timeout 120 build-gpu/bench_gpu_launch 2>&1 | grep -E "BM_|us_per_op" | tee -a "$OUT/summary.log"
  timeout ${BENCH_TIMEOUT:-200} python3 benchmarks/gpu/bench_gpu.py --out "$OUT/bench_gpu.md" >"$OUT/bench.log" 2>&1
  cat "$OUT/bench_gpu.md" >>"$OUT/summary.log" 2>/dev/null || tail -20 "$OUT/bench.log" >>"$OUT/summary.log"
fi
