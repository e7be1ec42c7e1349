/* SPDX-License-Identifier: BSD-3-Clause */
/* icmpkit guard's XDP backend (built when libbpf and clang are found). */
#ifndef ICMPKIT_GUARD_XDP_H
#define ICMPKIT_GUARD_XDP_H

/*
 * Loads object_path, sets the per-source echo bucket (rate_pps, burst) and
 * the interface's broadcast addresses, attaches to ifname (native XDP, else
 * generic), runs until SIGINT/SIGTERM or `seconds` (0: no limit), prints
 * the counters and detaches. Returns an exit code (0 or 2).
 */
int guard_xdp_run(const char *ifname, const char *object_path, unsigned rate_pps, unsigned burst,
		  unsigned seconds);

/*
 * Prints the counters of icmpkit's XDP program on every interface that has
 * it attached (while `guard xdp` runs). Returns how many it found.
 */
int guard_xdp_status(void);

/* Detaches any XDP program from ifname. Returns an exit code (0 or 2). */
int guard_xdp_detach(const char *ifname);

#endif
