# gpunet — one binary, one module. `make help` lists the targets.
GO        ?= go
BIN       ?= bin/gpunet
TOOLS     := $(CURDIR)/.tools
STATICCHECK_VERSION := v0.8.2
FUZZTIME  ?= 10s
PKGS      := ./...
# go-nvml's cgo prologue calls functions NVML marks deprecated; they are not ours.
export CGO_CFLAGS ?= -O2 -g -Wno-deprecated-declarations

.PHONY: help build test test-race devnet proto proto-check lint fmt bench fuzz image clean

help: ## list targets
	@grep -E '^[a-z-]+:.*##' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-12s %s\n", $$1, $$2}'

build: ## build bin/gpunet
	$(GO) build -o $(BIN) ./cmd/gpunet

test: ## run every test (needs nothing but Go; the chain runs in-process)
	$(GO) test -count=1 -timeout 20m $(PKGS)

# node/e2e is left out of the race run: with five provider nodes simulating
# transactions over gRPC while blocks commit, the race detector reports an
# upstream race between the SDK's Simulate path and iavl's
# MutableTree.SaveVersion (cosmos/iavl v1.2.8, store/v2 rootmulti.Commit),
# outside our code. Every other package, the chain's e2e tests included, runs
# under -race.
RACE_PKGS = $(shell $(GO) list ./... | grep -v '/node/e2e$$')
test-race: ## run the tests under the race detector (all but node/e2e, see above)
	$(GO) test -count=1 -race -timeout 30m $(RACE_PKGS)

devnet: build ## start a one-validator devnet with funded demo keys (Ctrl-C stops, rerun resumes)
	$(BIN) devnet

proto: ## regenerate stake/types/*.pb.go from proto/ (needs protobuf-compiler)
	./proto/gen.sh

proto-check: proto ## fail if the committed generated code is stale
	git diff --exit-code -- stake/types/

lint: ## gofmt, go vet and staticcheck
	@out=$$(gofmt -l $$(git ls-files '*.go' | grep -v '\.pb\(\.gw\)\?\.go$$')); \
	  if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) vet $(PKGS)
	GOBIN=$(TOOLS) $(GO) install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION)
	@# The grpc-gateway v1 generator emits deprecated calls; generated files are not ours to fix.
	@out=$$($(TOOLS)/staticcheck $(PKGS) 2>&1 | grep -v '\.pb\.gw\.go:'); \
	  if [ -n "$$out" ]; then echo "$$out"; exit 1; fi

bench: ## benchmarks, each with its baseline in the same run (see docs/benchmarks.md)
	@# -bench=. includes stake/keeper's EndBlockerAtLoad (10k providers, 100k jobs: about 25 s of genesis setup).
	$(GO) test -run='^$$' -bench=. -benchmem ./stake/jobspec/ ./stake/keeper/ ./node/offers/ ./runtime/commit/
	@# The scheduler on one core: 10k providers, 100k jobs (goal: over 50,000 placements/s).
	$(GO) test -run='^$$' -bench=. -benchtime=3x -cpu=1 ./scheduler/
	@# Needs a Docker engine (skips without one); a fixed count, as each start takes a container.
	$(GO) test -run='^$$' -bench=StartToFirstLog -benchtime=20x ./runtime/docker/
	@# Needs a Docker engine (skips without one): a devnet-shaped chain and provider, 1 s blocks.
	$(GO) test -run='^$$' -bench=SubmitToRunning -benchtime=5x ./node/e2e/
	@echo 'For the 2 GiB comparison with sha256sum and b3sum: bench/commit.sh'

# -fuzzminimizetime keeps a short run fuzzing instead of minimising one input.
FUZZ := $(GO) test -run='^$$' -fuzztime=$(FUZZTIME) -fuzzminimizetime=100x
fuzz: ## run each fuzz target for FUZZTIME (default 10s)
	$(FUZZ) -fuzz='^FuzzParseYAML$$' ./stake/jobspec/
	$(FUZZ) -fuzz='^FuzzParseCanonical$$' ./stake/jobspec/
	$(FUZZ) -fuzz='^FuzzMsgValidateBasic$$' ./stake/types/
	$(FUZZ) -fuzz='^FuzzDecodeOffer$$' ./node/offers/
	$(FUZZ) -fuzz='^FuzzVerifyOffer$$' ./node/offers/
	$(FUZZ) -fuzz='^FuzzReadHeader$$' ./runtime/safetensors/
	$(FUZZ) -fuzz='^FuzzHeaderText$$' ./runtime/safetensors/
	$(FUZZ) -fuzz='^FuzzParseProgress$$' ./runtime/runner/
	$(FUZZ) -fuzz='^FuzzDecodeCheckpointRequest$$' ./node/streams/
	$(FUZZ) -fuzz='^FuzzDecodeLogsRequest$$' ./node/streams/
	$(FUZZ) -fuzz='^FuzzDecodeChunkResponse$$' ./node/streams/

image: ## build the gpunet container image locally (FROM scratch, static binary)
	CGO_ENABLED=0 $(GO) build -trimpath -o bin/gpunet-static ./cmd/gpunet
	docker build -t gpunet:dev .

clean:
	rm -rf bin

# The context is a tar of this Dockerfile and the binary alone: the legacy
# builder has no per-Dockerfile .dockerignore, and the repo root is large.
.PHONY: trainer-image
trainer-image: ## build the example trainer image gpunet/trainer:dev and print its image ID
	CGO_ENABLED=0 $(GO) build -trimpath -o bin/trainer ./examples/trainer
	tar -cf - -C $(CURDIR)/examples/trainer Dockerfile -C $(CURDIR)/bin trainer | docker build -t gpunet/trainer:dev -
	@docker inspect --format '{{.Id}}' gpunet/trainer:dev
