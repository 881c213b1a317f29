/*
 * libFuzzer target: elim.rank.conf parsing (options_load on a file).
 * Not built by make.  Build and run, from a configured source tree:
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -I. -Ilib -Ielim -Imodel \
 *     -DSTATEDIR='"/tmp"' -DPKGSYSCONFDIR='"/nonexistent"' \
 *     fuzz/fuzz_config.c elim/options.c lib/log.c -o /tmp/fuzz_config
 *   /tmp/fuzz_config -max_total_time=60 -max_len=4096
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "options.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char path[64];
	if (path[0] == '\0')
		snprintf(path, sizeof path, "/tmp/fuzz_config.%d", (int)getpid());
	FILE *f = fopen(path, "w");
	if (f == NULL)
		return 0;
	fwrite(data, 1, size, f);
	fclose(f);
	char *argv[] = { "elim.rank", "--config", path, NULL };
	struct elim_options o;
	char err[512];
	if (options_load(3, argv, &o, err, sizeof err) == 0) {
		FILE *null = fopen("/dev/null", "w");
		options_print(null, &o);
		fclose(null);
	}
	options_free(&o);
	return 0;
}
