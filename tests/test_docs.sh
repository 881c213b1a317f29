#!/bin/sh
# The documentation matches the programs: every option in each --help is in
# its man page and in README.md, the man pages lint clean (mandoc), every
# relative link in README.md and docs/*.md leads to a file and heading that
# exist, and README.md still has the test command .ci/run runs.
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

# Every relative link in README.md and docs/*.md names a file in the tree, and
# every #anchor a heading of that file (GitHub's rule: lower case, spaces to
# '-', other punctuation but '-' and '_' dropped).
anchors() {   # file: the anchors its headings make
	sed -n 's/^#\{1,6\} \{1,\}//p' "$1" | tr 'A-Z' 'a-z' | sed 's/[^a-z0-9 _-]//g; s/ /-/g'
}
for doc in "$top_srcdir/README.md" "$top_srcdir"/docs/*.md; do
	rel=${doc#"$top_srcdir"/}
	dir=$(dirname "$doc")
	links=$(grep -oE '\]\([^)]+\)' "$doc" | sed 's/^](//; s/)$//' | grep -vE '^[a-z]+:' | sort -u)
	for l in $links; do
		file=${l%%#*} anchor=
		case $l in *'#'*) anchor=${l#*#} ;; esac
		target=$doc
		[ -n "$file" ] && target=$dir/$file
		if [ ! -e "$target" ]; then
			not_ok "$rel: link $l: no such file"
		elif [ -n "$anchor" ] && ! anchors "$target" | grep -qx -- "$anchor"; then
			not_ok "$rel: link $l: no such heading"
		else
			ok "$rel: link $l"
		fi
	done
done

# .ci/run runs the line after the <!-- test-command --> marker's fence
cmd=$(awk '/<!-- test-command/ { found = 1; next } found && /^```/ { if (fence++) exit; next } found && fence { print; exit }' "$top_srcdir/README.md")
case $cmd in
*"make"*" check"*) ok "README.md: the test command after its marker runs make check" ;;
*) not_ok "README.md: the test command after its marker runs make check (found: '$cmd')" ;;
esac

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
