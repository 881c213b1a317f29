## tests/cluster: elim-rank in a real OpenLava cluster on this machine
## (tests/cluster/README).  Included from Makefile.am; the test skips
## without OPENLAVA_TARBALL and with ELIM_RANK_SKIP_HEAVY=1.
TESTS += tests/cluster/test_cluster.sh
TESTS += tests/cluster/test_turnaround.sh
EXTRA_DIST += \
	tests/cluster/README \
	tests/cluster/local.mk \
	tests/cluster/build-openlava \
	tests/cluster/cluster \
	tests/cluster/tap.sh \
	tests/cluster/test_cluster.sh \
	tests/cluster/test_turnaround.sh
