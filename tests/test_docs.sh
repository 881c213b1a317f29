#!/bin/sh
# The documentation matches the programs: every option in each --help is in
# its man page and in README.md, the FEATURES list of elim.rank(8) names
# every feature of model/feature_set.def and no other (with its unit where
# the list states one), the man pages lint clean (mandoc), every relative
# link in README.md and docs/*.md leads to a file and heading that exist,
# and README.md still has the test command .ci/run runs.
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

# The features elim.rank(8) lists: "name<TAB>first line of its text" for
# each name of each ".It Li a , b" item of its FEATURES section (items
# continued with a backslash joined; the runtime-named pcap_ Ns Ar name item
# left out: it is no entry of the table).
man_features() {
	awk '
	/^\.Sh FEATURES/ { p = 1; next }
	/^\.Sh / { p = 0 }
	!p { next }
	/^\.It Li / {
		line = $0
		while (line ~ /\\$/ && (getline nxt) > 0) { sub(/\\$/, "", line); line = line nxt }
		sub(/^\.It Li /, "", line)
		names = line " "
		want = names !~ / Ns /
		next
	}
	want {
		n = split(names, a, /[ ,]+/)
		for (i = 1; i <= n; i++)
			if (a[i] ~ /^[a-z][a-z0-9_]*$/)
				print a[i] "\t" $0
		want = 0
	}' "$1"
}

# The unit a feature's text in the man page starts with, or nothing.
man_unit() {
	case $1 in
	fraction*) echo fraction ;;
	"bytes per second"*) echo bytes/s ;;
	milliseconds*) echo ms ;;
	"pages "*) echo pages/s ;;
	"degrees Celsius"*) echo degC ;;
	"groups per online CPU"*) echo groups/cpu ;;
	"packets per second"*|"context switches per second"*|"major page faults per second"*|\
	"errors plus drops per second"*) echo 1/s ;;
	esac
}

check_features() {   # man-page
	man=$1 def="$top_srcdir/model/feature_set.def"
	listed=$(man_features "$man")
	[ -n "$listed" ] || { not_ok "$(basename "$man") has a FEATURES list"; return; }
	tab=$(printf '\t')
	defs=$(sed -n 's/^FEATURE(\([a-z0-9_]*\), *"\([^"]*\)".*/\1 \2/p' "$def")
	[ -n "$defs" ] || { not_ok "$def lists features"; return; }
	# here-documents, not pipes: ok and not_ok count in this shell
	while read -r name unit; do
		line=$(echo "$listed" | grep "^$name$tab" | head -n 1)
		if [ -z "$line" ]; then
			not_ok "feature $name in $(basename "$man")"
			continue
		fi
		ok "feature $name in $(basename "$man")"
		said=$(man_unit "${line#*"$tab"}")
		if [ -n "$said" ]; then
			if [ "$said" = "$unit" ]; then
				ok "feature $name: unit $unit in $(basename "$man")"
			else
				not_ok "feature $name: unit $unit in feature_set.def, $said in $(basename "$man")"
			fi
		fi
	done <<EOF
$defs
EOF
	while read -r name rest; do
		if echo "$defs" | grep -q "^$name "; then
			ok "$(basename "$man") lists $name, a feature of feature_set.def"
		else
			not_ok "$(basename "$man") lists $name, which feature_set.def does not define"
		fi
	done <<EOF
$listed
EOF
}

check_features "$top_builddir/man/elim.rank.8"

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
