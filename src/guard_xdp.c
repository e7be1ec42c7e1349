/* SPDX-License-Identifier: BSD-3-Clause */
/* icmpkit guard xdp: loads bpf/guard.bpf.o with libbpf on one interface, native XDP or generic, and reports its counters. */
#include <errno.h>
#include <linux/if_link.h>
#include <net/if.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "../bpf/guard_xdp_abi.h"
#include "cmd.h"
#include "guard_xdp.h"
#include "icmpkit/addr.h"

#define GX_PROG "icmpkit guard xdp"

static volatile sig_atomic_t gx_stop;

static void gx_on_signal(int sig)
{
	(void)sig;
	gx_stop = 1;
}

/* libbpf's own messages: only its warnings (verifier refusals), not its debug chatter. */
static int gx_libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (level != LIBBPF_WARN)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

/* Puts ifname's IPv4 directed broadcast addresses into cfg. Returns the count or -1. */
static int gx_fill_bcast(struct gx_config *cfg, const char *ifname)
{
	struct ik_addr found[GX_MAX_BCAST + 1];
	int n = if_broadcasts(ifname, found, GX_MAX_BCAST + 1);
	if (n < 0) {
		fprintf(stderr, "%s: getifaddrs: %s\n", GX_PROG, strerror(errno));
		return -1;
	}
	if (n > GX_MAX_BCAST) {
		fprintf(stderr, "%s: %s has more than %d IPv4 subnets: echo to the broadcasts of "
				"the others is not dropped here (the nftables plan drops it)\n",
			GX_PROG, ifname, GX_MAX_BCAST);
		n = GX_MAX_BCAST;
	}
	for (int i = 0; i < n; i++)
		memcpy(&cfg->bcast[i], found[i].bytes, sizeof cfg->bcast[i]); /* network order */
	cfg->bcast_count = (__u32)n;
	return n;
}

static void gx_print_counters(int stats_fd)
{
	static const char *const names[GX_COUNTERS] = {
		"passed (not an echo flood)",
		"dropped: echo over the per-source rate",
		"dropped: fragment reassembling past 65535 (ping of death)",
		"dropped: echo to broadcast/multicast",
	};
	int ncpu = libbpf_num_possible_cpus();
	if (ncpu <= 0 || ncpu > 4096)
		return;
	__u64 values[4096];
	for (__u32 i = 0; i < GX_COUNTERS; i++) {
		unsigned long long sum = 0;
		if (bpf_map_lookup_elem(stats_fd, &i, values) == 0) {
			for (int c = 0; c < ncpu; c++)
				sum += values[c];
		}
		printf("%12llu  %s\n", sum, names[i]);
	}
}

/*
 * The stats map of the icmpkit program attached to ifindex, found through
 * the kernel (program id -> its maps), so nothing needs pinning in a bpffs
 * that lab namespaces and containers may not have. Returns an fd or -1.
 */
static int gx_find_stats(unsigned ifindex, const char **mode)
{
	struct bpf_xdp_query_opts q = {.sz = sizeof q};
	if (bpf_xdp_query((int)ifindex, 0, &q) < 0 || q.prog_id == 0)
		return -1;
	*mode = q.attach_mode == XDP_ATTACHED_DRV   ? "native"
		: q.attach_mode == XDP_ATTACHED_SKB ? "generic"
						    : "other";
	int prog_fd = bpf_prog_get_fd_by_id(q.prog_id);
	if (prog_fd < 0)
		return -1;
	__u32 map_ids[16];
	struct bpf_prog_info info;
	memset(&info, 0, sizeof info);
	info.nr_map_ids = 16;
	info.map_ids = (__u64)(unsigned long)map_ids;
	__u32 len = sizeof info;
	int found = -1;
	if (bpf_obj_get_info_by_fd(prog_fd, &info, &len) == 0 &&
	    strncmp(info.name, "icmpkit_guard", sizeof info.name) == 0) {
		for (__u32 i = 0; i < info.nr_map_ids && i < 16 && found < 0; i++) {
			int map_fd = bpf_map_get_fd_by_id(map_ids[i]);
			struct bpf_map_info minfo;
			memset(&minfo, 0, sizeof minfo);
			__u32 mlen = sizeof minfo;
			if (map_fd >= 0 && bpf_obj_get_info_by_fd(map_fd, &minfo, &mlen) == 0 &&
			    strcmp(minfo.name, "gx_stats") == 0)
				found = map_fd;
			else if (map_fd >= 0)
				close(map_fd);
		}
	}
	close(prog_fd);
	return found;
}

int guard_xdp_status(void)
{
	struct if_nameindex *ifs = if_nameindex();
	int shown = 0;
	for (struct if_nameindex *i = ifs; i && i->if_index; i++) {
		const char *mode = "";
		int fd = gx_find_stats(i->if_index, &mode);
		if (fd < 0)
			continue;
		printf("XDP on %s (%s):\n", i->if_name, mode);
		gx_print_counters(fd);
		close(fd);
		shown++;
	}
	if (ifs)
		if_freenameindex(ifs);
	return shown;
}

int guard_xdp_detach(const char *ifname)
{
	unsigned ifindex = if_nametoindex(ifname);
	if (ifindex == 0) {
		fprintf(stderr, "%s: %s: no such interface\n", GX_PROG, ifname);
		return 2;
	}
	int rc_drv = bpf_xdp_detach((int)ifindex, XDP_FLAGS_DRV_MODE, NULL);
	int rc_skb = bpf_xdp_detach((int)ifindex, XDP_FLAGS_SKB_MODE, NULL);
	if (rc_drv < 0 && rc_skb < 0) {
		fprintf(stderr, "%s: %s: detach: %s\n", GX_PROG, ifname, strerror(-rc_drv));
		return 2;
	}
	printf("XDP detached from %s\n", ifname);
	return 0;
}

int guard_xdp_run(const char *ifname, const char *object_path, unsigned rate_pps, unsigned burst,
		  unsigned seconds)
{
	unsigned ifindex = if_nametoindex(ifname);
	if (ifindex == 0) {
		fprintf(stderr, "%s: %s: no such interface\n", GX_PROG, ifname);
		return 2;
	}
	libbpf_set_print(gx_libbpf_print);
	struct bpf_object *obj = bpf_object__open_file(object_path, NULL);
	if (!obj) {
		fprintf(stderr, "%s: %s: %s\n", GX_PROG, object_path, strerror(errno));
		return 2;
	}
	int status = 2;
	int err = bpf_object__load(obj);
	if (err) {
		fprintf(stderr, "%s: loading %s: %s\n", GX_PROG, object_path, strerror(-err));
		goto out;
	}
	struct bpf_program *prog = bpf_object__find_program_by_name(obj, "icmpkit_guard");
	int conf_fd = bpf_object__find_map_fd_by_name(obj, "gx_conf");
	int stats_fd = bpf_object__find_map_fd_by_name(obj, "gx_stats");
	if (!prog || conf_fd < 0 || stats_fd < 0) {
		fprintf(stderr, "%s: %s: program or maps missing\n", GX_PROG, object_path);
		goto out;
	}
	__u32 zero = 0;
	struct gx_config cfg = {.rate_pps = rate_pps, .burst = burst};
	if (gx_fill_bcast(&cfg, ifname) < 0)
		goto out; /* it said why */
	if (bpf_map_update_elem(conf_fd, &zero, &cfg, BPF_ANY) < 0) {
		fprintf(stderr, "%s: configuring maps: %s\n", GX_PROG, strerror(errno));
		goto out;
	}
	int prog_fd = bpf_program__fd(prog);
	/* Native XDP where the driver has it (veth does), else generic. */
	__u32 mode = XDP_FLAGS_DRV_MODE;
	err = bpf_xdp_attach((int)ifindex, prog_fd, XDP_FLAGS_UPDATE_IF_NOEXIST | mode, NULL);
	if (err) {
		mode = XDP_FLAGS_SKB_MODE;
		err = bpf_xdp_attach((int)ifindex, prog_fd, XDP_FLAGS_UPDATE_IF_NOEXIST | mode, NULL);
	}
	if (err) {
		fprintf(stderr, "%s: %s: attach: %s%s\n", GX_PROG, ifname, strerror(-err),
			err == -EBUSY || err == -EEXIST ? " (another XDP program is attached)" : "");
		goto out;
	}
	printf("XDP attached to %s (%s), %u echo/s per source, burst %u\n", ifname,
	       mode == XDP_FLAGS_DRV_MODE ? "native" : "generic", rate_pps, burst);
	fflush(stdout);

	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = gx_on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	struct timespec start, now;
	clock_gettime(CLOCK_MONOTONIC, &start);
	while (!gx_stop) {
		struct timespec tick = {0, 100 * 1000 * 1000};
		nanosleep(&tick, NULL);
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (seconds && now.tv_sec - start.tv_sec >= (time_t)seconds)
			break;
	}
	gx_print_counters(stats_fd);
	err = bpf_xdp_detach((int)ifindex, mode, NULL);
	if (err) {
		fprintf(stderr, "%s: %s: detach: %s\n", GX_PROG, ifname, strerror(-err));
		goto out;
	}
	printf("XDP detached from %s\n", ifname);
	status = 0;
out:
	bpf_object__close(obj);
	return status;
}
