# tests/cluster/tap.sh: what every real-cluster test starts with, sourced
# by test_cluster.sh and test_turnaround.sh: the skips (ELIM_RANK_SKIP_HEAVY,
# no OpenLava tarball) and TAP's ok / not_ok / diag, counting into n and
# failed.
# shellcheck shell=bash

if [ "${ELIM_RANK_SKIP_HEAVY:-}" = 1 ]; then
	echo "1..0 # SKIP ELIM_RANK_SKIP_HEAVY=1: the real-cluster test is not run in this pass"
	exit 0
fi
if [ -z "${OPENLAVA_TARBALL:-}" ]; then
	echo "1..0 # SKIP OPENLAVA_TARBALL is not set: no OpenLava source to build a cluster from"
	exit 0
fi
if [ ! -f "$OPENLAVA_TARBALL" ]; then
	echo "1..0 # SKIP OPENLAVA_TARBALL=$OPENLAVA_TARBALL does not exist"
	exit 0
fi

n=0
failed=0
ok() {
	n=$((n + 1))
	echo "ok $n - $*"
}
not_ok() {
	n=$((n + 1))
	failed=$((failed + 1))
	echo "not ok $n - $*"
}
diag() {
	sed 's/^/# /'
}
