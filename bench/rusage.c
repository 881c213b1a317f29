/*
 * rusage: run a command and print its CPU time and peak RSS from wait4:
 * "user_s system_s maxrss_kB".  A small C parent, so the RSS the child had
 * before exec (counted by the kernel in ru_maxrss) is this program's, not a
 * script interpreter's.  The command's output goes to /dev/null.  Usage: rusage CMD [ARG]...
 */
#include "config.h"

#include <fcntl.h>
#include <stdio.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc < 2)
		return 2;
	pid_t p = fork();
	if (p < 0)
		return 1;
	if (p == 0) {
		int null = open("/dev/null", O_WRONLY); /* the child's output is not ours */
		dup2(null, 1);
		dup2(null, 2);
		execv(argv[1], argv + 1);
		_exit(127);
	}
	int st;
	struct rusage ru;
	if (wait4(p, &st, 0, &ru) < 0)
		return 1;
	printf("%ld.%06ld %ld.%06ld %ld\n", (long)ru.ru_utime.tv_sec, (long)ru.ru_utime.tv_usec,
	       (long)ru.ru_stime.tv_sec, (long)ru.ru_stime.tv_usec, ru.ru_maxrss);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 1;
}
