#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "options.h"

enum {
	OPT_INTERVAL = 256, OPT_COUNT, OPT_ONCE, OPT_EXPLAIN, OPT_MODEL, OPT_HISTORY,
	OPT_NO_HISTORY, OPT_STATE_DIR, OPT_PROCFS, OPT_SYSFS, OPT_FOREGROUND,
	OPT_VERBOSE, OPT_FACILITY, OPT_HELP, OPT_VERSION,
	OPT_NO_PROBE, OPT_PROBE_INTERVAL, OPT_PROBE_DURATION, OPT_PROBE_TIMEOUT, OPT_PROBE_NICE,
	OPT_PROBE_CGROUP, OPT_PROBE_COMMAND, OPT_PROBE_USER, OPT_PROBE_WRITE,
	OPT_PCAP_INTERFACE, OPT_PCAP_CLASS, OPT_NET_INCLUDE, OPT_NET_EXCLUDE,
};

static const struct option long_options[] = {
	{ "interval", required_argument, NULL, OPT_INTERVAL },
	{ "count", required_argument, NULL, OPT_COUNT },
	{ "once", no_argument, NULL, OPT_ONCE },
	{ "explain", no_argument, NULL, OPT_EXPLAIN },
	{ "model", required_argument, NULL, OPT_MODEL },
	{ "history", required_argument, NULL, OPT_HISTORY },
	{ "no-history", no_argument, NULL, OPT_NO_HISTORY },
	{ "state-dir", required_argument, NULL, OPT_STATE_DIR },
	{ "procfs", required_argument, NULL, OPT_PROCFS },
	{ "sysfs", required_argument, NULL, OPT_SYSFS },
	{ "foreground", no_argument, NULL, OPT_FOREGROUND },
	{ "verbose", no_argument, NULL, OPT_VERBOSE },
	{ "syslog-facility", required_argument, NULL, OPT_FACILITY },
	{ "help", no_argument, NULL, OPT_HELP },
	{ "version", no_argument, NULL, OPT_VERSION },
	{ "no-probe", no_argument, NULL, OPT_NO_PROBE },
	{ "probe-interval", required_argument, NULL, OPT_PROBE_INTERVAL },
	{ "probe-duration", required_argument, NULL, OPT_PROBE_DURATION },
	{ "probe-timeout", required_argument, NULL, OPT_PROBE_TIMEOUT },
	{ "probe-nice", required_argument, NULL, OPT_PROBE_NICE },
	{ "probe-cgroup", required_argument, NULL, OPT_PROBE_CGROUP },
	{ "probe-command", required_argument, NULL, OPT_PROBE_COMMAND },
	{ "probe-user", required_argument, NULL, OPT_PROBE_USER },
	{ "probe-write", no_argument, NULL, OPT_PROBE_WRITE },
	{ "pcap-interface", required_argument, NULL, OPT_PCAP_INTERFACE },
	{ "pcap-class", required_argument, NULL, OPT_PCAP_CLASS },
	{ "net-include", required_argument, NULL, OPT_NET_INCLUDE },
	{ "net-exclude", required_argument, NULL, OPT_NET_EXCLUDE },
	{ NULL, 0, NULL, 0 },
};

void options_usage(FILE *f)
{
	fprintf(f,
"Usage: elim.rank [OPTION]...\n"
"An external load information manager (elim) for LSF and OpenLava: prints\n"
"\"1 rank N\" every interval, N = 100 x the predicted slowdown of a new job on\n"
"this host relative to the host idle (100 = idle speed, lower is better).\n"
"\n"
"  --interval SECONDS   seconds between records (default 10; fractions allowed)\n"
"  --count N            stop after N records\n"
"  --once               sample a short window, print one record, exit\n"
"  --explain            print each feature, term and contribution instead of\n"
"                       a record for LIM (use with --once)\n"
"  --model FILE         model file (default %s/rank.model if it\n"
"                       exists, else the embedded default model)\n"
"  --history FILE       history database (default STATE-DIR/history.db)\n"
"  --no-history         do not record samples\n"
"  --state-dir DIR      state directory (default %s)\n"
"  --procfs DIR         root of /proc (default /proc)\n"
"  --sysfs DIR          root of /sys (default /sys)\n"
"  --foreground         log to stderr instead of syslog\n"
"  --verbose            log debugging messages too\n"
"  --syslog-facility F  daemon, user or local0..local7 (default daemon)\n"
"  --net-include GLOB   count only interfaces matching GLOB (repeatable; default:\n"
"                       interfaces backed by a device)\n"
"  --net-exclude GLOB   never count interfaces matching GLOB (repeatable)\n"
"  --pcap-interface IF  capture traffic classes on interface IF\n"
"  --pcap-class NAME=FILTER\n"
"                       a traffic class: feature pcap_NAME_bps counts the bytes\n"
"                       of packets matching the BPF FILTER (repeatable, at most 8)\n"
"  --help               show this help and exit\n"
"  --version            show the version and exit\n"
"\n"
"The probe (a small job timed now and then; its result is the label\n"
"probe_result and the feature probe_slowdown):\n"
"  --no-probe           do not run the probe\n"
"  --probe-interval S   seconds between probes (default 300)\n"
"  --probe-duration S   seconds of built-in work, calibrated once (default 0.3)\n"
"  --probe-timeout S    kill a probe running longer (default 30)\n"
"  --probe-nice N       nice value of the probe, as jobs get (default 0)\n"
"  --probe-cgroup DIR   run the probe in this cgroup (as jobs run)\n"
"  --probe-command CMD  time this command instead (split into words, no shell)\n"
"  --probe-user USER    the unprivileged user CMD runs as (required with CMD)\n"
"  --probe-write        add a small fsync'd write in the state directory\n"
"\n"
"Exit status: 0 on success, 1 on a runtime error, 2 on a usage error.\n"
"See elim.rank(8), elim-rank.model(5) and elim-rank.history(5).\n",
		PKGSYSCONFDIR, STATEDIR);
}

int options_list_add(struct options_list *l, const char *value)
{
	if (l->n >= OPTIONS_LIST_MAX)
		return -ENOSPC;
	l->v[l->n++] = value;
	l->v[l->n] = NULL;
	return 0;
}

static int bad(char *err, size_t errlen, const char *opt, const char *arg, const char *why)
{
	snprintf(err, errlen, "invalid argument '%s' for --%s: %s", arg, opt, why);
	return -1;
}

#define SECONDS_RANGE "expected seconds between 0.01 and 86400"

/* A number of seconds in [0.01, 86400] filling the whole argument. */
static int seconds_arg(const char *arg, double *out)
{
	char *end;
	errno = 0;
	double v = strtod(arg, &end);
	if (end == arg || *end || errno || !isfinite(v) || v < 0.01 || v > 86400)
		return -1;
	*out = v;
	return 0;
}

int options_parse(int argc, char **argv, struct elim_options *o, char *err, size_t errlen)
{
	memset(o, 0, sizeof *o);
	o->interval = 10.0;
	o->state_dir = STATEDIR;
	o->procfs = "/proc";
	o->sysfs = "/sys";
	o->facility = "daemon";
	o->probe = (struct probe_config){ .enabled = true, .interval = 300, .duration = 0.3,
					  .timeout = 30, .nice = 0 };

	opterr = 0;
	optind = 1;
	int c;
	while ((c = getopt_long(argc, argv, ":", long_options, NULL)) != -1) {
		char *end;
		switch (c) {
		case OPT_INTERVAL:
			errno = 0;
			o->interval = strtod(optarg, &end);
			if (end == optarg || *end || errno || !isfinite(o->interval) ||
			    o->interval < 0.01 || o->interval > 86400)
				return bad(err, errlen, "interval", optarg, "expected seconds between 0.01 and 86400");
			break;
		case OPT_COUNT:
			errno = 0;
			o->count = strtol(optarg, &end, 10);
			if (end == optarg || *end || errno || o->count < 1)
				return bad(err, errlen, "count", optarg, "expected a positive integer");
			break;
		case OPT_ONCE: o->once = true; break;
		case OPT_EXPLAIN: o->explain = true; break;
		case OPT_MODEL: o->model_path = optarg; break;
		case OPT_HISTORY: o->history_path = optarg; break;
		case OPT_NO_HISTORY: o->no_history = true; break;
		case OPT_STATE_DIR: o->state_dir = optarg; break;
		case OPT_PROCFS: o->procfs = optarg; break;
		case OPT_SYSFS: o->sysfs = optarg; break;
		case OPT_FOREGROUND: o->foreground = true; break;
		case OPT_VERBOSE: o->verbose = true; break;
		case OPT_FACILITY: o->facility = optarg; break;
		case OPT_HELP: o->help = true; break;
		case OPT_VERSION: o->version = true; break;
		case OPT_NO_PROBE: o->probe.enabled = false; break;
		case OPT_PROBE_INTERVAL:
			if (seconds_arg(optarg, &o->probe.interval) < 0)
				return bad(err, errlen, "probe-interval", optarg, SECONDS_RANGE);
			break;
		case OPT_PROBE_DURATION:
			if (seconds_arg(optarg, &o->probe.duration) < 0)
				return bad(err, errlen, "probe-duration", optarg, SECONDS_RANGE);
			break;
		case OPT_PROBE_TIMEOUT:
			if (seconds_arg(optarg, &o->probe.timeout) < 0)
				return bad(err, errlen, "probe-timeout", optarg, SECONDS_RANGE);
			break;
		case OPT_PROBE_NICE: {
			errno = 0;
			long v = strtol(optarg, &end, 10);
			if (end == optarg || *end || errno || v < -20 || v > 19)
				return bad(err, errlen, "probe-nice", optarg, "expected a nice value from -20 to 19");
			o->probe.nice = (int)v;
			break;
		}
		case OPT_PROBE_CGROUP: o->probe.cgroup = optarg; break;
		case OPT_PROBE_COMMAND: o->probe.command = optarg; break;
		case OPT_PROBE_USER: o->probe.user = optarg; break;
		case OPT_PROBE_WRITE: o->probe.write = true; break;
		case OPT_PCAP_INTERFACE: o->pcap_interface = optarg; break;
		case OPT_PCAP_CLASS:
			if (options_list_add(&o->pcap_class, optarg) < 0)
				return bad(err, errlen, "pcap-class", optarg, "too many");
			break;
		case OPT_NET_INCLUDE:
			if (options_list_add(&o->net_include, optarg) < 0)
				return bad(err, errlen, "net-include", optarg, "too many");
			break;
		case OPT_NET_EXCLUDE:
			if (options_list_add(&o->net_exclude, optarg) < 0)
				return bad(err, errlen, "net-exclude", optarg, "too many");
			break;
		case ':':
			snprintf(err, errlen, "option '%s' needs an argument", argv[optind - 1]);
			return -1;
		default:
			snprintf(err, errlen, "unknown option '%s'", argv[optind - 1]);
			return -1;
		}
	}
	if (optind < argc) {
		snprintf(err, errlen, "unexpected argument '%s'", argv[optind]);
		return -1;
	}
	if (o->once)
		o->count = 1;
	o->probe.enabled = o->probe.enabled && !o->once;   /* it could not finish in time */
	o->probe.state_dir = o->state_dir;
	return 0;
}
