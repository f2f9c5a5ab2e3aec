# The front door. Meson builds underneath (see meson.build); this file only
# installs what is missing, configures and runs.
#   make            build everything into build/ (the CLI is build/emauth)
#   make test       install test dependencies, build, run every suite
#   make test-sanitize  the same under AddressSanitizer + UBSan (build-san/)
#   make demo       run emauth on the bundled example data
#   make fuzz       build the libFuzzer targets with clang (build-fuzz/)
#   make fuzz-smoke build them and run each for FUZZ_SECONDS (CI)
#   make lint       banned calls, cppcheck; make format: clang-format
#   make install    install into PREFIX (/usr/local), under DESTDIR if set
#   make test-package  build the Debian packages, install, use, purge them
BUILD   ?= build
SAN     ?= build-san
FUZZ    ?= build-fuzz
MESON_OPTS ?= -Dwerror=true
SUDO_DEPS = scripts/install-deps
FUZZ_SECONDS ?= 20
PREFIX  ?= /usr/local

.PHONY: all deps deps-build test test-sanitize demo fuzz fuzz-smoke lint \
	format clean install test-package

# scripts/configure sets a build directory up, and again when the installed
# packages changed since (an optional peer may have come).
all: deps-build
	@scripts/configure $(BUILD) $(MESON_OPTS)
	ninja -C $(BUILD)

deps-build:
	@$(SUDO_DEPS) build

deps:
	@$(SUDO_DEPS) test

# The test dependencies first, then configure: never in parallel.
test: deps
	@scripts/configure $(BUILD) $(MESON_OPTS)
	ninja -C $(BUILD)
	tests/run $(BUILD)

test-sanitize: deps
	@scripts/configure $(SAN) $(MESON_OPTS) \
	    -Db_sanitize=address,undefined -Db_lundef=false \
	    -Dc_args=-fno-sanitize-recover=all
	ninja -C $(SAN)
	tests/run $(SAN)

demo: all
	examples/demo.sh $(BUILD)/emauth

fuzz:
	@$(SUDO_DEPS) fuzz
	@CC=clang scripts/configure $(FUZZ) \
	    -Dfuzzing=true -Db_lundef=false -Db_sanitize=address,undefined \
	    -Dc_args='-fsanitize=fuzzer-no-link -fno-sanitize-recover=all'
	ninja -C $(FUZZ)
	@echo "targets: $(FUZZ)/fuzz/fuzz_*; see fuzz/README.md"

fuzz-smoke:
	FUZZ_BUILD=$(FUZZ) scripts/fuzz-smoke $(FUZZ_SECONDS)

lint:
	@$(SUDO_DEPS) lint
	scripts/lint

# Meson installs (programs, libemauth.so.0, headers, libemauth.pc, man
# pages, example configuration, systemd unit); the build directory takes
# PREFIX first when it differs. ldconfig for a real install as root.
install: all
	@cur=$$(python3 -c 'import json, sys; print([o["value"] for o in \
	    json.load(open(sys.argv[1])) if o["name"] == "prefix"][0])' \
	    $(BUILD)/meson-info/intro-buildoptions.json); \
	[ "$$cur" = "$(PREFIX)" ] || meson configure $(BUILD) -Dprefix=$(PREFIX)
	ninja -C $(BUILD)
	meson install -C $(BUILD) --no-rebuild \
	    $(if $(DESTDIR),--destdir $(abspath $(DESTDIR)))
	@if [ -z "$(DESTDIR)" ] && [ "$$(id -u)" -eq 0 ]; then ldconfig; fi

test-package:
	scripts/test-package

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

clean:
	rm -rf $(BUILD) $(SAN) $(FUZZ)
