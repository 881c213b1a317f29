#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "errmsg.h"
#include "hostmap.h"
#include "hostmatch.h"

static bool valid_name(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > 63)
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
		      *s == '.' || *s == '-' || *s == '_'))
			return false;
	return true;
}

/* One line (NUL-terminated, no newline): 0, or -EINVAL with the problem in why. */
static int parse_line(char *s, struct hostmap *m, char *why, size_t whylen)
{
	char *hash = strchr(s, '#');
	if (hash)
		*hash = '\0';
	char *tok[3], *save = NULL;
	int n = 0;
	for (char *t = strtok_r(s, " \t\r", &save); t && n < 3; t = strtok_r(NULL, " \t\r", &save))
		tok[n++] = t;
	if (n == 0)
		return 0;
	if (n != 2)
		return errmsg(why, whylen, -EINVAL, "expected 'HOST NAME'");
	if (!hostmatch_valid(tok[0]))
		return errmsg(why, whylen, -EINVAL, "bad host name or pattern '%.64s' (1-63 of"
			      " letters, digits, . - _ and * ? [ ] !)", tok[0]);
	if (!valid_name(tok[1]))
		return errmsg(why, whylen, -EINVAL, "bad name '%.64s' (1-63 of letters, digits,"
			      " . - _)", tok[1]);
	for (size_t i = 0; i < m->n; i++)
		if (strcasecmp(m->e[i].pattern, tok[0]) == 0)
			return errmsg(why, whylen, -EINVAL, "%s given twice", tok[0]);
	if (m->n == HOSTMAP_MAX_ENTRIES)
		return errmsg(why, whylen, -EINVAL, "more than %d entries", HOSTMAP_MAX_ENTRIES);
	if (m->n == m->cap) {
		size_t nc = m->cap ? 2 * m->cap : 64;
		struct hostmap_entry *ne = realloc(m->e, nc * sizeof *ne);
		if (ne == NULL)
			return errmsg(why, whylen, -ENOMEM, "out of memory");
		m->e = ne;
		m->cap = nc;
	}
	snprintf(m->e[m->n].pattern, sizeof m->e[m->n].pattern, "%s", tok[0]);
	snprintf(m->e[m->n].name, sizeof m->e[m->n].name, "%s", tok[1]);
	m->n++;
	return 0;
}

int hostmap_parse(const char *text, size_t len, const char *path, struct hostmap *m,
		  char *err, size_t errlen)
{
	char line[HOSTMAP_MAX_LINE + 1], why[192];
	unsigned long lineno = 0;
	for (size_t at = 0; at < len;) {
		const char *nl = memchr(text + at, '\n', len - at);
		size_t l = nl ? (size_t)(nl - (text + at)) : len - at;
		lineno++;
		if (l > HOSTMAP_MAX_LINE)
			return errmsg(err, errlen, -EINVAL, "%s:%lu: line longer than %d bytes", path,
				      lineno, HOSTMAP_MAX_LINE);
		if (memchr(text + at, '\0', l))
			return errmsg(err, errlen, -EINVAL, "%s:%lu: a NUL byte", path, lineno);
		memcpy(line, text + at, l);
		line[l] = '\0';
		int rc = parse_line(line, m, why, sizeof why);
		if (rc < 0)
			return errmsg(err, errlen, rc, "%s:%lu: %s", path, lineno, why);
		at += l + 1;
	}
	return 0;
}

int hostmap_load(const char *path, struct hostmap *m, char *err, size_t errlen)
{
	FILE *f = fopen(path, "re");
	if (f == NULL)
		return errmsg(err, errlen, -errno, "%s: %s", path, strerror(errno));
	char *text = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&text, &len);
	int rc = mem ? 0 : -ENOMEM;
	char buf[8192];
	size_t got;
	while (rc == 0 && (got = fread(buf, 1, sizeof buf, f)) > 0)
		if (fwrite(buf, 1, got, mem) != got)
			rc = -ENOMEM;
	if (rc == 0 && ferror(f))
		rc = -EIO;
	fclose(f);
	if (mem)
		fclose(mem);
	if (rc == 0)
		rc = hostmap_parse(text, len, path, m, err, errlen);
	else
		errmsg(err, errlen, rc, "%s: %s", path, rc == -EIO ? "read error" : "out of memory");
	free(text);
	return rc;
}

const char *hostmap_lookup(const struct hostmap *m, const char *host)
{
	for (size_t i = 0; i < m->n; i++)
		if (!hostmatch_is_glob(m->e[i].pattern) && hostmatch(m->e[i].pattern, host))
			return m->e[i].name;
	for (size_t i = 0; i < m->n; i++)
		if (hostmatch_is_glob(m->e[i].pattern) && hostmatch(m->e[i].pattern, host))
			return m->e[i].name;
	return NULL;
}

void hostmap_free(struct hostmap *m)
{
	free(m->e);
	memset(m, 0, sizeof *m);
}
