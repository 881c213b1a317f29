/* gen_history: write a synthetic history for the trainer benchmark.
 * Usage: gen_history FILE ROWS [HOSTS [T0 [SEED [HOST_PREFIX [SPEED]]]]] */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "trainer_fixture.h"

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: gen_history FILE ROWS [HOSTS [T0 [SEED [HOST_PREFIX [SPEED]]]]]\n");
		return 2;
	}
	unlink(argv[1]);
	struct fixture_opts o = { .rows = strtoull(argv[2], NULL, 10),
				  .hosts = argc > 3 ? (unsigned)atoi(argv[3]) : 4,
				  .t0 = argc > 4 ? strtoll(argv[4], NULL, 10) : 1790000000, .step = 10,
				  .seed = argc > 5 ? strtoull(argv[5], NULL, 10) : 7, .noise = 0.05,
				  .host_prefix = argc > 6 ? argv[6] : NULL,
				  .speed = argc > 7 ? strtod(argv[7], NULL) : 0 };
	return fixture_history(argv[1], &o) == 0 ? 0 : 1;
}
