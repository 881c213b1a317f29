/*
 * caps: give up Linux capabilities without libcap (raw capget/capset).
 *
 * Capabilities belong to a thread, not a process: caps_limit_thread only
 * changes the calling thread (and the threads it creates afterwards).  The
 * traffic-class capture thread calls it first thing with keep = 0: its
 * packet sockets are open by then, and reading them needs no privilege.
 *
 * TODO(hardening): the elim's main thread still runs with the full set of a
 * root process.  Nothing the main loop does after start-up needs one (it
 * reads world-readable /proc and /sys files, and writes its own state
 * directory as uid 0, the owner).  A process-wide drop must run in every
 * thread, or in the main thread after the last sampler's init and before
 * any other thread is created; keep CAP_NET_RAW only if captures are ever
 * to be reopened (an interface that comes back).  Then also set
 * PR_SET_NO_NEW_PRIVS and drop the bounding set (PR_CAPBSET_DROP, which
 * needs CAP_SETPCAP, so before the capset).
 */
#ifndef ELIM_RANK_CAPS_H
#define ELIM_RANK_CAPS_H

#include <stdint.h>

/* The bit of capability n (CAP_NET_RAW is 13) in a keep mask. */
#define CAPS_BIT(n) (UINT64_C(1) << (n))

/*
 * Reduce the calling thread's effective, permitted and inheritable sets to
 * those in keep (a mask of CAPS_BIT()s; bits not held stay off).
 * Returns 0 or a negative errno.
 */
int caps_limit_thread(uint64_t keep);

/* The calling thread's effective set as a mask (from capget), or 0 on error. */
uint64_t caps_effective(void);

#endif
