#!/bin/bash
# The proof of rank-train --partial/--merge (issue 19): HOSTS synthetic
# hosts' histories (ROWS rows each, give or take half, starting at
# staggered times so their spans of the window differ, labels from the
# fixture's known model plus noise, times a per-host speed) fitted
# 1. pooled: one rank-train over all the histories, and
# 2. distributed: one rank-train --partial per history, then one --merge.
# Reported: the largest relative difference between the two models' numbers
# (intercept, coefficients, means, scales), wall time and peak RSS of each
# way (/usr/bin/time; the partial fits summed, and their largest RSS), and
# the bytes that would travel (the factor files against the histories).
# The merge's own wall time and RSS are the figures issue 19 bounds
# (1,000 factors: under 1 s and 16 MB).  Not part of make check.
#
# Usage: bench/partial_merge.sh [BUILD_DIR]   (default: the current directory)
# Env:   BENCH_DIR (default /tmp/elim-rank-partial), HOSTS (1000), ROWS (3000),
#        KEEP=1 to keep the histories between runs (they are reused if there)
set -eu
build=${1:-.}
bdir=${BENCH_DIR:-/tmp/elim-rank-partial}
hosts=${HOSTS:-1000}
rows=${ROWS:-3000}
t0=1790000000
rt="$build/trainer/rank-train"

make -C "$build" -s trainer/rank-train bench/gen_history >/dev/null
mkdir -p "$bdir/hist" "$bdir/factors"
rm -f "$bdir/factors"/*.factor "$bdir/times"

calc() { awk "BEGIN { print $1 }"; }

# histories: host i starts (i % 10) hours late, has rows/2 .. 3 rows/2 rows
i=0
last=$t0
while [ $i -lt "$hosts" ]; do
	n=$((rows / 2 + (i * 7919) % (rows + 1)))
	start=$((t0 + (i % 10) * 3600))
	end=$((start + (n - 1) * 10))
	[ $end -gt $last ] && last=$end
	db="$bdir/hist/node$i.db"
	if [ ! -s "$db" ] || [ "$(cat "$db.rows" 2>/dev/null)" != "$n $start" ]; then
		"$build/bench/gen_history" "$db" "$n" 1 "$start" $((i + 1)) "node${i}_" \
			"$(calc "0.8 + ($i % 5) * 0.1")" >/dev/null
		echo "$n $start" >"$db.rows"
	fi
	i=$((i + 1))
done

W="--label rank --since $t0 --until $last --incumbent none"
T='--terms=runq_per_core,psi_cpu_some,hinge(mem_used,0.85),cpu_iowait,psi_mem_some'

# measure LABEL cmd...: appends "LABEL wall_s rss_kb" to $bdir/times
measure() {
	label=$1; shift
	/usr/bin/time -f "%e %M" -o "$bdir/t.out" "$@" >"$bdir/$label.out" 2>"$bdir/$label.err" || {
		echo "failed: $*" >&2; cat "$bdir/$label.err" >&2; exit 1; }
	echo "$label $(tail -n 1 "$bdir/t.out")" >>"$bdir/times"
}

cat "$bdir"/hist/*.db >/dev/null   # the page cache alike for both ways
measure pooled "$rt" $W "$T" --output "$bdir/pooled.model" "$bdir/hist"
i=0
while [ $i -lt "$hosts" ]; do
	measure partial "$rt" --partial "$bdir/factors/node$i.factor" $W "$T" "$bdir/hist/node$i.db"
	i=$((i + 1))
done 2>/dev/null
measure merge "$rt" --merge $W "$T" --output "$bdir/merged.model" "$bdir/factors"

# the written models (elim-rank.model(5)): intercept, then per term mean, scale, coef
coefs() { awk '$1 == "intercept" { print "intercept", $2 }
	$1 == "term" { print $2, $4, $6, $8 }' "$1"; }
coefs "$bdir/pooled.model" >"$bdir/pooled.coef"
coefs "$bdir/merged.model" >"$bdir/merged.coef"
maxrel=$(paste "$bdir/pooled.coef" "$bdir/merged.coef" | awk '
	{ n = NF / 2; for (j = 2; j <= n; j++) { a = $j; b = $(j + n);
	  d = a - b; if (d < 0) d = -d; m = (a < 0 ? -a : a); if ((b < 0 ? -b : b) > m) m = (b < 0 ? -b : b);
	  if (m > 0 && d / m > worst) worst = d / m } }
	END { printf "%.3g", worst + 0 }')
rows_p=$(grep '^rows:' "$bdir/pooled.out"); rows_m=$(grep '^rows:' "$bdir/merge.out")
hb=$(cat "$bdir"/hist/*.db | wc -c); fb=$(cat "$bdir"/factors/*.factor | wc -c)
sum() { awk -v l="$1" '$1 == l { s += $2; if ($3 > m) m = $3 } END { printf "%.2f %.1f", s, m / 1024 }' "$bdir/times"; }

echo "hosts: $hosts, rows per host: $((rows / 2))..$((rows * 3 / 2)), window: $t0..$last"
echo "pooled: $rows_p"
echo "merged: $rows_m"
echo "coefficients, means, scales: largest relative difference $maxrel ($(wc -l <"$bdir/pooled.coef") lines)"
# the report's figures; the time blocks are cut alike when the pooled rows
# span the window (host 0 starts it, the latest host ends it)
keys='^(rows|hosts|window|r2|rmse|cv_rmse|time blocks):|baseline load1'
if diff <(grep -E "$keys" "$bdir/pooled.out") <(grep -E "$keys" "$bdir/merge.out") >/dev/null 2>&1; then
	echo "report: rows, hosts, window, r2, rmse, cv_rmse, time blocks, baseline: the same"
else
	echo "report lines that differ:"; diff <(grep -E "$keys" "$bdir/pooled.out") \
		<(grep -E "$keys" "$bdir/merge.out") || true
fi
printf '%-28s %10s %12s\n' way wall_s peak_RSS_MB
set -- $(sum pooled); printf '%-28s %10s %12s\n' "pooled (one run)" "$1" "$2"
set -- $(sum partial); printf '%-28s %10s %12s\n' "partial ($hosts runs, summed)" "$1" "$2"
set -- $(sum merge); printf '%-28s %10s %12s\n' "merge of $hosts factors" "$1" "$2"
echo "bytes: histories $hb, factors $fb ($(calc "$fb / $hosts") per host; $(calc "$hb / $fb") x less)"
[ "${KEEP:-0}" = 1 ] || rm -rf "$bdir/hist"
