/* SPDX-License-Identifier: BSD-3-Clause */
/* icmpkit guard: prints, loads, removes and reports the nftables ICMP guard, and audits ICMP sysctls. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cmd.h"
#include "icmpkit/addr.h"
#include "icmpkit/guard.h"
#ifdef IK_HAVE_XDP
#include "guard_xdp.h"
#endif

#define GUARD_PROG "icmpkit guard"
#define GUARD_CONF_MAX (64 * 1024) /* a config larger than this is refused */
#define GUARD_PLAN_SIZE (32 * 1024)
#define GUARD_OUT_MAX (1024 * 1024) /* nft output kept for status */
#define GUARD_CAP_NET_ADMIN 12      /* linux/capability.h */

static void guard_usage(FILE *out)
{
	fprintf(out,
		"usage: icmpkit guard plan   [-c FILE]   print the nftables ruleset\n"
		"       icmpkit guard apply  [-c FILE]   load it (atomic, only table inet icmpkit)\n"
		"       icmpkit guard remove             remove table inet icmpkit\n"
		"       icmpkit guard status             per-rule counters\n"
		"       icmpkit guard audit  [--fix]     check (and set) the ICMP sysctls\n"
		"       icmpkit guard xdp IFACE [-c FILE] [--seconds N] | --detach\n"
		"                                        XDP fast path on IFACE until Ctrl-C\n"
		"  -c, --config FILE  thresholds (default %s if present, else built-in)\n"
		"See icmpkit-guard(1).\n",
		IK_GUARD_CONF_PATH);
}

/* Loads FILE (or the default path if it exists) over the defaults. Returns 0 or -1. */
static int guard_load_conf(const char *path, struct ik_guard_conf *conf)
{
	ik_guard_conf_defaults(conf);
	bool is_given = path != NULL;
	if (!path)
		path = IK_GUARD_CONF_PATH;
	FILE *f = fopen(path, "r");
	if (!f) {
		if (!is_given && errno == ENOENT)
			return 0;
		fprintf(stderr, "%s: %s: %s\n", GUARD_PROG, path, strerror(errno));
		return -1;
	}
	char *text = malloc(GUARD_CONF_MAX + 1);
	if (!text) {
		fclose(f);
		fprintf(stderr, "%s: out of memory\n", GUARD_PROG);
		return -1;
	}
	size_t len = fread(text, 1, GUARD_CONF_MAX + 1, f);
	int is_error = ferror(f);
	fclose(f);
	if (is_error || len > GUARD_CONF_MAX) {
		fprintf(stderr, "%s: %s: %s\n", GUARD_PROG, path,
			is_error ? "read error" : "larger than 64 KiB");
		free(text);
		return -1;
	}
	unsigned line = 0;
	char reason[IK_GUARD_REASON_SIZE];
	int rc = ik_guard_conf_parse(conf, text, len, &line, reason, sizeof reason);
	free(text);
	if (rc != 0) {
		if (line)
			fprintf(stderr, "%s: %s:%u: %s\n", GUARD_PROG, path, line, reason);
		else
			fprintf(stderr, "%s: %s: %s\n", GUARD_PROG, path, reason);
		return -1;
	}
	return 0;
}

/* Looks nft up in $PATH (as execvp would); fills path. Returns 0 or -1. */
static int guard_find_nft(char *path, size_t cap)
{
	const char *env = getenv("PATH");
	if (!env || !*env)
		env = "/usr/sbin:/usr/bin:/sbin:/bin";
	while (*env) {
		const char *colon = strchr(env, ':');
		size_t dir_len = colon ? (size_t)(colon - env) : strlen(env);
		if (dir_len > 0) {
			int n = snprintf(path, cap, "%.*s/nft", (int)dir_len, env);
			if (n > 0 && (size_t)n < cap && access(path, X_OK) == 0)
				return 0;
		}
		env += dir_len + (colon ? 1 : 0);
	}
	return -1;
}

/* Reads bit `cap` of CapEff in /proc/self/status. */
static bool guard_has_cap(unsigned cap)
{
	FILE *f = fopen("/proc/self/status", "r");
	if (!f)
		return false;
	char line[256];
	unsigned long long eff = 0;
	bool is_found = false;
	while (fgets(line, sizeof line, f)) {
		if (strncmp(line, "CapEff:", 7) == 0) {
			is_found = sscanf(line + 7, "%llx", &eff) == 1;
			break;
		}
	}
	fclose(f);
	return is_found && (eff >> cap) & 1u;
}

/* Refuses clearly when nft is missing or we may not change the firewall. */
static int guard_preflight(char *nft, size_t cap)
{
	if (guard_find_nft(nft, cap) < 0) {
		fprintf(stderr, "%s: nft not found in PATH: install nftables\n", GUARD_PROG);
		return -1;
	}
	if (!guard_has_cap(GUARD_CAP_NET_ADMIN)) {
		fprintf(stderr, "%s: needs CAP_NET_ADMIN (run as root) to change nftables\n",
			GUARD_PROG);
		return -1;
	}
	return 0;
}

/*
 * Runs nft with argv (never a shell), feeding `input` on its stdin when not
 * NULL and keeping its stdout in *out (malloc'd, NUL-terminated) when out is
 * not NULL; stderr passes through unless is_quiet. Returns nft's exit
 * status, or -1.
 */
static int guard_run_nft(char *const argv[], const char *input, char **out, bool is_quiet)
{
	int in_pipe[2] = {-1, -1}, out_pipe[2] = {-1, -1};
	if ((input && pipe2(in_pipe, O_CLOEXEC) < 0) || (out && pipe2(out_pipe, O_CLOEXEC) < 0)) {
		fprintf(stderr, "%s: pipe: %s\n", GUARD_PROG, strerror(errno));
		if (in_pipe[0] >= 0) {
			close(in_pipe[0]);
			close(in_pipe[1]);
		}
		return -1;
	}
	pid_t pid = fork();
	if (pid < 0) {
		fprintf(stderr, "%s: fork: %s\n", GUARD_PROG, strerror(errno));
		for (int i = 0; i < 2; i++) {
			if (in_pipe[i] >= 0)
				close(in_pipe[i]);
			if (out_pipe[i] >= 0)
				close(out_pipe[i]);
		}
		return -1;
	}
	if (pid == 0) {
		if (input && dup2(in_pipe[0], STDIN_FILENO) < 0)
			_exit(126);
		if (out && dup2(out_pipe[1], STDOUT_FILENO) < 0)
			_exit(126);
		if (is_quiet) {
			int null_fd = open("/dev/null", O_WRONLY);
			if (null_fd < 0 || dup2(null_fd, STDERR_FILENO) < 0)
				_exit(126);
		}
		execv(argv[0], argv);
		fprintf(stderr, "%s: %s: %s\n", GUARD_PROG, argv[0], strerror(errno));
		_exit(127);
	}
	if (input) {
		close(in_pipe[0]);
		/* A dead nft must not kill us with SIGPIPE before we report it. */
		void (*old)(int) = signal(SIGPIPE, SIG_IGN);
		size_t len = strlen(input), done = 0;
		while (done < len) {
			ssize_t n = write(in_pipe[1], input + done, len - done);
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				break;
			done += (size_t)n;
		}
		close(in_pipe[1]);
		signal(SIGPIPE, old);
	}
	if (out) {
		close(out_pipe[1]);
		size_t len = 0, cap = 4096;
		char *buf = malloc(cap);
		for (;;) {
			if (buf && len + 1 == cap && cap < GUARD_OUT_MAX) {
				char *grown = realloc(buf, cap * 2);
				if (!grown) {
					free(buf);
					buf = NULL;
				} else {
					buf = grown;
					cap *= 2;
				}
			}
			char sink[4096];
			char *dst = buf && len + 1 < cap ? buf + len : sink;
			size_t room = buf && len + 1 < cap ? cap - 1 - len : sizeof sink;
			ssize_t n = read(out_pipe[0], dst, room);
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				break;
			if (dst != sink)
				len += (size_t)n;
		}
		close(out_pipe[0]);
		if (buf)
			buf[len] = '\0';
		*out = buf;
	}
	int status;
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR)
			return -1;
	}
	if (out && !*out) {
		fprintf(stderr, "%s: out of memory\n", GUARD_PROG);
		return -1;
	}
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static int guard_make_plan(const char *conf_path, char *plan, size_t cap)
{
	struct ik_guard_conf conf;
	if (guard_load_conf(conf_path, &conf) < 0)
		return -1;
	int rc = ik_guard_plan(&conf, plan, cap);
	if (rc < 0) {
		fprintf(stderr, "%s: plan: %s\n", GUARD_PROG, ik_strerror(rc));
		return -1;
	}
	return 0;
}

static int guard_plan_cmd(const char *conf_path)
{
	static char plan[GUARD_PLAN_SIZE];
	if (guard_make_plan(conf_path, plan, sizeof plan) < 0)
		return EXIT_USAGE;
	fputs(plan, stdout);
	return fflush(stdout) == 0 ? EXIT_OK : EXIT_USAGE;
}

static int guard_apply_cmd(const char *conf_path)
{
	static char plan[GUARD_PLAN_SIZE];
	char nft[PATH_MAX];
	if (guard_make_plan(conf_path, plan, sizeof plan) < 0 || guard_preflight(nft, sizeof nft) < 0)
		return EXIT_USAGE;
	char *argv[] = {nft, "-f", "/dev/stdin", NULL};
	int rc = guard_run_nft(argv, plan, NULL, false);
	if (rc != 0) {
		fprintf(stderr, "%s: nft refused the ruleset (exit %d); the previous ruleset is "
				"unchanged\n", GUARD_PROG, rc);
		return EXIT_USAGE;
	}
	printf("table inet %s loaded\n", IK_GUARD_TABLE);
	return EXIT_OK;
}

static int guard_remove_cmd(void)
{
	char nft[PATH_MAX];
	if (guard_preflight(nft, sizeof nft) < 0)
		return EXIT_USAGE;
	char *argv[] = {nft, "-f", "/dev/stdin", NULL};
	int rc = guard_run_nft(argv, ik_guard_remove_script(), NULL, false);
	if (rc != 0) {
		fprintf(stderr, "%s: nft could not remove table inet %s (exit %d)\n", GUARD_PROG,
			IK_GUARD_TABLE, rc);
		return EXIT_USAGE;
	}
	printf("table inet %s removed\n", IK_GUARD_TABLE);
	return EXIT_OK;
}

/* Copies the text of `comment "..."` in line into buf, or "" when absent. */
static void guard_comment(const char *line, char *buf, size_t cap)
{
	buf[0] = '\0';
	const char *c = strstr(line, "comment \"");
	if (!c)
		return;
	c += strlen("comment \"");
	const char *end = strchr(c, '"');
	size_t len = end ? (size_t)(end - c) : strlen(c);
	snprintf(buf, cap, "%.*s", (int)(len < cap ? len : cap - 1), c);
}

/*
 * Prints one row per counted rule from `nft -a list table`: its chain,
 * packets, bytes and comment. nft's text output is the interface here; the
 * counters appear as "counter packets N bytes M".
 */
static void guard_print_counters(const char *text)
{
	char chain[64] = "";
	unsigned long long total_drop = 0;
	printf("%-8s %12s %14s  %s\n", "CHAIN", "PACKETS", "BYTES", "RULE");
	while (*text) {
		const char *nl = strchr(text, '\n');
		size_t len = nl ? (size_t)(nl - text) : strlen(text);
		char line[1024];
		snprintf(line, sizeof line, "%.*s", (int)(len < sizeof line ? len : sizeof line - 1),
			 text);
		text += len + (nl ? 1 : 0);
		const char *p = line;
		while (*p == ' ' || *p == '\t')
			p++;
		char name[64];
		if (sscanf(p, "chain %63s {", name) == 1) {
			snprintf(chain, sizeof chain, "%s", name);
			continue;
		}
		const char *cnt = strstr(p, "counter packets ");
		unsigned long long pkts = 0, bytes = 0;
		if (!cnt || sscanf(cnt, "counter packets %llu bytes %llu", &pkts, &bytes) != 2)
			continue;
		char comment[256];
		guard_comment(p, comment, sizeof comment);
		if (strstr(cnt, " drop"))
			total_drop += pkts;
		printf("%-8s %12llu %14llu  %s\n", chain, pkts, bytes, comment[0] ? comment : p);
	}
	printf("dropped in total: %llu packets\n", total_drop);
}

static int guard_status_cmd(void)
{
	char nft[PATH_MAX];
	if (guard_preflight(nft, sizeof nft) < 0)
		return EXIT_USAGE;
	char table[] = IK_GUARD_TABLE;
	char *argv[] = {nft, "-a", "list", "table", "inet", table, NULL};
	char *out = NULL;
	int rc = guard_run_nft(argv, NULL, &out, true);
	if (rc != 0) {
		printf("table inet %s: not loaded\n", IK_GUARD_TABLE);
	} else {
		printf("table inet %s: loaded\n", IK_GUARD_TABLE);
		guard_print_counters(out);
	}
	free(out);
	int xdp = 0;
#ifdef IK_HAVE_XDP
	xdp = guard_xdp_status();
#endif
	return rc == 0 || xdp > 0 ? EXIT_OK : EXIT_NOREPLY;
}

/* Reads a sysctl's value (first line, trimmed) into buf. Returns 0 or -errno. */
static int guard_sysctl_read(const char *path, char *buf, size_t cap)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return -errno;
	if (!fgets(buf, (int)cap, f))
		buf[0] = '\0';
	fclose(f);
	buf[strcspn(buf, "\n")] = '\0';
	/* Multi-value sysctls separate with tabs; show them with one space. */
	for (char *t = buf; *t; t++) {
		if (*t == '\t')
			*t = ' ';
	}
	return 0;
}

static int guard_sysctl_write(const char *path, const char *value)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	size_t len = strlen(value);
	ssize_t n = write(fd, value, len);
	int err = n == (ssize_t)len ? 0 : (n < 0 ? -errno : -EIO);
	if (close(fd) != 0 && err == 0)
		err = -errno;
	return err;
}

static int guard_audit_cmd(bool is_fix)
{
	size_t count = 0;
	const struct ik_guard_sysctl *table = ik_guard_sysctls(&count);
	unsigned n_differ = 0, n_fixed = 0, n_failed = 0;
	printf("%-42s %-8s %-11s %s\n", "SYSCTL", "CURRENT", "RECOMMENDED", "STATUS");
	for (size_t i = 0; i < count; i++) {
		const struct ik_guard_sysctl *s = &table[i];
		char path[PATH_MAX], cur[128];
		if (ik_guard_sysctl_path(s->key, path, sizeof path) < 0)
			continue;
		int rc = guard_sysctl_read(path, cur, sizeof cur);
		const char *status;
		if (rc < 0) {
			snprintf(cur, sizeof cur, "-");
			status = rc == -ENOENT ? "absent (kernel has no such knob)" : "unreadable";
		} else if (strcmp(cur, s->recommended) == 0) {
			status = "ok";
		} else if (!is_fix) {
			status = "DIFFERS";
			n_differ++;
		} else {
			int wr = guard_sysctl_write(path, s->recommended);
			char now[128];
			if (wr == 0 && guard_sysctl_read(path, now, sizeof now) == 0 &&
			    strcmp(now, s->recommended) == 0) {
				status = "fixed";
				n_fixed++;
			} else {
				fprintf(stderr, "%s: %s: cannot set %s: %s\n", GUARD_PROG, s->key,
					s->recommended, strerror(wr < 0 ? -wr : EIO));
				status = "FIX FAILED";
				n_failed++;
			}
		}
		printf("%-42s %-8s %-11s %s\n    why: %s\n", s->key, cur, s->recommended, status,
		       s->why);
	}
	if (is_fix) {
		printf("\n# To keep these across reboots, put these lines in "
		       "/etc/sysctl.d/60-icmpkit-guard.conf:\n");
		for (size_t i = 0; i < count; i++) {
			char path[PATH_MAX];
			if (ik_guard_sysctl_path(table[i].key, path, sizeof path) > 0 &&
			    access(path, F_OK) == 0)
				printf("%s = %s\n", table[i].key, table[i].recommended);
		}
		printf("# %u fixed, %u failed\n", n_fixed, n_failed);
		return n_failed ? EXIT_USAGE : EXIT_OK;
	}
	printf("# %u differ from the recommendation%s\n", n_differ,
	       n_differ ? "; `icmpkit guard audit --fix` sets them" : "");
	return n_differ ? EXIT_NOREPLY : EXIT_OK;
}

/* guard xdp IFACE: the per-source echo limit from the config, enforced at the driver. */
static int guard_xdp_cmd(int argc, char **argv, const char *conf_path, long long seconds,
			 bool is_detach)
{
	if (argc != 1) {
		fprintf(stderr, "%s: xdp takes one interface\n", GUARD_PROG);
		return EXIT_USAGE;
	}
	if (is_detach && (conf_path || seconds)) {
		fprintf(stderr, "%s: --detach takes no -c or --seconds\n", GUARD_PROG);
		return EXIT_USAGE;
	}
#ifdef IK_HAVE_XDP
	if (!guard_has_cap(GUARD_CAP_NET_ADMIN)) {
		fprintf(stderr, "%s: needs CAP_NET_ADMIN (run as root) to attach XDP\n",
			GUARD_PROG);
		return EXIT_USAGE;
	}
	if (is_detach)
		return guard_xdp_detach(argv[0]);
	struct ik_guard_conf conf;
	if (guard_load_conf(conf_path, &conf) < 0)
		return EXIT_USAGE;
	return guard_xdp_run(argv[0], ICMPKIT_BPF_OBJ, conf.echo_rate_per_source,
			     conf.echo_burst_per_source, (unsigned)seconds);
#else
	(void)argv;
	fprintf(stderr, "%s: built without XDP support (needs libbpf-dev and clang)\n",
		GUARD_PROG);
	return EXIT_USAGE;
#endif
}

int guard_block_sources(const struct ik_addr *addrs, size_t count, unsigned timeout_s)
{
	char nft[PATH_MAX];
	if (count == 0)
		return 0;
	if (guard_preflight(nft, sizeof nft) < 0)
		return -1;
	/* One transaction: every address goes in, or none does. */
	size_t cap = 128 + count * 96;
	char *script = malloc(cap);
	if (!script)
		return -1;
	size_t len = 0;
	for (size_t i = 0; i < count; i++) {
		char text[64];
		if (ik_addr_format(&addrs[i], text, sizeof text) < 0)
			continue;
		char timeout[32] = "";
		if (timeout_s)
			snprintf(timeout, sizeof timeout, " timeout %us", timeout_s);
		int n = snprintf(script + len, cap - len, "add element inet %s blocked%c { %s%s }\n",
				 IK_GUARD_TABLE, addrs[i].family == 6 ? '6' : '4', text, timeout);
		if (n < 0 || (size_t)n >= cap - len)
			break;
		len += (size_t)n;
	}
	char *argv[] = {nft, "-f", "/dev/stdin", NULL};
	int rc = guard_run_nft(argv, script, NULL, false);
	free(script);
	if (rc != 0)
		fprintf(stderr, "%s: nft could not add to the blocked sets (exit %d): is `icmpkit "
				"guard apply` loaded?\n",
			GUARD_PROG, rc);
	return rc == 0 ? 0 : -1;
}

int cmd_guard(int argc, char **argv)
{
	if (argc < 2) {
		guard_usage(stderr);
		return EXIT_USAGE;
	}
	const char *action = argv[1];
	if (strcmp(action, "--help") == 0 || strcmp(action, "-h") == 0) {
		guard_usage(stdout);
		return EXIT_OK;
	}
	static const struct option longs[] = {
		{"config", required_argument, NULL, 'c'},
		{"fix", no_argument, NULL, 'F'},
		{"seconds", required_argument, NULL, 'S'},
		{"detach", no_argument, NULL, 'D'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *conf_path = NULL;
	bool is_fix = false, is_detach = false;
	long long seconds = 0;
	bool is_xdp = strcmp(action, "xdp") == 0;
	optind = 1;
	int opt;
	while ((opt = getopt_long(argc - 1, argv + 1, "c:h", longs, NULL)) != -1) {
		switch (opt) {
		case 'c':
			conf_path = optarg;
			break;
		case 'F':
			is_fix = true;
			break;
		case 'S':
			if (opt_number(GUARD_PROG, "--seconds", optarg, 1, 86400, &seconds) < 0)
				return EXIT_USAGE;
			break;
		case 'D':
			is_detach = true;
			break;
		case 'h':
			guard_usage(stdout);
			return EXIT_OK;
		default:
			guard_usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (is_xdp)
		return guard_xdp_cmd(argc - 1 - optind, argv + 1 + optind, conf_path, seconds,
				     is_detach);
	if (seconds || is_detach) {
		fprintf(stderr, "%s: --seconds and --detach apply to xdp only\n", GUARD_PROG);
		return EXIT_USAGE;
	}
	if (optind != argc - 1) {
		fprintf(stderr, "%s: unexpected argument '%s'\n", GUARD_PROG, argv[optind + 1]);
		return EXIT_USAGE;
	}
	bool is_conf_action = strcmp(action, "plan") == 0 || strcmp(action, "apply") == 0;
	if (conf_path && !is_conf_action) {
		fprintf(stderr, "%s: -c applies to plan and apply only\n", GUARD_PROG);
		return EXIT_USAGE;
	}
	if (is_fix && strcmp(action, "audit") != 0) {
		fprintf(stderr, "%s: --fix applies to audit only\n", GUARD_PROG);
		return EXIT_USAGE;
	}
	if (strcmp(action, "plan") == 0)
		return guard_plan_cmd(conf_path);
	if (strcmp(action, "apply") == 0)
		return guard_apply_cmd(conf_path);
	if (strcmp(action, "remove") == 0)
		return guard_remove_cmd();
	if (strcmp(action, "status") == 0)
		return guard_status_cmd();
	if (strcmp(action, "audit") == 0)
		return guard_audit_cmd(is_fix);
	fprintf(stderr, "%s: unknown action '%s' (plan, apply, remove, status, audit, xdp)\n",
		GUARD_PROG, action);
	return EXIT_USAGE;
}
