# Bulwark build and test entry points. `make test` is what CI runs.
GO      ?= go
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
COMMIT  ?= $(shell git rev-parse HEAD 2>/dev/null || echo unknown)
LDFLAGS := -s -w -X main.version=$(VERSION) -X main.commit=$(COMMIT)

.PHONY: build test bench lint

## build: a static bulwark binary in ./bin
build:
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o bin/bulwark ./cmd/bulwark

## test: the whole test suite (unit, integration, golden files, race on concurrent packages)
test:
	$(GO) test -count=1 ./...
	$(GO) test -count=1 -race $$($(GO) list ./... | grep -E '/(gateway|redteam|store|modelscan)($$|/)')

## bench: every benchmark once
bench:
	$(GO) test -run '^$$' -bench . -benchmem ./...

## lint: vet, gofmt and staticcheck
lint:
	$(GO) vet ./...
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || (gofmt -l $$(git ls-files '*.go'); exit 1)
	$(GO) run honnef.co/go/tools/cmd/staticcheck@v0.7.0 ./...
