#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fsutil.h"
#include "host_speed.h"
#include "log.h"
#include "options.h"
#include "scope.h"
#include "trust.h"

#define OFF(field) offsetof(struct elim_options, field)
#define CONFIG_MAX_BYTES (1 << 20)
#define CONFIG_NAME "elim.rank.conf"

/* Every user in the list exists (lib/trust.h does the lookups). */
static int check_trusted_users(const char *value, char *why, size_t whylen)
{
	struct trust t;
	memset(&t, 0, sizeof t);
	return trust_add_users(&t, value, why, whylen) < 0 ? -1 : 0;
}

static int check_scope(const char *value, char *why, size_t whylen)
{
	char path[PATH_MAX];
	enum scope_mode mode;
	if (scope_parse_setting(value, &mode, path) == 0)
		return 0;
	snprintf(why, whylen, "expected auto, host or cgroup:/PATH");
	return -1;
}

static int check_facility(const char *value, char *why, size_t whylen)
{
	if (log_facility_from_name(value) >= 0)
		return 0;
	snprintf(why, whylen, "unknown syslog facility (expected daemon, user or local0..local7)");
	return -1;
}

/*
 * The table.  One row per option; see options.h.  Keep the order of --help.
 */
const struct options_row options_table[] = {
	{ "config", OPTK_STRING, OFF(config_path), NULL, 0, 0, OPTF_CLI_ONLY, "FILE",
	  "configuration file (default: see elim.rank.conf(5))", NULL },
	{ "check-config", OPTK_FLAG, OFF(check_config), NULL, 0, 0, OPTF_CLI_ONLY, NULL,
	  "check the configuration and the model, print the effective settings, exit", NULL },
	{ "interval", OPTK_DOUBLE, OFF(interval), "10", 0.01, 86400, OPTF_LIVE, "SECONDS",
	  "seconds between records; fractions allowed (at least 5 under LIM)", NULL },
	{ "count", OPTK_LONG, OFF(count), NULL, 1, 1e15, OPTF_CLI_ONLY, "N",
	  "stop after N records", NULL },
	{ "once", OPTK_FLAG, OFF(once), NULL, 0, 0, OPTF_CLI_ONLY, NULL,
	  "run one probe (unless --no-probe), sample a short window, print one record, exit", NULL },
	{ "explain", OPTK_FLAG, OFF(explain), NULL, 0, 0, OPTF_CLI_ONLY, NULL,
	  "print each feature, term and contribution instead of a record (with --once;"
	  " without it and --count, of the running instance)", NULL },
	{ "model", OPTK_STRING, OFF(model_path), NULL, 0, 0, OPTF_LIVE, "FILE",
	  "model file (default " PKGSYSCONFDIR "/rank.model if it exists, else the embedded model)",
	  NULL },
	{ "history", OPTK_STRING, OFF(history_path), NULL, 0, 0, OPTF_LIVE, "FILE",
	  "history database (default STATE-DIR/history.db)", NULL },
	{ "no-history", OPTK_FLAG, OFF(no_history), NULL, 0, 0, OPTF_LIVE, NULL,
	  "do not record samples", NULL },
	{ "state-dir", OPTK_STRING, OFF(state_dir), STATEDIR, 0, 0, OPTF_LIVE, "DIR",
	  "state directory, must be on a local file system", NULL },
	{ "history-days", OPTK_DOUBLE, OFF(history_days), "30", 0.01, 36500, OPTF_LIVE, "DAYS",
	  "delete samples older than DAYS", NULL },
	{ "history-max-mb", OPTK_DOUBLE, OFF(history_max_mb), "512", 1, 1048576, OPTF_LIVE, "MIB",
	  "delete the oldest samples beyond MIB mebibytes", NULL },
	{ "history-retry", OPTK_DOUBLE, OFF(history_retry), "30", 0.1, 86400, OPTF_LIVE, "SECONDS",
	  "seconds between attempts to reopen a failed history", NULL },
	{ "history-commit", OPTK_DOUBLE, OFF(history_commit), "60", 0, 3600, OPTF_LIVE, "SECONDS",
	  "commit samples in batches of up to 6, none waiting longer than SECONDS (0: each at once)",
	  NULL },
	{ "lock-wait", OPTK_DOUBLE, OFF(lock_wait), "5", 0, 600, 0, "SECONDS",
	  "wait this long for another instance's state lock, then run without history", NULL },
	{ "procfs", OPTK_STRING, OFF(procfs), "/proc", 0, 0, 0, "DIR",
	  "root of /proc", NULL },
	{ "sysfs", OPTK_STRING, OFF(sysfs), "/sys", 0, 0, 0, "DIR",
	  "root of /sys", NULL },
	{ "scope", OPTK_STRING, OFF(scope), "auto", 0, 0, 0, "SCOPE",
	  "what the host is: auto (the elim's cgroup when it limits CPU, else the machine),"
	  " host, or cgroup:/PATH", check_scope },
	{ "foreground", OPTK_FLAG, OFF(foreground), NULL, 0, 0, 0, NULL,
	  "log to stderr instead of syslog", NULL },
	{ "verbose", OPTK_FLAG, OFF(verbose), NULL, 0, 0, OPTF_LIVE, NULL,
	  "log debugging messages too", NULL },
	{ "syslog-facility", OPTK_STRING, OFF(facility), "daemon", 0, 0, 0, "NAME",
	  "daemon, user or local0..local7", check_facility },
	{ "trusted-users", OPTK_STRING, OFF(trusted_users), NULL, 0, 0, 0, "LIST",
	  "as root, also accept model files owned by these users (names or uids,"
	  " comma-separated; root, this user and the owner of lsf.conf always are)",
	  check_trusted_users },
	{ "net-include", OPTK_LIST, OFF(net_include), NULL, 0, 0, 0, "GLOB",
	  "count only interfaces matching GLOB (default: interfaces backed by a device)", NULL },
	{ "net-exclude", OPTK_LIST, OFF(net_exclude), NULL, 0, 0, 0, "GLOB",
	  "never count interfaces matching GLOB", NULL },
	{ "pcap-interface", OPTK_STRING, OFF(pcap_interface), NULL, 0, 0, 0, "IF",
	  "capture traffic classes on interface IF", NULL },
	{ "pcap-class", OPTK_LIST, OFF(pcap_class), NULL, 0, 0, 0, "NAME=FILTER",
	  "a traffic class: feature pcap_NAME_bps counts the bytes of packets matching the BPF"
	  " FILTER (at most 8)", NULL },
	{ "no-probe", OPTK_FLAG, OFF(no_probe), NULL, 0, 0, 0, NULL,
	  "do not run the probe (a small job timed now and then)", NULL },
	{ "probe-interval", OPTK_DOUBLE, OFF(probe.interval), "300", 0.01, 86400, 0, "SECONDS",
	  "seconds between probes", NULL },
	{ "probe-duration", OPTK_DOUBLE, OFF(probe.duration), "0.3", 0.01, 60, 0, "SECONDS",
	  "seconds of the probe's contention part, calibrated once (its speed part is fixed)", NULL },
	{ "probe-timeout", OPTK_DOUBLE, OFF(probe.timeout), "30", 0.01, 3600, 0, "SECONDS",
	  "kill a probe running longer", NULL },
	{ "probe-move-gap", OPTK_DOUBLE, OFF(probe_trigger.min_gap), "30", 5, 86400, 0, "SECONDS",
	  "after a probe, wait this long before probing because the load moved", NULL },
	{ "probe-move-max", OPTK_LONG, OFF(probe_move_max), "60", 0, PROBE_TRIGGER_MAX_PER_HOUR, 0, "N",
	  "probes per hour at most because the load moved (0: only the periodic ones)", NULL },
	{ "probe-nice", OPTK_LONG, OFF(probe_nice), "0", -20, 19, 0, "N",
	  "nice value of the probe, as jobs get", NULL },
	{ "probe-cgroup", OPTK_STRING, OFF(probe.cgroup), NULL, 0, 0, 0, "DIR",
	  "run the probe in this cgroup, or with auto in a leaf beside LSF's or OpenLava's jobs",
	  NULL },
	{ "probe-command", OPTK_STRING, OFF(probe.command), NULL, 0, 0, 0, "CMD",
	  "time this command instead (split into words, no shell)", NULL },
	{ "probe-user", OPTK_STRING, OFF(probe.user), NULL, 0, 0, 0, "USER",
	  "the unprivileged user CMD runs as (required with --probe-command)", NULL },
	{ "probe-write", OPTK_FLAG, OFF(probe.write), NULL, 0, 0, 0, NULL,
	  "add a small fsync'd write in the state directory to the probe", NULL },
	{ "rank-basis", OPTK_STRING, OFF(rank_basis), "host", 0, 0, 0, "BASIS",
	  "host: rank = 100 x the slowdown against this host idle; cluster: x this host's speed"
	  " factor too, so ranks compare across a mixed cluster", host_speed_check_basis },
	{ "host-speed", OPTK_LIST, OFF(host_speed), NULL, 0, 0, 0, "ENTRIES",
	  "speed factors for the cluster basis, one list for all hosts: HOST:FACTOR (a name or"
	  " glob) and model:MODEL=FACTOR (an LSF host model); 2 = half the reference's speed",
	  host_speed_check_setting },
	{ "speed-reference-model", OPTK_STRING, OFF(speed_reference_model), NULL, 0, 0, 0, "MODEL",
	  "the LSF host model whose CPU factor is the reference (default: the fastest in use)",
	  NULL },
	{ "speed-reference", OPTK_DOUBLE, OFF(speed_reference), "0", 0, 1e6, 0, "SECONDS",
	  "the reference host's probe_unit_seconds: this host's over it is a speed factor"
	  " (0: the model's speed-reference line, which rank-train writes, else not used)", NULL },
	{ "lsf-envdir", OPTK_STRING, OFF(lsf_envdir), NULL, 0, 0, 0, "DIR",
	  "where lsf.conf is, for LSF's CPU factors (default: $LSF_ENVDIR)", NULL },
	{ "lsf-host-name", OPTK_STRING, OFF(lsf_host_name), NULL, 0, 0, 0, "NAME",
	  "this host's name in host-speed, LSF's files and the model's speed lines (default: the"
	  " system's host name)", NULL },
	{ "json", OPTK_FLAG, OFF(json), NULL, 0, 0, OPTF_CLI_ONLY, NULL,
	  "with --explain: print the explanation as JSON", NULL },
	{ "textfile-dir", OPTK_STRING, OFF(textfile_dir), NULL, 0, 0, 0, "DIR",
	  "each tick, write DIR/elim_rank.prom for node_exporter's textfile collector", NULL },
	{ "probe-hold-file", OPTK_STRING, OFF(probe_hold.path), NULL, 0, 0, OPTF_LIVE, "FILE",
	  "no probe starts while FILE exists (a parallel job's prolog creates it)", NULL },
	{ "probe-hold-max-age", OPTK_DOUBLE, OFF(probe_hold.max_age), "21600", 60, 31536000, OPTF_LIVE,
	  "SECONDS", "a hold file older than this is ignored (a lost epilog)", NULL },
	{ "probe-baseline-file", OPTK_STRING, OFF(probe.baseline_path), NULL, 0, 0, 0, "FILE",
	  "keep the probe's baseline in FILE (%h: the host name), not STATE-DIR/probe.baseline", NULL },
	{ "model-dir", OPTK_STRING, OFF(model_dir), NULL, 0, 0, OPTF_LIVE, "DIR",
	  "read DIR/canary/HOST.model, else DIR/GROUP.model (this host's group in group-map),"
	  " else DIR/default.model, else the embedded model (instead of model)", NULL },
	{ "group-map", OPTK_STRING, OFF(group_map), NULL, 0, 0, OPTF_LIVE, "FILE",
	  "with model-dir: lines 'HOST GROUP' (a name or glob, then a name) giving this host's"
	  " group, as for rank-train --group-by", NULL },
	{ "help", OPTK_FLAG, OFF(help), NULL, 0, 0, OPTF_CLI_ONLY, NULL,
	  "show this help and exit", NULL },
	{ "version", OPTK_FLAG, OFF(version), NULL, 0, 0, OPTF_CLI_ONLY, NULL,
	  "show the version and exit", NULL },
};
const size_t options_table_len = sizeof options_table / sizeof options_table[0];

/* Settings derived from others once everything is read. */
static void finish(struct elim_options *o)
{
	if (o->once)
		o->count = 1;
	/* --once runs one probe before its window (elim.c), no more */
	o->probe.enabled = !o->no_probe;
	o->probe.nice = (int)o->probe_nice;
	o->probe.state_dir = o->state_dir;
	o->probe.sysfs = o->sysfs;   /* the cache sizes for the contention walk */
	o->probe_trigger.max_per_hour = (int)o->probe_move_max;
	o->probe_trigger.enabled = o->probe.enabled && !o->once && o->probe_move_max > 0;
	o->probe_trigger.confirm = 2;   /* a move that lasts two records, not a burst */
}

/* One value given for a row, from the file (line > 0) or argv (line 0). */
struct entry {
	const struct options_row *row;
	const char *value;        /* NULL for a flag on the command line */
	int line;
};

struct store {
	char *text;               /* the configuration file, cut into values */
	struct store *kept;       /* the first load's, whose restart-only values a
				   * reload kept (see options_reload); or NULL */
};

static void store_free(struct store *st)
{
	if (st) {
		store_free(st->kept);
		free(st->text);
		free(st);
	}
}

static void *field(struct elim_options *o, const struct options_row *r)
{
	return (char *)o + r->offset;
}

static const void *cfield(const struct elim_options *o, const struct options_row *r)
{
	return (const char *)o + r->offset;
}

static const struct options_row *find_row(const struct options_row *rows, size_t nrows,
					  const char *name, size_t len)
{
	for (size_t i = 0; i < nrows; i++)
		if (strlen(rows[i].name) == len && strncmp(rows[i].name, name, len) == 0)
			return &rows[i];
	return NULL;
}

int options_list_add(struct options_list *l, const char *value)
{
	if (l->n >= OPTIONS_LIST_MAX)
		return -ENOSPC;
	l->v[l->n++] = value;
	l->v[l->n] = NULL;
	return 0;
}

static int parse_bool(const char *v, bool *out)
{
	static const char *const yes[] = { "yes", "true", "on", "1" };
	static const char *const no[] = { "no", "false", "off", "0" };
	for (size_t i = 0; i < 4; i++) {
		if (strcasecmp(v, yes[i]) == 0) {
			*out = true;
			return 0;
		}
		if (strcasecmp(v, no[i]) == 0) {
			*out = false;
			return 0;
		}
	}
	return -1;
}

/* Set one row's field from text (NULL: a flag given on the command line). */
static int apply(struct elim_options *o, const struct options_row *r, const char *v,
		 char *why, size_t whylen)
{
	char *end;
	switch (r->kind) {
	case OPTK_FLAG: {
		bool b = true;
		if (v && parse_bool(v, &b) < 0) {
			snprintf(why, whylen, "expected yes or no, not '%s'", v);
			return -1;
		}
		*(bool *)field(o, r) = b;
		return 0;
	}
	case OPTK_STRING:
		if (v == NULL || v[0] == '\0') {
			snprintf(why, whylen, "needs a value");
			return -1;
		}
		break;
	case OPTK_DOUBLE: {
		errno = 0;
		double d = v ? strtod(v, &end) : NAN;
		if (v == NULL || end == v || *end || errno || !isfinite(d) || d < r->min || d > r->max) {
			snprintf(why, whylen, "expected a number from %g to %g, not '%s'", r->min, r->max,
				 v ? v : "");
			return -1;
		}
		if (r->check && r->check(v, why, whylen) < 0)
			return -1;
		*(double *)field(o, r) = d;
		return 0;
	}
	case OPTK_LONG: {
		errno = 0;
		long l = v ? strtol(v, &end, 10) : 0;
		if (v == NULL || end == v || *end || errno || l < r->min || (double)l > r->max) {
			snprintf(why, whylen, "expected an integer from %.0f to %.0f, not '%s'", r->min,
				 r->max, v ? v : "");
			return -1;
		}
		*(long *)field(o, r) = l;
		return 0;
	}
	case OPTK_LIST:
		if (v == NULL || v[0] == '\0') {
			snprintf(why, whylen, "needs a value");
			return -1;
		}
		break;
	}
	if (r->check && r->check(v, why, whylen) < 0)
		return -1;
	if (r->kind == OPTK_STRING) {
		*(const char **)field(o, r) = v;
	} else {
		if (options_list_add(field(o, r), v) < 0) {
			snprintf(why, whylen, "given more than %d times", OPTIONS_LIST_MAX);
			return -1;
		}
	}
	return 0;
}

static void set_defaults(const struct options_row *rows, size_t nrows, struct elim_options *o)
{
	char why[128];
	memset(o, 0, offsetof(struct elim_options, store_));
	for (size_t i = 0; i < nrows; i++)
		if (rows[i].def)
			apply(o, &rows[i], rows[i].def, why, sizeof why);
}

/* The command line as entries.  Returns 0 or OPTIONS_EUSAGE. */
static int scan_argv(const struct options_row *rows, size_t nrows, int argc, char **argv,
		     struct entry *ents, size_t *nents, char *err, size_t errlen)
{
	static struct option longopts[128];
	if (nrows >= sizeof longopts / sizeof longopts[0]) {
		snprintf(err, errlen, "too many options (internal)");
		return OPTIONS_EUSAGE;
	}
	for (size_t i = 0; i < nrows; i++) {
		longopts[i].name = rows[i].name;
		longopts[i].has_arg = rows[i].kind == OPTK_FLAG ? no_argument : required_argument;
		longopts[i].flag = NULL;
		longopts[i].val = 256 + (int)i;
	}
	memset(&longopts[nrows], 0, sizeof longopts[0]);

	size_t n = 0;
	opterr = 0;
	optind = 1;
	int c;
	while ((c = getopt_long(argc, argv, ":", longopts, NULL)) != -1) {
		if (c == ':') {
			snprintf(err, errlen, "option '%s' needs an argument", argv[optind - 1]);
			return OPTIONS_EUSAGE;
		}
		if (c < 256 || c >= 256 + (int)nrows) {
			snprintf(err, errlen, "unknown option '%s'", argv[optind - 1]);
			return OPTIONS_EUSAGE;
		}
		ents[n].row = &rows[c - 256];
		ents[n].value = optarg;
		ents[n].line = 0;
		n++;
	}
	if (optind < argc) {
		snprintf(err, errlen, "unexpected argument '%s'", argv[optind]);
		return OPTIONS_EUSAGE;
	}
	*nents = n;
	return 0;
}

static int apply_argv(struct elim_options *o, const struct entry *ents, size_t n,
		      char *err, size_t errlen)
{
	for (size_t i = 0; i < n; i++) {
		char why[256];
		const struct options_row *r = ents[i].row;
		if (r->kind == OPTK_LIST) {
			/* the command line replaces the file's values: clear at the first */
			bool first = true;
			for (size_t j = 0; j < i; j++)
				if (ents[j].row == r)
					first = false;
			if (first)
				memset(field(o, r), 0, sizeof(struct options_list));
		}
		if (apply(o, r, ents[i].value, why, sizeof why) < 0) {
			snprintf(err, errlen, "invalid argument '%s' for --%s: %s",
				 ents[i].value ? ents[i].value : "", r->name, why);
			return OPTIONS_EUSAGE;
		}
	}
	return 0;
}

int options_parse(int argc, char **argv, struct elim_options *o, char *err, size_t errlen)
{
	struct entry *ents = calloc((size_t)argc + 1, sizeof *ents);
	size_t n = 0;
	memset(o, 0, sizeof *o);
	if (ents == NULL) {
		snprintf(err, errlen, "out of memory");
		return OPTIONS_EUSAGE;
	}
	set_defaults(options_table, options_table_len, o);
	int rc = scan_argv(options_table, options_table_len, argc, argv, ents, &n, err, errlen);
	if (rc == 0)
		rc = apply_argv(o, ents, n, err, errlen);
	if (rc == 0)
		finish(o);
	free(ents);
	return rc;
}

/* Where the configuration file is; *explicit when it must exist. */
static const char *find_config(const struct elim_options *cli, char *buf, size_t len, bool *must)
{
	*must = true;
	if (cli->config_path)
		return cli->config_path;
	const char *env = getenv("ELIM_RANK_CONF");
	if (env && *env)
		return env;
	*must = false;
	const char *envdir = getenv("LSF_ENVDIR");
	if (envdir && *envdir) {
		snprintf(buf, len, "%s/" CONFIG_NAME, envdir);
		if (access(buf, F_OK) == 0)
			return buf;
	}
	snprintf(buf, len, "%s/" CONFIG_NAME, PKGSYSCONFDIR);
	if (access(buf, F_OK) == 0)
		return buf;
	return NULL;
}

static int read_text(const char *path, char **out, char *err, size_t errlen)
{
	FILE *f = fopen(path, "re");
	if (f == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return OPTIONS_ECONFIG;
	}
	struct stat st;
	if (fstat(fileno(f), &st) < 0) {
		fclose(f);
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return OPTIONS_ECONFIG;
	}
	if (!S_ISREG(st.st_mode))      /* /dev/null ("no file"), a pipe: read up to the limit */
		st.st_size = CONFIG_MAX_BYTES;
	else {
		/* as root, refuse a file others could have written (lib/trust.h);
		 * trusted-users does not extend to the file that sets it */
		struct trust t;
		trust_init(&t, getenv("LSF_ENVDIR"));
		if (trust_check_file(&t, path, "configuration", err, errlen) < 0) {
			fclose(f);
			return OPTIONS_ECONFIG;
		}
	}
	if (st.st_size > CONFIG_MAX_BYTES) {
		fclose(f);
		snprintf(err, errlen, "%s: larger than 1 MiB", path);
		return OPTIONS_ECONFIG;
	}
	char *text;
	size_t n;
	int rc = fs_read_bounded(fileno(f), (size_t)st.st_size, &text, &n);
	fclose(f);
	if (rc == -ENOMEM) {
		snprintf(err, errlen, "%s: out of memory", path);
		return OPTIONS_ECONFIG;
	}
	if (rc < 0) {
		/* a regular file that grew meanwhile, or more than the limit */
		snprintf(err, errlen, "%s: %s", path, rc == -EFBIG ? "changed while read" : "read error");
		return OPTIONS_ECONFIG;
	}
	if (memchr(text, '\0', n)) {
		free(text);
		snprintf(err, errlen, "%s: not a text file", path);
		return OPTIONS_ECONFIG;
	}
	*out = text;
	return 0;
}

/*
 * Cut the file into entries: "name = value" or "name value", '#' comments,
 * a value may be double-quoted.
 */
static int parse_text(const struct options_row *rows, size_t nrows, const char *path, char *text,
		      struct entry *ents, size_t max, size_t *nents, char *err, size_t errlen)
{
	size_t n = 0;
	int line = 0;
	char *p = text;
	while (*p) {
		line++;
		char *eol = strchr(p, '\n');
		char *next = eol ? eol + 1 : p + strlen(p);
		if (eol)
			*eol = '\0';
		char *s = p;
		p = next;
		while (*s == ' ' || *s == '\t' || *s == '\r')
			s++;
		if (*s == '\0' || *s == '#')
			continue;
		char *name = s;
		while (*s && *s != '=' && *s != ' ' && *s != '\t' && *s != '\r')
			s++;
		size_t nlen = (size_t)(s - name);
		while (*s == ' ' || *s == '\t')
			s++;
		if (*s == '=')
			s++;
		while (*s == ' ' || *s == '\t')
			s++;
		char *v = s;
		if (*v == '"') {
			char *q = strchr(v + 1, '"');
			if (q == NULL) {
				snprintf(err, errlen, "%s:%d: unterminated quote", path, line);
				return OPTIONS_ECONFIG;
			}
			*q = '\0';
			char *rest = q + 1;
			while (*rest == ' ' || *rest == '\t' || *rest == '\r')
				rest++;
			if (*rest && *rest != '#') {
				snprintf(err, errlen, "%s:%d: text after the closing quote", path, line);
				return OPTIONS_ECONFIG;
			}
			v++;
		} else {
			/* a comment starts at '#' after white space */
			char *e = v;
			while (*e && !(*e == '#' && e > v && (e[-1] == ' ' || e[-1] == '\t')))
				e++;
			while (e > v && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
				e--;
			*e = '\0';
		}
		name[nlen] = '\0';
		const struct options_row *r = find_row(rows, nrows, name, nlen);
		if (r == NULL) {
			snprintf(err, errlen, "%s:%d: unknown setting '%s'", path, line, name);
			return OPTIONS_ECONFIG;
		}
		if (r->flags & OPTF_CLI_ONLY) {
			snprintf(err, errlen, "%s:%d: '%s' is a command-line option, not a setting",
				 path, line, name);
			return OPTIONS_ECONFIG;
		}
		if (*v == '\0') {
			snprintf(err, errlen, "%s:%d: '%s' needs a value", path, line, name);
			return OPTIONS_ECONFIG;
		}
		if (r->kind != OPTK_LIST)
			for (size_t j = 0; j < n; j++)
				if (ents[j].row == r) {
					snprintf(err, errlen, "%s:%d: '%s' is already set on line %d",
						 path, line, name, ents[j].line);
					return OPTIONS_ECONFIG;
				}
		if (n >= max) {
			snprintf(err, errlen, "%s:%d: too many settings", path, line);
			return OPTIONS_ECONFIG;
		}
		ents[n].row = r;
		ents[n].value = v;
		ents[n].line = line;
		n++;
	}
	*nents = n;
	return 0;
}

int options_load(int argc, char **argv, struct elim_options *o, char *err, size_t errlen)
{
	return options_load_rows(options_table, options_table_len, argc, argv, o, err, errlen);
}

int options_load_rows(const struct options_row *rows, size_t nrows, int argc, char **argv,
		      struct elim_options *o, char *err, size_t errlen)
{
	size_t max_file = 4096;
	struct entry *cli = calloc((size_t)argc + 1, sizeof *cli);
	struct entry *file = calloc(max_file, sizeof *file);
	struct store *st = calloc(1, sizeof *st);
	size_t ncli = 0, nfile = 0;
	int rc = 0;

	memset(o, 0, sizeof *o);
	if (cli == NULL || file == NULL || st == NULL) {
		snprintf(err, errlen, "out of memory");
		rc = OPTIONS_EUSAGE;
		goto out;
	}
	o->store_ = st;
	set_defaults(rows, nrows, o);
	rc = scan_argv(rows, nrows, argc, argv, cli, &ncli, err, errlen);
	if (rc < 0)
		goto out;

	/* where is the file? (only --config matters from the command line) */
	struct elim_options probe;
	memset(&probe, 0, sizeof probe);
	for (size_t i = 0; i < ncli; i++)
		if (strcmp(cli[i].row->name, "config") == 0)
			probe.config_path = cli[i].value;
	char buf[4096];
	bool must;
	const char *path = find_config(&probe, buf, sizeof buf, &must);
	if (path) {
		if (!must && access(path, F_OK) < 0)
			path = NULL;
	}
	if (path) {
		snprintf(o->config_used, sizeof o->config_used, "%s", path);
		rc = read_text(o->config_used, &st->text, err, errlen);
		if (rc == 0)
			rc = parse_text(rows, nrows, o->config_used, st->text, file, max_file, &nfile,
					err, errlen);
		if (rc < 0)
			goto out;
	}
	/* the file, less what the command line sets */
	for (size_t i = 0; i < nfile; i++) {
		bool overridden = false;
		for (size_t j = 0; j < ncli; j++)
			if (cli[j].row == file[i].row)
				overridden = true;
		if (overridden)
			continue;
		char why[256];
		if (apply(o, file[i].row, file[i].value, why, sizeof why) < 0) {
			snprintf(err, errlen, "%s:%d: %s: %s", o->config_used, file[i].line,
				 file[i].row->name, why);
			rc = OPTIONS_ECONFIG;
			goto out;
		}
	}
	rc = apply_argv(o, cli, ncli, err, errlen);
	if (rc == 0)
		finish(o);
out:
	free(cli);
	free(file);
	if (o->store_ == NULL && st)
		free(st);
	return rc;
}

void options_free(struct elim_options *o)
{
	store_free(o->store_);
	memset(o, 0, sizeof *o);
}

const char *options_value(const struct elim_options *o, const struct options_row *r,
			  char *out, size_t outlen)
{
	const void *f = cfield(o, r);
	out[0] = '\0';
	switch (r->kind) {
	case OPTK_FLAG:
		snprintf(out, outlen, "%s", *(const bool *)f ? "yes" : "no");
		break;
	case OPTK_STRING:
		if (*(const char *const *)f)
			snprintf(out, outlen, "%s", *(const char *const *)f);
		break;
	case OPTK_DOUBLE:
		snprintf(out, outlen, "%.10g", *(const double *)f);
		break;
	case OPTK_LONG:
		snprintf(out, outlen, "%ld", *(const long *)f);
		break;
	case OPTK_LIST: {
		const struct options_list *l = f;
		size_t off = 0;
		for (size_t i = 0; i < l->n && off < outlen; i++)
			off += (size_t)snprintf(out + off, outlen - off, "%s%s", i ? " " : "", l->v[i]);
		break;
	}
	}
	return out;
}

/* Quote a value when the file syntax needs it. */
static void print_setting(FILE *f, const char *name, const char *v)
{
	bool quote = v[0] == ' ' || strchr(v, '#') != NULL ||
		(v[0] && v[strlen(v) - 1] == ' ');
	fprintf(f, quote ? "%s = \"%s\"\n" : "%s = %s\n", name, v);
}

void options_print(FILE *f, const struct elim_options *o)
{
	char buf[8192];
	if (o->config_used[0])
		fprintf(f, "# configuration file: %s\n", o->config_used);
	else
		fprintf(f, "# configuration file: none (defaults and command line)\n");
	for (size_t i = 0; i < options_table_len; i++) {
		const struct options_row *r = &options_table[i];
		if (r->flags & OPTF_CLI_ONLY)
			continue;
		if (r->kind == OPTK_LIST) {
			const struct options_list *l = cfield(o, r);
			if (l->n == 0)
				fprintf(f, "# %s =\n", r->name);
			for (size_t j = 0; j < l->n; j++)
				print_setting(f, r->name, l->v[j]);
			continue;
		}
		options_value(o, r, buf, sizeof buf);
		if (buf[0] == '\0')
			fprintf(f, "# %s =\n", r->name);
		else
			print_setting(f, r->name, buf);
	}
}

static void append_name(char *out, size_t len, const char *name)
{
	size_t used = strlen(out);
	snprintf(out + used, len - used, "%s%s", used ? " " : "", name);
}

void options_diff(const struct elim_options *a, const struct elim_options *b,
		  char *live, size_t livelen, char *restart, size_t restartlen)
{
	char va[8192], vb[8192];
	live[0] = restart[0] = '\0';
	for (size_t i = 0; i < options_table_len; i++) {
		const struct options_row *r = &options_table[i];
		if (strcmp(options_value(a, r, va, sizeof va), options_value(b, r, vb, sizeof vb)) == 0)
			continue;
		if (r->flags & OPTF_LIVE)
			append_name(live, livelen, r->name);
		else
			append_name(restart, restartlen, r->name);
	}
}

/* The size of a row's field: its kind's type. */
static size_t field_size(enum options_kind kind)
{
	switch (kind) {
	case OPTK_FLAG:
		return sizeof(bool);
	case OPTK_STRING:
		return sizeof(const char *);
	case OPTK_DOUBLE:
		return sizeof(double);
	case OPTK_LONG:
		return sizeof(long);
	case OPTK_LIST:
		break;
	}
	return sizeof(struct options_list);
}

int options_reload(struct elim_options *running, struct elim_options *fresh,
		   char *live, size_t livelen, char *restart, size_t restartlen)
{
	struct store *rs = running->store_;
	struct store *fs = fresh->store_;
	if (fs == NULL && rs != NULL) {
		/* fresh came from argv alone: it needs a store to keep running's */
		fs = calloc(1, sizeof *fs);
		if (fs == NULL)
			return -ENOMEM;
		fresh->store_ = fs;
	}
	options_diff(running, fresh, live, livelen, restart, restartlen);
	/* what cannot change while running keeps its running value */
	for (size_t i = 0; i < options_table_len; i++) {
		const struct options_row *r = &options_table[i];
		if (!(r->flags & OPTF_LIVE))
			memcpy(field(fresh, r), cfield(running, r), field_size(r->kind));
	}
	finish(fresh);
	/*
	 * The kept strings point into the first load's text: running's own
	 * store when it is that first load, else the one it kept.  fresh
	 * takes that store over; running's own text is no longer referenced
	 * (its live values were all replaced).
	 */
	if (rs) {
		struct store *first = rs->kept ? rs->kept : rs;
		if (rs->kept) {
			rs->kept = NULL;
			store_free(rs);
		}
		store_free(fs->kept);   /* none: a fresh load keeps nothing */
		fs->kept = first;
	}
	*running = *fresh;
	memset(fresh, 0, sizeof *fresh);
	return 0;
}

void options_usage(FILE *f)
{
	fprintf(f,
"Usage: elim.rank [OPTION]...\n"
"An external load information manager (elim) for LSF and OpenLava: prints\n"
"\"1 rank N\" every interval, N = 100 x the predicted slowdown of a new job on\n"
"this host relative to the host idle (100 = idle speed, lower is better);\n"
"with --rank-basis cluster, relative to the cluster's reference host idle.\n"
"\n"
"Every option but --config, --check-config, --count, --once, --explain, --json,\n"
"--help and --version is also a setting of the configuration file, with the same\n"
"name; flags given here win over the file.\n"
"\n");
	for (size_t i = 0; i < options_table_len; i++) {
		const struct options_row *r = &options_table[i];
		char left[64], text[512];
		snprintf(left, sizeof left, "--%s%s%s", r->name, r->arg ? " " : "", r->arg ? r->arg : "");
		snprintf(text, sizeof text, "%s%s%s%s%s", r->help,
			 r->def && r->kind != OPTK_FLAG ? " (default " : "",
			 r->def && r->kind != OPTK_FLAG ? r->def : "",
			 r->def && r->kind != OPTK_FLAG ? ")" : "",
			 r->kind == OPTK_LIST ? " (repeatable)" : "");
		/* word-wrap the text at 79 columns, indented 25 */
		size_t col;
		if (strlen(left) > 22) {
			fprintf(f, "  %s\n%25s", left, "");
		} else {
			fprintf(f, "  %-22s ", left);
		}
		col = 25;
		const char *w = text;
		while (*w) {
			size_t len = strcspn(w, " ");
			if (col > 25 && col + 1 + len > 79) {
				fprintf(f, "\n%25s", "");
				col = 25;
			}
			if (col > 25) {
				fputc(' ', f);
				col++;
			}
			fprintf(f, "%.*s", (int)len, w);
			col += len;
			w += len;
			while (*w == ' ')
				w++;
		}
		fputc('\n', f);
	}
	fprintf(f,
"\n"
"Exit status: 0 on success, 1 on a runtime or configuration error, 2 on a usage\n"
"error; $ELIM_ABORT_VALUE instead of 1 or 2 at start when LIM sets it.\n"
"See elim.rank(8), elim.rank.conf(5), elim-rank.model(5) and elim-rank.history(5).\n");
}
