#include "config.h"

#include <errno.h>
#include <linux/capability.h>
#include <linux/securebits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "caps.h"

static int cap_get(struct __user_cap_data_struct d[2])
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3, .pid = 0 };
	/* cleared first: valgrind's capget knows of one struct written, not the
	 * two of version 3, and would call the upper 32 bits undefined */
	memset(d, 0, 2 * sizeof d[0]);
	return syscall(SYS_capget, &h, d) == 0 ? 0 : -errno;
}

int caps_limit_thread(uint64_t keep)
{
	struct __user_cap_data_struct d[2];
	int rc = cap_get(d);
	if (rc < 0)
		return rc;
	uint32_t lo = (uint32_t)keep, hi = (uint32_t)(keep >> 32);
	d[0].effective &= lo;
	d[0].permitted &= lo;
	d[0].inheritable &= lo;
	d[1].effective &= hi;
	d[1].permitted &= hi;
	d[1].inheritable &= hi;
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3, .pid = 0 };
	return syscall(SYS_capset, &h, d) == 0 ? 0 : -errno;
}

uint64_t caps_effective(void)
{
	struct __user_cap_data_struct d[2];
	if (cap_get(d) < 0)
		return 0;
	return (uint64_t)d[0].effective | ((uint64_t)d[1].effective << 32);
}

int caps_drop_process(uint64_t keep)
{
	/* every step is tried, whatever failed before it: the first error is
	 * returned, and the sets are reduced as far as they can be */
	int first = 0;
#define STEP(ok) do { if (!(ok) && first == 0) first = -errno; } while (0)
	struct __user_cap_data_struct d[2];
	if (cap_get(d) == 0 && (d[0].effective & CAPS_BIT(CAP_SETPCAP))) {
		for (int c = 0; c < 64; c++) {
			int held = prctl(PR_CAPBSET_READ, c, 0, 0, 0);
			if (held < 0)
				break;   /* past the kernel's last capability */
			if (held == 1)
				STEP(prctl(PR_CAPBSET_DROP, c, 0, 0, 0) == 0);
		}
		/* add to what a parent (systemd's SecureBits=) may have locked */
		int bits = prctl(PR_GET_SECUREBITS, 0, 0, 0, 0);
		STEP(bits >= 0);
		if (bits >= 0 && (bits & (SECBIT_NOROOT | SECBIT_NOROOT_LOCKED)) !=
				 (SECBIT_NOROOT | SECBIT_NOROOT_LOCKED))
			STEP(prctl(PR_SET_SECUREBITS, bits | SECBIT_NOROOT | SECBIT_NOROOT_LOCKED,
				   0, 0, 0) == 0);
	}
	/* EINVAL: a kernel before ambient sets, which then has none */
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL && first == 0)
		first = -errno;
	STEP(prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0);
#undef STEP
	int rc = caps_limit_thread(keep);
	return first ? first : rc;
}

static const char *const cap_name[] = {
	"cap_chown", "cap_dac_override", "cap_dac_read_search", "cap_fowner", "cap_fsetid",
	"cap_kill", "cap_setgid", "cap_setuid", "cap_setpcap", "cap_linux_immutable",
	"cap_net_bind_service", "cap_net_broadcast", "cap_net_admin", "cap_net_raw",
	"cap_ipc_lock", "cap_ipc_owner", "cap_sys_module", "cap_sys_rawio", "cap_sys_chroot",
	"cap_sys_ptrace", "cap_sys_pacct", "cap_sys_admin", "cap_sys_boot", "cap_sys_nice",
	"cap_sys_resource", "cap_sys_time", "cap_sys_tty_config", "cap_mknod", "cap_lease",
	"cap_audit_write", "cap_audit_control", "cap_setfcap", "cap_mac_override",
	"cap_mac_admin", "cap_syslog", "cap_wake_alarm", "cap_block_suspend", "cap_audit_read",
	"cap_perfmon", "cap_bpf", "cap_checkpoint_restore",
};

void caps_names(uint64_t mask, char *buf, size_t len)
{
	if (len == 0)
		return;
	buf[0] = '\0';
	size_t at = 0;
	for (int c = 0; c < 64 && at < len; c++) {
		if (!(mask & CAPS_BIT(c)))
			continue;
		int n;
		if ((size_t)c < sizeof cap_name / sizeof cap_name[0])
			n = snprintf(buf + at, len - at, "%s%s", at ? "," : "", cap_name[c]);
		else
			n = snprintf(buf + at, len - at, "%scap_%d", at ? "," : "", c);
		if (n < 0)
			break;
		at += (size_t)n;
	}
	if (at == 0)
		snprintf(buf, len, "none");
}

/* Is the elim in group g (its effective or a supplementary group)? */
static bool in_group(gid_t g)
{
	if (getegid() == g)
		return true;
	gid_t list[256];
	int n = getgroups(256, list);
	for (int i = 0; i < n; i++)
		if (list[i] == g)
			return true;
	return false;
}

/* See caps.h.  The kernel lets the mount's group see everything, and that
 * group is root's unless gid= says otherwise (mountinfo then shows it). */
bool caps_procfs_hides_pids(const char *path)
{
	FILE *f = fopen("/proc/self/mountinfo", "re");
	if (f == NULL)
		return false;
	char line[4096], mnt[1024];
	bool hides = false;
	while (fgets(line, sizeof line, f)) {
		/* ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS ... - FSTYPE SOURCE SUPEROPTIONS */
		if (sscanf(line, "%*s %*s %*s %*s %1023s", mnt) != 1 || strcmp(mnt, path) != 0)
			continue;
		const char *super = strstr(line, " - proc ");
		if (super == NULL)
			continue;
		const char *h = strstr(super, "hidepid=");
		const char *g = strstr(super, "gid=");
		hides = h && h[8] != '0' && strncmp(h + 8, "off", 3) != 0 &&
			g && !in_group((gid_t)strtoul(g + 4, NULL, 10));
	}
	fclose(f);
	return hides;
}
