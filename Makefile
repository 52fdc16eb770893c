# ember: the two commands users need are `make demo` and `make test`.
BUILD ?= build
JOBS ?= $(shell nproc)
PY ?= python3
CMAKE_FLAGS ?=

.PHONY: deps build test test-cpp test-python test-gpu demo sanitize bench clean stubs

# Installs what the build needs (idempotent; Debian packages and PyPI only).
deps:
	@bash scripts/install_deps.sh

build: deps
	cmake -S . -B $(BUILD) -G Ninja $(CMAKE_FLAGS)
	cmake --build $(BUILD) -j $(JOBS)

test-cpp: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

# Builds the extension through pip (the C++ objects come from ccache) and runs pytest.
test-python: build
	$(PY) -m pip install -q --no-build-isolation -e .
	$(PY) -m pytest -q tests/python

test: test-cpp test-python

# On a machine with an NVIDIA GPU: the GPU tests, the C++ op tables with the
# GPU as default device, and pytest on the GPU (logs in build-gpu/results).
test-gpu:
	bash scripts/test_gpu.sh

# Regenerates the type stubs python/ember/core/*.pyi (nanobind stubgen) from a
# CPU-only build of the extension in build-python.
stubs:
	cmake -S . -B build-python -G Ninja -DEMBER_BUILD_PYTHON=ON -DEMBER_BUILD_TESTS=OFF \
	  -DEMBER_BUILD_CUDA=OFF -DPython_EXECUTABLE=$$(command -v $(PY))
	cmake --build build-python --target ember_python -j $(JOBS)
	$(PY) scripts/gen_stubs.py build-python

# The pipeline of examples/pipeline (README.md, "The demo"): builds the library
# and the C++ classifier example, installs the Python package, then prepares
# data, trains, serves and checks C++ against Python into demo_out/.
# The CUDA backend is built only where a GPU can run it (nvidia-smi finds
# one; DEMO_CUDA=ON/OFF overrides), in build dirs of its own so that
# `make test` keeps compiling the CUDA backend.
DEMO_CUDA ?= $(shell nvidia-smi -L >/dev/null 2>&1 && echo ON || echo OFF)
DEMO_BUILD ?= build-demo
demo: deps
	cmake -S . -B $(DEMO_BUILD) -G Ninja -DEMBER_BUILD_CUDA=$(DEMO_CUDA) -DEMBER_BUILD_TESTS=OFF $(CMAKE_FLAGS)
	cmake --build $(DEMO_BUILD) -j $(JOBS) --target example_pipeline_classifier
	$(PY) -m pip install -q --no-build-isolation -e . -Cbuild-dir=build-py-demo/{wheel_tag} \
	  -Ccmake.define.EMBER_BUILD_CUDA=$(DEMO_CUDA)
	$(PY) examples/pipeline/run_demo.py --out demo_out --cpp $(DEMO_BUILD)/example_pipeline_classifier

# The C++ suite under AddressSanitizer and UndefinedBehaviorSanitizer.
sanitize: deps
	cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DEMBER_BUILD_CUDA=OFF \
	  -DEMBER_SANITIZE=address,undefined
	cmake --build build-asan -j $(JOBS)
	cd build-asan && ASAN_OPTIONS=detect_leaks=0 UBSAN_OPTIONS=halt_on_error=1 ctest --output-on-failure

bench: deps
	bash benchmarks/run_cpu.sh

clean:
	rm -rf $(BUILD) build-asan $(DEMO_BUILD) build-py build-py-demo
