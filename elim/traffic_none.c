/* traffic: built without libpcap. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "traffic.h"

int traffic_start(const struct traffic_config *cfg, struct traffic **out,
		  char *msg, size_t msglen)
{
	(void)cfg;
	*out = NULL;
	snprintf(msg, msglen, "built without libpcap: traffic classes are not available"
		 " (configure --with-libpcap)");
	return -ENOTSUP;
}

void traffic_snapshot(struct traffic *t, struct traffic_snapshot *out)
{
	(void)t;
	memset(out, 0, sizeof *out);
}

void traffic_stop(struct traffic *t)
{
	(void)t;
}
