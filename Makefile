# The two commands of the README:
#   make demo   installs what is missing, builds Release and the web front end, runs the server
#               with the bundled data and the command map at http://127.0.0.1:8080/
#   make test   installs what is missing, builds, runs every test (Release with the front end's
#               browser tests, and ASan/UBSan)
JOBS ?= $(shell nproc)
CTEST_JOBS ?= 2

.PHONY: all setup build web test test-release test-asan demo bench format clean

all: build

setup:
	@bash scripts/setup.sh

build: setup web
	cmake --preset release >/dev/null
	cmake --build --preset release -j $(JOBS)

# The command map (web/): TypeScript built by Vite into web/dist, which `quanyu serve --web` serves.
web: setup
	@if [ -f web/package.json ]; then cd web && npm run build --silent; fi

test: setup test-release test-asan

test-release: web
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
	rm -rf build web/dist
