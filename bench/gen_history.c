/* gen_history: write a synthetic history for the trainer benchmark.
 * Usage: gen_history FILE ROWS [HOSTS] */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "trainer_fixture.h"

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: gen_history FILE ROWS [HOSTS]\n");
		return 2;
	}
	unlink(argv[1]);
	struct fixture_opts o = { .rows = strtoull(argv[2], NULL, 10),
				  .hosts = argc > 3 ? (unsigned)atoi(argv[3]) : 4,
				  .t0 = 1790000000, .step = 10, .seed = 7, .noise = 0.05 };
	return fixture_history(argv[1], &o) == 0 ? 0 : 1;
}
