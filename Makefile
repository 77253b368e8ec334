# Parcel locker kiosk. `make demo` runs the kiosk with everything simulated;
# `make test` runs every test. Both install their Debian packages first.

GO       ?= go
BIN      := bin
VERSION  ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS  := -X main.version=$(VERSION)
# TAGS: no_emoji leaves out Fyne's colour emoji font, which Fyne would
# parse (about 4 MB of memory) for every text style (docs/BENCHMARKS.md).
TAGS     ?= no_emoji
FUZZTIME ?= 20s

# ARCH is the architecture `make package` builds the .deb for: this
# machine's by default, or arm64 (cross-compiled with the Debian cross
# toolchain and arm64 multiarch libraries `packaging/deps.sh arm64` installs).
# Set it on the command line (make package ARCH=arm64); an ARCH in the
# environment is ignored.
HOSTARCH := $(shell $(GO) env GOHOSTARCH)
ARCH     := $(HOSTARCH)
TRIPLET_arm64 := aarch64-linux-gnu
ifeq ($(ARCH),$(HOSTARCH))
CROSS :=
else ifneq ($(TRIPLET_$(ARCH)),)
CROSS := GOOS=linux GOARCH=$(ARCH) CGO_ENABLED=1 CC=$(TRIPLET_$(ARCH))-gcc \
	PKG_CONFIG_PATH= PKG_CONFIG_LIBDIR=/usr/lib/$(TRIPLET_$(ARCH))/pkgconfig:/usr/share/pkgconfig
else
$(error ARCH=$(ARCH): no cross toolchain known; use $(HOSTARCH) or arm64)
endif

.PHONY: all deps build demo test test-short bench fuzz trial package clean

all: build

deps:
	bash packaging/deps.sh

build: deps
	$(GO) build -tags '$(TAGS)' -ldflags '$(LDFLAGS)' -o $(BIN)/ ./cmd/...

demo: build
	$(BIN)/kiosk --demo

# The tests also build and run (under qemu-user) the arm64 .deb. Test
# binaries run one at a time (-p 1): the whole-system trial types on a real
# window and the NATS cluster test elects leaders against the clock, and
# either lost keys or an election to the other's load when they shared the
# two cores.
test:
	bash packaging/deps.sh arm64
	$(GO) mod tidy -diff
	$(GO) vet ./...
	xvfb-run -a -s "-screen 0 1280x1024x24" $(GO) test -p 1 -count=1 -timeout 40m ./...

bench: deps
	$(GO) run ./scripts/benchreport -out docs/BENCHMARKS.md

trial: deps
	TRIAL=full xvfb-run -a -s "-screen 0 1280x1024x24" $(GO) test -count=1 -v -run Trial -timeout 80m ./e2e

fuzz:
	bash scripts/fuzz.sh $(FUZZTIME)

# package builds $(BIN)/parcelkiosk_VERSION_$(ARCH).deb from binaries built
# into $(BIN)/$(ARCH)/. nfpm itself runs on this machine (GOARCH=$(HOSTARCH)).
package:
	bash packaging/deps.sh $(ARCH)
	$(CROSS) $(GO) build -tags '$(TAGS)' -ldflags '$(LDFLAGS)' -o $(BIN)/$(ARCH)/ ./cmd/...
	PKG_ARCH=$(ARCH) PKG_BINDIR=$(BIN)/$(ARCH) GOOS= GOARCH=$(HOSTARCH) \
		$(GO) tool nfpm package -f packaging/nfpm.yaml -p deb -t $(BIN)/

clean:
	rm -rf $(BIN)
