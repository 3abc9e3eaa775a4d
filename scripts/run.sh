#!/usr/bin/env bash
# Builds tracker and runs the daemon with the given config (default:
# tracker.yaml if present, else config.example.yaml), its database in ./tracker.db.
set -euo pipefail
cd "$(dirname "$0")/.."
export CGO_ENABLED=1
go build -o tracker ./cmd/tracker
config=${1:-}
if [ -z "$config" ]; then
	if [ -f tracker.yaml ]; then config=tracker.yaml; else config=config.example.yaml; fi
fi
exec ./tracker --config "$config" run
