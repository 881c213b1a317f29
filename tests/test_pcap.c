/*
 * test_pcap: traffic classes end to end with the real libpcap.
 *
 * Runtime-named features (schema, model, history, explain); captures read
 * from files this test writes (pcap_open_dead + pcap_dump_open, read back
 * through pcap_open_offline and the same filters and counters); live
 * capture on loopback in a private network namespace, both in the
 * production (buffered) mode and in immediate mode; a capture that is not
 * permitted; the capture thread's capabilities; the elim binary itself.
 */
#include "config.h"

#include "harness.h"
#include "testutil.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <linux/capability.h>
#include <math.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <signal.h>
#include <time.h>
#include <unistd.h>

#include <pcap/pcap.h>
#include <sqlite3.h>

#include "caps.h"
#include "explain.h"
#include "feature_set.h"
#include "history.h"
#include "model.h"
#include "options.h"
#include "sampler.h"
#include "sampling.h"
#include "traffic.h"

#define SLOT(i) (FEAT_PCAP_FIRST + (i))

static bool netns_ready;   /* this process is in its own network namespace, lo up */

/* ------------------------------------------------------------ helpers */

static void bind_classes(struct feature_schema *b, const char *const *names, size_t n)
{
	char err[256];
	feature_schema_init(b);
	for (size_t i = 0; i < n; i++)
		if (feature_schema_bind_pcap(b, (unsigned)i, names[i], err, sizeof err) < 0)
			fail_msg("bind %s: %s", names[i], err);
}

/* The value on the line "name VALUE ..." of an explain output, or -2 if absent. */
static double explain_value(const char *text, const char *name)
{
	size_t nl = strlen(name);
	for (const char *p = text; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
		if (strncmp(p, name, nl) == 0 && p[nl] == ' ')
			return strncmp(p + nl + 1, "nan", 3) == 0 ? NAN : strtod(p + nl + 1, NULL);
	return -2;
}

/* ------------------------------------------------------------ packets */

struct pkt {
	uint8_t data[1600];
	uint32_t len;       /* on the wire */
};

static void put16(uint8_t *p, unsigned v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* Ethernet + IPv4 + TCP/UDP (proto 6/17) or ICMP (1), total wire length len. */
static void make_ipv4(struct pkt *k, int proto, unsigned sport, unsigned dport, uint32_t len)
{
	memset(k, 0, sizeof *k);
	uint8_t *e = k->data;
	memcpy(e, "\x02\0\0\0\0\x01\x02\0\0\0\0\x02\x08\x00", 14);
	uint8_t *ip = e + 14;
	ip[0] = 0x45;
	put16(ip + 2, len - 14);
	ip[8] = 64;
	ip[9] = (uint8_t)proto;
	memcpy(ip + 12, "\x0a\0\0\x01\x0a\0\0\x02", 8);
	uint8_t *l4 = ip + 20;
	if (proto == 6 || proto == 17) {
		put16(l4, sport);
		put16(l4 + 2, dport);
		if (proto == 6)
			l4[12] = 0x50;
		else
			put16(l4 + 4, len - 34);
	}
	k->len = len;
}

/* Ethernet + IPv6 + TCP. */
static void make_ipv6_tcp(struct pkt *k, unsigned sport, unsigned dport, uint32_t len)
{
	memset(k, 0, sizeof *k);
	uint8_t *e = k->data;
	memcpy(e, "\x02\0\0\0\0\x01\x02\0\0\0\0\x02\x86\xdd", 14);
	uint8_t *ip = e + 14;
	ip[0] = 0x60;
	put16(ip + 4, len - 54);
	ip[6] = 6;
	ip[7] = 64;
	ip[23] = 1;
	ip[39] = 2;
	uint8_t *l4 = ip + 40;
	put16(l4, sport);
	put16(l4 + 2, dport);
	l4[12] = 0x50;
	k->len = len;
}

/* Write pkts to path with at most snap bytes captured of each. */
static void write_capture(const char *path, const struct pkt *pkts, size_t n, uint32_t snap)
{
	pcap_t *dead = pcap_open_dead(DLT_EN10MB, 65535);
	assert_non_null(dead);
	pcap_dumper_t *d = pcap_dump_open(dead, path);
	if (d == NULL)
		fail_msg("pcap_dump_open %s: %s", path, pcap_geterr(dead));
	for (size_t i = 0; i < n; i++) {
		struct pcap_pkthdr h = { .ts = { .tv_sec = 1700000000 + (time_t)i }, .len = pkts[i].len };
		h.caplen = pkts[i].len < snap ? pkts[i].len : snap;
		pcap_dump((u_char *)d, &h, pkts[i].data);
	}
	pcap_dump_close(d);
	pcap_close(dead);
}

/* Wait until the file-mode capture has read everything. */
static void wait_eof(struct traffic *t, struct traffic_snapshot *snap)
{
	for (int i = 0; i < 500; i++) {
		traffic_snapshot(t, snap);
		if (snap->eof)
			return;
		tu_sleep_ms(10);
	}
	fail_msg("capture file not read within 5 s");
}

static void set_class(struct traffic_config *cfg, size_t i, const char *name, const char *filter)
{
	snprintf(cfg->classes[i].name, sizeof cfg->classes[i].name, "%s", name);
	cfg->classes[i].filter = filter;
	if (cfg->n_classes < i + 1)
		cfg->n_classes = i + 1;
}

/* ------------------------------------------------------------ schema */

static void test_schema(void **state)
{
	(void)state;
	struct feature_schema b;
	char err[256];
	feature_schema_init(&b);

	/* slots exist in every vector, but are nameless until bound */
	assert_true(FEAT_VECTOR_LEN == FEAT_COUNT + FEAT_PCAP_SLOTS);
	assert_null(feature_name(&b, SLOT(0)));
	assert_null(feature_name(NULL, SLOT(0)));
	assert_string_equal(feature_name(NULL, FEAT_cpu_busy), "cpu_busy");
	assert_int_equal(feature_lookup(NULL, "pcap_slot0", 10), -1);

	assert_int_equal(feature_schema_bind_pcap(&b, 0, "storage", err, sizeof err), 0);
	assert_int_equal(feature_schema_bind_pcap(&b, 3, "mpi_2", err, sizeof err), 0);
	assert_string_equal(feature_name(&b, SLOT(0)), "pcap_storage_bps");
	assert_string_equal(feature_name(&b, SLOT(3)), "pcap_mpi_2_bps");
	assert_null(feature_name(&b, SLOT(1)));
	assert_int_equal(feature_lookup(&b, "pcap_storage_bps", 16), SLOT(0));
	assert_int_equal(feature_lookup(&b, "pcap_mpi_2_bps", 14), SLOT(3));
	assert_int_equal(feature_lookup(&b, "cpu_busy", 8), FEAT_cpu_busy);
	/* static lookups never see bound names: no hidden global schema */
	assert_int_equal(feature_lookup(NULL, "pcap_storage_bps", 16), -1);
	assert_int_equal(feature_lookup(&b, "pcap_slot1", 10), -1);

	/* rebinding a slot to the same name is fine; another slot, a clash */
	assert_int_equal(feature_schema_bind_pcap(&b, 0, "storage", err, sizeof err), 0);
	assert_int_equal(feature_schema_bind_pcap(&b, 1, "storage", err, sizeof err), -EEXIST);
	assert_non_null(strstr(err, "pcap_storage_bps"));
	/* names that would not be SQL identifiers or feature names */
	const char *bad[] = { "", "Storage", "1x", "a-b", "a b", "x;drop", "é" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		err[0] = '\0';
		if (feature_schema_bind_pcap(&b, 2, bad[i], err, sizeof err) != -EINVAL)
			fail_msg("class name '%s' accepted", bad[i]);
		assert_true(err[0] != '\0');
	}
	char longname[64];
	memset(longname, 'a', sizeof longname - 1);
	longname[sizeof longname - 1] = '\0';
	assert_int_equal(feature_schema_bind_pcap(&b, 2, longname, err, sizeof err), -ENAMETOOLONG);
	assert_int_equal(feature_schema_bind_pcap(&b, FEAT_PCAP_SLOTS, "x", err, sizeof err), -EINVAL);
	assert_null(feature_name(&b, SLOT(2)));
}

/* Readers of files the elim wrote (the trainer) bind names as they find
 * them: a history column or a model term "pcap_NAME_bps". */
static void test_schema_from_names(void **state)
{
	(void)state;
	struct feature_schema s;
	char err[256];
	feature_schema_init(&s);
	assert_int_equal(feature_schema_bind_name(&s, "pcap_storage_bps", 16, err, sizeof err), 1);
	assert_int_equal(feature_lookup(&s, "pcap_storage_bps", 16), SLOT(0));
	/* known already, static, or not a traffic-class name: nothing bound */
	assert_int_equal(feature_schema_bind_name(&s, "pcap_storage_bps", 16, err, sizeof err), 0);
	const char *other[] = { "cpu_busy", "pcap_drops_per_sec", "rank", "model_id", "pcap__bps",
				"pcap_Storage_bps", "pcap_1x_bps", "pcap_bps", "xpcap_a_bps", "pcap_a_bpsx" };
	for (size_t i = 0; i < sizeof other / sizeof other[0]; i++)
		if (feature_schema_bind_name(&s, other[i], strlen(other[i]), err, sizeof err) != 0)
			fail_msg("'%s' bound", other[i]);
	assert_null(feature_name(&s, SLOT(1)));
	/* only name[0..len) counts */
	assert_int_equal(feature_schema_bind_name(&s, "pcap_mpi_bps, cpu_busy", 12, err,
						  sizeof err), 1);
	assert_string_equal(feature_name(&s, SLOT(1)), "pcap_mpi_bps");
	/* the same schema as the elim's for the same classes, in the same order */
	struct feature_schema e;
	const char *cls[] = { "storage", "mpi" };
	bind_classes(&e, cls, 2);
	assert_memory_equal(&s, &e, sizeof s);
	/* more names than slots: refused with a message */
	char name[32];
	for (int i = 2; i < FEAT_PCAP_SLOTS; i++) {
		int n = snprintf(name, sizeof name, "pcap_c%d_bps", i);
		assert_int_equal(feature_schema_bind_name(&s, name, (size_t)n, err, sizeof err), 1);
	}
	err[0] = '\0';
	assert_int_equal(feature_schema_bind_name(&s, "pcap_one_more_bps", 17, err, sizeof err),
			 -ENOSPC);
	assert_non_null(strstr(err, "pcap_one_more_bps"));
}

static void test_config_build(void **state)
{
	(void)state;
	struct traffic_config cfg;
	struct feature_schema b;
	char err[256];
	feature_schema_init(&b);

	const char *ok[] = { "storage=port 2049", "mpi = portrange 10000-10100" };
	assert_int_equal(traffic_config_build(&cfg, &b, "eth0", ok, 2, err, sizeof err), 0);
	assert_int_equal(cfg.n_classes, 2);
	assert_string_equal(cfg.interface, "eth0");
	assert_string_equal(cfg.classes[0].name, "storage");
	assert_string_equal(cfg.classes[0].filter, "port 2049");
	assert_string_equal(cfg.classes[1].name, "mpi");
	assert_string_equal(cfg.classes[1].filter, "portrange 10000-10100");
	assert_string_equal(feature_name(&b, SLOT(1)), "pcap_mpi_bps");

	/* nothing configured: no capture, nothing bound */
	feature_schema_init(&b);
	assert_int_equal(traffic_config_build(&cfg, &b, NULL, NULL, 0, err, sizeof err), 0);
	assert_int_equal(cfg.n_classes, 0);
	assert_null(feature_name(&b, SLOT(0)));

	struct { const char *iface, *spec, *needle; } bad[] = {
		{ NULL, "storage=port 2049", "--pcap-interface" },
		{ "eth0", "storage", "NAME=FILTER" },
		{ "eth0", "=port 1", "NAME=FILTER" },
		{ "eth0", "storage=", "empty filter" },
		{ "eth0", "Storage=port 1", "Storage" },
		{ "eth0", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa=port 1", "longer" },
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		feature_schema_init(&b);
		err[0] = '\0';
		if (traffic_config_build(&cfg, &b, bad[i].iface, &bad[i].spec, 1, err, sizeof err) == 0)
			fail_msg("'%s' accepted", bad[i].spec);
		if (strstr(err, bad[i].needle) == NULL)
			fail_msg("'%s': message '%s' lacks '%s'", bad[i].spec, err, bad[i].needle);
	}
	const char *dup[] = { "a=port 1", "a=port 2" };
	assert_int_equal(traffic_config_build(&cfg, &b, "eth0", dup, 2, err, sizeof err), -EEXIST);
	const char *many[FEAT_PCAP_SLOTS + 1];
	for (size_t i = 0; i <= FEAT_PCAP_SLOTS; i++)
		many[i] = "x=port 1";
	assert_int_equal(traffic_config_build(&cfg, &b, "eth0", many, FEAT_PCAP_SLOTS + 1, err,
					      sizeof err), -EINVAL);
	assert_non_null(strstr(err, "at most"));
}

static void test_options(void **state)
{
	(void)state;
	struct elim_options o;
	char err[256];
	char *argv[] = { "elim.rank", "--pcap-interface", "eth1", "--pcap-class", "storage=port 2049",
			 "--net-include", "veth*", "--pcap-class", "mpi=portrange 10000-10100",
			 "--net-include", "eth0", "--net-exclude", "docker*", NULL };
	assert_int_equal(options_parse(13, argv, &o, err, sizeof err), 0);
	assert_string_equal(o.pcap_interface, "eth1");
	assert_int_equal(o.pcap_class.n, 2);
	assert_string_equal(o.pcap_class.v[1], "mpi=portrange 10000-10100");
	assert_null(o.pcap_class.v[2]);
	assert_int_equal(o.net_include.n, 2);
	assert_string_equal(o.net_include.v[0], "veth*");
	assert_string_equal(o.net_include.v[1], "eth0");
	assert_null(o.net_include.v[2]);
	assert_string_equal(o.net_exclude.v[0], "docker*");
	/* defaults: empty lists */
	char *argv2[] = { "elim.rank", NULL };
	assert_int_equal(options_parse(1, argv2, &o, err, sizeof err), 0);
	assert_int_equal(o.pcap_class.n + o.net_include.n + o.net_exclude.n, 0);
	assert_null(o.pcap_interface);
	/* the list is bounded */
	struct options_list l;
	memset(&l, 0, sizeof l);
	for (int i = 0; i < OPTIONS_LIST_MAX; i++)
		assert_int_equal(options_list_add(&l, "x"), 0);
	assert_int_equal(options_list_add(&l, "x"), -ENOSPC);
	assert_null(l.v[OPTIONS_LIST_MAX]);
}

/* ------------------------------------------------------------ model, explain */

static const char pcap_model[] =
	"elim-rank-model 1\n"
	"intercept 1\n"
	"term cpu_busy coef 0.5\n"
	"term pcap_storage_bps scale 1e6 coef 0.25\n"
	"term mul(pcap_storage_bps,cpu_busy) scale 1e6 coef 0.1\n";

static void test_model_schema(void **state)
{
	(void)state;
	const char *cls[] = { "storage" };
	struct feature_schema b;
	bind_classes(&b, cls, 1);
	struct model m;
	struct model_error err;

	/* without the schema the names are unknown, with a clear message */
	assert_int_equal(model_parse(pcap_model, strlen(pcap_model), NULL, &m, &err), -EINVAL);
	assert_int_equal(err.line, 4);
	assert_non_null(strstr(err.msg, "unknown feature 'pcap_storage_bps'"));
	/* a placeholder name never parses, bound or not */
	const char *slot_model = "elim-rank-model 1\nintercept 1\nterm pcap_slot0 coef 1\n";
	assert_int_equal(model_parse(slot_model, strlen(slot_model), &b, &m, &err), -EINVAL);

	assert_int_equal(model_parse(pcap_model, strlen(pcap_model), &b, &m, &err), 0);
	assert_int_equal(m.n_terms, 3);
	assert_int_equal(m.terms[1].a, SLOT(0));
	assert_int_equal(m.terms[2].b, FEAT_cpu_busy);

	double x[FEAT_VECTOR_LEN];
	features_clear(x);
	x[FEAT_cpu_busy] = 0.5;
	x[SLOT(0)] = 2e6;
	/* 1 + 0.5*0.5 + 0.25*2 + 0.1*(2*0.5) */
	assert_true(fabs(model_score(&m, x, NULL, NULL) - 1.85) < 1e-12);

	/* written back under the schema, and read back the same */
	char *dir = tu_tmpdir();
	char path[512];
	snprintf(path, sizeof path, "%s/rank.model", dir);
	assert_int_equal(model_save(&m, path, &err), 0);
	struct model back;
	assert_int_equal(model_load_file(path, &b, &back, &err), 0);
	assert_true(model_score(&back, x, NULL, NULL) == model_score(&m, x, NULL, NULL));
	assert_int_equal(model_load_file(path, NULL, &back, &err), -EINVAL);
	char expr[128];
	assert_int_equal(model_term_expr(&m.terms[2], &b, expr, sizeof expr), 0);
	assert_string_equal(expr, "mul(pcap_storage_bps,cpu_busy)");
	/* a term on a slot cannot be written without its name */
	assert_int_equal(model_term_expr(&m.terms[1], NULL, expr, sizeof expr), -EINVAL);
	struct model unnamed = m;
	unnamed.schema = NULL;
	FILE *f = tmpfile();
	assert_int_equal(model_write(&unnamed, f), -EINVAL);
	fclose(f);
	tu_rmtree(dir);
	free(dir);
}

static void test_explain_schema(void **state)
{
	(void)state;
	const char *cls[] = { "storage", "mpi" };
	struct feature_schema b;
	bind_classes(&b, cls, 2);
	struct model m;
	struct model_error err;
	assert_int_equal(model_parse(pcap_model, strlen(pcap_model), &b, &m, &err), 0);
	double x[FEAT_VECTOR_LEN];
	features_clear(x);
	x[FEAT_cpu_busy] = 0.5;
	x[SLOT(0)] = 2e6;

	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	assert_int_equal(explain_write(f, &m, &b, x, NULL), 0);
	fclose(f);
	assert_non_null(strstr(buf, "\npcap_storage_bps 2e+06 bytes/s 0.5\n"));
	assert_non_null(strstr(buf, "\npcap_mpi_bps nan bytes/s 0\n"));
	assert_non_null(strstr(buf, "\nmul(pcap_storage_bps,cpu_busy) 1e+06 - 0.1\n"));
	assert_null(strstr(buf, "pcap_slot"));   /* unbound slots print nothing */
	free(buf);

	/* without a schema: the static features only */
	features_clear(x);
	buf = NULL;
	f = open_memstream(&buf, &len);
	struct model plain;
	assert_int_equal(model_load_default(&plain, &err), 0);
	assert_int_equal(explain_write(f, &plain, NULL, x, NULL), 0);
	fclose(f);
	assert_null(strstr(buf, "pcap_s"));
	assert_non_null(strstr(buf, "pcap_drops_per_sec nan 1/s 0\n"));
	free(buf);
}

/* ------------------------------------------------------------ history */

static int count_columns(const char *path, const char *prefix, char *names, size_t size)
{
	sqlite3 *db;
	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	sqlite3_stmt *st;
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT name FROM pragma_table_info('samples')", -1,
					    &st, NULL), SQLITE_OK);
	int n = 0;
	names[0] = '\0';
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *c = (const char *)sqlite3_column_text(st, 0);
		if (strncmp(c, prefix, strlen(prefix)) == 0) {
			n++;
			strncat(names, c, size - strlen(names) - 2);
			strcat(names, " ");
		}
	}
	sqlite3_finalize(st);
	sqlite3_close(db);
	return n;
}

/* Values of column col, row by row, as text ("NULL" for NULL). */
static void column_values(const char *path, const char *col, char *out, size_t size)
{
	sqlite3 *db;
	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	char sql[256];
	snprintf(sql, sizeof sql, "SELECT %s FROM samples ORDER BY rowid", col);
	sqlite3_stmt *st;
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	out[0] = '\0';
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *v = sqlite3_column_type(st, 0) == SQLITE_NULL
			? "NULL" : (const char *)sqlite3_column_text(st, 0);
		strncat(out, v, size - strlen(out) - 2);
		strcat(out, " ");
	}
	sqlite3_finalize(st);
	sqlite3_close(db);
}

static void append(struct history *h, const double *x)
{
	char err[512];
	struct history_row row = { .time = 1700000000, .host = "h1", .features = x, .rank = 100 };
	if (history_append(h, &row, err, sizeof err) < 0)
		fail_msg("append: %s", err);
}

static void test_history_schema(void **state)
{
	(void)state;
	char *dir = tu_tmpdir();
	char path[512], err[512], cols[1024], vals[1024];
	snprintf(path, sizeof path, "%s/history.db", dir);
	struct feature_schema b;
	const char *one[] = { "storage" };
	bind_classes(&b, one, 1);
	double x[FEAT_VECTOR_LEN];
	features_clear(x);
	x[SLOT(0)] = 1234.5;
	x[SLOT(1)] = 99;   /* an unbound slot: never stored anywhere */

	struct history *h;
	if (history_open(path, &b, 0, &h, err, sizeof err) < 0)
		fail_msg("%s", err);
	append(h, x);
	history_close(h);
	assert_int_equal(count_columns(path, "pcap_", cols, sizeof cols), 2);
	assert_string_equal(cols, "pcap_drops_per_sec pcap_storage_bps ");

	/* a class added later gets its column; older rows read NULL */
	const char *two[] = { "storage", "mpi" };
	bind_classes(&b, two, 2);
	if (history_open(path, &b, 0, &h, err, sizeof err) < 0)
		fail_msg("%s", err);
	x[SLOT(0)] = NAN;
	append(h, x);
	history_close(h);
	assert_int_equal(count_columns(path, "pcap_", cols, sizeof cols), 3);
	column_values(path, "pcap_storage_bps", vals, sizeof vals);
	assert_string_equal(vals, "1234.5 NULL ");
	column_values(path, "pcap_mpi_bps", vals, sizeof vals);
	assert_string_equal(vals, "NULL 99.0 ");

	/* opened without traffic classes: the columns stay, rows get NULL */
	if (history_open(path, NULL, 0, &h, err, sizeof err) < 0)
		fail_msg("%s", err);
	x[SLOT(0)] = 7;
	append(h, x);
	history_close(h);
	column_values(path, "pcap_storage_bps", vals, sizeof vals);
	assert_string_equal(vals, "1234.5 NULL NULL ");
	column_values(path, "cpu_busy", vals, sizeof vals);
	assert_string_equal(vals, "NULL NULL NULL ");
	tu_rmtree(dir);
	free(dir);
}

/* ------------------------------------------------------------ capture files */

/* Packets and what each class should count. */
static struct pkt pk[8];
static size_t npk;
static uint64_t want_storage, want_mpi, want_ip6;

static void build_packets(void)
{
	npk = 0;
	make_ipv4(&pk[npk++], 6, 40000, 2049, 1514);   /* NFS write, big: caplen < len */
	make_ipv4(&pk[npk++], 17, 2049, 40001, 200);   /* NFS over UDP, reply */
	make_ipv4(&pk[npk++], 6, 22, 40002, 400);      /* ssh: no class */
	make_ipv4(&pk[npk++], 17, 10050, 10051, 900);  /* MPI */
	make_ipv4(&pk[npk++], 1, 0, 0, 98);            /* ICMP: no port at all */
	make_ipv6_tcp(&pk[npk++], 2049, 50000, 1000);  /* NFS over IPv6 */
	make_ipv4(&pk[npk++], 6, 10100, 80, 60);       /* MPI range edge */
	want_storage = 1514 + 200 + 1000;
	want_mpi = 900 + 60;
	want_ip6 = 1000;
}

static void test_offline_counts(void **state)
{
	(void)state;
	char *dir = tu_tmpdir();
	char path[512], msg[512];
	snprintf(path, sizeof path, "%s/cap.pcap", dir);
	build_packets();
	write_capture(path, pk, npk, TRAFFIC_SNAPLEN);

	struct traffic_config cfg;
	memset(&cfg, 0, sizeof cfg);
	cfg.file = path;
	set_class(&cfg, 0, "storage", "port 2049");
	set_class(&cfg, 1, "mpi", "portrange 10000-10100");
	set_class(&cfg, 2, "v6", "ip6");
	set_class(&cfg, 3, "none", "port 9");
	struct traffic *t;
	assert_int_equal(traffic_start(&cfg, &t, msg, sizeof msg), 0);
	assert_string_equal(msg, "");
	struct traffic_snapshot s;
	wait_eof(t, &s);
	assert_true(s.active[0] && s.active[1] && s.active[2] && s.active[3]);
	assert_int_equal(s.bytes[0], want_storage);
	assert_int_equal(s.packets[0], 3);
	assert_int_equal(s.bytes[1], want_mpi);
	assert_int_equal(s.packets[1], 2);
	assert_int_equal(s.bytes[2], want_ip6);
	assert_int_equal(s.bytes[3], 0);
	assert_int_equal(s.drops, 0);
	assert_false(s.failed);
	traffic_stop(t);
	tu_rmtree(dir);
	free(dir);
}

static void test_offline_bad_filter(void **state)
{
	(void)state;
	char *dir = tu_tmpdir();
	char path[512], msg[512];
	snprintf(path, sizeof path, "%s/cap.pcap", dir);
	build_packets();
	write_capture(path, pk, npk, 65535);

	struct traffic_config cfg;
	memset(&cfg, 0, sizeof cfg);
	cfg.file = path;
	set_class(&cfg, 0, "bad", "port 99999x");
	set_class(&cfg, 1, "storage", "port 2049");
	set_class(&cfg, 2, "worse", "tcp and (");
	struct traffic *t;
	assert_int_equal(traffic_start(&cfg, &t, msg, sizeof msg), 0);
	/* the message names each bad class and its filter; the good one counts */
	assert_non_null(strstr(msg, "class 'bad': filter 'port 99999x' does not compile"));
	assert_non_null(strstr(msg, "class 'worse': filter 'tcp and (' does not compile"));
	assert_non_null(strstr(msg, "pcap_bad_bps is unknown"));
	assert_null(strstr(msg, "'storage'"));
	struct traffic_snapshot s;
	wait_eof(t, &s);
	assert_false(s.active[0]);
	assert_true(s.active[1]);
	assert_false(s.active[2]);
	assert_int_equal(s.bytes[1], want_storage);
	traffic_stop(t);

	/* nothing compiles: the capture is off, with the reason */
	cfg.n_classes = 1;
	assert_int_equal(traffic_start(&cfg, &t, msg, sizeof msg), -EINVAL);
	assert_null(t);
	assert_non_null(strstr(msg, "port 99999x"));

	/* not a capture file */
	tu_write(dir, "junk.pcap", "this is not a capture file\n");
	snprintf(path, sizeof path, "%s/junk.pcap", dir);
	set_class(&cfg, 0, "storage", "port 2049");
	assert_int_equal(traffic_start(&cfg, &t, msg, sizeof msg), -EIO);
	assert_non_null(strstr(msg, "junk.pcap"));
	tu_rmtree(dir);
	free(dir);
}

/* The sampler's contract on top of a capture file. */
static void test_sampler_offline(void **state)
{
	(void)state;
	char *dir = tu_tmpdir();
	char path[512], msg[512] = "";
	snprintf(path, sizeof path, "%s/cap.pcap", dir);
	build_packets();
	write_capture(path, pk, npk, 65535);
	struct traffic_config cfg;
	memset(&cfg, 0, sizeof cfg);
	cfg.file = path;
	set_class(&cfg, 0, "storage", "port 2049");
	set_class(&cfg, 1, "bad", "port 99999x");
	struct sampler_env env = { .procfs = "/proc", .sysfs = "/sys", .traffic = &cfg,
				   .msg = msg, .msg_len = sizeof msg };
	void *st;
	assert_int_equal(sampler_pcap.init(&env, &st), 0);
	assert_non_null(strstr(msg, "'bad'"));
	double v[FEAT_VECTOR_LEN];
	for (int i = 0; i < FEAT_VECTOR_LEN; i++)
		v[i] = 42;
	uint64_t t0 = tu_mono_ns();
	assert_int_equal(sampler_pcap.sample(st, t0, v), 0);
	/* first sample: no value yet; every slot it owns is written */
	for (int i = 0; i < FEAT_PCAP_SLOTS; i++)
		assert_true(isnan(v[SLOT(i)]));
	assert_true(isnan(v[FEAT_pcap_drops_per_sec]));
	assert_true(v[FEAT_cpu_busy] == 42);   /* not its feature: untouched */
	tu_sleep_ms(300);
	assert_int_equal(sampler_pcap.sample(st, t0 + 2000000000ULL, v), 0);
	assert_true(v[SLOT(0)] >= 0 && v[SLOT(0)] <= want_storage / 2.0);
	assert_true(isnan(v[SLOT(1)]));        /* its filter did not compile */
	assert_true(isnan(v[SLOT(2)]));        /* not configured */
	assert_true(v[FEAT_pcap_drops_per_sec] == 0);
	sampler_pcap.fini(st);

	/* not configured: on, and every feature unknown */
	struct sampler_env none = { .procfs = "/proc", .sysfs = "/sys" };
	assert_int_equal(sampler_pcap.init(&none, &st), 0);
	assert_int_equal(sampler_pcap.sample(st, t0, v), 0);
	assert_int_equal(sampler_pcap.sample(st, t0 + 1000000000ULL, v), 0);
	assert_true(isnan(v[SLOT(0)]) && isnan(v[FEAT_pcap_drops_per_sec]));
	sampler_pcap.fini(st);
	tu_rmtree(dir);
	free(dir);
}

/* ------------------------------------------------------------ live, loopback */

/* Move this process into a network namespace of its own with lo up. */
static int setup_netns(void **state)
{
	(void)state;
	if (!netns_ready) {
		if (unshare(CLONE_NEWNET) < 0)
			fail_msg("unshare(CLONE_NEWNET): %s (tests run as root)", strerror(errno));
		if (tu_system("ip link set lo up") != 0)
			fail_msg("ip link set lo up failed");
		netns_ready = true;
	}
	return 0;
}

/* Send n UDP datagrams of size bytes to 127.0.0.1:port.  Returns the wire bytes. */
static uint64_t send_udp(unsigned port, int n, size_t size)
{
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	assert_true(fd >= 0);
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	char buf[1400];
	memset(buf, 'x', sizeof buf);
	for (int i = 0; i < n; i++)
		assert_int_equal(sendto(fd, buf, size, 0, (struct sockaddr *)&to, sizeof to), (ssize_t)size);
	close(fd);
	return (uint64_t)n * (14 + 20 + 8 + size);   /* Ethernet framing on lo */
}

static void wait_bytes(struct traffic *t, size_t cls, uint64_t want, long max_ms,
		       struct traffic_snapshot *s)
{
	for (long waited = 0; waited <= max_ms; waited += 20) {
		traffic_snapshot(t, s);
		if (s->bytes[cls] >= want)
			return;
		tu_sleep_ms(20);
	}
	fail_msg("class %zu: %llu of %llu bytes after %ld ms", cls,
		 (unsigned long long)s->bytes[cls], (unsigned long long)want, max_ms);
}

static void test_live_immediate(void **state)
{
	(void)state;
	char msg[512];
	struct traffic_config cfg;
	memset(&cfg, 0, sizeof cfg);
	cfg.interface = "lo";
	cfg.immediate = true;   /* tests only: no waiting for a buffer to fill */
	set_class(&cfg, 0, "storage", "udp dst port 2049");
	set_class(&cfg, 1, "other", "udp dst port 5001");
	struct traffic *t;
	if (traffic_start(&cfg, &t, msg, sizeof msg) < 0)
		fail_msg("%s", msg);
	uint64_t a = send_udp(2049, 40, 1000);
	uint64_t b = send_udp(5001, 10, 100);
	struct traffic_snapshot s;
	wait_bytes(t, 0, a, 3000, &s);
	wait_bytes(t, 1, b, 3000, &s);
	tu_sleep_ms(100);
	traffic_snapshot(t, &s);
	assert_int_equal(s.bytes[0], a);
	assert_int_equal(s.packets[0], 40);
	assert_int_equal(s.bytes[1], b);

	/* the capture thread holds no capability; this thread still has its own */
	char path[320], line[256];
	DIR *d = opendir("/proc/self/task");
	assert_non_null(d);
	struct dirent *e;
	int threads = 0, capless = 0;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof path, "/proc/self/task/%s/status", e->d_name);
		FILE *f = fopen(path, "r");
		assert_non_null(f);
		while (fgets(line, sizeof line, f))
			if (strncmp(line, "CapEff:", 7) == 0) {
				threads++;
				if (strtoull(line + 7, NULL, 16) == 0)
					capless++;
			}
		fclose(f);
	}
	closedir(d);
	assert_int_equal(threads, 2);
	assert_int_equal(capless, 1);
	assert_true(caps_effective() & CAPS_BIT(CAP_NET_RAW));
	traffic_stop(t);
}

/* Production settings (buffered, 200 ms), through the sampler and sampling. */
static void test_live_buffered_sampler(void **state)
{
	(void)state;
	struct traffic_config cfg;
	memset(&cfg, 0, sizeof cfg);
	cfg.interface = "lo";
	set_class(&cfg, 0, "storage", "port 2049");
	set_class(&cfg, 1, "mpi", "portrange 10000-10100");
	struct sampler_env env = { .procfs = "/proc", .sysfs = "/sys", .traffic = &cfg };
	static struct sampling sp;
	sampling_init(&sp, &env);
	size_t ip = SAMPLING_MAX;
	for (size_t i = 0; i < sp.n; i++)
		if (strcmp(sp.s[i]->name, "pcap") == 0)
			ip = i;
	assert_true(ip < sp.n);
	if (sp.init_rc[ip] < 0)
		fail_msg("%s", sp.msg[ip]);
	assert_string_equal(sp.msg[ip], "");

	double v[FEAT_VECTOR_LEN];
	uint64_t t0 = tu_mono_ns();
	sampling_tick(&sp, t0, v);
	uint64_t a = send_udp(2049, 50, 1200);
	uint64_t b = send_udp(10007, 20, 300);
	send_udp(9999, 20, 300);
	/* buffered: packets reach the counters within about one timeout */
	tu_sleep_ms(1200);
	uint64_t t1 = tu_mono_ns();
	sampling_tick(&sp, t1, v);
	double dt = (double)(t1 - t0) / 1e9;
	if (fabs(v[SLOT(0)] - (double)a / dt) > 1e-6 * (double)a)
		fail_msg("pcap_storage_bps %g, expected %g", v[SLOT(0)], (double)a / dt);
	assert_true(fabs(v[SLOT(1)] - (double)b / dt) <= 1e-6 * (double)b);
	assert_true(isnan(v[SLOT(2)]));
	assert_true(v[FEAT_pcap_drops_per_sec] == 0);
	/* the other samplers ran alongside */
	assert_false(isnan(v[FEAT_cpu_busy]));
	/* nothing more: a rate of zero, not a stale one */
	tu_sleep_ms(300);
	sampling_tick(&sp, tu_mono_ns(), v);
	assert_true(v[SLOT(0)] == 0);
	sampling_fini(&sp);
}

struct noperm {
	int rc;
	char msg[512];
	int cpu_rc, pcap_rc;
	char pcap_msg[512];
};

/* In a thread of its own: capabilities are per thread, so the rest of the
 * test keeps them. */
static void *noperm_main(void *arg)
{
	struct noperm *r = arg;
	caps_limit_thread(~CAPS_BIT(CAP_NET_RAW));
	struct traffic_config cfg;
	memset(&cfg, 0, sizeof cfg);
	cfg.interface = "lo";
	set_class(&cfg, 0, "storage", "port 2049");
	struct traffic *t = NULL;
	r->rc = traffic_start(&cfg, &t, r->msg, sizeof r->msg);
	traffic_stop(t);

	struct sampler_env env = { .procfs = "/proc", .sysfs = "/sys", .traffic = &cfg };
	static struct sampling sp;
	sampling_init(&sp, &env);
	r->cpu_rc = r->pcap_rc = 1;
	for (size_t i = 0; i < sp.n; i++) {
		if (strcmp(sp.s[i]->name, "cpu") == 0)
			r->cpu_rc = sp.init_rc[i];
		if (strcmp(sp.s[i]->name, "pcap") == 0) {
			r->pcap_rc = sp.init_rc[i];
			snprintf(r->pcap_msg, sizeof r->pcap_msg, "%s", sp.msg[i]);
		}
	}
	sampling_fini(&sp);
	return NULL;
}

static void test_live_not_permitted(void **state)
{
	(void)state;
	struct noperm r;
	memset(&r, 0, sizeof r);
	pthread_t th;
	assert_int_equal(pthread_create(&th, NULL, noperm_main, &r), 0);
	pthread_join(th, NULL);
	assert_int_equal(r.rc, -EPERM);
	assert_non_null(strstr(r.msg, "interface 'lo' not permitted"));
	assert_non_null(strstr(r.msg, "CAP_NET_RAW"));
	assert_int_equal(r.pcap_rc, -EPERM);
	assert_non_null(strstr(r.pcap_msg, "'lo'"));
	assert_int_equal(r.cpu_rc, 0);   /* every other sampler goes on */

	/* no such interface */
	struct traffic_config cfg;
	char msg[512];
	memset(&cfg, 0, sizeof cfg);
	cfg.interface = "nosuch0";
	set_class(&cfg, 0, "storage", "port 2049");
	struct traffic *t;
	assert_int_equal(traffic_start(&cfg, &t, msg, sizeof msg), -ENODEV);
	assert_non_null(strstr(msg, "'nosuch0'"));
}

/* An interface that goes away: the class turns unknown, the thread idles. */
static void test_live_interface_vanishes(void **state)
{
	(void)state;
	assert_int_equal(tu_system("ip link add xva type veth peer name xvb &&"
				   " ip link set xva up && ip link set xvb up"), 0);
	struct traffic_config cfg;
	char msg[512];
	memset(&cfg, 0, sizeof cfg);
	cfg.interface = "xva";
	set_class(&cfg, 0, "all", "ip or not ip");
	struct sampler_env env = { .procfs = "/proc", .sysfs = "/sys", .traffic = &cfg,
				   .msg = msg, .msg_len = sizeof msg };
	void *st;
	if (sampler_pcap.init(&env, &st) < 0)
		fail_msg("%s", msg);
	double v[FEAT_VECTOR_LEN];
	uint64_t t = tu_mono_ns();
	assert_int_equal(sampler_pcap.sample(st, t, v), 0);
	assert_int_equal(tu_system("ip link del xva"), 0);
	/* noticed by the capture thread within a poll or two; up to 10 s on a loaded machine */
	int rc = 0;
	for (int i = 0; i < 500 && rc == 0; i++) {
		tu_sleep_ms(20);
		rc = sampler_pcap.sample(st, t += 20000000, v);
	}
	assert_int_equal(rc, -EIO);
	assert_true(isnan(v[SLOT(0)]));
	sampler_pcap.fini(st);
}

/* ------------------------------------------------------------ the elim */

/* A child that sends a byte to 127.0.0.1:port every 10 ms for up to 4 s
 * (traffic all along an elim's life: a slow start on a loaded machine must
 * not miss it); stop it with stop_trickle. */
static pid_t udp_trickle(unsigned port)
{
	fflush(NULL);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		for (int i = 0; i < 400; i++) {
			send_udp(port, 1, 1);
			tu_sleep_ms(10);
		}
		_exit(0);
	}
	return pid;
}

static void stop_trickle(pid_t pid)
{
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

#define CLS "--pcap-interface", "lo", "--pcap-class", "storage=udp port 2049"
#define BAD_CLS "--pcap-class", "bad = port 99999x"

static void test_elim_binary(void **state)
{
	(void)state;
	if (getenv("ELIM_BIN") == NULL)
		skip();
	char *dir = tu_tmpdir();
	char model[512], db[512];
	snprintf(model, sizeof model, "%s/rank.model", dir);
	snprintf(db, sizeof db, "%s/h.db", dir);

	/* a model using a traffic class; traffic while the elim samples */
	tu_write(dir, "rank.model", pcap_model);
	pid_t trickle = udp_trickle(2049);
	char *out, *err;
	int st = th_run(NULL, (const char *const[]){ "--once", "--no-probe", "--explain", "--model",
						     model, CLS,
						      BAD_CLS, NULL }, 120.0, &out, &err);
	stop_trickle(trickle);
	assert_int_equal(st, 0);
	double storage = explain_value(out, "pcap_storage_bps");
	if (!(storage > 0))
		fail_msg("pcap_storage_bps %g in:\n%s", storage, out);
	assert_true(isnan(explain_value(out, "pcap_bad_bps")));
	assert_false(isnan(explain_value(out, "cpu_busy")));   /* the others go on */
	assert_true(explain_value(out, "pcap_drops_per_sec") == 0);
	assert_true(strstr(out, "mul(pcap_storage_bps,cpu_busy) ") != NULL);
	assert_null(strstr(out, "pcap_slot"));
	assert_non_null(strstr(err, "class 'bad': filter 'port 99999x' does not compile"));
	assert_null(strstr(err, "pcap_storage_bps is unknown"));
	free(out);
	free(err);

	/* the history gets the class's column */
	assert_int_equal(th_run(&(struct th_opts){ .foreground = true, .out = TH_NULL },
				(const char *const[]){ "--count", "2", "--interval", "0.2",
						       "--history", db, CLS, BAD_CLS, NULL },
				120.0, NULL, NULL), 0);
	char cols[1024], vals[1024];
	assert_int_equal(count_columns(db, "pcap_", cols, sizeof cols), 3);
	assert_string_equal(cols, "pcap_drops_per_sec pcap_storage_bps pcap_bad_bps ");
	column_values(db, "pcap_bad_bps", vals, sizeof vals);
	assert_string_equal(vals, "NULL NULL ");
	column_values(db, "pcap_storage_bps", vals, sizeof vals);
	assert_non_null(strstr(vals, "0.0 "));

	/* usage errors name the problem */
	st = th_run(NULL, (const char *const[]){ "--once", "--pcap-class", "storage=port 2049", NULL },
		    60.0, NULL, &err);
	assert_int_equal(st, 2);
	assert_non_null(strstr(err, "--pcap-interface"));
	free(err);
	st = th_run(NULL, (const char *const[]){ "--once", "--pcap-interface", "lo", "--pcap-class",
						 "Bad=port 1", NULL }, 60.0, NULL, &err);
	assert_int_equal(st, 2);
	assert_non_null(strstr(err, "'Bad'"));
	free(err);
	/* a model naming a class that is not configured is rejected, clearly */
	st = th_run(&(struct th_opts){ .foreground = true },
		    (const char *const[]){ "--once", "--model", model, NULL }, 60.0, NULL, &err);
	assert_int_equal(st, 1);
	assert_non_null(strstr(err, "unknown feature 'pcap_storage_bps'"));
	free(err);
	/* --help documents the options */
	assert_int_equal(th_run(NULL, (const char *const[]){ "--help", NULL }, 60.0, &out, NULL), 0);
	assert_non_null(strstr(out, "--pcap-class NAME=FILTER"));
	assert_non_null(strstr(out, "--net-include GLOB"));
	free(out);
	tu_rmtree(dir);
	free(dir);
}

/* The elim with args exits 1 with needle on its stderr. */
static void refused(const char *const *args, const char *needle)
{
	char *err = NULL;
	int st = th_run(NULL, args, 60.0, NULL, &err);
	if (st != 1 || strstr(err, needle) == NULL)
		fail_msg("%s %s: exit %d, expected 1 and '%s' in:\n%s", args[0], args[1], st, needle,
			 err);
	free(err);
}

/*
 * --check-config and the running elim accept the same models: both read
 * the model under the schema the same options build.  A model on a traffic
 * class passes --check-config with the class configured (printing the id
 * the elim scores with), and --once --explain scores it; without the
 * class, both refuse it the same way.
 */
static void test_check_config_agrees(void **state)
{
	(void)state;
	char *dir = tu_tmpdir();
	char path[512];
	tu_write(dir, "rank.model", pcap_model);
	snprintf(path, sizeof path, "%s/rank.model", dir);

	/* the id the running elim would use: the model under the same schema */
	struct feature_schema b;
	const char *names[] = { "storage" };
	bind_classes(&b, names, 1);
	struct model m;
	struct model_error err;
	assert_int_equal(model_load_file(path, &b, &m, &err), 0);
	char want[600];
	snprintf(want, sizeof want, "# model: %s (id %s)\n", path, m.id);

	char *out = NULL, *msg = NULL;
	int st = th_run(NULL, (const char *const[]){ "--check-config", "--pcap-interface", "lo",
				"--pcap-class", "storage=port 2049", "--model", path, NULL },
			60.0, &out, &msg);
	if (st != 0 || strstr(out, want) == NULL)
		fail_msg("--check-config: exit %d, expected '%s' in:\n%s%s", st, want, out, msg);
	free(out);
	free(msg);

	st = th_run(NULL, (const char *const[]){ "--once", "--no-probe", "--explain",
						 "--pcap-interface", "lo",
			"--pcap-class", "storage=port 2049", "--model", path, NULL },
		    60.0, &out, NULL);
	if (st != 0)
		fail_msg("--once --explain: exit %d:\n%s", st, out);
	assert_true(explain_value(out, "pcap_storage_bps") != -2);   /* a line of its own */
	assert_non_null(strstr(out, "\nmul(pcap_storage_bps,cpu_busy) "));
	assert_true(explain_value(out, "rank") >= RANK_MIN);
	free(out);

	/* without the class: both refuse the model, naming the feature */
	const char *unknown = "unknown feature 'pcap_storage_bps'";
	refused((const char *const[]){ "--check-config", "--model", path, NULL }, unknown);
	refused((const char *const[]){ "--once", "--explain", "--model", path, NULL }, unknown);
	/* a bad class: --check-config says so, as the elim would */
	refused((const char *const[]){ "--check-config", "--pcap-interface", "lo", "--pcap-class",
				       "Bad=port 1", NULL }, "'Bad'");
	tu_rmtree(dir);
	free(dir);
}

/* How many lines of the running elim's maps name libpcap (extra: its
 * options).  Read once its first record is out: by then every sampler,
 * libpcap's too, has started. */
static int elim_maps_libpcap(const char *const *extra)
{
	const char *args[16] = { "--count", "4", "--interval", "0.25", "--no-history" };
	int n = 5;
	for (int i = 0; extra[i] && n < 15; i++)
		args[n++] = extra[i];
	args[n] = NULL;
	struct th h;
	th_start(&h, &(struct th_opts){ .foreground = true }, args);
	double rank;
	assert_true(th_read_raw(&h, 60.0, &rank) > 0);
	char path[64], line[1024];
	snprintf(path, sizeof path, "/proc/%d/maps", (int)h.pid);
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	int lines = 0;
	while (fgets(line, sizeof line, f))
		lines += strstr(line, "libpcap") != NULL;
	fclose(f);
	while (th_read_raw(&h, 60.0, &rank) > 0)
		;
	assert_int_equal(th_wait(&h, 60.0), 0);
	th_close(&h);
	return lines;
}

/*
 * libpcap (and the libdbus, libsystemd, libgcrypt it pulls in) is loaded
 * only when traffic classes are configured; when it cannot be loaded the
 * message says so and every other sampler goes on.
 */
static void test_elim_loads_libpcap_lazily(void **state)
{
	(void)state;
	const char *bin = getenv("ELIM_BIN");
	if (bin == NULL)
		skip();
	assert_int_equal(elim_maps_libpcap((const char *const[]){ NULL }), 0);
	assert_true(elim_maps_libpcap((const char *const[]){ CLS, NULL }) > 0);

	/* hide the real library (the one this test is linked with) behind /dev/null */
	Dl_info info;
	char real[PATH_MAX], script[2 * PATH_MAX + 200];
	assert_true(dladdr((void *)pcap_open_dead, &info) != 0 && info.dli_fname != NULL);
	assert_non_null(realpath(info.dli_fname, real));
	snprintf(script, sizeof script,
		 "mount --bind /dev/null %s && exec %s --once --no-probe --explain"
		 " --pcap-interface lo"
		 " --pcap-class 'storage=udp port 2049'", real, bin);
	char *out, *err;
	int st = th_run(&(struct th_opts){ .bin = "/usr/bin/unshare" },
			(const char *const[]){ "-m", "/bin/sh", "-c", script, NULL }, 120.0, &out, &err);
	assert_int_equal(st, 0);
	assert_true(isnan(explain_value(out, "pcap_storage_bps")));
	assert_false(isnan(explain_value(out, "cpu_busy")));
	free(out);
	if (strstr(err, "traffic classes need libpcap, which cannot be loaded (libpcap.so.0.8") == NULL)
		fail_msg("no clear message in:\n%s", err);
	free(err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_schema),
		cmocka_unit_test(test_schema_from_names),
		cmocka_unit_test(test_config_build),
		cmocka_unit_test(test_options),
		cmocka_unit_test(test_model_schema),
		cmocka_unit_test(test_explain_schema),
		cmocka_unit_test(test_history_schema),
		cmocka_unit_test(test_offline_counts),
		cmocka_unit_test(test_offline_bad_filter),
		cmocka_unit_test(test_sampler_offline),
		cmocka_unit_test(test_check_config_agrees),
		/* from here on the process is in a network namespace of its own */
		cmocka_unit_test_setup(test_live_immediate, setup_netns),
		cmocka_unit_test_setup(test_live_buffered_sampler, setup_netns),
		cmocka_unit_test_setup(test_live_not_permitted, setup_netns),
		cmocka_unit_test_setup(test_live_interface_vanishes, setup_netns),
		cmocka_unit_test_setup(test_elim_binary, setup_netns),
		cmocka_unit_test_setup(test_elim_loads_libpcap_lazily, setup_netns),
	};
	return TU_RUN(tests);
}
