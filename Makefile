# Laminar: two commands for a newcomer.
#   make run   start the whole product on http://localhost:8080 with demo data
#   make test  install what the tests need, then vet and run every test
SHELL := /bin/bash
GO ?= go
BIN := bin/laminar
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
APT := DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get
export PATH := /usr/local/go/bin:$(PATH)

.PHONY: run test build image vet deps-postgres deps-chromium deps-poppler deps-npm deps-hl7 deps-test fmt-check bench

build:
	$(GO) build -o $(BIN) ./cmd/laminar

# The container image (Dockerfile; deploy/ has compose and systemd
# examples). Only this target builds it: `make test` checks the Dockerfile
# without building.
IMAGE ?= laminar:latest
image:
	docker build -t $(IMAGE) .

run: deps-postgres build
	./$(BIN) serve --demo

# The browser tests run on their own after the rest, so that a busy machine
# does not slow the scanner's keystrokes they type.
test: deps-test vet fmt-check
	$(GO) test -race -count=1 $$($(GO) list ./... | grep -v /internal/e2e)
	$(GO) test -race -count=1 ./internal/e2e/

vet:
	$(GO) vet ./...

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi

bench:
	$(GO) test -run '^$$' -bench . -benchmem ./calc/ ./internal/barcode/ ./internal/bud/

deps-test: deps-postgres deps-chromium deps-poppler deps-npm deps-hl7

# PostgreSQL server binaries (initdb, postgres) from Debian's packages.
deps-postgres:
	@if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then \
		echo "Installing PostgreSQL server binaries (Debian package postgresql)..."; \
		$(APT) update -qq && $(APT) install -y -qq --no-install-recommends postgresql; \
	fi

# Headless Chromium for the browser tests, from Debian's packages.
deps-chromium:
	@if ! command -v chromium >/dev/null 2>&1; then \
		echo "Installing Chromium (Debian package chromium)..."; \
		$(APT) update -qq && $(APT) install -y -qq --no-install-recommends chromium fonts-dejavu-core; \
	fi

# pdftoppm, which the workflow tests use to render a label PDF and decode
# its barcode, from Debian's package poppler-utils.
deps-poppler:
	@if ! command -v pdftoppm >/dev/null 2>&1; then \
		echo "Installing pdftoppm (Debian package poppler-utils)..."; \
		$(APT) update -qq && $(APT) install -y -qq --no-install-recommends poppler-utils; \
	fi

# npm, with which the browser tests fetch axe-core (the accessibility
# checker) at test time; nothing of it is committed.
deps-npm:
	@if ! command -v npm >/dev/null 2>&1; then \
		echo "Installing npm (Debian package npm)..."; \
		$(APT) update -qq && $(APT) install -y -qq --no-install-recommends npm; \
	fi

# Clients the interface tests drive the MLLP listener with, written by
# others: Debian's mllp_send (package python3-hl7) and, through npm,
# @medplum/hl7 version 4 (version 5 needs a newer Node), installed into the
# user's cache like axe-core, never into the repository.
deps-hl7: deps-npm
	@if [ ! -x /usr/bin/mllp_send ]; then \
		echo "Installing mllp_send (Debian package python3-hl7)..."; \
		$(APT) update -qq && $(APT) install -y -qq --no-install-recommends python3-hl7; \
	fi
	@dir="$${LAMINAR_MEDPLUM_DIR:-$${XDG_CACHE_HOME:-$$HOME/.cache}/laminar/medplum-hl7}"; \
	if [ ! -f "$$dir/node_modules/@medplum/hl7/package.json" ]; then \
		echo "Installing @medplum/hl7@4 with npm into $$dir..."; \
		mkdir -p "$$dir" && npm install --no-save --no-audit --no-fund --prefix "$$dir" @medplum/hl7@4 >/dev/null; \
	fi
