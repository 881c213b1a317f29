/*
 * recorder: the elim's side of the history, kept alive for months.
 *
 * Opens the history lazily (creating the state directory), appends one row
 * per tick, and on failure keeps the elim going: the problem is logged once
 * (and again when it clears), the connection is dropped and reopened a few
 * ticks later.  Ranks never wait for it.
 */
#ifndef ELIM_RANK_RECORDER_H
#define ELIM_RANK_RECORDER_H

#include <stdbool.h>
#include <stdint.h>

#include "history.h"
#include "log.h"

#define RECORDER_RETRY_TICKS 30

struct recorder {
	char path[4096];
	char dir[4096];         /* created on first use; "" if none */
	struct history *h;
	const struct feature_binding *names;  /* set after init; not owned, may be NULL */
	unsigned retry_in;      /* ticks until the next open attempt */
	struct complaint open_fail, append_fail;
};

/* Set up (opens nothing yet).  dir may be NULL. */
void recorder_init(struct recorder *r, const char *path, const char *dir);

/* Append a row, opening the history if needed.  Returns 0 or a negative code. */
int recorder_append(struct recorder *r, const struct history_row *row);

void recorder_close(struct recorder *r);

#endif
