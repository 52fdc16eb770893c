#!/usr/bin/env bash
# Editable CPU-only install of the Python package for development. Serialised
# with a lock so that several sessions on one machine don't race in build-py/.
set -euo pipefail
cd "$(dirname "$0")/.."
exec flock /tmp/ember-pip.lock python3 -m pip install -q --no-build-isolation -e . \
  -Ccmake.define.EMBER_BUILD_CUDA=OFF "$@"
