#!/usr/bin/env bash
# The project's test command (README.md, .ci/run): formatting, vet, go.mod
# tidiness, staticcheck, and the whole test suite with the race detector.
# Tests that need the published list files find them in ../shared/data (see
# internal/shareddata).
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
# go.mod says what the code uses: a dependency marked wrongly, or missing
# from go.sum, fails here rather than in someone's build.
if ! tidy=$(go mod tidy -diff); then
	echo "go mod tidy would change go.mod/go.sum:" >&2
	echo "$tidy" >&2
	exit 1
fi
# staticcheck is pinned in go.mod as a tool (go get -tool), so CI and every
# developer run the same version without installing anything.
go tool staticcheck ./...

# A short fuzz of every parser (OFAC CSV and XML, EU XML and CSV, UK FCDO
# XML and CSV, OFSI CSV), of the OFAC reader replay uses (a publication
# read after another must be what Parse makes of it) and of the download
# body decoder. go test -fuzz
# takes one target at a time. A crash fails the run and is written to the
# package's testdata/fuzz/, to be fixed and kept there as a seed.
# Minimizing each new input may otherwise take a minute of the budget.
# The budget is a count of executions, not a duration: with a duration,
# go1.26's fuzz coordinator can fail a target with a bare "context deadline
# exceeded" as the time runs out on a loaded machine (go.dev/issue/75804,
# fixed in go1.27; seen here on FuzzParseEU, no crasher written). 100,000
# executions take 6-24 s per target on this project's 2-core machine.
fuzztime=${TRACKER_FUZZTIME:-100000x}
for target in FuzzParseOFAC:./internal/source/ofac/ FuzzReader:./internal/source/ofac/ \
	FuzzParseEU:./internal/source/eu/ FuzzParseUK:./internal/source/uk/ FuzzReadBody:./internal/fetch/; do
	go test -run='^$' -fuzz="^${target%%:*}\$" -fuzztime="$fuzztime" -fuzzminimizetime=2s "${target#*:}"
done

go test -race -count=1 -timeout 30m ./...
