# The front door. Meson builds underneath (see meson.build); this file only
# installs what is missing, configures and runs.
#   make            build everything into build/ (the CLI is build/emauth)
#   make test       install test dependencies, build, run every suite
#   make test-sanitize  the same under AddressSanitizer + UBSan (build-san/)
#   make demo       run emauth on the bundled example data
#   make fuzz       build the libFuzzer targets with clang (build-fuzz/)
#   make lint       banned calls, cppcheck; make format: clang-format
BUILD   ?= build
SAN     ?= build-san
FUZZ    ?= build-fuzz
MESON_OPTS ?= -Dwerror=true
SUDO_DEPS = scripts/install-deps

.PHONY: all deps deps-build test test-sanitize demo fuzz lint format clean

all: deps-build
	@test -f $(BUILD)/build.ninja || meson setup $(BUILD) $(MESON_OPTS) >/dev/null
	ninja -C $(BUILD)

deps-build:
	@$(SUDO_DEPS) build

deps:
	@$(SUDO_DEPS) test

test: deps all
	tests/run $(BUILD)

test-sanitize: deps
	@test -f $(SAN)/build.ninja || meson setup $(SAN) $(MESON_OPTS) \
	    -Db_sanitize=address,undefined -Db_lundef=false \
	    -Dc_args=-fno-sanitize-recover=all >/dev/null
	ninja -C $(SAN)
	tests/run $(SAN)

demo: all
	examples/demo.sh $(BUILD)/emauth

fuzz:
	@$(SUDO_DEPS) fuzz
	@test -f $(FUZZ)/build.ninja || CC=clang meson setup $(FUZZ) \
	    -Dfuzzing=true -Db_lundef=false -Db_sanitize=address,undefined \
	    -Dc_args='-fsanitize=fuzzer-no-link -fno-sanitize-recover=all' \
	    >/dev/null
	ninja -C $(FUZZ)
	@echo "targets: $(FUZZ)/fuzz/fuzz_*; see fuzz/README.md"

lint:
	scripts/lint

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

clean:
	rm -rf $(BUILD) $(SAN) $(FUZZ)
