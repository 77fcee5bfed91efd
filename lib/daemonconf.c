#include "daemonconf.h"

#include <ctype.h>
#include <errno.h>
#include <string.h>

#include "addr.h"
#include "metrics.h"
#include "number.h"

#define LINE_MAX_LEN 512

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

static int add_peer(struct daemon_options *o, const char *text)
{
	struct in_addr peer;

	if (ipv4_parse(text, &peer) < 0 || peer.s_addr == 0)
		return -EINVAL;
	for (unsigned i = 0; i < o->peer_count; i++)
		if (o->peers[i].s_addr == peer.s_addr)
			return 0;
	if (o->peer_count == DAEMON_MAX_PEERS)
		return -E2BIG;
	o->peers[o->peer_count++] = peer;
	return 0;
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
	err = metrics_parse_listen(value, &o->metrics_addr);
	if (err)
		return err;
	o->metrics = true;
	return 0;
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

int daemon_options_read(struct daemon_options *o, FILE *in, unsigned *line)
{
	char buf[LINE_MAX_LEN];

	*line = 0;
	while (fgets(buf, sizeof(buf), in)) {
		char *text, *hash, *value;
		int err;

		(*line)++;
		if (!strchr(buf, '\n') && !feof(in))
			return -EINVAL;
		hash = strchr(buf, '#');
		if (hash)
			*hash = '\0';
		text = trim(buf);
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
		if (err)
			return err;
	}
	if (ferror(in))
		return -EIO;
	*line = 0;
	return 0;
}
