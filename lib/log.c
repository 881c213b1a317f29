#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "log.h"

/* Logging configuration is process-wide by nature, like syslog itself. */
static struct {
	const char *ident;
	enum log_to to;
	int max_level;
	bool opened;
} log_state = { "elim-rank", LOG_TO_STDERR, LOG_INFO, false };

void log_open(const char *ident, enum log_to to, int max_level, int facility)
{
	log_state.ident = ident;
	log_state.to = to;
	log_state.max_level = max_level;
	if (to != LOG_TO_STDERR) {
		openlog(ident, LOG_PID | LOG_NDELAY, facility);
		log_state.opened = true;
	}
}

void log_close(void)
{
	if (log_state.opened)
		closelog();
	log_state.opened = false;
}

static const char *level_name(int level)
{
	switch (level) {
	case LOG_EMERG: case LOG_ALERT: case LOG_CRIT: case LOG_ERR: return "error";
	case LOG_WARNING: return "warning";
	case LOG_NOTICE: return "notice";
	case LOG_INFO: return "info";
	default: return "debug";
	}
}

static void log_vmsg(int level, const char *fmt, va_list ap)
{
	if (level > log_state.max_level)
		return;
	if (log_state.to == LOG_TO_STDERR ||
	    (log_state.to == LOG_TO_BOTH && level <= LOG_NOTICE)) {
		char buf[1024];
		va_list copy;
		va_copy(copy, ap);
		vsnprintf(buf, sizeof buf, fmt, copy);
		va_end(copy);
		fprintf(stderr, "%s: %s: %s\n", log_state.ident, level_name(level), buf);
		fflush(stderr);
	}
	if (log_state.to != LOG_TO_STDERR)
		vsyslog(level, fmt, ap);
}

void log_msg(int level, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	log_vmsg(level, fmt, ap);
	va_end(ap);
}

int log_facility_from_name(const char *name)
{
	static const struct { const char *name; int fac; } facs[] = {
		{ "daemon", LOG_DAEMON }, { "user", LOG_USER },
		{ "local0", LOG_LOCAL0 }, { "local1", LOG_LOCAL1 },
		{ "local2", LOG_LOCAL2 }, { "local3", LOG_LOCAL3 },
		{ "local4", LOG_LOCAL4 }, { "local5", LOG_LOCAL5 },
		{ "local6", LOG_LOCAL6 }, { "local7", LOG_LOCAL7 },
	};
	for (size_t i = 0; i < sizeof facs / sizeof facs[0]; i++)
		if (strcmp(facs[i].name, name) == 0)
			return facs[i].fac;
	return -1;
}

void complain(struct complaint *c, int level, const char *fmt, ...)
{
	if (c->active)
		return;
	c->active = true;
	va_list ap;
	va_start(ap, fmt);
	log_vmsg(level, fmt, ap);
	va_end(ap);
}

void complaint_clear(struct complaint *c, const char *fmt, ...)
{
	if (!c->active)
		return;
	c->active = false;
	va_list ap;
	va_start(ap, fmt);
	log_vmsg(LOG_NOTICE, fmt, ap);
	va_end(ap);
}
