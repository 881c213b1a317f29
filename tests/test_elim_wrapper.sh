#!/bin/sh
# scripts/elim-wrapper, the one file an administrator places in a shared
# LSF_SERVERDIR (docs/packaging.md): where an elim is installed it becomes
# that elim (exec: same process, arguments and stdout passed on, the real
# elim.rank's records come out); where none is (missing, not executable, or
# only the wrapper itself) it writes nothing and exits with $ELIM_ABORT_VALUE,
# or 0 when LIM set none or a non-number.  TAP output.
set -u
top_builddir=${top_builddir:-.}
wrapper=$(cd "$top_builddir" && pwd)/scripts/elim-wrapper
elim=${ELIM_BIN:-$(cd "$top_builddir" && pwd)/elim/elim.rank}
n=0 fail=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)); fail=$((fail + 1)); echo "not ok $n - $1"; }
check() { if [ "$1" = "$2" ]; then ok "$3"; else not_ok "$3 (got '$1', want '$2')"; fi; }

tmp=$(mktemp -d /tmp/elim-wrapper-test.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

# 1. installed: the wrapper execs the real elim with its arguments
ELIM_RANK_ELIM=$elim "$wrapper" --once --no-history --no-probe --procfs /proc >"$tmp/out" 2>"$tmp/err"
check "$?" 0 "installed: the elim's exit status"
check "$(grep -c '^1 rank [0-9][0-9]*\.[0-9]$' "$tmp/out")" 1 "installed: one record from --once (arguments passed on)"

# the same process: exec, no shell left between LIM and the elim
ELIM_RANK_ELIM=$elim "$wrapper" --interval 0.2 --no-history --no-probe >"$tmp/out2" 2>/dev/null &
pid=$!
i=0
while [ $i -lt 300 ] && ! grep -q 'rank' "$tmp/out2" 2>/dev/null; do sleep 0.1; i=$((i + 1)); done
check "$(readlink "/proc/$pid/exe")" "$(readlink -f "$elim")" "installed: the wrapper's process is the elim (exec)"
kill -TERM "$pid" 2>/dev/null
wait "$pid"
check "$?" 0 "installed: the elim stops on SIGTERM with 0"

# 2. not installed: $ELIM_ABORT_VALUE, nothing written
ELIM_RANK_ELIM=$tmp/none/elim.rank ELIM_ABORT_VALUE=97 "$wrapper" >"$tmp/out" 2>"$tmp/err"
check "$?" 97 "not installed: exits with ELIM_ABORT_VALUE"
check "$(cat "$tmp/out" "$tmp/err")" "" "not installed: writes nothing"

(unset ELIM_ABORT_VALUE; ELIM_RANK_ELIM=$tmp/none/elim.rank "$wrapper" >"$tmp/out" 2>"$tmp/err")
check "$?" 0 "not installed, no ELIM_ABORT_VALUE (OpenLava): exits 0"
check "$(cat "$tmp/out" "$tmp/err")" "" "not installed, no ELIM_ABORT_VALUE: writes nothing"

ELIM_RANK_ELIM=$tmp/none/elim.rank ELIM_ABORT_VALUE='97; rm -rf /' "$wrapper" >"$tmp/out" 2>&1
check "$?" 0 "a non-numeric ELIM_ABORT_VALUE: exits 0"

# 3. a file that cannot run is not an elim
printf '#!/bin/sh\necho 1 rank 1.0\n' >"$tmp/elim.rank"
chmod 0644 "$tmp/elim.rank"
ELIM_RANK_ELIM=$tmp/elim.rank ELIM_ABORT_VALUE=97 "$wrapper" >"$tmp/out" 2>&1
check "$?" 97 "not executable: treated as not installed"

# 4. never itself (a wrapper where the elim would be): no loop
rm -f "$tmp/elim.rank" && cp "$wrapper" "$tmp/elim.rank"
ELIM_RANK_ELIM=$tmp/elim.rank ELIM_ABORT_VALUE=97 timeout 10 "$tmp/elim.rank" >"$tmp/out" 2>&1
check "$?" 97 "the wrapper never runs itself"

# 5. the first that is installed wins, in order
ELIM_RANK_ELIM="$tmp/none/elim.rank $elim" "$wrapper" --version >"$tmp/out" 2>&1
check "$?" 0 "the second candidate, when the first is missing"
grep -q 'elim.rank' "$tmp/out" && ok "the second candidate ran (--version)" || not_ok "the second candidate ran (--version)"

echo "1..$n"
[ "$fail" -eq 0 ]
