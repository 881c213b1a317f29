/*
 * --probe-baseline-file's pattern (elim/stateless.c stateless_path): any
 * bytes up to the first NUL, into a buffer of 1 to 256 bytes (the first
 * byte picks it), expand or are refused with -EINVAL or -ENAMETOOLONG;
 * an expansion is NUL-terminated inside the buffer and as long as the
 * pattern with each "%h" replaced by the host name and each "%%" by '%'.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "stateless.h"

FUZZ_TARGET(stateless_path)
{
	static const char host[] = "node-7.cluster";
	if (size == 0)
		return 0;
	size_t outlen = (size_t)data[0] + 1;
	char *pattern = fuzz_strdup(data + 1, size - 1);
	char out[257];
	memset(out, 'x', sizeof out);
	int rc = stateless_path(pattern, host, out, outlen);
	FUZZ_CHECK(rc == 0 || rc == -EINVAL || rc == -ENAMETOOLONG);
	if (rc == 0) {
		size_t want = 0;
		for (const char *s = pattern; *s; s++) {
			if (*s == '%') {
				s++;
				FUZZ_CHECK(*s == 'h' || *s == '%');
				want += *s == 'h' ? strlen(host) : 1;
			} else {
				want++;
			}
		}
		FUZZ_CHECK(want < outlen);
		FUZZ_CHECK(strlen(out) == want);
	}
	FUZZ_CHECK(out[outlen] == 'x' || outlen == sizeof out);   /* nothing past the buffer */
	free(pattern);
	return 0;
}
