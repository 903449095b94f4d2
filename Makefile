# The two commands of the README:
#   make demo   installs what is missing, builds Release, runs the server with the bundled data
#   make test   installs what is missing, builds, runs every test (Release and ASan/UBSan)
JOBS ?= $(shell nproc)
CTEST_JOBS ?= 2

.PHONY: all setup build test test-release test-asan demo bench format clean

all: build

setup:
	@bash scripts/setup.sh

build: setup
	cmake --preset release >/dev/null
	cmake --build --preset release -j $(JOBS)

test: setup test-release test-asan

test-release:
	cmake --preset release >/dev/null
	cmake --build --preset release -j $(JOBS)
	ctest --preset release -j $(CTEST_JOBS)

test-asan:
	cmake --preset asan >/dev/null
	cmake --build --preset asan -j $(JOBS)
	ctest --preset asan -j $(CTEST_JOBS)

demo: build
	@bash scripts/demo.sh

bench: build
	@bash scripts/bench.sh

format:
	clang-format -i $$(git ls-files '*.cc' '*.h')

clean:
	rm -rf build
