/* SPDX-License-Identifier: BSD-3-Clause */
/* icmpkit lab: builds, lists, enters and removes real test networks made of network namespaces. */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cmd.h"
#include "icmpkit/icmpkit.h"
#include "icmpkit/topo.h"

#define LAB_RUN_DIR "/run/icmpkit"
#define LAB_NETNS_DIR "/run/netns"
#define LAB_NAME_MAX 12          /* lab names: 1..12 of [a-z0-9_], starting with a letter */
#define LAB_TOPO_MAX_BYTES (1 << 20)
#define LAB_STATE_LINE 512
#define LAB_ERR_SIZE 512
#define LAB_DELAYER_READY_MS 5000
#define LAB_DELAYER_STOP_MS 2000
#define LAB_NFT_TABLE "icmpkit_lab"

extern char **environ;

/* Set by the signal handler only; read between steps (STYLE: handlers do no work). */
static volatile sig_atomic_t lab_signal;

static void lab_on_signal(int sig)
{
	lab_signal = sig;
}

/* What `up` and `run` are told to build. */
struct lab_ctx {
	char name[LAB_NAME_MAX + 1];
	char state_path[PATH_MAX];
	char topo_path[PATH_MAX];
	FILE *state; /* open for appending while building */
	struct ik_topo *topo;
	char exe_dir[PATH_MAX];
	char err[LAB_ERR_SIZE]; /* reason of the last failed step */
};

/* A lab as its state file describes it. */
struct lab_state_node {
	char node[IK_TOPO_NAME_SIZE];
	char kind[8];
	char ns[LAB_NAME_MAX + IK_TOPO_NAME_SIZE + 2];
};

struct lab_state_addr {
	char node[IK_TOPO_NAME_SIZE];
	char ifname[IK_TOPO_IFNAME_SIZE];
	char prefix[IK_ADDR_STRLEN + 5];
};

struct lab_state_pid {
	pid_t pid;
	unsigned long long start_time;
	char node[IK_TOPO_NAME_SIZE];
};

struct lab_state {
	char name[LAB_NAME_MAX + 1];
	char topology[PATH_MAX];
	struct lab_state_node *nodes;
	size_t node_count;
	struct lab_state_addr *addrs;
	size_t addr_count;
	struct lab_state_pid *pids;
	size_t pid_count;
};

/* Copies a string, truncating to cap - 1 bytes; fields in state files are bounded. */
static void lab_copy(char *dst, size_t cap, const char *src)
{
	size_t len = strnlen(src, cap - 1);
	memcpy(dst, src, len);
	dst[len] = '\0';
}

__attribute__((format(printf, 1, 2))) static void lab_warn(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("icmpkit: lab: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

static bool lab_is_name(const char *s)
{
	size_t len = strlen(s);
	if (len == 0 || len > LAB_NAME_MAX || !islower((unsigned char)s[0]))
		return false;
	for (size_t i = 0; i < len; i++) {
		if (!islower((unsigned char)s[i]) && !isdigit((unsigned char)s[i]) && s[i] != '_')
			return false;
	}
	return true;
}

static void lab_state_path(const char *name, char *out, size_t cap)
{
	snprintf(out, cap, "%s/%s.state", LAB_RUN_DIR, name);
}

static bool lab_need_root(void)
{
	if (geteuid() == 0)
		return true;
	lab_warn("must run as root: it creates network namespaces (try sudo)");
	return false;
}

/* ---- running helpers ---------------------------------------------------- */

/* Enters a lab namespace; with remount_sys also gives /sys the namespace's view (as `ip netns exec`). */
static int lab_enter_ns(const char *ns, bool remount_sys)
{
	char path[PATH_MAX];
	snprintf(path, sizeof path, "%s/%s", LAB_NETNS_DIR, ns);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	int rc = setns(fd, CLONE_NEWNET);
	int saved = errno;
	close(fd);
	errno = saved;
	if (rc < 0)
		return -1;
	/*
	 * Best effort: tools that list interfaces through /sys (libpcap) must see
	 * this namespace's, so remount sysfs in a private mount namespace.
	 */
	if (remount_sys && unshare(CLONE_NEWNS) == 0 &&
	    mount("none", "/", NULL, MS_SLAVE | MS_REC, NULL) == 0 &&
	    umount2("/sys", MNT_DETACH) == 0)
		(void)mount(ns, "/sys", "sysfs", 0, NULL);
	return 0;
}

/* What a child does after fork: run argv or write one sysctl. */
struct lab_job {
	const char *ns;          /* NULL: the current namespace */
	char *const *argv;       /* a program */
	const char *sysctl_key;  /* or a sysctl write (dotted key) */
	const char *sysctl_value;
};

static void lab_job_child(const struct lab_job *job)
{
	if (job->ns && lab_enter_ns(job->ns, false) < 0) {
		fprintf(stderr, "cannot enter namespace %s: %s\n", job->ns, strerror(errno));
		_exit(126);
	}
	if (job->argv) {
		execvp(job->argv[0], job->argv);
		fprintf(stderr, "%s: %s\n", job->argv[0], strerror(errno));
		_exit(127);
	}
	/* /proc/sys/net reflects the namespace of the process that opens it. */
	char path[PATH_MAX] = "/proc/sys/";
	size_t off = strlen(path);
	for (const char *k = job->sysctl_key; *k && off + 1 < sizeof path; k++)
		path[off++] = *k == '.' ? '/' : *k;
	path[off] = '\0';
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		_exit(1);
	}
	size_t len = strlen(job->sysctl_value);
	if (write(fd, job->sysctl_value, len) != (ssize_t)len) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		_exit(1);
	}
	_exit(close(fd) == 0 ? 0 : 1);
}

/*
 * Runs a job to completion, its stdout and stderr captured; on failure the
 * first line of its output goes into err. Returns 0 or -1.
 */
static int lab_job_run(const struct lab_job *job, char *err, size_t err_cap)
{
	int pfd[2];
	if (pipe2(pfd, O_CLOEXEC) < 0) {
		snprintf(err, err_cap, "pipe: %s", strerror(errno));
		return -1;
	}
	pid_t pid = fork();
	if (pid < 0) {
		snprintf(err, err_cap, "fork: %s", strerror(errno));
		close(pfd[0]);
		close(pfd[1]);
		return -1;
	}
	if (pid == 0) {
		int devnull = open("/dev/null", O_RDONLY);
		if (devnull >= 0)
			dup2(devnull, STDIN_FILENO);
		dup2(pfd[1], STDOUT_FILENO);
		dup2(pfd[1], STDERR_FILENO);
		lab_job_child(job);
	}
	close(pfd[1]);
	char out[LAB_ERR_SIZE];
	size_t out_len = 0;
	for (;;) {
		char chunk[256];
		ssize_t n = read(pfd[0], chunk, sizeof chunk);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		size_t take = (size_t)n;
		if (take > sizeof out - 1 - out_len)
			take = sizeof out - 1 - out_len;
		memcpy(out + out_len, chunk, take);
		out_len += take;
	}
	out[out_len] = '\0';
	close(pfd[0]);
	int status;
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			snprintf(err, err_cap, "waitpid: %s", strerror(errno));
			return -1;
		}
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	char *nl = strchr(out, '\n');
	if (nl)
		*nl = '\0';
	if (out[0])
		snprintf(err, err_cap, "%s", out);
	else if (WIFEXITED(status))
		snprintf(err, err_cap, "exit status %d", WEXITSTATUS(status));
	else
		snprintf(err, err_cap, "killed by signal %d", WTERMSIG(status));
	return -1;
}

/* Runs a NULL-terminated argument list in namespace ns (or here when NULL). */
static int lab_cmd(struct lab_ctx *ctx, const char *ns, const char *first, ...)
{
	const char *argv[64];
	size_t n = 0;
	va_list ap;
	va_start(ap, first);
	for (const char *a = first; a && n < 63; a = va_arg(ap, const char *))
		argv[n++] = a;
	va_end(ap);
	argv[n] = NULL;
	char reason[LAB_ERR_SIZE];
	struct lab_job job = {.ns = ns, .argv = (char *const *)argv};
	if (lab_job_run(&job, reason, sizeof reason) == 0)
		return 0;
	/* Name the command in the error, e.g. "ik1-r1: ip route add ...: reason". */
	char what[256] = "";
	size_t off = 0;
	for (size_t i = 0; i < n && off + 2 < sizeof what; i++) {
		int w = snprintf(what + off, sizeof what - off, "%s%s", i ? " " : "", argv[i]);
		if (w < 0)
			break;
		off += (size_t)w;
	}
	snprintf(ctx->err, sizeof ctx->err, "%s: %.200s: %.250s", ns ? ns : "host", what, reason);
	return -1;
}

static int lab_sysctl(struct lab_ctx *ctx, const char *ns, const char *key, const char *value)
{
	char reason[LAB_ERR_SIZE];
	struct lab_job job = {.ns = ns, .sysctl_key = key, .sysctl_value = value};
	if (lab_job_run(&job, reason, sizeof reason) == 0)
		return 0;
	snprintf(ctx->err, sizeof ctx->err, "%.40s: sysctl %.95s=%.63s: %.300s", ns, key, value, reason);
	return -1;
}

/* ---- state files -------------------------------------------------------- */

static void lab_state_free(struct lab_state *st)
{
	free(st->nodes);
	free(st->addrs);
	free(st->pids);
	memset(st, 0, sizeof *st);
}

static void *lab_grow(void *arr, size_t count, size_t size)
{
	/* Doubling at powers of two keeps appends amortised O(1). */
	if (count & (count - 1))
		return arr;
	size_t cap = count ? count * 2 : 8;
	return realloc(arr, cap * size);
}

/*
 * Reads a state file. The file is written by this tool, but it sits in
 * /run, so every line is still parsed with bounds. Returns 0 or -1 (errno).
 */
static int lab_state_read(const char *name, struct lab_state *st)
{
	memset(st, 0, sizeof *st);
	char path[PATH_MAX];
	lab_state_path(name, path, sizeof path);
	FILE *f = fopen(path, "re");
	if (!f)
		return -1;
	lab_copy(st->name, sizeof st->name, name);
	char line[LAB_STATE_LINE];
	while (fgets(line, sizeof line, f)) {
		char a[PATH_MAX], b[64], c[64];
		if (sscanf(line, "topology %4095s", a) == 1) {
			lab_copy(st->topology, sizeof st->topology, a);
		} else if (sscanf(line, "ns %63s %63s %63s", a, b, c) == 3) {
			void *p = lab_grow(st->nodes, st->node_count, sizeof *st->nodes);
			if (!p)
				break;
			st->nodes = p;
			struct lab_state_node *n = &st->nodes[st->node_count++];
			lab_copy(n->ns, sizeof n->ns, a);
			lab_copy(n->node, sizeof n->node, b);
			lab_copy(n->kind, sizeof n->kind, c);
		} else if (sscanf(line, "addr %63s %63s %63s", a, b, c) == 3) {
			void *p = lab_grow(st->addrs, st->addr_count, sizeof *st->addrs);
			if (!p)
				break;
			st->addrs = p;
			struct lab_state_addr *ad = &st->addrs[st->addr_count++];
			lab_copy(ad->node, sizeof ad->node, a);
			lab_copy(ad->ifname, sizeof ad->ifname, b);
			lab_copy(ad->prefix, sizeof ad->prefix, c);
		} else {
			long long pid;
			unsigned long long start;
			if (sscanf(line, "pid %lld %llu %63s", &pid, &start, b) == 3 && pid > 1 &&
			    pid < INT_MAX) {
				void *p = lab_grow(st->pids, st->pid_count, sizeof *st->pids);
				if (!p)
					break;
				st->pids = p;
				struct lab_state_pid *sp = &st->pids[st->pid_count++];
				sp->pid = (pid_t)pid;
				sp->start_time = start;
				lab_copy(sp->node, sizeof sp->node, b);
			}
		}
	}
	fclose(f);
	return 0;
}

/* Collects the names of every lab with a state file; returns the count or -1. */
static int lab_list_names(char (*names)[LAB_NAME_MAX + 1], int cap)
{
	DIR *d = opendir(LAB_RUN_DIR);
	if (!d)
		return errno == ENOENT ? 0 : -1;
	int n = 0;
	struct dirent *de;
	while ((de = readdir(d))) {
		size_t len = strlen(de->d_name);
		if (len <= 6 || strcmp(de->d_name + len - 6, ".state") != 0)
			continue;
		char name[64];
		if (len - 6 >= sizeof name)
			continue;
		memcpy(name, de->d_name, len - 6);
		name[len - 6] = '\0';
		if (!lab_is_name(name))
			continue;
		if (n < cap)
			lab_copy(names[n], sizeof names[n], name);
		n++;
	}
	closedir(d);
	return n < cap ? n : cap;
}

/* Picks the lab: --name, else $ICMPKIT_LAB, else the only one up. */
static int lab_resolve_name(const char *given, char *out)
{
	if (!given || !*given)
		given = getenv("ICMPKIT_LAB");
	if (given && *given) {
		if (!lab_is_name(given)) {
			lab_warn("'%s' is not a lab name", given);
			return -1;
		}
		lab_copy(out, LAB_NAME_MAX + 1, given);
		return 0;
	}
	char names[2][LAB_NAME_MAX + 1];
	int n = lab_list_names(names, 2);
	if (n == 1) {
		lab_copy(out, LAB_NAME_MAX + 1, names[0]);
		return 0;
	}
	lab_warn(n == 0 ? "no lab is up" : "several labs are up: say which with --name NAME");
	return -1;
}

/* The kernel's start time of a process (clock ticks since boot), 0 when gone. */
static unsigned long long lab_start_time(pid_t pid, char *state_out)
{
	char path[64], buf[1024];
	snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	ssize_t n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	/* comm may hold spaces and parentheses: fields resume after the last ')'. */
	char *p = strrchr(buf, ')');
	if (!p || p[1] != ' ')
		return 0;
	p += 2;
	if (state_out)
		*state_out = *p;
	for (int field = 3; field < 22; field++) {
		p = strchr(p, ' ');
		if (!p)
			return 0;
		p++;
	}
	return strtoull(p, NULL, 10);
}

/* True while the process recorded as (pid, start) still runs (not a reused pid). */
static bool lab_pid_alive(pid_t pid, unsigned long long start)
{
	char st = 0;
	(void)waitpid(pid, NULL, WNOHANG); /* reap it if it is our own child */
	unsigned long long now = lab_start_time(pid, &st);
	return now != 0 && now == start && st != 'Z' && st != 'X';
}

/* Stops exactly the recorded delayer: SIGTERM, a grace period, then SIGKILL. */
static void lab_stop_pid(const struct lab_state_pid *sp)
{
	if (!lab_pid_alive(sp->pid, sp->start_time))
		return;
	kill(sp->pid, SIGTERM);
	for (int waited = 0; waited < LAB_DELAYER_STOP_MS; waited += 20) {
		if (!lab_pid_alive(sp->pid, sp->start_time))
			return;
		nanosleep(&(struct timespec){0, 20 * 1000 * 1000}, NULL);
	}
	if (lab_pid_alive(sp->pid, sp->start_time)) {
		lab_warn("delayer %d on %s ignored SIGTERM: killing it", (int)sp->pid, sp->node);
		kill(sp->pid, SIGKILL);
		(void)waitpid(sp->pid, NULL, 0);
	}
}

/* Removes everything a state file lists, then the file. Idempotent. Returns 0 or -1. */
static int lab_teardown(const char *name)
{
	struct lab_state st;
	char path[PATH_MAX];
	lab_state_path(name, path, sizeof path);
	if (lab_state_read(name, &st) < 0)
		return errno == ENOENT ? 0 : -1;
	int rc = 0;
	for (size_t i = 0; i < st.pid_count; i++)
		lab_stop_pid(&st.pids[i]);
	for (size_t i = 0; i < st.node_count; i++) {
		char ns_path[PATH_MAX];
		snprintf(ns_path, sizeof ns_path, "%s/%s", LAB_NETNS_DIR, st.nodes[i].ns);
		if (access(ns_path, F_OK) != 0)
			continue;
		struct lab_ctx tmp;
		memset(&tmp, 0, sizeof tmp);
		if (lab_cmd(&tmp, NULL, "ip", "netns", "delete", st.nodes[i].ns, NULL) < 0) {
			lab_warn("%s", tmp.err);
			rc = -1;
		}
	}
	lab_state_free(&st);
	if (rc == 0 && unlink(path) < 0 && errno != ENOENT)
		rc = -1;
	return rc;
}

/* ---- building ----------------------------------------------------------- */

__attribute__((format(printf, 2, 3))) static int lab_record(struct lab_ctx *ctx, const char *fmt,
							     ...)
{
	va_list ap;
	va_start(ap, fmt);
	vfprintf(ctx->state, fmt, ap);
	va_end(ap);
	/* Flushed at once: `down` must find what a crashed `up` had made. */
	if (fputc('\n', ctx->state) == EOF || fflush(ctx->state) != 0) {
		snprintf(ctx->err, sizeof ctx->err, "%.300s: %s", ctx->state_path, strerror(errno));
		return -1;
	}
	return 0;
}

static void lab_ns_name(const struct lab_ctx *ctx, size_t node, char *out, size_t cap)
{
	snprintf(out, cap, "%s-%s", ctx->name, ik_topo_node(ctx->topo, node)->name);
}

static const char *lab_kind_name(enum ik_topo_node_kind kind)
{
	return kind == IK_TOPO_ROUTER ? "router" : kind == IK_TOPO_LAN ? "lan" : "host";
}

static int lab_make_nodes(struct lab_ctx *ctx)
{
	size_t count = ik_topo_node_count(ctx->topo);
	for (size_t i = 0; i < count; i++) {
		const struct ik_topo_node *n = ik_topo_node(ctx->topo, i);
		char ns[64], path[PATH_MAX];
		lab_ns_name(ctx, i, ns, sizeof ns);
		snprintf(path, sizeof path, "%s/%s", LAB_NETNS_DIR, ns);
		/* Never adopt (and later delete) a namespace this lab did not make. */
		if (access(path, F_OK) == 0) {
			snprintf(ctx->err, sizeof ctx->err, "namespace %s exists already", ns);
			return -1;
		}
		if (lab_record(ctx, "ns %s %s %s", ns, n->name, lab_kind_name(n->kind)) < 0 ||
		    lab_cmd(ctx, NULL, "ip", "netns", "add", ns, NULL) < 0 ||
		    lab_cmd(ctx, ns, "ip", "link", "set", "dev", "lo", "up", NULL) < 0)
			return -1;
		/* Addresses usable at once: no duplicate address detection (RFC 4862 5.4). */
		if (lab_sysctl(ctx, ns, "net.ipv6.conf.all.accept_dad", "0") < 0 ||
		    lab_sysctl(ctx, ns, "net.ipv6.conf.default.accept_dad", "0") < 0 ||
		    lab_sysctl(ctx, ns, "net.ipv6.conf.default.accept_ra", "0") < 0)
			return -1;
		int fwd = n->kind == IK_TOPO_ROUTER;
		if (lab_sysctl(ctx, ns, "net.ipv4.ip_forward", fwd ? "1" : "0") < 0 ||
		    lab_sysctl(ctx, ns, "net.ipv6.conf.all.forwarding", fwd ? "1" : "0") < 0)
			return -1;
		if (n->kind == IK_TOPO_LAN) {
			/* A switch speaks no IP of its own: it only bridges its ports. */
			if (lab_sysctl(ctx, ns, "net.ipv6.conf.default.disable_ipv6", "1") < 0 ||
			    lab_cmd(ctx, ns, "ip", "link", "add", "br0", "type", "bridge", "stp_state",
				    "0", NULL) < 0 ||
			    lab_cmd(ctx, ns, "ip", "link", "set", "dev", "br0", "up", NULL) < 0)
				return -1;
		}
		if (lab_signal)
			return -1;
	}
	return 0;
}

static int lab_add_addr(struct lab_ctx *ctx, const char *ns, const struct ik_topo_node *node,
			const char *ifname, const struct ik_topo_prefix *p)
{
	if (p->addr.family == 0)
		return 0;
	char addr[IK_ADDR_STRLEN], prefix[IK_ADDR_STRLEN + 5];
	if (ik_addr_format(&p->addr, addr, sizeof addr) < 0)
		return -1;
	snprintf(prefix, sizeof prefix, "%s/%u", addr, p->len);
	if (lab_record(ctx, "addr %s %s %s", node->name, ifname, prefix) < 0)
		return -1;
	if (p->addr.family == 6)
		return lab_cmd(ctx, ns, "ip", "-6", "addr", "add", prefix, "dev", ifname, "nodad",
			       NULL);
	return lab_cmd(ctx, ns, "ip", "-4", "addr", "add", prefix, "dev", ifname, NULL);
}

static int lab_make_links(struct lab_ctx *ctx)
{
	for (size_t i = 0; i < ik_topo_link_count(ctx->topo); i++) {
		const struct ik_topo_link *l = ik_topo_link(ctx->topo, i);
		char ns[2][64], mtu[16];
		for (int s = 0; s < 2; s++)
			lab_ns_name(ctx, l->end[s].node, ns[s], sizeof ns[s]);
		/*
		 * Both ends are made inside lab namespaces: the pair never exists in
		 * the host's namespace, even for a moment, so nothing can leak there.
		 */
		if (lab_cmd(ctx, ns[0], "ip", "link", "add", "name", l->end[0].ifname, "type", "veth",
			    "peer", "name", l->end[1].ifname, "netns", ns[1], NULL) < 0)
			return -1;
		for (int s = 0; s < 2; s++) {
			const struct ik_topo_end *e = &l->end[s];
			const struct ik_topo_node *n = ik_topo_node(ctx->topo, e->node);
			if (l->mtu) {
				snprintf(mtu, sizeof mtu, "%u", l->mtu);
				if (lab_cmd(ctx, ns[s], "ip", "link", "set", "dev", e->ifname, "mtu", mtu,
					    NULL) < 0)
					return -1;
			}
			if (n->kind == IK_TOPO_LAN) {
				if (lab_cmd(ctx, ns[s], "ip", "link", "set", "dev", e->ifname, "master",
					    "br0", "up", NULL) < 0)
					return -1;
				continue;
			}
			if (lab_cmd(ctx, ns[s], "ip", "link", "set", "dev", e->ifname, "up", NULL) < 0 ||
			    lab_add_addr(ctx, ns[s], n, e->ifname, &e->addr4) < 0 ||
			    lab_add_addr(ctx, ns[s], n, e->ifname, &e->addr6) < 0)
				return -1;
		}
		if (lab_signal)
			return -1;
	}
	return 0;
}

static int lab_make_route(struct lab_ctx *ctx, const struct ik_topo_route *r)
{
	char ns[64], dst[IK_ADDR_STRLEN + 5], addr[IK_ADDR_STRLEN];
	char gws[IK_TOPO_MAX_NEXTHOPS][IK_ADDR_STRLEN];
	lab_ns_name(ctx, r->node, ns, sizeof ns);
	if (ik_addr_format(&r->dst.addr, addr, sizeof addr) < 0) {
		snprintf(ctx->err, sizeof ctx->err, "bad route destination");
		return -1;
	}
	snprintf(dst, sizeof dst, "%s/%u", addr, r->dst.len);
	const char *argv[8 + 3 * IK_TOPO_MAX_NEXTHOPS];
	size_t n = 0;
	argv[n++] = "ip";
	argv[n++] = r->dst.addr.family == 6 ? "-6" : "-4";
	argv[n++] = "route";
	argv[n++] = "add";
	if (r->kind == IK_TOPO_ROUTE_UNREACHABLE)
		argv[n++] = "unreachable";
	else if (r->kind == IK_TOPO_ROUTE_PROHIBIT)
		argv[n++] = "prohibit";
	else if (r->kind == IK_TOPO_ROUTE_BLACKHOLE)
		argv[n++] = "blackhole";
	argv[n++] = dst;
	for (size_t i = 0; r->kind == IK_TOPO_ROUTE_VIA && i < r->nexthop_count; i++) {
		if (ik_addr_format(&r->nexthop[i], gws[i], sizeof gws[i]) < 0)
			return -1;
		if (r->nexthop_count > 1)
			argv[n++] = "nexthop";
		argv[n++] = "via";
		argv[n++] = gws[i];
	}
	argv[n] = NULL;
	char reason[LAB_ERR_SIZE];
	struct lab_job job = {.ns = ns, .argv = (char *const *)argv};
	/* A fresh link's prefix route can lag its address by a moment: retry briefly. */
	for (int attempt = 0; attempt < 20; attempt++) {
		if (lab_job_run(&job, reason, sizeof reason) == 0)
			return 0;
		if (!strstr(reason, "gateway") && !strstr(reason, "unreachable"))
			break;
		nanosleep(&(struct timespec){0, 50 * 1000 * 1000}, NULL);
	}
	snprintf(ctx->err, sizeof ctx->err, "%s: route %s: %.300s", ns, dst, reason);
	return -1;
}

static int lab_make_sysctls(struct lab_ctx *ctx)
{
	for (size_t i = 0; i < ik_topo_sysctl_count(ctx->topo); i++) {
		const struct ik_topo_sysctl *s = ik_topo_sysctl(ctx->topo, i);
		char ns[64];
		lab_ns_name(ctx, s->node, ns, sizeof ns);
		if (lab_sysctl(ctx, ns, s->key, s->value) < 0)
			return -1;
	}
	return 0;
}

/* Creates the node's nftables table and postrouting chain once. */
static int lab_nft_chain(struct lab_ctx *ctx, const char *ns)
{
	if (lab_cmd(ctx, ns, "nft", "list", "chain", "inet", LAB_NFT_TABLE, "post", NULL) == 0)
		return 0;
	return lab_cmd(ctx, ns, "nft", "add", "table", "inet", LAB_NFT_TABLE, NULL) < 0 ||
			       lab_cmd(ctx, ns, "nft", "add", "chain", "inet", LAB_NFT_TABLE, "post",
				       "{", "type", "filter", "hook", "postrouting", "priority", "0",
				       ";", "policy", "accept", ";", "}", NULL) < 0
		       ? -1
		       : 0;
}

static int lab_make_loss(struct lab_ctx *ctx, const char *ns, const struct ik_topo_shape *s)
{
	char pct[16], ifq[IK_TOPO_IFNAME_SIZE + 2];
	snprintf(pct, sizeof pct, "%u", s->value);
	/* Every interface but loopback: the node's own traffic to itself is not on a wire. */
	snprintf(ifq, sizeof ifq, "\"%s\"", s->ifname[0] ? s->ifname : "lo");
	if (lab_nft_chain(ctx, ns) < 0)
		return -1;
	return lab_cmd(ctx, ns, "nft", "add", "rule", "inet", LAB_NFT_TABLE, "post", "oifname",
		       s->ifname[0] ? "==" : "!=", ifq, "numgen", "random", "mod", "100", "<", pct,
		       "counter", "drop", NULL);
}

/* Finds the icmpkit-delayer next to this executable, else in PATH. */
static void lab_delayer_path(const struct lab_ctx *ctx, char *out, size_t cap)
{
	const char *env = getenv("ICMPKIT_DELAYER");
	if (env && *env) {
		lab_copy(out, cap, env);
		return;
	}
	snprintf(out, cap, "%.4000s/icmpkit-delayer", ctx->exe_dir);
	if (access(out, X_OK) != 0)
		snprintf(out, cap, "icmpkit-delayer");
}

/*
 * Starts one delayer inside the node's namespace, in its own session (so a
 * terminal's Ctrl-C reaches `lab run`, which tears it down, not the
 * delayer directly), and waits until it has bound its queue: a queue rule
 * without a listener would drop every packet.
 */
static int lab_start_delayer(struct lab_ctx *ctx, const char *ns, const char *node,
			     unsigned queue, unsigned delay_ms)
{
	char exe[PATH_MAX], qtext[16], dtext[16], ftext[16];
	lab_delayer_path(ctx, exe, sizeof exe);
	int pfd[2];
	if (pipe2(pfd, O_CLOEXEC) < 0) {
		snprintf(ctx->err, sizeof ctx->err, "pipe: %s", strerror(errno));
		return -1;
	}
	snprintf(qtext, sizeof qtext, "%u", queue);
	snprintf(dtext, sizeof dtext, "%u", delay_ms);
	snprintf(ftext, sizeof ftext, "%d", pfd[1]);
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0) {
		snprintf(ctx->err, sizeof ctx->err, "fork: %s", strerror(errno));
		close(pfd[0]);
		close(pfd[1]);
		return -1;
	}
	if (pid == 0) {
		setsid();
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		int devnull = open("/dev/null", O_RDWR);
		if (devnull >= 0) {
			dup2(devnull, STDIN_FILENO);
			dup2(devnull, STDOUT_FILENO);
			dup2(devnull, STDERR_FILENO);
		}
		/* The ready pipe must survive exec. */
		int fl = fcntl(pfd[1], F_GETFD);
		if (fl >= 0)
			fcntl(pfd[1], F_SETFD, fl & ~FD_CLOEXEC);
		if (lab_enter_ns(ns, false) < 0)
			_exit(126);
		char *argv[] = {exe, "--queue", qtext, "--delay-ms", dtext, "--ready-fd", ftext, NULL};
		execvp(exe, argv);
		_exit(127);
	}
	close(pfd[1]);
	unsigned long long start = lab_start_time(pid, NULL);
	if (lab_record(ctx, "pid %d %llu %s", (int)pid, start, node) < 0) {
		close(pfd[0]);
		return -1;
	}
	struct pollfd p = {.fd = pfd[0], .events = POLLIN};
	char c = 0;
	int ready = poll(&p, 1, LAB_DELAYER_READY_MS);
	ssize_t got = ready > 0 ? read(pfd[0], &c, 1) : 0;
	close(pfd[0]);
	if (got == 1 && c == 'R')
		return 0;
	int status = 0;
	if (waitpid(pid, &status, WNOHANG) == pid && WIFEXITED(status))
		snprintf(ctx->err, sizeof ctx->err, "%s: delayer %.300s failed to start (exit %d%s)", ns,
			 exe, WEXITSTATUS(status),
			 WEXITSTATUS(status) == 127 ? ": not found; build icmpkit-delayer" : "");
	else
		snprintf(ctx->err, sizeof ctx->err, "%s: delayer %.300s did not become ready", ns, exe);
	return -1;
}

static int lab_make_delay(struct lab_ctx *ctx, const char *ns, const char *node,
			  const struct ik_topo_shape *s, unsigned queue)
{
	if (lab_start_delayer(ctx, ns, node, queue, s->value) < 0)
		return -1;
	char qtext[16], ifq[IK_TOPO_IFNAME_SIZE + 2];
	snprintf(qtext, sizeof qtext, "%u", queue);
	snprintf(ifq, sizeof ifq, "\"%s\"", s->ifname[0] ? s->ifname : "lo");
	if (lab_nft_chain(ctx, ns) < 0)
		return -1;
	if (lab_cmd(ctx, ns, "nft", "add", "rule", "inet", LAB_NFT_TABLE, "post", "oifname",
		    s->ifname[0] ? "==" : "!=", ifq, "queue", "num", qtext, NULL) == 0)
		return 0;
	/* Kernels without nft_queue still have the xtables NFQUEUE target. */
	const char *match = s->ifname[0] ? "-o" : "!";
	for (int v6 = 0; v6 < 2; v6++) {
		const char *tool = v6 ? "ip6tables" : "iptables";
		int rc = s->ifname[0]
				 ? lab_cmd(ctx, ns, tool, "-w", "-t", "mangle", "-A", "POSTROUTING",
					   match, s->ifname, "-j", "NFQUEUE", "--queue-num", qtext,
					   NULL)
				 : lab_cmd(ctx, ns, tool, "-w", "-t", "mangle", "-A", "POSTROUTING",
					   "!", "-o", "lo", "-j", "NFQUEUE", "--queue-num", qtext,
					   NULL);
		if (rc < 0)
			return -1;
	}
	return 0;
}

static int lab_make_shapes(struct lab_ctx *ctx)
{
	size_t count = ik_topo_shape_count(ctx->topo);
	for (size_t i = 0; i < count; i++) {
		const struct ik_topo_shape *s = ik_topo_shape(ctx->topo, i);
		if (s->value == 0)
			continue; /* 0% loss or 0 ms delay: no rule at all */
		char ns[64];
		lab_ns_name(ctx, s->node, ns, sizeof ns);
		const char *node = ik_topo_node(ctx->topo, s->node)->name;
		/* NFQUEUE numbers are per namespace: number this node's delays from 0. */
		unsigned queue = 0;
		for (size_t j = 0; j < i; j++) {
			const struct ik_topo_shape *o = ik_topo_shape(ctx->topo, j);
			queue += o->node == s->node && o->kind == IK_TOPO_DELAY && o->value;
		}
		int rc = s->kind == IK_TOPO_LOSS ? lab_make_loss(ctx, ns, s)
						 : lab_make_delay(ctx, ns, node, s, queue);
		if (rc < 0 || lab_signal)
			return -1;
	}
	return 0;
}

/* Locates TOPOLOGY: a path, or NAME.topo in the lab directories. */
static int lab_find_topology(struct lab_ctx *ctx, const char *arg)
{
	if (strchr(arg, '/') || (strlen(arg) > 5 && strcmp(arg + strlen(arg) - 5, ".topo") == 0)) {
		lab_copy(ctx->topo_path, sizeof ctx->topo_path, arg);
		return 0;
	}
	char dirs[6][PATH_MAX];
	size_t n = 0;
	const char *env = getenv("ICMPKIT_LAB_DIR");
	if (env && *env)
		snprintf(dirs[n++], PATH_MAX, "%s", env);
	/* A build directory sits in or next to the source tree: build/src/icmpkit. */
	snprintf(dirs[n++], PATH_MAX, "%.4000s/../../lab", ctx->exe_dir);
	snprintf(dirs[n++], PATH_MAX, "%.4000s/../lab", ctx->exe_dir);
#ifdef ICMPKIT_SRCDIR
	snprintf(dirs[n++], PATH_MAX, "%s/lab", ICMPKIT_SRCDIR);
#endif
	snprintf(dirs[n++], PATH_MAX, "/usr/local/share/icmpkit/lab");
	snprintf(dirs[n++], PATH_MAX, "/usr/share/icmpkit/lab");
	for (size_t i = 0; i < n; i++) {
		char path[PATH_MAX];
		if (snprintf(path, sizeof path, "%.4000s/%.60s.topo", dirs[i], arg) >= (int)sizeof path)
			continue;
		if (access(path, R_OK) == 0) {
			if (!realpath(path, ctx->topo_path))
				lab_copy(ctx->topo_path, sizeof ctx->topo_path, path);
			return 0;
		}
	}
	lab_warn("topology '%s': no %s.topo in $ICMPKIT_LAB_DIR, %s/../../lab or the install "
		 "directory",
		 arg, arg, ctx->exe_dir);
	return -1;
}

static int lab_load_topology(struct lab_ctx *ctx)
{
	FILE *f = fopen(ctx->topo_path, "re");
	if (!f) {
		lab_warn("%s: %s", ctx->topo_path, strerror(errno));
		return -1;
	}
	char *text = malloc(LAB_TOPO_MAX_BYTES);
	if (!text) {
		fclose(f);
		lab_warn("out of memory");
		return -1;
	}
	size_t len = fread(text, 1, LAB_TOPO_MAX_BYTES, f);
	bool is_too_big = len == LAB_TOPO_MAX_BYTES;
	bool is_bad = ferror(f);
	fclose(f);
	if (is_too_big || is_bad) {
		lab_warn("%s: %s", ctx->topo_path, is_bad ? "read error" : "larger than 1 MiB");
		free(text);
		return -1;
	}
	int rc = ik_topo_parse(ctx->topo, text, len);
	free(text);
	if (rc == IK_ERR_SYNTAX) {
		unsigned line = ik_topo_error_line(ctx->topo);
		if (line)
			lab_warn("%s:%u: %s", ctx->topo_path, line, ik_topo_error_reason(ctx->topo));
		else
			lab_warn("%s: %s", ctx->topo_path, ik_topo_error_reason(ctx->topo));
		return -1;
	}
	if (rc < 0) {
		lab_warn("%s: %s", ctx->topo_path, ik_strerror(rc));
		return -1;
	}
	return 0;
}

static void lab_exe_dir(char *out, size_t cap)
{
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
	if (n <= 0) {
		snprintf(out, cap, ".");
		return;
	}
	self[n] = '\0';
	char *slash = strrchr(self, '/');
	if (slash)
		*slash = '\0';
	lab_copy(out, cap, self);
}

static int lab_pick_name(struct lab_ctx *ctx, const char *given)
{
	if (given) {
		if (!lab_is_name(given)) {
			lab_warn("--name '%s': want 1..%d of [a-z0-9_], starting with a letter", given,
				 LAB_NAME_MAX);
			return -1;
		}
		lab_copy(ctx->name, sizeof ctx->name, given);
		return 0;
	}
	uint16_t r = 0;
	if (getrandom(&r, sizeof r, 0) != (ssize_t)sizeof r)
		r = (uint16_t)(getpid() ^ time(NULL));
	snprintf(ctx->name, sizeof ctx->name, "ik%04x", r);
	return 0;
}

/* Builds the lab described by ctx->topo. On failure removes what it made. Returns 0 or -1. */
static int lab_build(struct lab_ctx *ctx)
{
	if (mkdir(LAB_RUN_DIR, 0755) < 0 && errno != EEXIST) {
		lab_warn("%s: %s", LAB_RUN_DIR, strerror(errno));
		return -1;
	}
	lab_state_path(ctx->name, ctx->state_path, sizeof ctx->state_path);
	/* O_EXCL claims the name: two `up`s with one name cannot both win. */
	int fd = open(ctx->state_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0) {
		if (errno == EEXIST)
			lab_warn("up: a lab named '%s' exists already (icmpkit lab down %s)", ctx->name,
				 ctx->name);
		else
			lab_warn("up: %s: %s", ctx->state_path, strerror(errno));
		return -1;
	}
	ctx->state = fdopen(fd, "w");
	if (!ctx->state) {
		close(fd);
		unlink(ctx->state_path);
		lab_warn("up: %s: %s", ctx->state_path, strerror(errno));
		return -1;
	}
	int rc = lab_record(ctx, "icmpkit-lab 1\nname %s\ntopology %s", ctx->name, ctx->topo_path);
	if (!rc)
		rc = lab_make_nodes(ctx);
	if (!rc)
		rc = lab_make_links(ctx);
	/* After the links, so per-interface keys (net.ipv4.conf.eth0.*) exist. */
	if (!rc)
		rc = lab_make_sysctls(ctx);
	for (size_t i = 0; !rc && i < ik_topo_route_count(ctx->topo); i++)
		rc = lab_make_route(ctx, ik_topo_route(ctx->topo, i));
	if (!rc)
		rc = lab_make_shapes(ctx);
	if (!rc && lab_signal)
		rc = -1;
	fclose(ctx->state);
	ctx->state = NULL;
	if (rc == 0)
		return 0;
	if (lab_signal && !ctx->err[0])
		snprintf(ctx->err, sizeof ctx->err, "interrupted by signal %d", (int)lab_signal);
	lab_warn("up %s: %s", ctx->name, ctx->err[0] ? ctx->err : "failed");
	if (lab_teardown(ctx->name) < 0)
		lab_warn("up %s: cleanup incomplete: run 'icmpkit lab down %s'", ctx->name,
			 ctx->name);
	return -1;
}

static void lab_install_signals(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = lab_on_signal;
	sigemptyset(&sa.sa_mask);
	/* No SA_RESTART: waitpid and poll return EINTR so the flag is seen. */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
}

/* ---- subcommands -------------------------------------------------------- */

static void usage_up(FILE *out)
{
	fprintf(out,
		"usage: icmpkit lab up [--name NAME] [--set KEY=VALUE ...] [TOPOLOGY]\n"
		"Builds the lab TOPOLOGY (a lab/NAME.topo name or a path; default: seed) and\n"
		"prints its NAME. Namespaces are called NAME-NODE.\n");
}

/* Parses the options `up` and `run` share; stops at "--" (*i points at it). */
static int lab_parse_up(struct lab_ctx *ctx, int argc, char **argv, int *i, const char **name,
			const char **topology, void (*usage)(FILE *))
{
	for (; *i < argc; (*i)++) {
		const char *a = argv[*i];
		if (strcmp(a, "--") == 0)
			break;
		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			usage(stdout);
			return 1;
		}
		if (strcmp(a, "--name") == 0 || strcmp(a, "--set") == 0) {
			if (*i + 1 >= argc) {
				lab_warn("%s needs a value", a);
				return -1;
			}
			const char *v = argv[++*i];
			if (a[2] == 'n') {
				*name = v;
				continue;
			}
			const char *eq = strchr(v, '=');
			char key[64];
			if (!eq || (size_t)(eq - v) >= sizeof key) {
				lab_warn("--set '%s': want KEY=VALUE", v);
				return -1;
			}
			memcpy(key, v, (size_t)(eq - v));
			key[eq - v] = '\0';
			if (ik_topo_set_var(ctx->topo, key, eq + 1) < 0) {
				lab_warn("--set '%s': KEY is [A-Za-z_][A-Za-z0-9_]*, VALUE up to 63 "
					 "non-blank characters",
					 v);
				return -1;
			}
			continue;
		}
		if (a[0] == '-' && a[1]) {
			lab_warn("unknown option '%s'", a);
			usage(stderr);
			return -1;
		}
		if (*topology) {
			lab_warn("one topology only ('%s' and '%s')", *topology, a);
			return -1;
		}
		*topology = a;
	}
	return 0;
}

/* Parses, loads and builds; used by up and run. Returns 0, 1 (help shown) or -1. */
static int lab_up_common(struct lab_ctx *ctx, int argc, char **argv, int *i,
			 void (*usage)(FILE *))
{
	const char *name = NULL, *topology = NULL;
	int rc = lab_parse_up(ctx, argc, argv, i, &name, &topology, usage);
	if (rc)
		return rc;
	if (!lab_need_root())
		return -1;
	lab_exe_dir(ctx->exe_dir, sizeof ctx->exe_dir);
	if (lab_pick_name(ctx, name) < 0 || lab_find_topology(ctx, topology ? topology : "seed") < 0 ||
	    lab_load_topology(ctx) < 0)
		return -1;
	lab_install_signals();
	return lab_build(ctx);
}

static int lab_up(int argc, char **argv)
{
	struct lab_ctx ctx;
	memset(&ctx, 0, sizeof ctx);
	ctx.topo = ik_topo_create();
	if (!ctx.topo) {
		lab_warn("out of memory");
		return EXIT_USAGE;
	}
	int i = 1;
	int rc = lab_up_common(&ctx, argc, argv, &i, usage_up);
	if (rc == 0 && i < argc) {
		lab_warn("up: unexpected '%s'", argv[i]);
		lab_teardown(ctx.name);
		rc = -1;
	}
	ik_topo_free(ctx.topo);
	if (rc == 0)
		printf("%s\n", ctx.name);
	return rc == 1 ? EXIT_OK : rc == 0 ? EXIT_OK : EXIT_USAGE;
}

static void usage_down(FILE *out)
{
	fprintf(out, "usage: icmpkit lab down [NAME | --all]\n"
		     "Removes a lab's namespaces, links and delayers. Idempotent.\n");
}

static int lab_down(int argc, char **argv)
{
	bool is_all = false;
	const char *name = NULL;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			usage_down(stdout);
			return EXIT_OK;
		} else if (strcmp(argv[i], "--all") == 0) {
			is_all = true;
		} else if (strcmp(argv[i], "--name") == 0 && i + 1 < argc) {
			name = argv[++i];
		} else if (argv[i][0] != '-' && !name) {
			name = argv[i];
		} else {
			usage_down(stderr);
			return EXIT_USAGE;
		}
	}
	if (!lab_need_root())
		return EXIT_USAGE;
	if (is_all) {
		char names[256][LAB_NAME_MAX + 1];
		int n = lab_list_names(names, 256);
		int rc = EXIT_OK;
		for (int i = 0; i < n; i++) {
			if (lab_teardown(names[i]) < 0) {
				lab_warn("down %s: incomplete", names[i]);
				rc = EXIT_USAGE;
			}
		}
		return rc;
	}
	char resolved[LAB_NAME_MAX + 1];
	if (!name) {
		char names[2][LAB_NAME_MAX + 1];
		int n = lab_list_names(names, 2);
		if (n == 0)
			return EXIT_OK; /* nothing up: down is idempotent */
		if (n > 1) {
			lab_warn("down: several labs are up: name one, or use --all");
			return EXIT_USAGE;
		}
		lab_copy(resolved, sizeof resolved, names[0]);
	} else {
		if (!lab_is_name(name)) {
			lab_warn("down: '%s' is not a lab name", name);
			return EXIT_USAGE;
		}
		lab_copy(resolved, sizeof resolved, name);
	}
	if (lab_teardown(resolved) < 0) {
		lab_warn("down %s: incomplete: %s", resolved, strerror(errno));
		return EXIT_USAGE;
	}
	return EXIT_OK;
}

static void usage_exec(FILE *out)
{
	fprintf(out, "usage: icmpkit lab exec [--name NAME] NODE -- CMD [ARGS...]\n"
		     "Runs CMD inside NODE's namespace and exits with its status.\n");
}

/* Finds NODE in a lab's state; fills its namespace name. */
static int lab_node_ns(const struct lab_state *st, const char *node, char *ns, size_t cap)
{
	for (size_t i = 0; i < st->node_count; i++) {
		if (strcmp(st->nodes[i].node, node) == 0) {
			lab_copy(ns, cap, st->nodes[i].ns);
			return 0;
		}
	}
	lab_warn("lab %s has no node '%s'", st->name, node);
	return -1;
}

static int lab_exec(int argc, char **argv)
{
	const char *name = NULL, *node = NULL;
	int i = 1;
	for (; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0) {
			i++;
			break;
		}
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			usage_exec(stdout);
			return EXIT_OK;
		}
		if (strcmp(argv[i], "--name") == 0 && i + 1 < argc) {
			name = argv[++i];
		} else if (argv[i][0] != '-' && !node) {
			node = argv[i];
		} else if (node) {
			break; /* the command may follow NODE without "--" */
		} else {
			usage_exec(stderr);
			return EXIT_USAGE;
		}
	}
	if (!node || i >= argc) {
		usage_exec(stderr);
		return EXIT_USAGE;
	}
	if (!lab_need_root())
		return EXIT_USAGE;
	char lab[LAB_NAME_MAX + 1], ns[64];
	struct lab_state st;
	if (lab_resolve_name(name, lab) < 0)
		return EXIT_USAGE;
	if (lab_state_read(lab, &st) < 0) {
		lab_warn("no lab named '%s' is up", lab);
		return EXIT_USAGE;
	}
	int rc = lab_node_ns(&st, node, ns, sizeof ns);
	lab_state_free(&st);
	if (rc < 0)
		return EXIT_USAGE;
	if (lab_enter_ns(ns, true) < 0) {
		lab_warn("exec: %s: %s", ns, strerror(errno));
		return EXIT_USAGE;
	}
	execvp(argv[i], &argv[i]);
	lab_warn("exec: %s: %s", argv[i], strerror(errno));
	return errno == ENOENT ? 127 : 126;
}

static void usage_addr(FILE *out)
{
	fprintf(out, "usage: icmpkit lab addr [--name NAME] NODE [IFACE] [-4|-6]\n"
		     "Prints one address of NODE (IPv4 unless -6), without the prefix length.\n");
}

static int lab_addr(int argc, char **argv)
{
	const char *name = NULL, *node = NULL, *ifname = NULL;
	int family = 0;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			usage_addr(stdout);
			return EXIT_OK;
		} else if (strcmp(argv[i], "--name") == 0 && i + 1 < argc) {
			name = argv[++i];
		} else if (strcmp(argv[i], "-4") == 0) {
			family = 4;
		} else if (strcmp(argv[i], "-6") == 0) {
			family = 6;
		} else if (argv[i][0] != '-' && !node) {
			node = argv[i];
		} else if (argv[i][0] != '-' && !ifname) {
			ifname = argv[i];
		} else {
			usage_addr(stderr);
			return EXIT_USAGE;
		}
	}
	if (!node) {
		usage_addr(stderr);
		return EXIT_USAGE;
	}
	char lab[LAB_NAME_MAX + 1];
	struct lab_state st;
	if (lab_resolve_name(name, lab) < 0)
		return EXIT_USAGE;
	if (lab_state_read(lab, &st) < 0) {
		lab_warn("no lab named '%s' is up", lab);
		return EXIT_USAGE;
	}
	/* Without -4/-6: the first IPv4 address, else the first IPv6 one. */
	int rc = EXIT_USAGE;
	for (int pass = 0; pass < 2 && rc != EXIT_OK; pass++) {
		int want = family ? family : pass == 0 ? 4 : 6;
		for (size_t i = 0; i < st.addr_count; i++) {
			const struct lab_state_addr *a = &st.addrs[i];
			if (strcmp(a->node, node) != 0 || (ifname && strcmp(a->ifname, ifname) != 0))
				continue;
			if ((strchr(a->prefix, ':') ? 6 : 4) != want)
				continue;
			printf("%.*s\n", (int)strcspn(a->prefix, "/"), a->prefix);
			rc = EXIT_OK;
			break;
		}
		if (family)
			break;
	}
	if (rc != EXIT_OK)
		lab_warn("addr: lab %s: node '%s'%s%s has no%s address", lab, node,
			 ifname ? " interface " : "", ifname ? ifname : "",
			 family == 4 ? " IPv4" : family == 6 ? " IPv6" : "");
	lab_state_free(&st);
	return rc;
}

static void usage_list(FILE *out)
{
	fprintf(out, "usage: icmpkit lab list [--json]\n"
		     "Lists the labs that are up, their nodes and addresses.\n");
}

/* Writes a JSON string; state-file text is already restricted, but escape anyway. */
static void lab_json_str(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c < 0x20)
			printf("\\u%04x", c);
		else
			putchar(c);
	}
	putchar('"');
}

static int lab_list(int argc, char **argv)
{
	bool is_json = false;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0) {
			is_json = true;
		} else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			usage_list(stdout);
			return EXIT_OK;
		} else {
			usage_list(stderr);
			return EXIT_USAGE;
		}
	}
	char names[256][LAB_NAME_MAX + 1];
	int n = lab_list_names(names, 256);
	if (n < 0) {
		lab_warn("list: %s: %s", LAB_RUN_DIR, strerror(errno));
		return EXIT_USAGE;
	}
	for (int k = 0; k < n; k++) {
		struct lab_state st;
		if (lab_state_read(names[k], &st) < 0)
			continue;
		if (is_json) {
			printf("{\"name\":");
			lab_json_str(st.name);
			printf(",\"topology\":");
			lab_json_str(st.topology);
			printf(",\"nodes\":[");
		} else {
			printf("%s  %s\n", st.name, st.topology);
		}
		for (size_t i = 0; i < st.node_count; i++) {
			const struct lab_state_node *nd = &st.nodes[i];
			if (is_json) {
				printf("%s{\"name\":", i ? "," : "");
				lab_json_str(nd->node);
				printf(",\"kind\":");
				lab_json_str(nd->kind);
				printf(",\"netns\":");
				lab_json_str(nd->ns);
				printf(",\"addrs\":[");
			} else {
				printf("  %-10s %-6s %s\n", nd->node, nd->kind, nd->ns);
			}
			bool is_first = true;
			for (size_t j = 0; j < st.addr_count; j++) {
				const struct lab_state_addr *a = &st.addrs[j];
				if (strcmp(a->node, nd->node) != 0)
					continue;
				if (is_json) {
					printf("%s{\"ifname\":", is_first ? "" : ",");
					lab_json_str(a->ifname);
					printf(",\"addr\":");
					lab_json_str(a->prefix);
					printf("}");
				} else {
					printf("    %-8s %s\n", a->ifname, a->prefix);
				}
				is_first = false;
			}
			if (is_json)
				printf("]}");
		}
		if (is_json) {
			printf("],\"delayer_pids\":[");
			for (size_t i = 0; i < st.pid_count; i++)
				printf("%s%d", i ? "," : "", (int)st.pids[i].pid);
			printf("]}\n");
		}
		lab_state_free(&st);
	}
	return EXIT_OK;
}

static void usage_run(FILE *out)
{
	fprintf(out,
		"usage: icmpkit lab run [--name NAME] [--set KEY=VALUE ...] [TOPOLOGY] -- CMD [ARGS...]\n"
		"Builds the lab, runs CMD in the host namespace with ICMPKIT_LAB=NAME, then removes\n"
		"the lab on every exit path (also SIGINT/SIGTERM). Exits with CMD's status.\n");
}

static int lab_run(int argc, char **argv)
{
	struct lab_ctx ctx;
	memset(&ctx, 0, sizeof ctx);
	ctx.topo = ik_topo_create();
	if (!ctx.topo) {
		lab_warn("out of memory");
		return EXIT_USAGE;
	}
	int i = 1;
	int rc = lab_up_common(&ctx, argc, argv, &i, usage_run);
	ik_topo_free(ctx.topo);
	if (rc == 1)
		return EXIT_OK;
	if (rc < 0)
		return EXIT_USAGE;
	if (i + 1 >= argc) {
		lab_warn("run: no command after '--'");
		lab_teardown(ctx.name);
		return EXIT_USAGE;
	}
	if (lab_signal) {
		lab_teardown(ctx.name);
		return 128 + lab_signal;
	}
	fflush(NULL);
	pid_t child = fork();
	if (child < 0) {
		lab_warn("run: fork: %s", strerror(errno));
		lab_teardown(ctx.name);
		return EXIT_USAGE;
	}
	if (child == 0) {
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		signal(SIGHUP, SIG_DFL);
		setenv("ICMPKIT_LAB", ctx.name, 1);
		execvp(argv[i + 1], &argv[i + 1]);
		lab_warn("run: %s: %s", argv[i + 1], strerror(errno));
		_exit(errno == ENOENT ? 127 : 126);
	}
	int status = 0;
	int forwarded = 0;
	for (;;) {
		pid_t w = waitpid(child, &status, 0);
		if (w == child)
			break;
		if (w < 0 && errno != EINTR) {
			lab_warn("run: waitpid: %s", strerror(errno));
			status = 2 << 8;
			break;
		}
		/* Pass a signal on to the command once, then keep waiting for it to exit. */
		if (lab_signal && lab_signal != forwarded) {
			forwarded = lab_signal;
			kill(child, forwarded);
		}
	}
	if (lab_teardown(ctx.name) < 0)
		lab_warn("run: cleanup of %s incomplete: run 'icmpkit lab down %s'", ctx.name,
			 ctx.name);
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return 128 + WTERMSIG(status);
}

static void usage_lab(FILE *out)
{
	fprintf(out, "usage: icmpkit lab up [--name NAME] [--set KEY=VALUE ...] [TOPOLOGY]\n"
		     "       icmpkit lab down [NAME | --all]\n"
		     "       icmpkit lab exec [--name NAME] NODE -- CMD [ARGS...]\n"
		     "       icmpkit lab run [--name NAME] [--set KEY=VALUE ...] [TOPOLOGY] -- CMD...\n"
		     "       icmpkit lab list [--json]\n"
		     "       icmpkit lab addr [--name NAME] NODE [IFACE] [-4|-6]\n"
		     "Real test networks of network namespaces; see icmpkit-lab(1).\n");
}

int cmd_lab(int argc, char **argv)
{
	if (argc < 2) {
		usage_lab(stderr);
		return EXIT_USAGE;
	}
	const char *sub = argv[1];
	if (strcmp(sub, "--help") == 0 || strcmp(sub, "-h") == 0 || strcmp(sub, "help") == 0) {
		usage_lab(stdout);
		return EXIT_OK;
	}
	static const struct {
		const char *name;
		int (*run)(int argc, char **argv);
	} subs[] = {
		{"up", lab_up},     {"down", lab_down}, {"exec", lab_exec},
		{"list", lab_list}, {"run", lab_run},   {"addr", lab_addr},
	};
	for (size_t i = 0; i < sizeof subs / sizeof subs[0]; i++) {
		if (strcmp(sub, subs[i].name) == 0)
			return subs[i].run(argc - 1, argv + 1);
	}
	lab_warn("'%s' is not a lab command", sub);
	usage_lab(stderr);
	return EXIT_USAGE;
}
