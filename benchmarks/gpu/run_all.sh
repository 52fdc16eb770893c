#!/usr/bin/env bash
# Issue #6 GPU benchmarks on the device machine, ember and PyTorch on the same
# card in one run:
#   bench_gpu.py    copy/add/sum/softmax/layer_norm/matmul/sdpa/tiny-op chain
#   gpt2_train.py   GPT-2 124M training step (B8 T1024; f32, bf16, bf16-pure)
#
# Usage: bash benchmarks/gpu/run_all.sh RESULTS_DIR
#
# Writes at most 6 files to RESULTS_DIR: env.txt (card, driver, versions, git
# revision), bench_gpu.md/.log, gpt2_train.md/.log and, when it had to build
# ember, build.log. ember is taken from $BUILD/pystage (what `make test-gpu`
# stages; BUILD defaults to build-gpu); if that is missing and the installed
# ember has no GPU, the CUDA build is configured, built and staged here first.
# Each benchmark is stopped after $BENCH_TIMEOUT seconds (default 400).
# Extra arguments for gpt2_train.py: $GPT2_ARGS (e.g. "--dtype bf16").
# Exit status: 0 when every step succeeded, 1 otherwise.
set -uo pipefail
if [ $# -lt 1 ] || [ -z "$1" ]; then
  echo "usage: $0 RESULTS_DIR" >&2
  exit 2
fi
mkdir -p "$1"
OUT=$(cd "$1" && pwd)
cd "$(dirname "$0")/../.." || exit 2
BUILD=${BUILD:-build-gpu}
case "$BUILD" in
  /*) STAGE="$BUILD/pystage" ;;
  *) STAGE="$PWD/$BUILD/pystage" ;;
esac
TIMEOUT=${BENCH_TIMEOUT:-400}
status=0

gpu_ember() {
  python3 -c "import ember.core as mx, sys; sys.exit(0 if mx.is_available(mx.gpu) else 1)" \
    >/dev/null 2>&1
}

if [ -d "$STAGE/ember" ]; then
  export PYTHONPATH="$STAGE${PYTHONPATH:+:$PYTHONPATH}"
elif ! gpu_ember; then
  echo "building the CUDA backend into $BUILD (log: $OUT/build.log)"
  {
    # Same configuration as scripts/test_gpu.sh, so the two share $BUILD.
    cmake -S . -B "$BUILD" -G Ninja -DEMBER_BUILD_CUDA=ON -DEMBER_BUILD_PYTHON=ON \
      -DCMAKE_CUDA_ARCHITECTURES="90-real;90-virtual" &&
      cmake --build "$BUILD" -j "$(nproc)" --target ember_python
  } >"$OUT/build.log" 2>&1 || {
    grep -E "error|Error" "$OUT/build.log" | head -40
    exit 1
  }
  rm -rf "$STAGE" && mkdir -p "$STAGE" && cp -r python/ember "$STAGE/"
  find "$BUILD" -maxdepth 3 -name 'core*.so' -exec cp {} "$STAGE/ember/" \;
  export PYTHONPATH="$STAGE${PYTHONPATH:+:$PYTHONPATH}"
fi

{
  date -u +"%Y-%m-%dT%H:%M:%SZ"
  echo "git: $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
  nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm --format=csv 2>&1
  python3 -c "import sys; print('python', sys.version.split()[0])"
  python3 -c "import torch; print('torch', torch.__version__, 'cuda', torch.version.cuda)" 2>&1 |
    tail -1
  python3 -c "import ember.core as mx; print('ember from', mx.__file__); \
print('ember gpu available:', mx.is_available(mx.gpu))" 2>&1 | tail -2
} >"$OUT/env.txt"
cat "$OUT/env.txt"
gpu_ember || echo "warning: ember reports no GPU; its rows will show the error" >&2

run_step() { # name, command...
  local name=$1
  shift
  echo "== $name"
  timeout "$TIMEOUT" "$@" 2>&1 | tee "$OUT/$name.log"
  local rc=${PIPESTATUS[0]}
  if [ "$rc" -ne 0 ]; then
    echo "$name exited with status $rc$([ "$rc" -eq 124 ] && echo " (timed out after ${TIMEOUT}s)")" |
      tee -a "$OUT/$name.log"
    status=1
  fi
}

run_step bench_gpu python3 benchmarks/gpu/bench_gpu.py --out "$OUT/bench_gpu.md"
# shellcheck disable=SC2086  # GPT2_ARGS is a word list on purpose
run_step gpt2_train python3 benchmarks/gpu/gpt2_train.py --device gpu \
  --out "$OUT/gpt2_train.md" ${GPT2_ARGS:-}
exit $status
