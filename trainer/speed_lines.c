#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "errmsg.h"
#include "hostmatch.h"
#include "speed_lines.h"

/* One line's tokens (blank-separated, up to a '#'), in place; at most max. */
static int split(char *s, char **tok, int max)
{
	int n = 0;
	char *hash = strchr(s, '#');
	if (hash)
		*hash = '\0';
	for (char *save = NULL, *t = strtok_r(s, " \t\r\n", &save); t;
	     t = strtok_r(NULL, " \t\r\n", &save)) {
		if (n == max)
			return max + 1;
		tok[n++] = t;
	}
	return n;
}

int speed_lines_read(const char *path, struct model_speed *speed, size_t *n,
		     char *err, size_t errlen)
{
	*n = 0;
	FILE *f = fopen(path, "re");
	if (f == NULL)
		return errno == ENOENT ? 0 : errmsg(err, errlen, -errno, "%s: %s", path, strerror(errno));
	char *line = NULL;
	size_t cap = 0;
	unsigned long lineno = 0;
	int rc = 0;
	while (getline(&line, &cap, f) >= 0) {
		lineno++;
		char *tok[4], why[192] = "";
		int nt = split(line, tok, 3);
		if (nt == 0 || strcmp(tok[0], "speed") != 0)
			continue;
		char *end = NULL;
		double v = nt == 3 ? strtod(tok[2], &end) : NAN;
		if (nt != 3)
			snprintf(why, sizeof why, "expected 'speed HOST FACTOR'");
		else if (!hostmatch_valid(tok[1]) || strlen(tok[1]) >= sizeof speed->host)
			snprintf(why, sizeof why, "speed: bad host name '%.64s'", tok[1]);
		else if (end == tok[2] || *end || !(v >= MODEL_SPEED_MIN && v <= MODEL_SPEED_MAX))
			snprintf(why, sizeof why, "speed %s: factor '%.32s' is not a number from %g to %g",
				 tok[1], tok[2], MODEL_SPEED_MIN, MODEL_SPEED_MAX);
		else if (*n == MODEL_MAX_SPEED)
			snprintf(why, sizeof why, "more than %d speed lines", MODEL_MAX_SPEED);
		for (size_t i = 0; !why[0] && i < *n; i++)
			if (strcasecmp(speed[i].host, tok[1]) == 0)
				snprintf(why, sizeof why, "speed %s given twice", tok[1]);
		if (why[0]) {
			if (rc == 0)   /* the first problem is the one reported */
				rc = errmsg(err, errlen, -EINVAL, "%s:%lu: %s", path, lineno, why);
			continue;
		}
		snprintf(speed[*n].host, sizeof speed[*n].host, "%s", tok[1]);
		speed[(*n)++].factor = v;
	}
	if (rc == 0 && ferror(f))
		rc = errmsg(err, errlen, -EIO, "%s: read error", path);
	free(line);
	fclose(f);
	return rc;
}

int speed_lines_reference(const char *path, double *seconds, unsigned *work, char *from,
			  size_t fromlen, char *err, size_t errlen)
{
	*seconds = 0;
	*work = 0;
	from[0] = '\0';
	FILE *f = fopen(path, "re");
	if (f == NULL)
		return errno == ENOENT ? 0 : errmsg(err, errlen, -errno, "%s: %s", path, strerror(errno));
	char *line = NULL;
	size_t cap = 0;
	unsigned long lineno = 0;
	int rc = 0;
	static const char key[] = "meta speed-reference-from";
	while (rc == 0 && getline(&line, &cap, f) >= 0) {
		lineno++;
		size_t skip = strspn(line, " \t");
		if (strncmp(line + skip, key, sizeof key - 1) == 0 &&
		    (line[skip + sizeof key - 1] == ' ' || line[skip + sizeof key - 1] == '\t')) {
			char *v = line + skip + sizeof key;
			v += strspn(v, " \t");
			snprintf(from, fromlen, "%.*s", (int)strcspn(v, "\r\n"), v);
			continue;
		}
		if (strncmp(line + skip, "speed-reference", 15) != 0 ||
		    !strchr(" \t\r\n", line[skip + 15]) || *seconds > 0)
			continue;
		/* the line alone in a model, read by the model's parser */
		static struct model m;
		struct model_error me;
		char text[1200];
		int n = snprintf(text, sizeof text, "elim-rank-model 1\nintercept 0\n%s", line + skip);
		if (n >= (int)sizeof text)
			rc = errmsg(err, errlen, -EINVAL, "%s:%lu: line too long", path, lineno);
		else if (model_parse(text, (size_t)n, NULL, &m, &me) < 0)
			rc = errmsg(err, errlen, -EINVAL, "%s:%lu: %s", path, lineno, me.msg);
		else {
			*seconds = m.speed_reference;
			*work = m.speed_reference_work;
		}
	}
	if (rc == 0 && ferror(f))
		rc = errmsg(err, errlen, -EIO, "%s: read error", path);
	if (rc < 0)
		*seconds = 0;
	free(line);
	fclose(f);
	return rc;
}

/* Does a learned line name the host of carried line c? */
static bool replaced(const struct model_speed *c, const struct model_speed *learned, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (strcasecmp(c->host, learned[i].host) == 0)
			return true;
		if (!hostmatch_is_glob(c->host) && hostmatch(c->host, learned[i].host))
			return true;
	}
	return false;
}

void speed_lines_set(struct model *m, const struct model_speed *learned, size_t nlearned,
		     const struct model_speed *carried, size_t ncarried, size_t *ndropped,
		     size_t *nleft)
{
	/* as many learned lines as fit beside the carried ones they do not replace */
	size_t use = nlearned, keep;
	for (;; use--) {
		keep = 0;
		for (size_t i = 0; i < ncarried; i++)
			keep += !replaced(&carried[i], learned, use);
		if (use + keep <= MODEL_MAX_SPEED)
			break;
	}
	*nleft = nlearned - use;
	*ndropped = ncarried - keep;
	m->n_speed = 0;
	for (size_t i = 0; i < use; i++)
		m->speed[m->n_speed++] = learned[i];
	for (size_t i = 0; i < ncarried; i++)
		if (!replaced(&carried[i], learned, use))
			m->speed[m->n_speed++] = carried[i];
}
