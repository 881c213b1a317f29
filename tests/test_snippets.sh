#!/bin/sh
# The monitoring snippets in conf-snippets/ work: the alerting rules pass
# `promtool check rules` and fire as intended on synthetic series
# (`promtool test rules` with tests/data/prometheus/elim-rank.rules.test.yml);
# the Grafana dashboard is valid JSON with the panels the README promises;
# and both name only metrics elim/textfile.c writes.  The promtool checks
# skip when promtool (Debian package prometheus) is absent.  TAP output.
set -u
top_srcdir=${top_srcdir:-.}
n=0 fail=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)); fail=$((fail + 1)); echo "not ok $n - $1"; }
skip() { n=$((n + 1)); echo "ok $n # SKIP $1"; }
check() {   # description command...
	what=$1
	shift
	if out=$("$@" 2>&1); then ok "$what"; else not_ok "$what"; printf '%s\n' "$out" | sed 's/^/# /'; fi
}

snip=$top_srcdir/conf-snippets
rules=$snip/elim-rank.rules.yml
dash=$snip/grafana-elim-rank.json
tmp=$(mktemp -d /tmp/elim-rank-snippets.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

if command -v promtool >/dev/null 2>&1; then
	check "promtool check rules $(basename "$rules")" promtool check rules "$rules"
	cp "$rules" "$top_srcdir/tests/data/prometheus/elim-rank.rules.test.yml" "$tmp/"
	check "promtool test rules: each alert fires on its problem, not on a working host" \
		sh -c "cd '$tmp' && promtool test rules elim-rank.rules.test.yml"
else
	skip "promtool check rules: no promtool (apt-get install prometheus)"
	skip "promtool test rules: no promtool"
fi

# the metrics elim.rank writes
grep -o '"elim_rank[a-z_]*' "$top_srcdir/elim/textfile.c" | tr -d '"' | sort -u > "$tmp/written"
[ -s "$tmp/written" ] && ok "metric names found in elim/textfile.c" || not_ok "metric names found in elim/textfile.c"

check "the dashboard is JSON with the promised panels, on written metrics only" \
	python3 - "$dash" "$tmp/written" <<'PY'
import json, re, sys
d = json.load(open(sys.argv[1]))
written = set(open(sys.argv[2]).read().split())
exprs = [t["expr"] for p in d["panels"] for t in p.get("targets", [])]
used = set(m for e in exprs for m in re.findall(r"\belim_rank[a-z_]*", e))
assert used <= written, "not written: %s" % (used - written)
for m in ("elim_rank", "elim_rank_predicted_slowdown", "elim_rank_feature",
          "elim_rank_probe_age_seconds", "elim_rank_probe_failures_total",
          "elim_rank_history_lag_seconds"):
    assert m in used, "no panel shows " + m
names = [v["name"] for v in d["templating"]["list"]]
assert "instance" in names and "datasource" in names, names
ids = [p["id"] for p in d["panels"]]
assert len(ids) == len(set(ids)), "panel ids repeat"
PY

check "the rules name only written metrics" python3 - "$rules" "$tmp/written" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
written = set(open(sys.argv[2]).read().split())
used = set(m for line in text.splitlines() if line.strip().startswith("expr:")
           for m in re.findall(r"\belim_rank[a-z_]*", line))
assert used and used <= written, "not written: %s" % (used - written)
PY

echo "1..$n"
[ "$fail" -eq 0 ]
