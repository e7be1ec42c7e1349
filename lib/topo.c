/* SPDX-License-Identifier: BSD-3-Clause */
/* Parses the lab topology language (untrusted text) into a plan of nodes, links, routes and knobs. */

/*
 * Grammar, one statement per line; '#' starts a comment; tokens are
 * separated by blanks. ${VAR} and ${VAR:-default} expand variables from
 * ik_topo_set_var() and `for` loops; $((EXPR)) expands integer arithmetic
 * over + - * with the usual precedence, on numbers and variable names.
 *
 *   node NAME [host|router]
 *   lan NAME                              a switch: bridge br0 in its own namespace
 *   link END ADDR... END ADDR... [mtu N]  a veth pair; END is NODE[:IFNAME]
 *   attach LAN END ADDR... [mtu N]        a node's port on a LAN
 *   route NODE PREFIX|default via GW
 *   route NODE PREFIX|default nexthop via GW nexthop via GW...   (ECMP)
 *   route NODE PREFIX unreachable|prohibit|blackhole
 *   sysctl NODE net.ipv4.KEY=VALUE        (or net.ipv6.*: per-namespace only)
 *   loss NODE IFNAME|* PERCENT
 *   delay NODE IFNAME|* MS
 *   for VAR FROM TO  ...  end             inclusive; empty when FROM > TO
 *
 * ADDR is an IPv4 or IPv6 address with /LEN, or '-' for none; an END has at
 * most one of each family.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "icmpkit/topo.h"

#define TOPO_LINE_MAX 1024      /* bytes per line, before and after expansion */
#define TOPO_TOKENS_MAX 48      /* tokens per statement */
#define TOPO_LOOP_DEPTH 4       /* nested `for` */
#define TOPO_STEPS_MAX 100000   /* statements executed, loops included */
#define TOPO_VAR_VALUE_SIZE 64
#define TOPO_ARITH_LIMIT 1000000000LL

struct topo_var {
	char name[32];
	char value[TOPO_VAR_VALUE_SIZE];
};

struct topo_line {
	const char *text;
	size_t len;
};

struct topo_loop {
	size_t body_line; /* index of the first line after `for` */
	char var[32];
	long long current;
	long long last;
};

struct ik_topo {
	bool is_parsed;
	unsigned error_line;
	char error_reason[IK_TOPO_REASON_SIZE];

	struct topo_var vars[IK_TOPO_MAX_VARS];
	size_t var_count;
	/* Loop variables shadow the --set ones; they live on the loop stack. */
	struct topo_loop loops[TOPO_LOOP_DEPTH];
	size_t loop_depth;

	struct ik_topo_node *nodes;
	size_t node_count;
	struct ik_topo_link *links;
	size_t link_count;
	struct ik_topo_route *routes;
	size_t route_count;
	struct ik_topo_sysctl *sysctls;
	size_t sysctl_count;
	struct ik_topo_shape *shapes;
	size_t shape_count;
	/* Interfaces made so far on each node, to name the next one ethN/pN. */
	unsigned *if_count;
};

struct ik_topo *ik_topo_create(void)
{
	struct ik_topo *t = calloc(1, sizeof *t);
	if (!t)
		return NULL;
	t->nodes = calloc(IK_TOPO_MAX_NODES, sizeof *t->nodes);
	t->if_count = calloc(IK_TOPO_MAX_NODES, sizeof *t->if_count);
	t->links = calloc(IK_TOPO_MAX_LINKS, sizeof *t->links);
	t->routes = calloc(IK_TOPO_MAX_ROUTES, sizeof *t->routes);
	t->sysctls = calloc(IK_TOPO_MAX_SYSCTLS, sizeof *t->sysctls);
	t->shapes = calloc(IK_TOPO_MAX_SHAPES, sizeof *t->shapes);
	if (!t->nodes || !t->if_count || !t->links || !t->routes || !t->sysctls || !t->shapes) {
		ik_topo_free(t);
		return NULL;
	}
	return t;
}

void ik_topo_free(struct ik_topo *topo)
{
	if (!topo)
		return;
	free(topo->nodes);
	free(topo->if_count);
	free(topo->links);
	free(topo->routes);
	free(topo->sysctls);
	free(topo->shapes);
	free(topo);
}

/* Records a syntax error's reason; always returns IK_ERR_SYNTAX. */
__attribute__((format(printf, 2, 3))) static int topo_fail(struct ik_topo *t, const char *fmt,
							    ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(t->error_reason, sizeof t->error_reason, fmt, ap);
	va_end(ap);
	return IK_ERR_SYNTAX;
}

static bool topo_is_var_name(const char *s, size_t len)
{
	if (len == 0 || len >= sizeof ((struct topo_var *)0)->name)
		return false;
	if (!isalpha((unsigned char)s[0]) && s[0] != '_')
		return false;
	for (size_t i = 1; i < len; i++) {
		if (!isalnum((unsigned char)s[i]) && s[i] != '_')
			return false;
	}
	return true;
}

int ik_topo_set_var(struct ik_topo *topo, const char *name, const char *value)
{
	size_t vlen = strlen(value);
	if (!topo_is_var_name(name, strlen(name)) || vlen >= TOPO_VAR_VALUE_SIZE)
		return IK_ERR_INVALID;
	for (size_t i = 0; i < vlen; i++) {
		if (isspace((unsigned char)value[i]) || !isprint((unsigned char)value[i]))
			return IK_ERR_INVALID;
	}
	struct topo_var *v = NULL;
	for (size_t i = 0; i < topo->var_count; i++) {
		if (strcmp(topo->vars[i].name, name) == 0)
			v = &topo->vars[i];
	}
	if (!v) {
		if (topo->var_count == IK_TOPO_MAX_VARS)
			return IK_ERR_INVALID;
		v = &topo->vars[topo->var_count++];
		snprintf(v->name, sizeof v->name, "%s", name);
	}
	snprintf(v->value, sizeof v->value, "%s", value);
	return IK_OK;
}

/*
 * Looks a variable up, innermost loop first. Loop values are formatted into
 * buf. Returns NULL when the name is not defined.
 */
static const char *topo_lookup(const struct ik_topo *t, const char *name, size_t len, char *buf,
			       size_t cap)
{
	for (size_t i = t->loop_depth; i-- > 0;) {
		const struct topo_loop *l = &t->loops[i];
		if (strlen(l->var) == len && memcmp(l->var, name, len) == 0) {
			snprintf(buf, cap, "%lld", l->current);
			return buf;
		}
	}
	for (size_t i = 0; i < t->var_count; i++) {
		if (strlen(t->vars[i].name) == len && memcmp(t->vars[i].name, name, len) == 0)
			return t->vars[i].value;
	}
	return NULL;
}

/* Parses a decimal integer that must be the whole string, within [min, max]. */
static bool topo_number(const char *s, long long min, long long max, long long *out)
{
	if (!*s)
		return false;
	char *end = NULL;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (*end != '\0' || errno == ERANGE || v < min || v > max)
		return false;
	*out = v;
	return true;
}

/* A tiny recursive-descent evaluator for $((EXPR)): + - * on integers. */
struct topo_arith {
	struct ik_topo *t;
	const char *p;
	const char *end;
	int rc;
};

static void arith_space(struct topo_arith *a)
{
	while (a->p < a->end && isspace((unsigned char)*a->p))
		a->p++;
}

static long long arith_factor(struct topo_arith *a)
{
	arith_space(a);
	if (a->p >= a->end) {
		a->rc = topo_fail(a->t, "arithmetic: missing operand");
		return 0;
	}
	bool is_negative = false;
	if (*a->p == '-') {
		is_negative = true;
		a->p++;
		arith_space(a);
	}
	long long v = 0;
	if (a->p < a->end && isdigit((unsigned char)*a->p)) {
		while (a->p < a->end && isdigit((unsigned char)*a->p)) {
			v = v * 10 + (*a->p - '0');
			if (v > TOPO_ARITH_LIMIT) {
				a->rc = topo_fail(a->t, "arithmetic: number too large");
				return 0;
			}
			a->p++;
		}
	} else if (a->p < a->end && (isalpha((unsigned char)*a->p) || *a->p == '_')) {
		const char *s = a->p;
		while (a->p < a->end && (isalnum((unsigned char)*a->p) || *a->p == '_'))
			a->p++;
		char buf[32];
		const char *val = topo_lookup(a->t, s, (size_t)(a->p - s), buf, sizeof buf);
		if (!val) {
			a->rc = topo_fail(a->t, "arithmetic: undefined variable '%.*s'",
					  (int)(a->p - s), s);
			return 0;
		}
		if (!topo_number(val, -TOPO_ARITH_LIMIT, TOPO_ARITH_LIMIT, &v)) {
			a->rc = topo_fail(a->t, "arithmetic: variable '%.*s' is not a number",
					  (int)(a->p - s), s);
			return 0;
		}
	} else {
		a->rc = topo_fail(a->t, "arithmetic: unexpected '%c'", *a->p);
		return 0;
	}
	return is_negative ? -v : v;
}

static long long arith_term(struct topo_arith *a)
{
	long long v = arith_factor(a);
	for (;;) {
		arith_space(a);
		if (a->rc || a->p >= a->end || *a->p != '*')
			return v;
		a->p++;
		long long r = arith_factor(a);
		/* Operands are bounded by TOPO_ARITH_LIMIT, so the product fits. */
		v *= r;
		if (v > TOPO_ARITH_LIMIT || v < -TOPO_ARITH_LIMIT) {
			a->rc = topo_fail(a->t, "arithmetic: result too large");
			return 0;
		}
	}
}

static long long arith_expr(struct topo_arith *a)
{
	long long v = arith_term(a);
	for (;;) {
		arith_space(a);
		if (a->rc || a->p >= a->end || (*a->p != '+' && *a->p != '-'))
			return v;
		char op = *a->p++;
		long long r = arith_term(a);
		v = op == '+' ? v + r : v - r;
		if (v > TOPO_ARITH_LIMIT || v < -TOPO_ARITH_LIMIT) {
			a->rc = topo_fail(a->t, "arithmetic: result too large");
			return 0;
		}
	}
}

/* Appends bytes to the expansion buffer, failing when the line grows too long. */
static int topo_put(struct ik_topo *t, char *out, size_t *out_len, const char *s, size_t len)
{
	if (*out_len + len >= TOPO_LINE_MAX)
		return topo_fail(t, "line longer than %d bytes after expansion", TOPO_LINE_MAX - 1);
	memcpy(out + *out_len, s, len);
	*out_len += len;
	out[*out_len] = '\0';
	return IK_OK;
}

/*
 * Expands one line (comment already removed) into out. Variables go first
 * (pass 0) so that $((${N} - 1)) works; arithmetic second (pass 1).
 */
static int topo_expand(struct ik_topo *t, const char *in, size_t in_len, char *out, int pass)
{
	size_t out_len = 0;
	out[0] = '\0';
	size_t i = 0;
	while (i < in_len) {
		int rc;
		bool is_arith = i + 2 < in_len && in[i + 1] == '(' && in[i + 2] == '(';
		if (in[i] != '$' || (pass == 0 && is_arith)) {
			rc = topo_put(t, out, &out_len, &in[i], 1);
			if (rc)
				return rc;
			i++;
			continue;
		}
		if (is_arith) {
			const char *start = &in[i + 3];
			const char *close = NULL;
			for (size_t j = i + 3; j + 1 < in_len; j++) {
				if (in[j] == ')' && in[j + 1] == ')') {
					close = &in[j];
					break;
				}
			}
			if (!close)
				return topo_fail(t, "unterminated $((");
			struct topo_arith a = {t, start, close, 0};
			long long v = arith_expr(&a);
			if (a.rc)
				return a.rc;
			arith_space(&a);
			if (a.p != close)
				return topo_fail(t, "arithmetic: unexpected '%c'", *a.p);
			char num[32];
			int n = snprintf(num, sizeof num, "%lld", v);
			rc = topo_put(t, out, &out_len, num, (size_t)n);
			if (rc)
				return rc;
			i = (size_t)(close - in) + 2;
			continue;
		}
		if (pass == 0 && i + 1 < in_len && in[i + 1] == '{') {
			const char *close = memchr(&in[i + 2], '}', in_len - i - 2);
			if (!close)
				return topo_fail(t, "unterminated ${");
			const char *name = &in[i + 2];
			size_t body_len = (size_t)(close - name);
			const char *dflt = NULL;
			size_t name_len = body_len, dflt_len = 0;
			for (size_t j = 0; j + 1 < body_len; j++) {
				if (name[j] == ':' && name[j + 1] == '-') {
					name_len = j;
					dflt = &name[j + 2];
					dflt_len = body_len - j - 2;
					break;
				}
			}
			if (!topo_is_var_name(name, name_len))
				return topo_fail(t, "bad variable name '%.*s'", (int)name_len, name);
			char buf[32];
			const char *val = topo_lookup(t, name, name_len, buf, sizeof buf);
			if (val && *val)
				rc = topo_put(t, out, &out_len, val, strlen(val));
			else if (dflt)
				rc = topo_put(t, out, &out_len, dflt, dflt_len);
			else
				return topo_fail(t, "undefined variable '%.*s'", (int)name_len, name);
			if (rc)
				return rc;
			i = (size_t)(close - in) + 1;
			continue;
		}
		return topo_fail(t, "stray '$' (use ${NAME} or $((EXPR)))");
	}
	return IK_OK;
}

/* Splits a line in place on blanks. Returns the count or a syntax error. */
static int topo_tokenize(struct ik_topo *t, char *line, char **tok)
{
	int n = 0;
	char *p = line;
	for (;;) {
		while (*p == ' ' || *p == '\t' || *p == '\r')
			p++;
		if (!*p)
			return n;
		if (n == TOPO_TOKENS_MAX)
			return topo_fail(t, "more than %d words", TOPO_TOKENS_MAX);
		tok[n++] = p;
		while (*p && *p != ' ' && *p != '\t' && *p != '\r')
			p++;
		if (*p)
			*p++ = '\0';
	}
}

static bool topo_is_name(const char *s, size_t max_len)
{
	size_t len = strlen(s);
	if (len == 0 || len > max_len)
		return false;
	if (!islower((unsigned char)s[0]))
		return false;
	for (size_t i = 0; i < len; i++) {
		if (!islower((unsigned char)s[i]) && !isdigit((unsigned char)s[i]) && s[i] != '_')
			return false;
	}
	return true;
}

/* Interface names: what the kernel accepts (dev_valid_name), kept to a safe alphabet. */
static bool topo_is_ifname(const char *s)
{
	size_t len = strlen(s);
	if (len == 0 || len >= IK_TOPO_IFNAME_SIZE || strcmp(s, ".") == 0 || strcmp(s, "..") == 0)
		return false;
	for (size_t i = 0; i < len; i++) {
		if (!isalnum((unsigned char)s[i]) && s[i] != '_' && s[i] != '-' && s[i] != '.')
			return false;
	}
	return true;
}

static int topo_node_index(const struct ik_topo *t, const char *name)
{
	for (size_t i = 0; i < t->node_count; i++) {
		if (strcmp(t->nodes[i].name, name) == 0)
			return (int)i;
	}
	return IK_ERR_NOT_FOUND;
}

int ik_topo_find_node(const struct ik_topo *topo, const char *name)
{
	return topo_node_index(topo, name);
}

/* Looks up a node that must already be declared. */
static int topo_need_node(struct ik_topo *t, const char *name, size_t *out)
{
	int i = topo_node_index(t, name);
	if (i < 0)
		return topo_fail(t, "unknown node '%s' (declare it with 'node' first)", name);
	*out = (size_t)i;
	return IK_OK;
}

/* True when the node already has an interface with this name. */
static bool topo_has_ifname(const struct ik_topo *t, size_t node, const char *ifname)
{
	for (size_t i = 0; i < t->link_count; i++) {
		for (int s = 0; s < 2; s++) {
			const struct ik_topo_end *e = &t->links[i].end[s];
			if (e->node == node && strcmp(e->ifname, ifname) == 0)
				return true;
		}
	}
	return false;
}

/* Parses "ADDR/LEN" into p; with require_network, host bits must be zero. */
static int topo_prefix(struct ik_topo *t, const char *text, bool require_network,
		       struct ik_topo_prefix *p)
{
	char buf[IK_ADDR_STRLEN + 8];
	const char *slash = strchr(text, '/');
	if (!slash || (size_t)(slash - text) >= IK_ADDR_STRLEN)
		return topo_fail(t, "'%s' is not ADDRESS/LENGTH", text);
	memcpy(buf, text, (size_t)(slash - text));
	buf[slash - text] = '\0';
	memset(p, 0, sizeof *p);
	if (ik_addr_parse(buf, &p->addr) != IK_OK)
		return topo_fail(t, "'%s' is not an IPv4 or IPv6 address", buf);
	long long len;
	long long max = p->addr.family == 4 ? 32 : 128;
	if (!topo_number(slash + 1, 0, max, &len))
		return topo_fail(t, "prefix length '%s' is not 0..%lld", slash + 1, max);
	p->len = (uint8_t)len;
	if (require_network) {
		size_t nbytes = p->addr.family == 4 ? 4 : 16;
		for (size_t bit = (size_t)len; bit < nbytes * 8; bit++) {
			if (p->addr.bytes[bit / 8] & (0x80u >> (bit % 8)))
				return topo_fail(t, "'%s' has host bits set past /%lld", text, len);
		}
	}
	return IK_OK;
}

/* True when addr lies inside prefix (same family). */
static bool topo_prefix_contains(const struct ik_topo_prefix *p, const struct ik_addr *addr)
{
	if (p->addr.family == 0 || p->addr.family != addr->family)
		return false;
	for (unsigned bit = 0; bit < p->len; bit++) {
		unsigned mask = 0x80u >> (bit % 8);
		if ((p->addr.bytes[bit / 8] & mask) != (addr->bytes[bit / 8] & mask))
			return false;
	}
	return true;
}

/*
 * Parses END (NODE[:IFNAME]) and up to two address tokens at tok[*i].
 * Advances *i past what it used.
 */
static int topo_end(struct ik_topo *t, char **tok, int ntok, int *i, struct ik_topo_end *e)
{
	if (*i >= ntok)
		return topo_fail(t, "missing link end (NODE[:IFNAME])");
	char name[64];
	const char *colon = strchr(tok[*i], ':');
	size_t name_len = colon ? (size_t)(colon - tok[*i]) : strlen(tok[*i]);
	if (name_len >= sizeof name)
		return topo_fail(t, "node name too long");
	memcpy(name, tok[*i], name_len);
	name[name_len] = '\0';
	if (!topo_is_name(name, IK_TOPO_NAME_SIZE - 1))
		return topo_fail(t, "'%s' is neither NODE[:IFNAME] nor ADDRESS/LENGTH", tok[*i]);
	int rc = topo_need_node(t, name, &e->node);
	if (rc)
		return rc;
	const struct ik_topo_node *n = &t->nodes[e->node];
	if (colon) {
		/* Every namespace has its loopback already. */
		if (!topo_is_ifname(colon + 1) || strcmp(colon + 1, "lo") == 0)
			return topo_fail(t, "bad interface name '%s' (1..15 of [A-Za-z0-9_.-])",
					 colon + 1);
		snprintf(e->ifname, sizeof e->ifname, "%s", colon + 1);
	} else {
		snprintf(e->ifname, sizeof e->ifname, "%s%u", n->kind == IK_TOPO_LAN ? "p" : "eth",
			 t->if_count[e->node]);
	}
	(*i)++;
	while (*i < ntok && (strchr(tok[*i], '/') || strcmp(tok[*i], "-") == 0)) {
		if (strcmp(tok[*i], "-") != 0) {
			struct ik_topo_prefix p;
			rc = topo_prefix(t, tok[*i], false, &p);
			if (rc)
				return rc;
			struct ik_topo_prefix *slot = p.addr.family == 4 ? &e->addr4 : &e->addr6;
			if (slot->addr.family)
				return topo_fail(t, "two IPv%u addresses on %s:%s", p.addr.family,
						 n->name, e->ifname);
			if (n->kind == IK_TOPO_LAN)
				return topo_fail(t, "a lan's port has no address ('%s')", tok[*i]);
			*slot = p;
		}
		(*i)++;
	}
	return IK_OK;
}

/* Checks and commits a link whose ends are parsed. */
static int topo_add_link(struct ik_topo *t, struct ik_topo_link *l)
{
	if (t->link_count == IK_TOPO_MAX_LINKS)
		return topo_fail(t, "more than %d links", IK_TOPO_MAX_LINKS);
	if (l->end[0].node == l->end[1].node)
		return topo_fail(t, "a link joins node '%s' to itself", t->nodes[l->end[0].node].name);
	if (t->nodes[l->end[0].node].kind == IK_TOPO_LAN &&
	    t->nodes[l->end[1].node].kind == IK_TOPO_LAN)
		return topo_fail(t, "a link joins two lans");
	for (int s = 0; s < 2; s++) {
		const struct ik_topo_end *e = &l->end[s];
		if (topo_has_ifname(t, e->node, e->ifname))
			return topo_fail(t, "node '%s' already has interface '%s'",
					 t->nodes[e->node].name, e->ifname);
	}
	t->links[t->link_count++] = *l;
	t->if_count[l->end[0].node]++;
	t->if_count[l->end[1].node]++;
	return IK_OK;
}

static int topo_mtu(struct ik_topo *t, char **tok, int ntok, int i, struct ik_topo_link *l)
{
	if (i == ntok)
		return IK_OK;
	long long mtu;
	if (strcmp(tok[i], "mtu") != 0)
		return topo_fail(t, "unexpected '%s' (expected 'mtu N' or an address)", tok[i]);
	/* 68 is the IPv4 minimum (RFC 791); IPv6 needs 1280 but v4-only links may go lower. */
	if (i + 1 >= ntok || !topo_number(tok[i + 1], 68, 65535, &mtu))
		return topo_fail(t, "mtu needs a number 68..65535");
	if (i + 2 != ntok)
		return topo_fail(t, "unexpected '%s' after mtu", tok[i + 2]);
	l->mtu = (unsigned)mtu;
	return IK_OK;
}

static int stmt_node(struct ik_topo *t, char **tok, int ntok, bool is_lan)
{
	if (ntok < 2 || ntok > (is_lan ? 2 : 3))
		return topo_fail(t, is_lan ? "usage: lan NAME" : "usage: node NAME [host|router]");
	if (!topo_is_name(tok[1], IK_TOPO_NAME_SIZE - 1))
		return topo_fail(t, "bad node name '%s' (1..%d of [a-z0-9_], starting with a letter)",
				 tok[1], IK_TOPO_NAME_SIZE - 1);
	if (topo_node_index(t, tok[1]) >= 0)
		return topo_fail(t, "node '%s' declared twice", tok[1]);
	if (t->node_count == IK_TOPO_MAX_NODES)
		return topo_fail(t, "more than %d nodes", IK_TOPO_MAX_NODES);
	enum ik_topo_node_kind kind = is_lan ? IK_TOPO_LAN : IK_TOPO_HOST;
	if (ntok == 3) {
		if (strcmp(tok[2], "router") == 0)
			kind = IK_TOPO_ROUTER;
		else if (strcmp(tok[2], "host") != 0)
			return topo_fail(t, "node kind '%s' is not 'host' or 'router'", tok[2]);
	}
	struct ik_topo_node *n = &t->nodes[t->node_count++];
	snprintf(n->name, sizeof n->name, "%s", tok[1]);
	n->kind = kind;
	return IK_OK;
}

static int stmt_link(struct ik_topo *t, char **tok, int ntok)
{
	struct ik_topo_link l;
	memset(&l, 0, sizeof l);
	int i = 1;
	int rc = topo_end(t, tok, ntok, &i, &l.end[0]);
	if (!rc)
		rc = topo_end(t, tok, ntok, &i, &l.end[1]);
	if (!rc && l.end[0].node == l.end[1].node)
		return topo_fail(t, "a link joins node '%s' to itself", t->nodes[l.end[0].node].name);
	/* Two auto-named ends on the same node would collide; caught in add. */
	if (!rc)
		rc = topo_mtu(t, tok, ntok, i, &l);
	if (!rc)
		rc = topo_add_link(t, &l);
	return rc;
}

static int stmt_attach(struct ik_topo *t, char **tok, int ntok)
{
	if (ntok < 3)
		return topo_fail(t, "usage: attach LAN NODE[:IFNAME] ADDR... [mtu N]");
	struct ik_topo_link l;
	memset(&l, 0, sizeof l);
	int rc = topo_need_node(t, tok[1], &l.end[0].node);
	if (rc)
		return rc;
	if (t->nodes[l.end[0].node].kind != IK_TOPO_LAN)
		return topo_fail(t, "'%s' is not a lan", tok[1]);
	snprintf(l.end[0].ifname, sizeof l.end[0].ifname, "p%u", t->if_count[l.end[0].node]);
	int i = 2;
	rc = topo_end(t, tok, ntok, &i, &l.end[1]);
	if (!rc)
		rc = topo_mtu(t, tok, ntok, i, &l);
	if (!rc)
		rc = topo_add_link(t, &l);
	return rc;
}

/* True when gw lies in one of the node's interface prefixes: the route stays in the lab. */
static bool topo_gw_on_link(const struct ik_topo *t, size_t node, const struct ik_addr *gw)
{
	for (size_t i = 0; i < t->link_count; i++) {
		for (int s = 0; s < 2; s++) {
			const struct ik_topo_end *e = &t->links[i].end[s];
			if (e->node != node)
				continue;
			if (topo_prefix_contains(&e->addr4, gw) || topo_prefix_contains(&e->addr6, gw))
				return true;
		}
	}
	return false;
}

static int stmt_route(struct ik_topo *t, char **tok, int ntok)
{
	const char *usage = "usage: route NODE PREFIX|default (via GW | nexthop via GW... | "
			    "unreachable | prohibit | blackhole)";
	if (ntok < 4)
		return topo_fail(t, "%s", usage);
	if (t->route_count == IK_TOPO_MAX_ROUTES)
		return topo_fail(t, "more than %d routes", IK_TOPO_MAX_ROUTES);
	struct ik_topo_route r;
	memset(&r, 0, sizeof r);
	int rc = topo_need_node(t, tok[1], &r.node);
	if (rc)
		return rc;
	if (t->nodes[r.node].kind == IK_TOPO_LAN)
		return topo_fail(t, "lan '%s' has no routing table of its own", tok[1]);
	bool is_default = strcmp(tok[2], "default") == 0;
	if (!is_default) {
		rc = topo_prefix(t, tok[2], true, &r.dst);
		if (rc)
			return rc;
	}
	int i = 3;
	if (strcmp(tok[i], "unreachable") == 0 || strcmp(tok[i], "prohibit") == 0 ||
	    strcmp(tok[i], "blackhole") == 0) {
		if (is_default)
			return topo_fail(t, "'default %s' has no family; write 0.0.0.0/0 or ::/0",
					 tok[i]);
		r.kind = tok[i][0] == 'u' ? IK_TOPO_ROUTE_UNREACHABLE
			 : tok[i][0] == 'p' ? IK_TOPO_ROUTE_PROHIBIT
					    : IK_TOPO_ROUTE_BLACKHOLE;
		if (ntok != 4)
			return topo_fail(t, "unexpected '%s' after %s", tok[4], tok[3]);
	} else {
		bool is_ecmp = strcmp(tok[i], "nexthop") == 0;
		while (i < ntok) {
			if (is_ecmp) {
				if (strcmp(tok[i], "nexthop") != 0)
					return topo_fail(t, "expected 'nexthop', got '%s'", tok[i]);
				i++;
			}
			if (i + 1 >= ntok || strcmp(tok[i], "via") != 0)
				return topo_fail(t, "%s", usage);
			if (r.nexthop_count == IK_TOPO_MAX_NEXTHOPS)
				return topo_fail(t, "more than %d nexthops", IK_TOPO_MAX_NEXTHOPS);
			struct ik_addr *gw = &r.nexthop[r.nexthop_count];
			if (ik_addr_parse(tok[i + 1], gw) != IK_OK)
				return topo_fail(t, "gateway '%s' is not an address", tok[i + 1]);
			if (r.nexthop_count > 0 && gw->family != r.nexthop[0].family)
				return topo_fail(t, "nexthops mix IPv4 and IPv6");
			if (!topo_gw_on_link(t, r.node, gw))
				return topo_fail(t, "gateway %s is not on any link of '%s'", tok[i + 1],
						 tok[1]);
			r.nexthop_count++;
			i += 2;
			if (!is_ecmp && i < ntok)
				return topo_fail(t, "unexpected '%s' (ECMP is 'nexthop via GW "
						    "nexthop via GW')",
						 tok[i]);
		}
		if (is_ecmp && r.nexthop_count < 2)
			return topo_fail(t, "ECMP needs at least two nexthops");
		if (is_default)
			r.dst.addr.family = r.nexthop[0].family;
		else if (r.dst.addr.family != r.nexthop[0].family)
			return topo_fail(t, "gateway family differs from the prefix's");
	}
	t->routes[t->route_count++] = r;
	return IK_OK;
}

/* Only per-namespace keys: a write under /proc/sys/kernel would change the host. */
static bool topo_is_sysctl_key(const char *key, size_t len)
{
	if (len >= IK_TOPO_SYSCTL_KEY_SIZE)
		return false;
	if (strncmp(key, "net.ipv4.", 9) != 0 && strncmp(key, "net.ipv6.", 9) != 0)
		return false;
	if (len <= 9)
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = key[i];
		if (!isalnum((unsigned char)c) && c != '_' && c != '.' && c != '-')
			return false;
		if (c == '.' && (i + 1 == len || key[i + 1] == '.'))
			return false;
	}
	return true;
}

static int stmt_sysctl(struct ik_topo *t, char **tok, int ntok)
{
	if (ntok < 3)
		return topo_fail(t, "usage: sysctl NODE net.ipv4.KEY=VALUE");
	if (t->sysctl_count == IK_TOPO_MAX_SYSCTLS)
		return topo_fail(t, "more than %d sysctls", IK_TOPO_MAX_SYSCTLS);
	struct ik_topo_sysctl s;
	memset(&s, 0, sizeof s);
	int rc = topo_need_node(t, tok[1], &s.node);
	if (rc)
		return rc;
	const char *eq = strchr(tok[2], '=');
	if (!eq || !topo_is_sysctl_key(tok[2], (size_t)(eq - tok[2])))
		return topo_fail(t, "'%s' is not KEY=VALUE with a per-namespace key under "
				    "net.ipv4. or net.ipv6.",
				 tok[2]);
	memcpy(s.key, tok[2], (size_t)(eq - tok[2]));
	/* Values like ping_group_range hold several words: join the rest with spaces. */
	size_t vlen = 0;
	for (int i = 2; i < ntok; i++) {
		const char *part = i == 2 ? eq + 1 : tok[i];
		size_t plen = strlen(part);
		if (vlen + plen + 1 >= sizeof s.value)
			return topo_fail(t, "sysctl value too long");
		if (i > 2)
			s.value[vlen++] = ' ';
		memcpy(s.value + vlen, part, plen);
		vlen += plen;
	}
	if (vlen == 0)
		return topo_fail(t, "sysctl '%s' has an empty value", s.key);
	for (size_t i = 0; i < vlen; i++) {
		if (!isprint((unsigned char)s.value[i]))
			return topo_fail(t, "sysctl value has a control character");
	}
	t->sysctls[t->sysctl_count++] = s;
	return IK_OK;
}

static int stmt_shape(struct ik_topo *t, char **tok, int ntok, enum ik_topo_shape_kind kind)
{
	const char *what = kind == IK_TOPO_LOSS ? "loss" : "delay";
	if (ntok != 4)
		return topo_fail(t, "usage: %s NODE IFNAME|* %s", what,
				 kind == IK_TOPO_LOSS ? "PERCENT" : "MS");
	if (t->shape_count == IK_TOPO_MAX_SHAPES)
		return topo_fail(t, "more than %d loss/delay rules", IK_TOPO_MAX_SHAPES);
	struct ik_topo_shape s;
	memset(&s, 0, sizeof s);
	s.kind = kind;
	int rc = topo_need_node(t, tok[1], &s.node);
	if (rc)
		return rc;
	if (strcmp(tok[2], "*") != 0) {
		if (!topo_has_ifname(t, s.node, tok[2]))
			return topo_fail(t, "node '%s' has no interface '%s'", tok[1], tok[2]);
		snprintf(s.ifname, sizeof s.ifname, "%s", tok[2]);
	}
	long long v;
	/* A delay is bounded so the delayer's queue stays bounded in time too. */
	if (!topo_number(tok[3], 0, kind == IK_TOPO_LOSS ? 100 : 10000, &v))
		return topo_fail(t, "%s '%s' is not 0..%d", what, tok[3],
				 kind == IK_TOPO_LOSS ? 100 : 10000);
	s.value = (unsigned)v;
	t->shapes[t->shape_count++] = s;
	return IK_OK;
}

/* Removes a comment and reports whether anything but blanks remains. */
static size_t topo_strip(const char *text, size_t len)
{
	const char *hash = memchr(text, '#', len);
	return hash ? (size_t)(hash - text) : len;
}

/* Finds the `end` matching the `for` at line index from; returns its index or -1. */
static long topo_find_end(const struct topo_line *lines, size_t count, size_t from)
{
	int depth = 0;
	for (size_t i = from + 1; i < count; i++) {
		size_t len = topo_strip(lines[i].text, lines[i].len);
		const char *p = lines[i].text;
		while (len && (*p == ' ' || *p == '\t')) {
			p++;
			len--;
		}
		size_t w = 0;
		while (w < len && p[w] != ' ' && p[w] != '\t' && p[w] != '\r')
			w++;
		if (w == 3 && memcmp(p, "for", 3) == 0)
			depth++;
		else if (w == 3 && memcmp(p, "end", 3) == 0 && depth-- == 0)
			return (long)i;
	}
	return -1;
}

static int topo_run(struct ik_topo *t, const struct topo_line *lines, size_t count)
{
	char vars[TOPO_LINE_MAX];
	char buf[TOPO_LINE_MAX];
	char *tok[TOPO_TOKENS_MAX];
	size_t steps = 0;
	size_t i = 0;
	while (i < count) {
		t->error_line = (unsigned)(i + 1);
		if (++steps > TOPO_STEPS_MAX)
			return topo_fail(t, "more than %d statements executed (runaway loop?)",
					 TOPO_STEPS_MAX);
		if (lines[i].len >= TOPO_LINE_MAX)
			return topo_fail(t, "line longer than %d bytes", TOPO_LINE_MAX - 1);
		size_t len = topo_strip(lines[i].text, lines[i].len);
		int rc = topo_expand(t, lines[i].text, len, vars, 0);
		if (!rc)
			rc = topo_expand(t, vars, strlen(vars), buf, 1);
		if (rc)
			return rc;
		int ntok = topo_tokenize(t, buf, tok);
		if (ntok < 0)
			return ntok;
		if (ntok == 0) {
			i++;
			continue;
		}
		const char *cmd = tok[0];
		if (strcmp(cmd, "for") == 0) {
			long long from, to;
			if (ntok != 4 || !topo_is_var_name(tok[1], strlen(tok[1])))
				return topo_fail(t, "usage: for VAR FROM TO");
			if (!topo_number(tok[2], 0, 100000, &from) ||
			    !topo_number(tok[3], -1, 100000, &to))
				return topo_fail(t, "for: bounds must be integers 0..100000");
			long end = topo_find_end(lines, count, i);
			if (end < 0)
				return topo_fail(t, "'for' without 'end'");
			if (from > to) {
				i = (size_t)end + 1;
				continue;
			}
			if (t->loop_depth == TOPO_LOOP_DEPTH)
				return topo_fail(t, "loops nested deeper than %d", TOPO_LOOP_DEPTH);
			struct topo_loop *l = &t->loops[t->loop_depth++];
			snprintf(l->var, sizeof l->var, "%s", tok[1]);
			l->current = from;
			l->last = to;
			l->body_line = i + 1;
			i++;
			continue;
		}
		if (strcmp(cmd, "end") == 0) {
			if (ntok != 1)
				return topo_fail(t, "unexpected '%s' after end", tok[1]);
			if (t->loop_depth == 0)
				return topo_fail(t, "'end' without 'for'");
			struct topo_loop *l = &t->loops[t->loop_depth - 1];
			if (l->current < l->last) {
				l->current++;
				i = l->body_line;
			} else {
				t->loop_depth--;
				i++;
			}
			continue;
		}
		if (strcmp(cmd, "node") == 0)
			rc = stmt_node(t, tok, ntok, false);
		else if (strcmp(cmd, "lan") == 0)
			rc = stmt_node(t, tok, ntok, true);
		else if (strcmp(cmd, "link") == 0)
			rc = stmt_link(t, tok, ntok);
		else if (strcmp(cmd, "attach") == 0)
			rc = stmt_attach(t, tok, ntok);
		else if (strcmp(cmd, "route") == 0)
			rc = stmt_route(t, tok, ntok);
		else if (strcmp(cmd, "sysctl") == 0)
			rc = stmt_sysctl(t, tok, ntok);
		else if (strcmp(cmd, "loss") == 0)
			rc = stmt_shape(t, tok, ntok, IK_TOPO_LOSS);
		else if (strcmp(cmd, "delay") == 0)
			rc = stmt_shape(t, tok, ntok, IK_TOPO_DELAY);
		else
			rc = topo_fail(t, "unknown statement '%.32s'", cmd);
		if (rc)
			return rc;
		i++;
	}
	t->error_line = 0;
	if (t->node_count == 0)
		return topo_fail(t, "no nodes");
	return IK_OK;
}

int ik_topo_parse(struct ik_topo *topo, const char *text, size_t text_len)
{
	if (topo->is_parsed || topo->node_count)
		return IK_ERR_INVALID;
	topo->is_parsed = true;
	topo->error_line = 0;
	topo->error_reason[0] = '\0';
	if (memchr(text, '\0', text_len))
		return topo_fail(topo, "text holds a NUL byte");

	size_t count = 1;
	for (size_t i = 0; i < text_len; i++)
		count += text[i] == '\n';
	struct topo_line *lines = calloc(count, sizeof *lines);
	if (!lines)
		return ik_err_sys(ENOMEM);
	size_t n = 0;
	const char *p = text, *end = text + text_len;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
		lines[n].text = p;
		lines[n].len = len;
		n++;
		p += len + (nl ? 1 : 0);
	}
	int rc = topo_run(topo, lines, n);
	free(lines);
	if (rc)
		topo->node_count = 0; /* an unusable plan exposes nothing */
	return rc;
}

unsigned ik_topo_error_line(const struct ik_topo *topo)
{
	return topo->error_line;
}

const char *ik_topo_error_reason(const struct ik_topo *topo)
{
	return topo->error_reason;
}

size_t ik_topo_node_count(const struct ik_topo *topo)
{
	return topo->node_count;
}

const struct ik_topo_node *ik_topo_node(const struct ik_topo *topo, size_t index)
{
	return index < topo->node_count ? &topo->nodes[index] : NULL;
}

size_t ik_topo_link_count(const struct ik_topo *topo)
{
	return topo->node_count ? topo->link_count : 0;
}

const struct ik_topo_link *ik_topo_link(const struct ik_topo *topo, size_t index)
{
	return index < ik_topo_link_count(topo) ? &topo->links[index] : NULL;
}

size_t ik_topo_route_count(const struct ik_topo *topo)
{
	return topo->node_count ? topo->route_count : 0;
}

const struct ik_topo_route *ik_topo_route(const struct ik_topo *topo, size_t index)
{
	return index < ik_topo_route_count(topo) ? &topo->routes[index] : NULL;
}

size_t ik_topo_sysctl_count(const struct ik_topo *topo)
{
	return topo->node_count ? topo->sysctl_count : 0;
}

const struct ik_topo_sysctl *ik_topo_sysctl(const struct ik_topo *topo, size_t index)
{
	return index < ik_topo_sysctl_count(topo) ? &topo->sysctls[index] : NULL;
}

size_t ik_topo_shape_count(const struct ik_topo *topo)
{
	return topo->node_count ? topo->shape_count : 0;
}

const struct ik_topo_shape *ik_topo_shape(const struct ik_topo *topo, size_t index)
{
	return index < ik_topo_shape_count(topo) ? &topo->shapes[index] : NULL;
}
