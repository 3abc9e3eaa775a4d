#!/usr/bin/env bash
# perf-targets.sh BASE_BIN NEW_BIN [ROUNDS] — the whole-process figures of
# issues 16 and 17, for two builds interleaved in one run (this machine's
# speed drifts by minutes, so only figures from the same run compare).
#
# Prints one TSV line per run (case, build, wall s, user s, sys s, max RSS
# kB) to stdout and medians per case and build to stderr. Needs ../shared
# beside the checkout, sqlite3 and GNU time. Writes only under a new
# mktemp directory, removed at the end. The cases, all importing OFAC's
# sdn.csv of 2024-05-03 (14,965 entries) but the floor:
#   sqlite-import                  sqlite3's `.import --csv` of it into one table (the floor)
#   first-import                   into an empty database (a silent baseline, nothing to link)
#   import-over-previous           into a database holding OFAC 2024-03-05
#   first-import-ofsi-alone        with OFSI's 2025-04-10 list stored alone (linked whole now)
#   first-import-uk-keyed          with OFSI's and FCDO's lists stored (already keyed)
#   import-over-previous-uk-keyed  over 2024-03-05 with both UK lists: a later publication, linked
set -euo pipefail
base=${1:?usage: perf-targets.sh BASE_BIN NEW_BIN [ROUNDS]}
new=${2:?usage: perf-targets.sh BASE_BIN NEW_BIN [ROUNDS]}
rounds=${3:-7}
here=$(cd "$(dirname "$0")/.." && pwd)
data=$here/../shared/data
sdn=$data/ofac/sdn-csv/2024-05-03.sdn.csv
prev=$data/ofac/sdn-csv/2024-03-05.sdn.csv
ofsi=$data/uk/ofsi/2025-04-10.ConList.from-xlsx.csv
fcdo=$data/uk/fcdo/2025-04-10.UK-Sanctions-List.xml
work=$(mktemp -d /tmp/perf-targets.XXXXXX)
trap 'rm -rf "$work"' EXIT

# Binaries are copied: one the linker has just written shows a few MB
# more resident memory than a copy of it.
cp "$base" "$work/base" && cp "$new" "$work/new"

timed() { # case build cmd...
	local c=$1 b=$2
	shift 2
	# Wall from the clock in ms: time's own %e has 10 ms steps, a tenth of
	# an import.
	local t0 t1
	t0=$(date +%s%N)
	/usr/bin/time -f "%U %S %M" -o "$work/t" "$@" >/dev/null 2>"$work/err" ||
		{ cat "$work/err" >&2; return 1; }
	t1=$(date +%s%N)
	printf '%s\t%s\t%s\t%s\n' "$c" "$b" "$(((t1 - t0) / 1000000))e-3" "$(tr ' ' '\t' <"$work/t")"
}

# imp prints the command line of one import; callers word-split it, so
# the paths (mktemp's and the checkout's) must hold no spaces.
imp() { # bin db list date file
	echo "$1" --db "$2" import --no-notify --list "$3" --as-of "$4" "$5"
}

# Seed databases, once per build (each build writes its own schema).
for b in base new; do
	$(imp "$work/$b" "$work/$b-prev.db" ofac-sdn 2024-03-05 "$prev") >/dev/null
	$(imp "$work/$b" "$work/$b-ofsi.db" uk-ofsi-conlist 2025-04-10 "$ofsi") >/dev/null
	cp "$work/$b-ofsi.db" "$work/$b-keyed.db"
	$(imp "$work/$b" "$work/$b-keyed.db" uk-sanctions-list 2025-04-10 "$fcdo") >/dev/null
	cp "$work/$b-keyed.db" "$work/$b-keyed-prev.db"
	$(imp "$work/$b" "$work/$b-keyed-prev.db" ofac-sdn 2024-03-05 "$prev") >/dev/null
done

for ((r = 1; r <= rounds; r++)); do
	rm -f "$work/s.db"
	timed sqlite-import sqlite3 sqlite3 "$work/s.db" ".import --csv $sdn t" 2>/dev/null
	for b in base new; do
		rm -f "$work/x.db"*
		timed first-import "$b" $(imp "$work/$b" "$work/x.db" ofac-sdn 2024-05-03 "$sdn")
		rm -f "$work/x.db"*
		cp "$work/$b-prev.db" "$work/x.db"
		timed import-over-previous "$b" $(imp "$work/$b" "$work/x.db" ofac-sdn 2024-05-03 "$sdn")
		rm -f "$work/x.db"*
		cp "$work/$b-ofsi.db" "$work/x.db"
		timed first-import-ofsi-alone "$b" $(imp "$work/$b" "$work/x.db" ofac-sdn 2024-05-03 "$sdn")
		rm -f "$work/x.db"*
		cp "$work/$b-keyed.db" "$work/x.db"
		timed first-import-uk-keyed "$b" $(imp "$work/$b" "$work/x.db" ofac-sdn 2024-05-03 "$sdn")
		rm -f "$work/x.db"*
		cp "$work/$b-keyed-prev.db" "$work/x.db"
		timed import-over-previous-uk-keyed "$b" $(imp "$work/$b" "$work/x.db" ofac-sdn 2024-05-03 "$sdn")
	done
done | tee "$work/runs.tsv"

python3 - "$work/runs.tsv" >&2 <<'EOF'
import statistics, sys
rows = {}
for line in open(sys.argv[1]):
    c, b, wall, user, sys_, rss = line.split("\t")
    rows.setdefault((c, b), []).append((float(wall), float(user) + float(sys_), int(rss)))
print("case\tbuild\tn\twall median\tcpu median\tmax RSS MB")
for (c, b), v in sorted(rows.items()):
    print(f"{c}\t{b}\t{len(v)}\t{statistics.median(x[0] for x in v):.3f}\t"
          f"{statistics.median(x[1] for x in v):.3f}\t{max(x[2] for x in v) / 1000:.1f}")
EOF
