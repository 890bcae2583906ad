# PACTA: thin wrapper around CMake/CTest.  `make run` and `make test` are the
# two commands a new user needs (README.md); both install dependencies first.
MAKEFLAGS += --no-print-directory
comma := ,
BUILD ?= build
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
CMAKE_FLAGS ?=

# `make test SANITIZE=address,undefined`: the suite built with ASan + UBSan
# in build-asan (the only sanitizer set the build knows; = `make test-asan`).
ifneq ($(SANITIZE),)
ifneq ($(filter-out address undefined,$(subst $(comma), ,$(SANITIZE))),)
$(error SANITIZE=$(SANITIZE): only address and/or undefined are supported)
endif
BUILD := build-asan
CMAKE_FLAGS += -DPACTA_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug
endif

.PHONY: all deps build run test test-asan memcheck bench bench-full bench-desk soak format clean screenshots fuzz fuzz-soak fuzz-build bench-dashboard bench-list bench-expiry bench-desk-1m

all: build

deps:
	@bash scripts/install-deps.sh

$(BUILD)/CMakeCache.txt:
	@cmake -S . -B $(BUILD) $(CMAKE_FLAGS) >/dev/null

build: deps $(BUILD)/CMakeCache.txt
	@cmake --build $(BUILD) -j $(JOBS)

# The build's ~100 progress lines go to a log: what a new user needs to read
# is the server's address and how to connect, printed after it.
run: deps $(BUILD)/CMakeCache.txt
	@echo "Building PACTA in $(BUILD)/ (log: $(BUILD)/build.log)..."
	@cmake --build $(BUILD) -j $(JOBS) > $(BUILD)/build.log 2>&1 || \
		{ tail -n 40 $(BUILD)/build.log; echo "make run: the build failed (whole log: $(BUILD)/build.log)" >&2; exit 1; }
	@bash scripts/run.sh $(BUILD)

test: build
	@cd $(BUILD) && ctest --output-on-failure -j $(JOBS) $(CTEST_ARGS)

# The same suite built with AddressSanitizer + UBSan, in its own build dir.
test-asan: deps
	@$(MAKE) --no-print-directory test BUILD=build-asan CMAKE_FLAGS="-DPACTA_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug"

# The integration suite with every pactad under valgrind memcheck (leaks and
# memory errors fail the test); reports in $(BUILD)/memcheck.  Slow: about
# ten times `make test`.  MEMCHECK_JOBS=N tests at once (default 2).
memcheck: build
	@bash tests/memcheck.sh $(BUILD)

# PNGs of pacta-desk (login, main window, editor, conflict view, admin
# monitor, ...) against a throwaway server, under Xvfb: $(BUILD)/screenshots/.
screenshots: build
	@cmake --build $(BUILD) --target screenshots

# libFuzzer targets (tests/fuzz/README.md), built with clang in their own
# build dir: `make fuzz` runs each for FUZZ_SECONDS, `make fuzz-soak` each for
# FUZZ_RUNS executions.  FUZZ_ASAN=0 builds them with UBSan alone in
# build-fuzz-ub (about three times faster; glibc's checked heap instead of
# ASan).  Not part of `make test` (that runs each target once over its seed
# corpus).
FUZZ_ASAN ?= 1
ifeq ($(FUZZ_ASAN),0)
FUZZ_BUILD ?= build-fuzz-ub
FUZZ_SANITIZE := undefined
else
FUZZ_BUILD ?= build-fuzz
FUZZ_SANITIZE := address,undefined
endif
FUZZ_SECONDS ?= 60
FUZZ_RUNS ?= 10000000
FUZZ_TARGETS ?= protocol dispatch

$(FUZZ_BUILD)/CMakeCache.txt:
	@cmake -S . -B $(FUZZ_BUILD) -DCMAKE_C_COMPILER=clang -DPACTA_FUZZ=ON \
		-DPACTA_FUZZ_SANITIZE=$(FUZZ_SANITIZE) -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null

fuzz-build: deps $(FUZZ_BUILD)/CMakeCache.txt
	@cmake --build $(FUZZ_BUILD) -j $(JOBS) --target $(addprefix fuzz_,$(FUZZ_TARGETS))

fuzz: fuzz-build
	@for t in $(FUZZ_TARGETS); do \
		bash tests/fuzz/fuzz.sh $(FUZZ_BUILD) $$t -max_total_time=$(FUZZ_SECONDS) || exit 1; done

fuzz-soak: fuzz-build
	@for t in $(FUZZ_TARGETS); do \
		bash tests/fuzz/fuzz.sh $(FUZZ_BUILD) $$t -runs=$(FUZZ_RUNS) || exit 1; done

# A long mixed load on a real pactad (tests/soak/soak.c): editors on shared
# contracts, subscribed watchers that lose their connection and read too
# slowly, readers walking lists, exports, documents with resumed uploads,
# backups verified, presence, saved views and an admin watching connections;
# then checks that no write or event was lost or doubled,
# that memory and descriptors stopped growing and that the database is whole.
# Then the same load with pactad killed (SIGKILL) and restarted every
# SOAK_CRASH_EVERY seconds: every answered write must survive. Both run on
# a calendar (tests/soak/soak_calendar.c): pactad's clock moved on eight
# hours at a time, SOAK_DAYS days in all, while contracts expire and renew
# and their alerts are checked. SOAK_SECONDS (default 600), SOAK_CRASH_SECONDS (300);
# `make soak SANITIZE=address,undefined` soaks the ASan build.
SOAK_SECONDS ?= 600
SOAK_CRASH_SECONDS ?= 300
SOAK_CRASH_EVERY ?= 30
SOAK_DAYS ?= 90
soak: build
	@$(BUILD)/bin/pacta_soak --seconds $(SOAK_SECONDS) --calendar-days $(SOAK_DAYS)
	@$(BUILD)/bin/pacta_soak --seconds $(SOAK_CRASH_SECONDS) --crash-every $(SOAK_CRASH_EVERY) \
		--calendar-days $(SOAK_DAYS)

# Side-by-side with Socket.IO and NATS (bench/run.sh): `make bench` is the
# short run (a few minutes), `make bench-full` the long steps; each adds a
# section to bench/RESULTS.md.
bench: build
	@bash bench/run.sh $(BUILD) short

bench-full: build
	@bash bench/run.sh $(BUILD) full

# pacta-desk with 100,000 contracts under Xvfb (bench/desk_100k.sh): several
# minutes, so not part of `make bench`.
bench-desk: build
	@bash bench/desk_100k.sh $(BUILD)

# stats.dashboard with 1,000,000 contracts (bench/bench_dashboard.c): builds the
# database once (a few minutes, cached in $(BUILD)/bench-data), then times the
# figures and what the counters add to each write; bench/RESULTS.md "Dashboard".
bench-dashboard: build
	@$(BUILD)/bin/bench_dashboard --cache $(BUILD)/bench-data

# The first page of contracts.list for the common filter and sort combinations
# with 1,000,000 contracts (bench/list_1m.c; the database is built once, about
# 7 minutes, and kept in $(BUILD)/bench-data like bench-dashboard's), directly
# and over wss.  Not part of `make bench`: a fresh build dir spends minutes on
# the database.
bench-list: build
	@$(BUILD)/bin/list_1m $(BUILD)/bench-data

bench-expiry: build
	@$(BUILD)/bin/expiry_1m $(BUILD)/bench-data

# pacta-desk against a pactad with 1,000,000 contracts (bench/desk_1m.c, the
# database of bench-list), under Xvfb: issue 7's walk (Full Text, sorts, a
# scroll, the Dashboard, XLSX/PDF exports, a document attached and downloaded).
bench-desk-1m: build
	@GSK_RENDERER=cairo GDK_BACKEND=x11 NO_AT_BRIDGE=1 xvfb-run -a -s "-screen 0 1600x1000x24" \
		$(BUILD)/bin/desk_1m $(BUILD)/bench-data

format:
	@clang-format -i $$(git ls-files '*.c' '*.h')

clean:
	rm -rf $(BUILD) build-asan
