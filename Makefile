# The two commands of the README:
#   make demo   installs what is missing, builds Release and the web front end, runs the server
#               with the bundled data and the command map at http://127.0.0.1:8080/
#   make test   installs what is missing, builds, runs the integration and browser tests in
#               Release and every test under ASan/UBSan
JOBS ?= $(shell nproc)
CTEST_JOBS ?= 2

.PHONY: all setup build server web test test-release test-asan demo bench format clean

all: build

setup:
	@bash scripts/setup.sh

build: setup web
	cmake --preset release >/dev/null
	cmake --build --preset release -j $(JOBS)

# The server binary only (what the demo needs).
server: setup web
	cmake --preset release >/dev/null
	cmake --build --preset release -j $(JOBS) --target quanyu

# The command map (web/): TypeScript built by Vite into web/dist, which `quanyu serve --web` serves.
web: setup
	@if [ -f web/package.json ]; then cd web && npm run build --silent; fi

test: setup test-release test-asan

# Release: the server end to end (integration tests over real sockets, the simulated city, the
# command map in Chromium), with the benchmarks built; every test, the modules' unit tests
# included, runs under ASan/UBSan in test-asan.
test-release: web
	cmake --preset release >/dev/null
	cmake --build --preset release -j $(JOBS) --target quanyu integration_test simulate_test benchmarks
	ctest --preset release -j $(CTEST_JOBS) -LE unit

test-asan:
	cmake --preset asan >/dev/null
	cmake --build --preset asan -j $(JOBS)
	ctest --preset asan -j $(CTEST_JOBS)

demo: server
	@bash scripts/demo.sh

bench: setup
	cmake --preset release >/dev/null
	cmake --build --preset release -j $(JOBS) --target quanyu benchmarks
	@bash scripts/bench.sh

format:
	clang-format -i $$(git ls-files '*.cc' '*.h')

clean:
	rm -rf build web/dist
