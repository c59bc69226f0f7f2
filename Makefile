# The short front door; CMake is the build.
BUILD ?= build
PREFIX ?= /usr/local
DESTDIR ?=
JOBS ?= $(shell nproc)
CMAKE_FLAGS ?=
SANITIZE_CTEST_ARGS ?=

.PHONY: all deps build run test test-sanitize install clean format fuzz check deb

all: build

deps:
	@./scripts/install-deps

$(BUILD)/CMakeCache.txt: | deps
	cmake -S . -B $(BUILD) -DCMAKE_INSTALL_PREFIX=$(PREFIX) $(CMAKE_FLAGS)

build: deps $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j $(JOBS)

run: build
	./$(BUILD)/ssehub serve

test: build
	./scripts/run-ctest $(BUILD) --output-on-failure -j $(JOBS)

# The include check, then clang-tidy on the C++ files changed since HEAD~1 (or $$TIDY_BASE).
check: build
	./scripts/check-layers
	./scripts/tidy-changed $(BUILD)

test-sanitize: deps
	cmake -S . -B $(BUILD)-sanitize -DSANITIZE=ON -DCMAKE_BUILD_TYPE=Debug $(CMAKE_FLAGS)
	cmake --build $(BUILD)-sanitize -j $(JOBS)
	ASAN_OPTIONS=halt_on_error=1:detect_leaks=1:abort_on_error=1 \
		UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
		./scripts/run-ctest $(BUILD)-sanitize --output-on-failure -j $(JOBS) $(SANITIZE_CTEST_ARGS)

# Reconfigures with PREFIX so the unit file names the installed paths.
install: deps
	cmake -S . -B $(BUILD) -DCMAKE_INSTALL_PREFIX=$(PREFIX) $(CMAKE_FLAGS)
	cmake --build $(BUILD) -j $(JOBS)
	DESTDIR=$(DESTDIR) cmake --install $(BUILD)

# The Debian package, built by debhelper from debian/ (what ships only, dpkg-buildflags' hardening
# flags, warnings not errors): dist/ssehub_VERSION_ARCH.deb with its .changes and .buildinfo,
# nothing written outside the tree. DEB_BUILD_OPTIONS passes through (nocheck, parallel=N, noopt).
# Install it with `apt install ./dist/ssehub_*.deb`; tests/package/test-deb (CI, as root) checks it.
DIST ?= dist
deb: deps
	mkdir -p $(DIST) && rm -f $(DIST)/ssehub_* $(DIST)/ssehub-dbgsym_*
	v=$$(dpkg-parsechangelog -S Version) && a=$$(dpkg-architecture -q DEB_HOST_ARCH) && \
	SSEHUB_DEB_DIR="$(abspath $(DIST))" dpkg-buildpackage -us -uc -b \
		--buildinfo-option=-u$(DIST) --buildinfo-file=$(DIST)/ssehub_$${v}_$${a}.buildinfo \
		--changes-option=-u$(DIST) --changes-file=$(DIST)/ssehub_$${v}_$${a}.changes

FUZZ_SECONDS ?= 60
FUZZ_TARGETS = fuzz_frame_roundtrip fuzz_publish_body fuzz_request_reader fuzz_ids_and_query fuzz_cli_stream
FUZZ_TARGETS += fuzz_redis_url fuzz_prometheus_text fuzz_stream_entry fuzz_h2_session
FUZZ_TARGETS += fuzz_token fuzz_token_request # signed tokens (src/auth/, app/token_access)
FUZZ_TARGETS += fuzz_history_segment # the history log's segment reader (sse/history_record)
fuzz: deps
	CC=clang CXX=clang++ cmake -S . -B $(BUILD)-fuzz -DFUZZ=ON -DSANITIZE=ON $(CMAKE_FLAGS)
	cmake --build $(BUILD)-fuzz -j $(JOBS) --target $(FUZZ_TARGETS)
	./scripts/run-fuzzers $(BUILD)-fuzz $(FUZZ_SECONDS) $(FUZZ_TARGETS)

format:
	clang-format -i $$(git ls-files 'src/*.cpp' 'src/*.hpp' 'tests/*.cpp' 'bench/*.cpp')

clean:
	rm -rf $(BUILD) $(BUILD)-sanitize $(BUILD)-fuzz $(BUILD)-release build-deb $(DIST)

# Benchmarks, never part of `make test`: ssehub against nginx+nchan, a Node.js hub and the C
# reference server (a write() loop and an io_uring batch per broadcast; ratios against the
# faster) at 1 000, 10 000 and 19 000 subscribers, 5 repetitions, then scale-out on Redis
# when redis-server is installed: one node alone vs one with --redis, and three nodes on one
# Redis with 51 000 subscribers; then signed tokens (no token vs HS256 vs ES256 subscribers of
# a private topic, bench/token-bench). bench/run-bench
# takes --redis/--no-redis and --no-tokens; results in bench/results/<date>/.
# Last, the hub's CPU per delivery and RSS per idle subscriber over HTTP/1.1, TLS and HTTP/2
# (curl clients, bench/transport-bench; bench/run-bench --no-transports skips it).
.PHONY: bench bench-quick
bench: build
	@./scripts/install-deps bench
	./bench/run-bench --build $(BUILD)

bench-quick: build
	@./scripts/install-deps bench
	./bench/run-bench --quick --build $(BUILD)

# Soak, never part of `make test`: 5 000 subscribers, 10 % churn a minute, a steady 10 events
# a second for 10 minutes (tests/soak/soak.py; ctest runs a 60-s version with 500).
.PHONY: soak
soak: build
	SSEHUB_BIN=$(BUILD)/ssehub python3 tests/soak/soak.py --subscribers 5000 --duration 600 $(SOAK_ARGS)
