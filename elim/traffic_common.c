/* traffic: the parts that do not need libpcap (class specs, their features). */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "traffic.h"

int traffic_class_parse(const char *spec, struct traffic_class_spec *out, char *err, size_t errlen)
{
	memset(out, 0, sizeof *out);
	const char *eq = strchr(spec, '=');
	if (eq == NULL || eq == spec) {
		snprintf(err, errlen, "traffic class '%s': expected NAME=FILTER, e.g. storage='port 2049'",
			 spec);
		return -EINVAL;
	}
	size_t len = (size_t)(eq - spec);
	while (len > 0 && (spec[len - 1] == ' ' || spec[len - 1] == '\t'))
		len--;
	if (len >= sizeof out->name) {
		snprintf(err, errlen, "traffic class '%.*s': name longer than %zu characters",
			 (int)len, spec, sizeof out->name - 1);
		return -ENAMETOOLONG;
	}
	memcpy(out->name, spec, len);
	out->name[len] = '\0';
	const char *f = eq + 1;
	while (*f == ' ' || *f == '\t')
		f++;
	if (*f == '\0') {
		snprintf(err, errlen, "traffic class '%s': empty filter", out->name);
		return -EINVAL;
	}
	out->filter = f;
	return 0;
}

int traffic_bind(const struct traffic_config *cfg, struct feature_schema *schema,
		 char *err, size_t errlen)
{
	if (cfg->n_classes > TRAFFIC_MAX_CLASSES) {
		snprintf(err, errlen, "at most %d traffic classes", TRAFFIC_MAX_CLASSES);
		return -EINVAL;
	}
	for (size_t i = 0; i < cfg->n_classes; i++) {
		int rc = feature_schema_bind_pcap(schema, (unsigned)i, cfg->classes[i].name, err, errlen);
		if (rc < 0)
			return rc;
	}
	return 0;
}

int traffic_config_build(struct traffic_config *cfg, struct feature_schema *schema,
			 const char *interface, const char *const *specs, size_t n,
			 char *err, size_t errlen)
{
	memset(cfg, 0, sizeof *cfg);
	if (n == 0)
		return 0;
	if (interface == NULL || interface[0] == '\0') {
		snprintf(err, errlen, "traffic classes need an interface to capture on (--pcap-interface)");
		return -EINVAL;
	}
	if (n > TRAFFIC_MAX_CLASSES) {
		snprintf(err, errlen, "%zu traffic classes: at most %d", n, TRAFFIC_MAX_CLASSES);
		return -EINVAL;
	}
	for (size_t i = 0; i < n; i++) {
		int rc = traffic_class_parse(specs[i], &cfg->classes[i], err, errlen);
		if (rc < 0)
			return rc;
	}
	cfg->interface = interface;
	cfg->n_classes = n;
	return traffic_bind(cfg, schema, err, errlen);
}
