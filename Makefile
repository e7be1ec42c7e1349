# SPDX-License-Identifier: BSD-3-Clause
# Thin wrapper over meson: the commands a newcomer and CI type.
BUILD ?= build
ASAN ?= build-asan
FUZZ_SECONDS ?= 600

.PHONY: all deps build asan test demo bench fuzz clean

all: build

deps:
	@scripts/deps.sh

# Link-time optimisation: the decoders, tables and hashes of watch's
# per-packet path live in separate files (3% on bench/watch).
$(BUILD)/build.ninja:
	meson setup $(BUILD) -Db_lto=true >/dev/null

$(ASAN)/build.ninja:
	CC=clang meson setup $(ASAN) -Db_sanitize=address,undefined -Db_lundef=false -Dfuzz=true >/dev/null

build: $(BUILD)/build.ninja
	ninja -C $(BUILD)

asan: $(ASAN)/build.ninja
	ninja -C $(ASAN)

# Every suite (unit, oracle, lab, fuzz smoke) under ASan+UBSan, plus the
# -Werror gcc build; ends with "N passed, N failed".
test: deps build asan
	scripts/run-tests.sh $(ASAN)

demo: deps build
	scripts/demo.sh $(BUILD)
	scripts/demo_watch.sh $(BUILD)

bench: deps build
	bench/run.sh $(BUILD)

fuzz: deps asan
	tests/fuzz/run.sh $(ASAN) $(FUZZ_SECONDS)

clean:
	rm -rf $(BUILD) $(ASAN)
