# loam — the two commands a newcomer needs are `make demo` and `make test`.
# Everything is built with CMake underneath; this file names the jobs.

# Release builds use gcc: the interpreter is one large computed-goto
# function, and gcc keeps its state in registers where clang-14 spills it
# in every handler (bench/README.md measures the difference). The sanitizer
# and libFuzzer builds need clang.
RELEASE_CC := gcc
CHECK_CC := clang-14
JOBS ?= $(shell nproc)
CMAKE_FLAGS ?=

.PHONY: all build build-asan build-fuzz deps test test-unit test-spec test-wasi test-asan test-fuzz \
        demo bench clean

all: build

deps:
	@scripts/install-deps.sh

build:
	@CC=$(RELEASE_CC) cmake -S . -B build -DCMAKE_BUILD_TYPE=Release $(CMAKE_FLAGS) >/dev/null
	@cmake --build build -j $(JOBS)

build-asan:
	@CC=$(CHECK_CC) cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DLOAM_SANITIZE=ON $(CMAKE_FLAGS) >/dev/null
	@cmake --build build-asan -j $(JOBS)

build-fuzz:
	@CC=$(CHECK_CC) cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=Debug -DLOAM_SANITIZE=ON -DLOAM_FUZZ=ON $(CMAKE_FLAGS) >/dev/null
	@cmake --build build-fuzz -j $(JOBS)

# Every test: unit tests, the WebAssembly spec suite, WASI guests against
# native builds, the same under ASan+UBSan, and a bounded fuzz run.
test: deps
	@tests/run.sh all

demo: deps build
	@examples/demo.sh

bench: deps build
	@bench/run.sh

clean:
	rm -rf build build-asan build-fuzz
