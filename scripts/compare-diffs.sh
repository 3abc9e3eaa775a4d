#!/usr/bin/env bash
# compare-diffs.sh BIN OUT: imports every sequence of ../shared/data into
# fresh databases with BIN and writes, per sequence, each import's alerts
# and `tracker diff --format json` (alert regimes and all regimes) of each
# consecutive pair under OUT. Run it with the binaries of two commits and
# `diff -r` the two OUTs: a restructure must leave them identical.
set -euo pipefail
bin=$(realpath "$1"); out=$(realpath -m "$2")
data=$(cd "$(dirname "$0")/../../shared/data" && pwd)
# OUT is emptied first, so it must be new or an earlier OUT of this script.
if [[ -e $out && ! -f $out/.compare-diffs ]]; then
  echo "compare-diffs: $out exists and is not an earlier output; give a new directory" >&2
  exit 2
fi
rm -rf "$out"; mkdir -p "$out"; touch "$out/.compare-diffs"
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
export TZ=UTC
# seq NAME LIST ENTRY... ; ENTRY is a file, or a directory of one publication.
seq() {
  local name=$1 list=$2; shift 2
  local db=$work/$name.db n=0 prev=""
  for e in "$@"; do
    n=$((n+1))
    local files=("$e") asof=()
    [[ -d $e ]] && files=("$e"/*)
    local d; d=$(basename "$e" | grep -oE '^[0-9]{4}-[0-9]{2}-[0-9]{2}' || true)
    [[ -n $d ]] && asof=(--as-of "$d")
    "$bin" import --db "$db" --list "$list" "${asof[@]}" "${files[@]}" \
      >"$out/$name.$n.import.txt" 2>&1 || echo "exit $?" >>"$out/$name.$n.import.txt"
    if ((n > 1)); then
      "$bin" diff --db "$db" --list "$list" --format json >"$out/$name.$n.diff.json" 2>&1 || echo "exit $?" >>"$out/$name.$n.diff.json"
      "$bin" diff --db "$db" --list "$list" --all-regimes --format json >"$out/$name.$n.diff-all.json" 2>&1 || echo "exit $?" >>"$out/$name.$n.diff-all.json"
      "$bin" diff --db "$db" --list "$list" --all-regimes >"$out/$name.$n.diff-all.txt" 2>&1 || echo "exit $?" >>"$out/$name.$n.diff-all.txt"
    fi
  done
  "$bin" snapshots --db "$db" --list "$list" >"$out/$name.snapshots.txt" 2>&1 || true
}
seq ofac-sdn-csv ofac-sdn "$data"/ofac/sdn-csv/*.sdn.csv
seq ofac-sdn-trio ofac-sdn "$data"/ofac/sdn-csv-trio/20{19,21}-*
seq ofac-sdn-trio-2025 ofac-sdn "$data"/ofac/sdn-csv-trio/2025-05-16-excerpt
seq ofac-sdn-xml ofac-sdn "$data"/ofac/constructed/*.sdn.xml
seq ofac-cons-xml ofac-consolidated "$data"/ofac/xml/*.consolidated.xml
seq ofac-cons-csv ofac-consolidated "$data"/ofac/cons-csv/2025-12-19
seq eu-xml eu-fsf "$data"/eu/fsf/*.xml
seq eu-excerpt-xml eu-fsf "$data"/eu/excerpts/*.xml
seq eu-excerpt-csv eu-fsf "$data"/eu/excerpts/*.csv
seq uk-csv uk-sanctions-list "$data"/uk/fcdo/*.csv
seq uk-xml uk-sanctions-list "$data"/uk/fcdo/*.xml
seq uk-ofsi uk-ofsi-conlist "$data"/uk/ofsi/2020-04-27.ConList.csv "$data"/uk/ofsi/*.from-xlsx.csv
# The moment of each import is the only thing that differs between runs.
sed -i -E -e 's@[0-9]{4}/[0-9]{2}/[0-9]{2} [0-9:]{8}@TIME@g' -e 's/[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9:]{8}(\.[0-9]+)?(Z|[+-][0-9:]{5})?/TIME/g' "$out"/*
