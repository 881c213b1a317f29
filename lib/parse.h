/*
 * parse: bounded, allocation-free scanning of kernel text files.
 * Every function advances *p past what it consumed and never reads past
 * the terminating NUL.
 */
#ifndef ELIM_RANK_PARSE_H
#define ELIM_RANK_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Skip spaces and tabs (not newlines). */
void parse_skip_blanks(const char **p);

/* Parse an unsigned decimal after optional blanks; false if none or overflow. */
bool parse_u64(const char **p, uint64_t *out);

/* Parse a decimal number such as "0.52" after optional blanks (no locale). */
bool parse_double(const char **p, double *out);

/* Advance *p to the start of the next line; false at the end of the text. */
bool parse_next_line(const char **p);

/* Copy the next blank-delimited word (at most size-1 bytes); false if none. */
bool parse_word(const char **p, char *out, size_t size);

/*
 * Does the line at p start with prefix?  Inline and byte by byte: most
 * lines differ at the first byte, and this runs for every line of every
 * keyed file on every tick.
 */
static inline bool parse_starts(const char *p, const char *prefix)
{
	for (; *prefix; p++, prefix++)
		if (*p != *prefix)
			return false;   /* also at the end of p: *prefix is not NUL */
	return true;
}

#endif
