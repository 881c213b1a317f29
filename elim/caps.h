/*
 * caps: give up Linux capabilities without libcap (raw capget/capset).
 *
 * Capabilities belong to a thread, not a process: caps_limit_thread only
 * changes the calling thread (and the threads it creates afterwards).  The
 * traffic-class capture thread calls it first thing with keep = 0: its
 * packet sockets are open by then, and reading them needs no privilege.
 *
 * The elim gives up what it does not need once, at start-up, in the main
 * thread before it creates any other thread (threads and children inherit
 * the calling thread's sets): caps_drop_process.  Every thread the elim
 * starts then calls caps_limit_thread(0) first thing, so only the main
 * thread keeps anything, and only what the probe needs to start an
 * administrator's command as another user (elim/probe.h:
 * probe_caps_needed).  CAP_NET_RAW, when traffic classes are captured, is
 * kept until the capture sockets are open and then dropped too.
 */
#ifndef ELIM_RANK_CAPS_H
#define ELIM_RANK_CAPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The bit of capability n (CAP_NET_RAW is 13) in a keep mask. */
#define CAPS_BIT(n) (UINT64_C(1) << (n))

/*
 * Reduce the calling thread's effective, permitted and inheritable sets to
 * those in keep (a mask of CAPS_BIT()s; bits not held stay off).
 * Returns 0 or a negative errno.
 */
int caps_limit_thread(uint64_t keep);

/*
 * The process-wide drop, for the main thread before it starts any thread:
 * with CAP_SETPCAP still held, empty the bounding set and lock
 * SECBIT_NOROOT (an exec can give no capability back, not even to uid 0);
 * clear the ambient set; set no_new_privs (no set-user-ID or file
 * capability gains at exec); then caps_limit_thread(keep).  Without
 * CAP_SETPCAP (not root) the first step is skipped.  Every step is tried
 * even when one before it failed.  Returns 0, or the first step's negative
 * errno (the sets are then reduced as far as they could be).
 */
int caps_drop_process(uint64_t keep);

/* Write the names of the capabilities in mask ("cap_kill,cap_setuid",
 * or "none") to buf. */
void caps_names(uint64_t mask, char *buf, size_t len);

/*
 * Is the procfs mounted at path (as /proc/self/mountinfo tells) mounted
 * with hidepid and a gid= that the calling process is not in, so that
 * without CAP_SYS_PTRACE other users' processes are hidden from it?
 * Reads a file: for start-up.
 */
bool caps_procfs_hides_pids(const char *path);

/* The calling thread's effective set as a mask (from capget), or 0 on error. */
uint64_t caps_effective(void);

#endif
