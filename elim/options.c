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

int options_parse(int argc, char **argv, struct elim_options *o, char *err, size_t errlen)
{
	memset(o, 0, sizeof *o);
	o->interval = 10.0;
	o->state_dir = STATEDIR;
	o->procfs = "/proc";
	o->sysfs = "/sys";
	o->facility = "daemon";

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
	return 0;
}
