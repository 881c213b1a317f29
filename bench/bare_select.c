/* bare_select: the floor for the trainer benchmark: read the given columns
 * of every row through the SQLite C API and do nothing with them.
 * Usage: bare_select FILE "time, host, rank, cpu_busy, ..." */
#include "config.h"

#include <stdio.h>

#include <sqlite3.h>

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: bare_select FILE COLUMNS\n");
		return 2;
	}
	sqlite3 *db;
	if (sqlite3_open_v2(argv[1], &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
		fprintf(stderr, "%s: %s\n", argv[1], sqlite3_errmsg(db));
		return 1;
	}
	char sql[4096];
	snprintf(sql, sizeof sql, "SELECT %s FROM samples", argv[2]);
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
		fprintf(stderr, "%s\n", sqlite3_errmsg(db));
		return 1;
	}
	int n = sqlite3_column_count(st);
	unsigned long long rows = 0;
	double sum = 0;
	size_t bytes = 0;
	while (sqlite3_step(st) == SQLITE_ROW) {
		rows++;
		for (int i = 0; i < n; i++) {
			if (sqlite3_column_type(st, i) == SQLITE_TEXT)
				bytes += (size_t)sqlite3_column_bytes(st, i);
			else
				sum += sqlite3_column_double(st, i);
		}
	}
	sqlite3_finalize(st);
	sqlite3_close(db);
	printf("rows %llu checksum %.6g text %zu\n", rows, sum, bytes);
	return 0;
}
