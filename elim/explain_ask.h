/*
 * explain_ask: `elim.rank --explain` without --once (or --count) reads the
 * explanation of the instance that runs for LIM, not a fresh one.
 *
 * The asker finds the running instance by the state directory's lock
 * (statedir.h: held by the instance that keeps its history there, its pid
 * written in it), sends it EXPLAIN_ASK_SIGNAL and waits for the answer.
 * The instance only notes the signal (a flag); at its next tick, after the
 * record for LIM, it writes the explanation of that tick into the state
 * directory, as text and as JSON, each file atomically replaced
 * (lib/fsutil.h).  So nothing is written on ticks nobody asked about, and
 * the answer is what LIM got.  The asker waits for the JSON file to be
 * replaced (a new inode), then prints the answer with its age.
 *
 * Nothing here logs: messages go to the caller's buffer.
 */
#ifndef ELIM_RANK_EXPLAIN_ASK_H
#define ELIM_RANK_EXPLAIN_ASK_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "explain.h"
#include "model.h"

#define EXPLAIN_ASK_SIGNAL SIGUSR1
#define EXPLAIN_ANSWER_TEXT "explain.txt"
#define EXPLAIN_ANSWER_JSON "explain.json"

/* The instance's side: write the explanation of features scored with m
 * (explain.h, explain_json.h) into state_dir, text first, then JSON, each
 * replaced atomically with mode 0640.  Returns 0 or a negative errno with
 * a message in err. */
int explain_answer(const char *state_dir, const struct model *m,
		   const struct feature_schema *schema, const double *features,
		   const struct explain_notes *notes, char *err, size_t errlen);

/*
 * The asker's side: ask the instance running with state_dir, wait up to
 * timeout_s for its answer and print it to out: the text form after a line
 * "# elim.rank pid PID: explanation of its tick AGE s ago", or with json
 * the JSON object with "pid" and "age_seconds" added first.  Returns 0,
 * -ESRCH when no instance runs there, -EPERM when it may not be signalled,
 * -ETIMEDOUT when no answer came, or another negative errno; a message in
 * err for each.
 */
int explain_ask(const char *state_dir, bool json, double timeout_s, FILE *out, char *err,
		size_t errlen);

#endif
