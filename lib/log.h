/*
 * log: the one way elim-rank's programs report what happened.
 *
 * Messages go to syslog (ident and facility set by log_open), to stderr
 * with a level prefix, or to both.  Library modules never call
 * this: they return errors and let the caller decide.  The elim's stdout is
 * reserved for LIM and is never written here.
 */
#ifndef ELIM_RANK_LOG_H
#define ELIM_RANK_LOG_H

#include <stdbool.h>
#include <syslog.h>
#include <time.h>

/* Where messages go. */
enum log_to {
	LOG_TO_SYSLOG = 0,   /* syslog only */
	LOG_TO_STDERR = 1,   /* stderr instead of syslog, with a level prefix */
	LOG_TO_BOTH = 2,     /* syslog, and a copy of the notices, warnings and
			      * errors (LOG_NOTICE and more urgent) on stderr,
			      * for a person watching it */
};

/*
 * Set up logging.  ident is kept by pointer (must outlive logging).
 * to: syslog, stderr or both.  max_level: the least urgent level written
 * (LOG_DEBUG for everything, LOG_INFO by default, LOG_WARNING to keep
 * quiet).  facility: a syslog facility such as LOG_DAEMON.  May be called
 * again to change any of these.
 */
void log_open(const char *ident, enum log_to to, int max_level, int facility);
void log_close(void);

/* Log one message at a syslog level (LOG_ERR, LOG_WARNING, LOG_INFO...). */
void log_msg(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Map a facility name ("daemon", "local0".."local7", "user") to LOG_*; -1 if unknown. */
int log_facility_from_name(const char *name);

/*
 * A complaint: a condition logged once when it starts and once when it
 * clears, never once per tick (after collectd's utils_complain).
 * Zero-initialise; owned by the caller.
 */
struct complaint {
	bool active;
};

/* Log fmt at level if the complaint is not already active; mark it active. */
void complain(struct complaint *c, int level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* If the complaint is active, log fmt at LOG_NOTICE and clear it. */
void complaint_clear(struct complaint *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
