## tests/local.mk: the test suite, included from Makefile.am (paths are
## relative to the top of the tree).  tests/README says how tests are
## written and run; add a test as one line in TESTS_C (or TESTS_SH) and, if
## it needs more than the elim's libraries, a _CFLAGS/_LDADD pair below.

# ------------------------------------------------------------ how tests run
# Every test runs through tests/run-test: the ones in SERIAL_TESTS (timing-
# or load-sensitive: they measure time, make load, or capture live traffic)
# hold one lock file in the build tree while they run, so `make -jN check`
# never runs two of them side by side.
LOG_DRIVER = env AM_TAP_AWK='$(AWK)' $(SHELL) $(top_srcdir)/build-aux/tap-driver.sh
SH_LOG_DRIVER = $(LOG_DRIVER)
LOG_COMPILER = $(SHELL) $(top_srcdir)/tests/run-test
SH_LOG_COMPILER = $(SHELL) $(top_srcdir)/tests/run-test $(SHELL)
TEST_EXTENSIONS = .sh

SERIAL_TESTS = \
	test_lim test_lim_history test_elim test_probe test_soak test_valgrind \
	test_groups test_crosscheck test_pcap test_recorder test_tick_worker \
	test_thermal test_cluster test_explain test_node_exporter \
	test_snapshot test_packages test_scope_cgroup test_probe_cgroup test_turnaround \
	test_probe_hold test_stateless test_host_speed_cgroup \
	test_model_group

# ELIM_RANK_SKIP_HEAVY=1 (set by .ci/sanitize, and by configure in
# distcheck) makes heavy tests skip with a message (test_heavy_or_skip in
# tests/testutil.h); the environment wins over the configured value.
AM_DISTCHECK_CONFIGURE_FLAGS += ELIM_RANK_SKIP_HEAVY=1

AM_TESTS_ENVIRONMENT = \
	top_srcdir='$(top_srcdir)'; top_builddir='$(top_builddir)'; \
	ELIM_BIN='$(abs_top_builddir)/elim/elim.rank'; \
	TRAIN_BIN='$(abs_top_builddir)/trainer/rank-train'; \
	TEST_DATA='$(abs_top_srcdir)/tests/data'; \
	MALLOC_CHECK_=3; MALLOC_PERTURB_=165; \
	INST_ELIMDIR='$(elimexecdir)'; INST_PKGDATADIR='$(pkgdatadir)'; INST_MANDIR='$(mandir)'; \
	INST_SYSCONFDIR='$(sysconfdir)'; INST_PREFIX='$(prefix)'; \
	ELIM_RANK_TEST_LOCK=$${ELIM_RANK_TEST_LOCK-'$(abs_top_builddir)/tests/.serial.lock'}; \
	ELIM_RANK_SERIAL_TESTS='$(SERIAL_TESTS)'; \
	ELIM_RANK_SKIP_HEAVY=$${ELIM_RANK_SKIP_HEAVY-'$(ELIM_RANK_SKIP_HEAVY)'}; \
	export top_srcdir top_builddir ELIM_BIN TRAIN_BIN TEST_DATA MALLOC_CHECK_ MALLOC_PERTURB_; \
	export INST_ELIMDIR INST_PKGDATADIR INST_MANDIR INST_SYSCONFDIR INST_PREFIX; \
	export ELIM_RANK_TEST_LOCK ELIM_RANK_SERIAL_TESTS ELIM_RANK_SKIP_HEAVY;
CLEANFILES += tests/.serial.lock

# ------------------------------------------------------------ the test library
# built once (for make check), linked by every test: helpers, the one harness that runs the
# real binaries, synthetic histories for the trainer's tests
check_LIBRARIES = tests/libtestutil.a
tests_libtestutil_a_SOURCES = \
	tests/testutil.c tests/testutil.h \
	tests/harness.c tests/harness.h \
	tests/trainer_fixture.c tests/trainer_fixture.h
tests_libtestutil_a_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) $(SQLITE3_CFLAGS) -I$(top_srcdir)/tests

TEST_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) $(SQLITE3_CFLAGS) -I$(top_srcdir)/tests
TEST_LIBS = tests/libtestutil.a $(CMOCKA_LIBS) $(SQLITE3_LIBS)
TEST_ELIM_LIBS = tests/libtestutil.a $(ELIM_LIBS) $(CMOCKA_LIBS) $(SQLITE3_LIBS)
TEST_TRAINER_LIBS = tests/libtestutil.a $(TRAINER_LIBS) $(CMOCKA_LIBS) $(SQLITE3_LIBS)

# ------------------------------------------------------------ the list
# one program per module, tests/test_<name>.c, TAP on stdout
TESTS_C = \
	tests/test_harness \
	tests/test_parse tests/test_model tests/test_history \
	tests/test_samplers tests/test_record tests/test_elim tests/test_train \
	tests/test_lim tests/test_lim_history tests/test_options tests/test_upkeep \
	tests/test_install tests/test_tick_worker \
	tests/test_probe tests/test_acct tests/test_since_probe \
	tests/test_groups tests/test_sampler_odd tests/test_noalloc \
	tests/test_crosscheck \
	tests/test_trainer_stream tests/test_trainer_cli \
	tests/test_fuzz_corpus tests/test_fuzz_regress \
	tests/test_trust tests/test_recorder tests/test_caps \
	tests/test_valgrind tests/test_soak tests/test_rss \
	tests/test_probe_trigger tests/test_terminal \
	tests/test_clock tests/test_fsutil tests/test_history_read \
	tests/test_train_options tests/test_candidates tests/test_provenance tests/test_replace \
	tests/test_lsfconf tests/test_host_speed \
	tests/test_factor tests/test_partial tests/test_extract \
	tests/test_textfile tests/test_explain tests/test_node_exporter \
	tests/test_speed_lines tests/test_acct_speed tests/test_hostmap \
	tests/test_compat tests/test_snapshot tests/test_packages \
	tests/test_scope tests/test_scope_cgroup tests/test_probe_cgroup \
	tests/test_llc tests/test_host_speed_cgroup \
	tests/test_probe_hold tests/test_stateless \
	tests/test_model_group \
	tests/test_acct_refs \
	tests/test_speed_ref
if HAVE_LIBSENSORS
TESTS_C += tests/test_thermal
endif
if HAVE_LIBPCAP
TESTS_C += tests/test_pcap
endif
TESTS_SH = tests/test_docs.sh tests/test_snippets.sh tests/test_elim_wrapper.sh

check_PROGRAMS = $(TESTS_C)
TESTS = $(TESTS_C) $(TESTS_SH)
EXTRA_DIST += tests/data $(TESTS_SH) tests/run-test tests/README tests/png_check.py

# ------------------------------------------------------------ per-test build
# Sources default to tests/test_<name>.c; these say what each links.
tests_test_harness_CFLAGS = $(TEST_CFLAGS)
tests_test_harness_LDADD = $(TEST_LIBS)
tests_test_parse_CFLAGS = $(TEST_CFLAGS)
tests_test_parse_LDADD = $(TEST_ELIM_LIBS)
tests_test_model_CFLAGS = $(TEST_CFLAGS)
tests_test_model_LDADD = $(TEST_ELIM_LIBS)
tests_test_history_CFLAGS = $(TEST_CFLAGS)
tests_test_history_LDADD = $(TEST_ELIM_LIBS)
tests_test_samplers_CFLAGS = $(TEST_CFLAGS)
tests_test_samplers_LDADD = $(TEST_ELIM_LIBS)
tests_test_record_CFLAGS = $(TEST_CFLAGS)
tests_test_record_LDADD = $(TEST_ELIM_LIBS)
tests_test_elim_CFLAGS = $(TEST_CFLAGS)
tests_test_elim_LDADD = $(TEST_ELIM_LIBS)
tests_test_train_CFLAGS = $(TEST_CFLAGS) $(GSL_CFLAGS)
tests_test_train_LDADD = $(TEST_TRAINER_LIBS)
tests_test_lim_CFLAGS = $(TEST_CFLAGS)
tests_test_lim_LDADD = $(TEST_ELIM_LIBS)
tests_test_lim_history_CFLAGS = $(TEST_CFLAGS)
tests_test_lim_history_LDADD = $(TEST_ELIM_LIBS)
tests_test_options_CFLAGS = $(TEST_CFLAGS)
tests_test_options_LDADD = $(TEST_ELIM_LIBS)
tests_test_upkeep_CFLAGS = $(TEST_CFLAGS)
tests_test_upkeep_LDADD = $(TEST_ELIM_LIBS)
tests_test_install_CFLAGS = $(TEST_CFLAGS)
tests_test_install_LDADD = $(TEST_ELIM_LIBS)
tests_test_tick_worker_CFLAGS = $(TEST_CFLAGS)
tests_test_tick_worker_LDADD = $(TEST_ELIM_LIBS)
tests_test_probe_CFLAGS = $(TEST_CFLAGS)
tests_test_probe_LDADD = $(TEST_ELIM_LIBS)
tests_test_since_probe_CFLAGS = $(TEST_CFLAGS)
tests_test_since_probe_LDADD = $(TEST_ELIM_LIBS)
tests_test_lsfconf_CFLAGS = $(TEST_CFLAGS)
tests_test_lsfconf_LDADD = $(TEST_ELIM_LIBS)
tests_test_host_speed_CFLAGS = $(TEST_CFLAGS)
tests_test_host_speed_LDADD = $(TEST_ELIM_LIBS)
tests_test_acct_SOURCES = tests/test_acct.c tests/ols_oracle.c tests/ols_oracle.h
tests_test_acct_CFLAGS = $(TEST_CFLAGS) $(GSL_CFLAGS)
tests_test_acct_LDADD = $(TEST_TRAINER_LIBS)
tests_test_pcap_CFLAGS = $(TEST_CFLAGS) $(PCAP_CFLAGS)
tests_test_pcap_LDADD = $(TEST_ELIM_LIBS) $(PCAP_LIBS)
tests_test_crosscheck_CFLAGS = $(TEST_CFLAGS)
tests_test_crosscheck_LDADD = $(TEST_LIBS)
tests_test_groups_CFLAGS = $(TEST_CFLAGS)
tests_test_groups_LDADD = $(TEST_ELIM_LIBS)
tests_test_scope_CFLAGS = $(TEST_CFLAGS)
tests_test_scope_LDADD = $(TEST_ELIM_LIBS)
tests_test_scope_cgroup_CFLAGS = $(TEST_CFLAGS)
tests_test_scope_cgroup_LDADD = $(TEST_ELIM_LIBS)
tests_test_probe_cgroup_CFLAGS = $(TEST_CFLAGS)
tests_test_probe_cgroup_LDADD = $(TEST_ELIM_LIBS)
tests_test_thermal_CFLAGS = $(TEST_CFLAGS)
tests_test_thermal_LDADD = $(TEST_ELIM_LIBS)
tests_test_noalloc_CFLAGS = $(TEST_CFLAGS)
tests_test_noalloc_LDADD = $(TEST_ELIM_LIBS)
tests_test_sampler_odd_CFLAGS = $(TEST_CFLAGS)
tests_test_sampler_odd_LDADD = $(TEST_ELIM_LIBS)
tests_test_trainer_stream_SOURCES = tests/test_trainer_stream.c tests/ols_oracle.c \
	tests/ols_oracle.h
tests_test_trainer_stream_CFLAGS = $(TEST_CFLAGS) $(GSL_CFLAGS)
tests_test_trainer_stream_LDADD = $(TEST_TRAINER_LIBS)
tests_test_trainer_cli_CFLAGS = $(TEST_CFLAGS) $(GSL_CFLAGS)
tests_test_trainer_cli_LDADD = $(TEST_TRAINER_LIBS)
tests_test_trust_CFLAGS = $(TEST_CFLAGS)
tests_test_trust_LDADD = $(TEST_ELIM_LIBS)
tests_test_recorder_CFLAGS = $(TEST_CFLAGS)
tests_test_recorder_LDADD = $(TEST_ELIM_LIBS)
tests_test_caps_CFLAGS = $(TEST_CFLAGS)
tests_test_caps_LDADD = $(TEST_ELIM_LIBS)
tests_test_probe_trigger_CFLAGS = $(TEST_CFLAGS)
tests_test_probe_trigger_LDADD = $(TEST_ELIM_LIBS)
tests_test_terminal_CFLAGS = $(TEST_CFLAGS)
tests_test_terminal_LDADD = $(TEST_ELIM_LIBS)
tests_test_probe_hold_CFLAGS = $(TEST_CFLAGS)
tests_test_probe_hold_LDADD = $(TEST_ELIM_LIBS)
tests_test_stateless_CFLAGS = $(TEST_CFLAGS)
tests_test_stateless_LDADD = $(TEST_ELIM_LIBS)

# lib/: the clock, file-system helpers, the history's read side
tests_test_clock_CFLAGS = $(TEST_CFLAGS)
tests_test_clock_LDADD = $(TEST_ELIM_LIBS)
tests_test_fsutil_CFLAGS = $(TEST_CFLAGS)
tests_test_fsutil_LDADD = $(TEST_ELIM_LIBS)
tests_test_history_read_CFLAGS = $(TEST_CFLAGS)
tests_test_history_read_LDADD = $(TEST_ELIM_LIBS)

# rank-train's pipeline steps, each on its own
tests_test_train_options_CFLAGS = $(TEST_CFLAGS) $(GSL_CFLAGS)
tests_test_train_options_LDADD = $(TEST_TRAINER_LIBS)
tests_test_candidates_CFLAGS = $(TEST_CFLAGS) $(GSL_CFLAGS)
tests_test_candidates_LDADD = $(TEST_TRAINER_LIBS)
tests_test_provenance_CFLAGS = $(TEST_CFLAGS) $(GSL_CFLAGS)
tests_test_provenance_LDADD = $(TEST_TRAINER_LIBS)
tests_test_replace_CFLAGS = $(TEST_CFLAGS) $(GSL_CFLAGS)
tests_test_replace_LDADD = $(TEST_TRAINER_LIBS)

# the last-level cache the probe sizes its contention walk from
tests_test_llc_CFLAGS = $(TEST_CFLAGS)
tests_test_llc_LDADD = $(TEST_ELIM_LIBS)

# the fuzz harnesses' corpora and regressions, replayed (see tests/fuzz/README)
tests_test_fuzz_corpus_SOURCES = tests/test_fuzz_corpus.c \
	tests/fuzz/fuzz.c tests/fuzz/fuzz.h $(FUZZ_HARNESSES)
tests_test_fuzz_corpus_CFLAGS = $(TEST_CFLAGS) $(GSL_CFLAGS) -I$(top_srcdir)/tests/fuzz
tests_test_fuzz_corpus_LDADD = tests/libtestutil.a trainer/libtrainer.a $(ELIM_LIBS) $(GSL_LIBS) \
	$(CMOCKA_LIBS) $(SQLITE3_LIBS)
tests_test_fuzz_regress_CFLAGS = $(TEST_CFLAGS) $(GSL_CFLAGS)
tests_test_fuzz_regress_LDADD = tests/libtestutil.a trainer/libtrainer.a $(ELIM_LIBS) $(GSL_LIBS) \
	$(CMOCKA_LIBS) $(SQLITE3_LIBS)

# valgrind and the short soak know whether this is a sanitizer build
tests_test_valgrind_CFLAGS = $(TEST_CFLAGS) -DSAN_BUILD='"$(SAN_CFLAGS)"'
tests_test_valgrind_LDADD = $(TEST_ELIM_LIBS)
tests_test_soak_CFLAGS = $(TEST_CFLAGS) -DSAN_BUILD='"$(SAN_CFLAGS)"'
tests_test_soak_LDADD = $(TEST_ELIM_LIBS)

# resident memory over a long run: malloc wrapped to see the sizes
# what others read: the Prometheus textfile, --explain (--json, the running instance)
tests_test_textfile_CFLAGS = $(TEST_CFLAGS)
tests_test_textfile_LDADD = $(TEST_ELIM_LIBS)
tests_test_explain_CFLAGS = $(TEST_CFLAGS)
tests_test_explain_LDADD = $(TEST_ELIM_LIBS)
tests_test_node_exporter_CFLAGS = $(TEST_CFLAGS)
tests_test_node_exporter_LDADD = $(TEST_ELIM_LIBS)

tests_test_rss_CFLAGS = $(TEST_CFLAGS)
tests_test_rss_LDADD = $(TEST_ELIM_LIBS)
tests_test_rss_LDFLAGS = $(AM_LDFLAGS) -Wl,--wrap=malloc
tests_test_factor_CFLAGS = $(TEST_CFLAGS) $(GSL_CFLAGS)
tests_test_factor_LDADD = $(TEST_TRAINER_LIBS)
tests_test_partial_CFLAGS = $(TEST_CFLAGS) $(GSL_CFLAGS)
tests_test_partial_LDADD = $(TEST_TRAINER_LIBS)
tests_test_extract_CFLAGS = $(TEST_CFLAGS) $(GSL_CFLAGS)
tests_test_extract_LDADD = $(TEST_TRAINER_LIBS)
tests_test_speed_lines_CFLAGS = $(TEST_CFLAGS) $(GSL_CFLAGS)
tests_test_speed_lines_LDADD = $(TEST_TRAINER_LIBS)
tests_test_acct_speed_CFLAGS = $(TEST_CFLAGS) $(GSL_CFLAGS)
tests_test_acct_speed_LDADD = $(TEST_TRAINER_LIBS)
tests_test_hostmap_CFLAGS = $(TEST_CFLAGS) $(GSL_CFLAGS)
tests_test_hostmap_LDADD = $(TEST_TRAINER_LIBS)
tests_test_model_group_CFLAGS = $(TEST_CFLAGS) $(GSL_CFLAGS)
tests_test_model_group_LDADD = $(TEST_TRAINER_LIBS)

# lib/compat.c: close_range answers ENOSYS through --wrap, as on kernel 4.18
tests_test_compat_CFLAGS = $(TEST_CFLAGS)
tests_test_compat_LDADD = $(TEST_ELIM_LIBS)
tests_test_compat_LDFLAGS = $(AM_LDFLAGS) -Wl,--wrap=close_range -Wl,--wrap=syscall

# rank-train --snapshot on a history a running elim writes
tests_test_snapshot_CFLAGS = $(TEST_CFLAGS)
tests_test_snapshot_LDADD = $(TEST_LIBS)

# the RPM and the Debian package from the dist tarball (heavy)
tests_test_packages_CFLAGS = $(TEST_CFLAGS)
tests_test_packages_LDADD = $(TEST_LIBS)

# issue 15's done-criterion: --once under a real 50 % CPU quota, both bases
tests_test_host_speed_cgroup_CFLAGS = $(TEST_CFLAGS)
tests_test_host_speed_cgroup_LDADD = $(TEST_ELIM_LIBS)

# class references: the sketch, the file, --partial with --acct (real GSL, SQLite, rank-train)
tests_test_acct_refs_CFLAGS = $(TEST_CFLAGS) $(GSL_CFLAGS)
tests_test_acct_refs_LDADD = $(TEST_TRAINER_LIBS)
# rank-train's speed reference from the hosts' histories, and the elim using it
tests_test_speed_ref_CFLAGS = $(TEST_CFLAGS) $(GSL_CFLAGS)
tests_test_speed_ref_LDADD = tests/libtestutil.a trainer/libtrainer.a elim/libelim.a \
	lib/libcommon.a $(GSL_LIBS) $(CMOCKA_LIBS) $(SQLITE3_LIBS) $(SENSORS_LIBS) -lm
