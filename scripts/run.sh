#!/usr/bin/env bash
# Builds tracker and runs the daemon. With a config file as the argument,
# or ./tracker.yaml when present, it uses that (see config.example.yaml);
# otherwise the built-in defaults: OFAC SDN, EU FSF and the UK Sanctions
# List from their official URLs, alerts on stdout, database ./tracker.db.
set -euo pipefail
cd "$(dirname "$0")/.."
export CGO_ENABLED=1
go build -o tracker ./cmd/tracker
config=${1:-}
if [ -z "$config" ] && [ -f tracker.yaml ]; then
	config=tracker.yaml
fi
if [ -n "$config" ]; then
	exec ./tracker --config "$config" run
fi
exec ./tracker run
