/*
 * lib/parse.c: the scanners every /proc reader uses.  The first byte picks
 * the scanner and the word buffer size; the rest is the text.  Every call
 * must stay inside the string, consume only what it reports, and produce
 * bounded results.
 */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "parse.h"

FUZZ_TARGET(parse)
{
	if (size == 0)
		return 0;
	unsigned op = data[0];
	char *text = fuzz_strdup(data + 1, size - 1);
	const char *end = text + strlen(text);
	const char *p = text;
	size_t wsize = op >> 3;   /* 0..31 */
	char word[32];

	for (int guard = 0; guard < 100000; guard++) {
		const char *before = p;
		bool ok = false;
		switch ((op + (unsigned)guard) & 7) {
		case 0: {
			uint64_t v = 7;
			ok = parse_u64(&p, &v);
			FUZZ_CHECK(ok || v == 7);
			break;
		}
		case 1: {
			double v = 7;
			ok = parse_double(&p, &v);
			FUZZ_CHECK(ok ? isfinite(v) : v == 7);
			break;
		}
		case 2:
			memset(word, 'x', sizeof word);
			ok = parse_word(&p, word, wsize);
			if (wsize)
				FUZZ_CHECK(memchr(word, '\0', wsize) != NULL);
			break;
		case 3:
			ok = parse_next_line(&p);
			FUZZ_CHECK(!ok || p[-1] == '\n');
			break;
		case 4:
			parse_skip_blanks(&p);
			ok = p != before;
			FUZZ_CHECK(!ok || before[0] == ' ' || before[0] == '\t');
			break;
		case 5:
			ok = parse_starts(p, "cpu") == (strncmp(p, "cpu", 3) == 0);
			FUZZ_CHECK(ok);
			ok = false;
			break;
		default:
			ok = parse_next_line(&p);
			break;
		}
		FUZZ_CHECK(p >= before && p <= end);
		if (*p == '\0')
			break;
		if (!ok && p == before && ((op + (unsigned)guard) & 7) == 6)
			break;
	}
	free(text);
	return 0;
}
