#!/bin/sh
# The documentation matches the programs: every option in each --help is in
# its man page and in README.md, and the man pages lint clean (mandoc).
# TAP output.
set -u
top_srcdir=${top_srcdir:-.}
top_builddir=${top_builddir:-.}
n=0 fail=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)); fail=$((fail + 1)); echo "not ok $n - $1"; }

check_prog() {   # binary man-page
	bin=$1 man=$2
	opts=$("$bin" --help | grep -oE -- '--[a-z][a-z-]+' | sort -u)
	[ -n "$opts" ] || { not_ok "$bin --help lists options"; return; }
	for o in $opts; do
		if grep -q -- "Fl -${o#--}\( \|$\)" "$man" || grep -q -- "Fl -${o#--} " "$man"; then
			ok "$(basename "$bin") $o in $(basename "$man")"
		else
			not_ok "$(basename "$bin") $o in $(basename "$man")"
		fi
		if grep -q -- "\`$o" "$top_srcdir/README.md"; then
			ok "$(basename "$bin") $o in README.md"
		else
			not_ok "$(basename "$bin") $o in README.md"
		fi
	done
}

check_prog "$top_builddir/elim/elim.rank" "$top_builddir/man/elim.rank.8"
check_prog "$top_builddir/trainer/rank-train" "$top_builddir/man/rank-train.8"

if command -v mandoc >/dev/null 2>&1; then
	for m in "$top_builddir"/man/*.[58]; do
		out=$(mandoc -Tlint -W warning "$m" 2>&1)
		if [ -z "$out" ]; then ok "mandoc lint $(basename "$m")"; else echo "$out" | sed 's/^/# /'; not_ok "mandoc lint $(basename "$m")"; fi
	done
else
	not_ok "mandoc is installed (scripts/install-deps)"
fi
echo "1..$n"
[ "$fail" -eq 0 ]
