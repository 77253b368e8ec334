# Parcel locker kiosk. `make demo` runs the kiosk with everything simulated;
# `make test` runs every test. Both install their Debian packages first.

GO       ?= go
BIN      := bin
VERSION  ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS  := -X main.version=$(VERSION)
FUZZTIME ?= 20s

.PHONY: all deps build demo test test-short bench fuzz trial package clean

all: build

deps:
	bash packaging/deps.sh

build: deps
	$(GO) build -ldflags '$(LDFLAGS)' -o $(BIN)/ ./cmd/...

demo: build
	FYNE_CACHE=10s $(BIN)/kiosk --demo

test: deps
	$(GO) vet ./...
	xvfb-run -a -s "-screen 0 1280x1024x24" $(GO) test -count=1 -timeout 40m ./...

bench: deps
	$(GO) run ./scripts/benchreport -out docs/BENCHMARKS.md

trial: deps
	TRIAL=full xvfb-run -a -s "-screen 0 1280x1024x24" $(GO) test -count=1 -v -run Trial -timeout 80m ./e2e

fuzz:
	bash scripts/fuzz.sh $(FUZZTIME)

package: build
	$(GO) tool nfpm package -f packaging/nfpm.yaml -p deb -t $(BIN)/

clean:
	rm -rf $(BIN)
