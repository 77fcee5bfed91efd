#include "daemonconf.h"

#include <ctype.h>
#include <errno.h>
#include <string.h>

#include "addr.h"
#include "metrics.h"
#include "number.h"
#include "quote.h"

void daemon_options_default(struct daemon_options *o)
{
	memset(o, 0, sizeof(*o));
}

static int add_ifname(struct daemon_options *o, const char *name)
{
	size_t len = strlen(name);

	if (len == 0 || len >= IF_NAMESIZE || strchr(name, '/') || strchr(name, ' '))
		return -EINVAL;
	for (unsigned i = 0; i < o->ifname_count; i++)
		if (!strcmp(o->ifnames[i], name))
			return 0;
	if (o->ifname_count == DAEMON_MAX_IFACES)
		return -E2BIG;
	memcpy(o->ifnames[o->ifname_count++], name, len + 1);
	return 0;
}

static int peer_add(struct daemon_options *o, struct in_addr peer)
{
	for (unsigned i = 0; i < o->peer_count; i++)
		if (o->peers[i].s_addr == peer.s_addr)
			return 0;
	if (o->peer_count == DAEMON_MAX_PEERS)
		return -E2BIG;
	o->peers[o->peer_count++] = peer;
	return 0;
}

static int add_peer(struct daemon_options *o, const char *text)
{
	struct in_addr peer;

	if (ipv4_parse(text, &peer) < 0 || peer.s_addr == 0)
		return -EINVAL;
	return peer_add(o, peer);
}

int daemon_option_set(struct daemon_options *o, const char *key, const char *value)
{
	unsigned long n;
	int err;

	if (!strcmp(key, "json")) {
		if (value)
			return -EINVAL;
		o->json = true;
		return 0;
	}
	if (strcmp(key, "interface") && strcmp(key, "peer") && strcmp(key, "refresh") &&
	    strcmp(key, "metrics"))
		return -ENOENT;
	if (!value || !*value)
		return -EINVAL;
	if (!strcmp(key, "interface"))
		return add_ifname(o, value);
	if (!strcmp(key, "peer"))
		return add_peer(o, value);
	if (!strcmp(key, "refresh")) {
		err = parse_ulong(value, 0, DAEMON_REFRESH_MAX, &n);
		if (err)
			return err == -ERANGE ? -EINVAL : err;
		o->refresh_s = (unsigned)n;
		return 0;
	}
	/* Validated aside: a rejected value must not overwrite an accepted address. */
	struct sockaddr_in addr;

	err = metrics_parse_listen(value, &addr);
	if (err)
		return err;
	o->metrics_addr = addr;
	o->metrics = true;
	return 0;
}

const char *daemon_option_strerror(int err)
{
	switch (err) {
	case -ENOENT: return "unknown option";
	case -E2BIG: return "too many values";
	case -EADDRNOTAVAIL: return "give one of this host's addresses, not 0.0.0.0";
	default: return "invalid value";
	}
}

static char *trim(char *s)
{
	char *end;

	while (isspace((unsigned char)*s))
		s++;
	end = s + strlen(s);
	while (end > s && isspace((unsigned char)end[-1]))
		*--end = '\0';
	return s;
}

static void option_failed(struct daemon_conf_error *e, unsigned line, const char *key,
			  const char *value, int err)
{
	e->line = line;
	if (err == -ENOENT)
		snprintf(e->reason, sizeof(e->reason), "unknown option %s", QUOTE(key));
	else if (value)
		snprintf(e->reason, sizeof(e->reason), "%s %s: %s", key, QUOTE(value),
			 daemon_option_strerror(err));
	else
		snprintf(e->reason, sizeof(e->reason), "%s: %s", key, daemon_option_strerror(err));
}

int daemon_options_read(struct daemon_options *o, struct line_reader *r,
			struct daemon_conf_error *e)
{
	char *line;
	int err;

	e->line = 0;
	e->reason[0] = '\0';
	while ((err = line_reader_next(r, &line, NULL)) > 0) {
		char *text, *hash, *value;

		hash = strchr(line, '#');
		if (hash)
			*hash = '\0';
		text = trim(line);
		if (!*text)
			continue;
		value = text + strcspn(text, " \t");
		if (*value) {
			*value++ = '\0';
			value = trim(value);
		} else {
			value = NULL;
		}
		err = daemon_option_set(o, text, value);
		if (err) {
			option_failed(e, r->line, text, value, err);
			return err;
		}
	}
	if (err < 0) {
		e->line = err == -EFBIG || err == -EISDIR ? 0 : r->line;
		line_reader_error(r, err, e->reason, sizeof(e->reason));
	}
	return err;
}

int daemon_options_load(struct daemon_options *o, const char *path, struct daemon_conf_error *e)
{
	struct line_reader r;
	int err = line_reader_open(&r, path, DAEMON_CONF_LINE_MAX, DAEMON_CONF_FILE_MAX);

	if (err) {
		e->line = 0;
		snprintf(e->reason, sizeof(e->reason), "%s", strerror(-err));
		return err;
	}
	err = daemon_options_read(o, &r, e);
	line_reader_free(&r);
	return err;
}

int daemon_options_merge(struct daemon_options *cmdline, const struct daemon_options *file,
			 const char **which)
{
	struct daemon_options merged = *file;

	for (unsigned i = 0; i < cmdline->ifname_count; i++) {
		if (add_ifname(&merged, cmdline->ifnames[i]) == -E2BIG) {
			*which = "interface";
			return -E2BIG;
		}
	}
	for (unsigned i = 0; i < cmdline->peer_count; i++) {
		struct in_addr peer = cmdline->peers[i];

		if (peer_add(&merged, peer) == -E2BIG) {
			*which = "peer";
			return -E2BIG;
		}
	}
	if (cmdline->refresh_s)
		merged.refresh_s = cmdline->refresh_s;
	if (cmdline->metrics) {
		merged.metrics = true;
		merged.metrics_addr = cmdline->metrics_addr;
	}
	merged.json = merged.json || cmdline->json;
	*cmdline = merged;
	return 0;
}
