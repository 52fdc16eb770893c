#!/usr/bin/env bash
# CPU benchmarks, ember and NumPy side by side in one run. Writes
# benchmarks/results/cpu_<host>.md. NumPy runs without the OPENBLAS_*
# overrides this machine may set (see shared/ANCHORS.md).
set -euo pipefail
cd "$(dirname "$0")/.."
cmake -S . -B build-bench -G Ninja -DEMBER_BUILD_BENCHMARKS=ON -DEMBER_BUILD_TESTS=OFF >/dev/null
cmake --build build-bench -j "$(nproc)"
out=benchmarks/results/cpu_$(hostname -s 2>/dev/null || echo host).md
tmp=$(mktemp -d)
for b in build-bench/bench_*; do
  env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE "$b" --benchmark_repetitions=5 \
    --benchmark_report_aggregates_only=true --benchmark_format=json \
    > "$tmp/$(basename "$b").json"
done
env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python3 benchmarks/numpy_reference.py > "$tmp/numpy.jsonl"
python3 benchmarks/summarize_cpu.py "$tmp" > "$out"
cat "$out"
