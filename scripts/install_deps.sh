#!/usr/bin/env bash
# Installs ember's build dependencies from Debian and PyPI when missing.
set -euo pipefail
need_apt=()
for pkg in cmake ninja-build g++ libopenblas-dev libgtest-dev libbenchmark-dev ccache zlib1g-dev; do
  dpkg -s "$pkg" >/dev/null 2>&1 || need_apt+=("$pkg")
done
if [ ${#need_apt[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}"
fi
PY=${PY:-python3}
need_pip=()
for mod in numpy pytest nanobind scikit_build_core; do
  $PY -c "import $mod" >/dev/null 2>&1 || need_pip+=("${mod//_/-}")
done
if [ ${#need_pip[@]} -gt 0 ]; then
  $PY -m pip install -q "${need_pip[@]}"
fi
# Header-only cuDNN frontend for the CUDA backend's attention
# (ember/backend/cuda/fast/sdpa_cudnn.cpp): only its include/ folder is used,
# so no dependencies are installed.
if ! $PY -c "import os, sys, sysconfig; sys.exit(0 if os.path.exists(os.path.join(sysconfig.get_paths()['purelib'], 'include', 'cudnn_frontend.h')) else 1)" >/dev/null 2>&1; then
  $PY -m pip install -q --no-deps nvidia-cudnn-frontend || echo "install_deps: nvidia-cudnn-frontend not installed (CUDA attention builds without cuDNN)" >&2
fi
