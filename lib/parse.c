#include "config.h"

#include <string.h>

#include "parse.h"

void parse_skip_blanks(const char **p)
{
	while (**p == ' ' || **p == '\t')
		(*p)++;
}

bool parse_u64(const char **p, uint64_t *out)
{
	parse_skip_blanks(p);
	const char *s = *p;
	uint64_t v = 0;
	if (*s < '0' || *s > '9')
		return false;
	/* 19 digits always fit in 64 bits: check for overflow only after them */
	for (int n = 0; *s >= '0' && *s <= '9'; n++, s++) {
		unsigned d = (unsigned)(*s - '0');
		if (n >= 19 && v > (UINT64_MAX - d) / 10)
			return false;
		v = v * 10 + d;
	}
	*p = s;
	*out = v;
	return true;
}

bool parse_double(const char **p, double *out)
{
	parse_skip_blanks(p);
	const char *s = *p;
	bool neg = false;
	if (*s == '-' || *s == '+')
		neg = (*s++ == '-');
	if ((*s < '0' || *s > '9') && *s != '.')
		return false;
	double v = 0;
	int digits = 0;
	while (*s >= '0' && *s <= '9' && digits < 30) {
		v = v * 10 + (*s++ - '0');
		digits++;
	}
	if (*s >= '0' && *s <= '9')
		return false;
	if (*s == '.') {
		s++;
		double scale = 0.1;
		while (*s >= '0' && *s <= '9') {
			v += (*s++ - '0') * scale;
			scale /= 10;
			digits++;
		}
	}
	if (digits == 0)
		return false;
	*p = s;
	*out = neg ? -v : v;
	return true;
}

bool parse_next_line(const char **p)
{
	const char *nl = strchr(*p, '\n');
	if (nl == NULL) {
		*p += strlen(*p);
		return false;
	}
	*p = nl + 1;
	return **p != '\0';
}

bool parse_word(const char **p, char *out, size_t size)
{
	parse_skip_blanks(p);
	size_t n = 0;
	const char *s = *p;
	while (*s && *s != ' ' && *s != '\t' && *s != '\n') {
		if (n + 1 < size)
			out[n++] = *s;
		s++;
	}
	if (size)
		out[n] = '\0';
	bool any = s != *p;
	*p = s;
	return any;
}
