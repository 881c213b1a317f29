#!/bin/sh
# Trainer benchmark: rank-train (fit + 5-fold blocked CV, end to end) against
# a bare SELECT of the same columns through the SQLite C API (the floor) and
# the pandas + numpy pipeline (bench/pandas_pipeline.py), on the same 1M- and
# 4M-row histories in the real schema.  Wall time and peak RSS from
# /usr/bin/time; each command runs REPS times, interleaved, and the median is
# reported.  Not part of make check.
#
# Usage: bench/trainer.sh [BUILD_DIR]   (default: the current directory)
# Env:   BENCH_DIR (default /tmp/elim-rank-bench), SIZES ("1000000 4000000"),
#        REPS (3), PYTHON (/usr/bin/python3: Debian's python3-pandas/numpy)
set -eu
build=${1:-.}
src=$(cd "$(dirname "$0")/.." && pwd)
bdir=${BENCH_DIR:-/tmp/elim-rank-bench}
sizes=${SIZES:-"1000000 4000000"}
reps=${REPS:-3}
py=${PYTHON:-/usr/bin/python3}
cols="time, host, rank, runq_per_core, psi_cpu_some, cpu_steal, mem_used, psi_mem_some, cpu_iowait, disk_busy_max, load1_per_core"

make -C "$build" -s trainer/rank-train bench/gen_history bench/bare_select >/dev/null
mkdir -p "$bdir"

measure() {   # label cmd... -> appends "label seconds kilobytes" to $bdir/times
	label=$1; shift
	/usr/bin/time -f "%e %M %U %S" -o "$bdir/t.out" "$@" >"$bdir/last.out" 2>"$bdir/last.err" || {
		echo "failed: $*" >&2; cat "$bdir/last.err" >&2; exit 1; }
	set -- $(tail -n 1 "$bdir/t.out")
	echo "$label $1 $2 $(calc "$3 + $4")" >>"$bdir/times"
}

calc() {      # arithmetic in awk (no bc needed)
	awk "BEGIN { print $1 }"
}

median() {    # label field -> median of that field
	awk -v l="$1" -v f="$2" '$1 == l { print $f }' "$bdir/times" | sort -g |
		awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}

printf '%-8s %-10s %8s %8s %8s   %s\n' rows what wall_s cpu_s "RSS_MB" "ratios (wall; cpu)"
for n in $sizes; do
	db="$bdir/history-$n.db"
	if [ ! -s "$db" ]; then
		echo "generating $db ..." >&2
		/usr/bin/time -f "generated in %e s" "$build/bench/gen_history" "$db" "$n" 4 >&2
	fi
	: >"$bdir/times"
	cat "$db" >/dev/null   # warm the page cache for everyone alike
	i=0
	while [ $i -lt "$reps" ]; do
		measure select "$build/bench/bare_select" "$db" "$cols"
		measure train "$build/trainer/rank-train" --label rank --dry-run --folds 5 "$db"
		cp "$bdir/last.out" "$bdir/train-$n.txt"
		measure pandas "$py" "$src/bench/pandas_pipeline.py" "$db" 5
		cp "$bdir/last.out" "$bdir/pandas-$n.txt"
		i=$((i + 1))
	done
	s=$(median select 2); t=$(median train 2); p=$(median pandas 2)
	sm=$(median select 3); tm=$(median train 3); pm=$(median pandas 3)
	sc=$(median select 4); tc=$(median train 4); pc=$(median pandas 4)
	printf '%-8s %-10s %8s %8s %8.1f\n' "$n" select "$s" "$sc" "$(calc "$sm / 1024")"
	printf '%-8s %-10s %8s %8s %8.1f   %.2fx the SELECT (cpu %.2fx)\n' "$n" rank-train "$t" "$tc" \
		"$(calc "$tm / 1024")" "$(calc "$t / $s")" "$(calc "$tc / $sc")"
	printf '%-8s %-10s %8s %8s %8.1f   rank-train %.1fx faster (cpu %.1fx), %.1fx leaner\n' "$n" pandas \
		"$p" "$pc" "$(calc "$pm / 1024")" "$(calc "$p / $t")" "$(calc "$pc / $tc")" "$(calc "$pm / $tm")"
done
echo "outputs: $bdir/train-N.txt and $bdir/pandas-N.txt (same rows, same CV figures)" >&2
