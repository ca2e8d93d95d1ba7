# Thin wrapper over meson/ninja. `make demo` and `make test` are the two set-up commands.
BUILD ?= build
ASAN ?= build-asan
FUZZ ?= build-fuzz
MESON_OPTS ?=

.PHONY: all deps build test demo bench fuzz install clean format

all: build

deps:
	@bash scripts/deps.sh

# Sources are listed in meson.build; ninja reconfigures by itself when it changes.
build: deps
	@bash scripts/configure.sh $(BUILD) $(MESON_OPTS)
	@ninja -C $(BUILD)

test: deps
	@bash scripts/test.sh

demo: build
	@bash scripts/demo.sh $(BUILD)/wirekit

bench: build
	@bash scripts/deps.sh --peers
	@for b in bench/*.sh; do bash $$b $(BUILD)/wirekit || exit 1; done

fuzz: deps
	@CC=clang bash scripts/configure.sh $(FUZZ) -Dfuzz=true --buildtype=debugoptimized \
		-Db_sanitize=address,undefined -Db_lundef=false
	@ninja -C $(FUZZ)
	@bash fuzz/run.sh $(FUZZ) $${FUZZ_SECONDS:-60}

# make install [PREFIX=/usr/local] [DESTDIR=...]: the program, libwirekit (shared and
# static), its headers, wirekit.pc and the man pages.
PREFIX ?= /usr/local
install: build
	@meson configure $(BUILD) -Dprefix=$(PREFIX) >/dev/null
	@ninja -C $(BUILD)
	@meson install -C $(BUILD) --no-rebuild $(if $(DESTDIR),--destdir $(DESTDIR))

format:
	@clang-format -i $$(git ls-files '*.c' '*.h')

clean:
	rm -rf $(BUILD) $(ASAN) $(FUZZ) build-release

