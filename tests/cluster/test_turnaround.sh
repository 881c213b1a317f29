#!/bin/bash
# test_turnaround.sh: the short form of bench/turnaround (docs/turnaround.md)
# on a real OpenLava cluster of two hosts with per-host /proc views (lxcfs):
# proves the experiment's script works, not what it measures.  Prints TAP.
#
# Skips only without OPENLAVA_TARBALL (unset or missing) or with
# ELIM_RANK_SKIP_HEAVY=1.  Needs lxcfs (scripts/install-deps), stress-ng and
# cgroup v1 cpuset, cpu, cpuacct and memory hierarchies.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
bench=${top_srcdir:+$(cd "$top_srcdir" && pwd)/bench/turnaround}
bench=${bench:-$top/bench/turnaround}

# shellcheck source=tests/cluster/tap.sh
. "$here/tap.sh"

dir=$(mktemp -d "${TMPDIR:-/tmp}/elim-rank-turnaround-test.XXXXXX")
finish() {
	local rc=$?
	rm -rf "$dir"
	exit "$rc"
}
trap finish EXIT
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM

echo "1..9"
# the script's working directory (the cluster, lxcfs's mount point) under $dir
rc=0
TMPDIR=$dir top_builddir=${top_builddir:-$top} "$bench" --quick --seed 7 --out "$dir/out" \
	>"$dir/bench.out" 2>&1 || rc=$?
if [ "$rc" = 0 ]; then
	ok "bench/turnaround --quick ran (exit 0)"
else
	not_ok "bench/turnaround --quick ran (exit $rc)"
	tail -n 40 "$dir/bench.out" | diag
fi
diag <"$dir/bench.out"

# check DESCRIPTION PYTHON-EXPRESSION-ON-r [SHOW]: ok when it holds for
# results.json; else SHOW (an expression on r) is printed as a diagnostic
check() {
	local what=$1 expr=$2 show=${3:-None} out
	if out=$(python3 - "$dir/out/results.json" "$expr" "$show" 2>&1 <<-'EOF'
		import json, sys
		r = json.load(open(sys.argv[1]))
		env = {"r": r, "all": all, "any": any, "sum": sum, "len": len, "set": set, "sorted": sorted}
		v = eval(sys.argv[2], env)
		if not v:
		    print(json.dumps(eval(sys.argv[3], env)))
		    sys.exit(1)
	EOF
	); then
		ok "$what"
	else
		not_ok "$what"
		echo "$out" | diag
	fi
}

# 2-3: the per-host view; the loaded host is node2, node1 idle.  Only the
# order is asserted: on a loaded machine the hog gets what the others leave
# it, so how far apart the values are is not the test's to judge
# (LIM's ut is its own smoothed average: with the hog starved by other load
# it can still read 0 when lsload asks, so either index showing it will do)
check "LIM's r15s or ut is higher on the loaded host than on the idle one (lxcfs)" \
	'r["view"]["lim"]["node2"]["r15s"] > r["view"]["lim"]["node1"]["r15s"] or r["view"]["lim"]["node2"]["ut"] > r["view"]["lim"]["node1"]["ut"]' \
	'r["view"]'
check "each elim sees its own host: cpu_busy and load1_per_core higher on the loaded host" \
	'r["view"]["elim"]["node2"]["cpu_busy"] > r["view"]["elim"]["node1"]["cpu_busy"] and r["view"]["elim"]["node2"]["load1_per_core"] > r["view"]["elim"]["node1"]["load1_per_core"]' \
	'r["view"]'
# 4: the scheduler's parameters, from mbatchd and from the source
check "MBD_SLEEP_TIME recorded: 2 in mbatchd (the cluster's lsb.params), built-in default 2, tarball's lsb.params 10" \
	'r["scheduler"]["bparams"].get("MBD_SLEEP_TIME") == "2" and r["scheduler"]["source"]["DEF_MSLEEPTIME"] == 2 and r["scheduler"]["source"]["tarball MBD_SLEEP_TIME"] == 10 and r["scheduler"]["source"]["DEF_ACCEPT_INTVL"] == 1'
# 5: the bursts
check "bursts of 4 jobs at JOB_ACCEPT_INTERVAL 0 and 1, as mbatchd reported it, every job placed once" \
	'[b["jai"] for b in r["bursts"]] == [0, 1] and all(b["bparams"]["JOB_ACCEPT_INTERVAL"] == str(b["jai"]) and sum(b["jobs_per_host"].values()) == 4 and len(b["dispatch_s"]) == 4 for b in r["bursts"])'
# 6-7: the streams
check "one stream per order (rank, r15s:pg, ut), each of 6 jobs, all done (JOB_FINISH status 64)" \
	'sorted(s["order"] for s in r["streams"]) == ["r15s:pg", "rank", "ut"] and all(s["jobs"] == 6 and s["failed"] == 0 and sum(s["jobs_per_host"].values()) == 6 for s in r["streams"])'
check "every stream's jobs are its own (names tr-1-ORDER-i-kind) with submit <= start <= end, turnaround > 0, p90 >= mean" \
	'all(all(x["name"].startswith("tr-1-%s-" % s["order"]) and x["submit"] <= x["start"] <= x["end"] for x in s["records"]) and s["mean_turnaround_s"] > 0 and s["p90_turnaround_s"] >= s["mean_turnaround_s"] for s in r["streams"])'
# 8: the table and the plot
if grep -q '^| 1 | order\[rank\] | 6 |' "$dir/out/table.md" && grep -q '^| order\[r15s:pg\] |' "$dir/out/table.md" &&
	python3 -c 'import sys, xml.etree.ElementTree as E; t = E.parse(sys.argv[1]); n = sum(1 for e in t.iter() if e.tag.endswith("rect")); sys.exit(0 if n == 1 + 3 * 2 else 1)' "$dir/out/plot.svg" 2>"$dir/svg.err"; then
	ok "table.md has the streams and the medians; plot.svg is SVG with one bar per order and group"
else
	not_ok "table.md has the streams and the medians; plot.svg is SVG with one bar per order and group"
	diag <"$dir/out/table.md" || true
	diag <"$dir/svg.err"
fi
# 9: everything stopped
left=$(pgrep -af -- "$dir/" || true)
if [ -z "$left" ] && ! grep -qF "$dir/" /proc/mounts; then
	ok "nothing left running or mounted (lxcfs stopped with the cluster)"
else
	not_ok "nothing left running or mounted"
	{ echo "$left"; grep -F "$dir/" /proc/mounts; } | diag
fi
[ "$failed" = 0 ]
