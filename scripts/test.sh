#!/usr/bin/env bash
# The project's test command (README.md, .ci/run): formatting, vet, and the
# whole test suite with the race detector. Tests that need the published
# list files find them in ../shared/data (see internal/shareddata).
set -euo pipefail
cd "$(dirname "$0")/.."
export CGO_ENABLED=1 # mattn/go-sqlite3 is cgo

go mod download

unformatted=$(gofmt -l .)
if [ -n "$unformatted" ]; then
	echo "gofmt: these files need formatting:" >&2
	echo "$unformatted" >&2
	exit 1
fi
go vet ./...
go test -race -count=1 -timeout 30m ./...
