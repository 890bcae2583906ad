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

.PHONY: all deps build run test test-asan memcheck bench soak format clean screenshots

all: build

deps:
	@bash scripts/install-deps.sh

$(BUILD)/CMakeCache.txt:
	@cmake -S . -B $(BUILD) $(CMAKE_FLAGS) >/dev/null

build: deps $(BUILD)/CMakeCache.txt
	@cmake --build $(BUILD) -j $(JOBS)

run: build
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

bench: build
	@bash bench/run.sh $(BUILD)

format:
	@clang-format -i $$(git ls-files '*.c' '*.h')

clean:
	rm -rf $(BUILD) build-asan
