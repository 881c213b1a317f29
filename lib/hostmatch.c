#include "config.h"

#include <fnmatch.h>
#include <string.h>
#include <strings.h>

#include "hostmatch.h"

bool hostmatch_is_glob(const char *pattern)
{
	return strpbrk(pattern, "*?[") != NULL;
}

/* Length of the short name: up to the first dot. */
static size_t short_len(const char *s)
{
	return strcspn(s, ".");
}

bool hostmatch(const char *pattern, const char *host)
{
	if (pattern[0] == '\0' || host[0] == '\0')
		return false;
	if (hostmatch_is_glob(pattern)) {
		if (fnmatch(pattern, host, FNM_CASEFOLD) == 0)
			return true;
		if (strchr(pattern, '.') == NULL) {
			char sh[256];
			size_t n = short_len(host);
			if (n >= sizeof sh)
				return false;
			memcpy(sh, host, n);
			sh[n] = '\0';
			return fnmatch(pattern, sh, FNM_CASEFOLD) == 0;
		}
		return false;
	}
	if (strcasecmp(pattern, host) == 0)
		return true;
	bool p_short = strchr(pattern, '.') == NULL, h_short = strchr(host, '.') == NULL;
	if (!p_short && !h_short)
		return false;   /* two different domains, or names */
	size_t pn = short_len(pattern), hn = short_len(host);
	return pn == hn && strncasecmp(pattern, host, pn) == 0;
}

bool hostmatch_valid(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > 63)
		return false;
	return s[strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_*?[]!")] ==
	       '\0';
}
