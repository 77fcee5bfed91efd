#include "sysctl.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/rtnetlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *const key_names[SYSCTL_KEY_COUNT] = {
	[SYSCTL_ARP_IGNORE] = "arp_ignore",
	[SYSCTL_ARP_ANNOUNCE] = "arp_announce",
	[SYSCTL_RP_FILTER] = "rp_filter",
	[SYSCTL_PROXY_ARP] = "proxy_arp",
	[SYSCTL_ARP_ACCEPT] = "arp_accept",
	[SYSCTL_DROP_GRATUITOUS_ARP] = "drop_gratuitous_arp",
};

const char *sysctl_key_name(enum sysctl_key key)
{
	return (unsigned)key < SYSCTL_KEY_COUNT ? key_names[key] : NULL;
}

bool sysctl_scope_valid(const char *scope)
{
	size_t len;

	if (!scope)
		return false;
	len = strlen(scope);
	if (len == 0 || len >= 16 || !strcmp(scope, ".") || !strcmp(scope, ".."))
		return false;
	for (size_t i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)scope[i];

		if (ch == '/' || ch <= ' ' || ch >= 0x7f)
			return false;
	}
	return true;
}

const char *sysctl_name(char *buf, size_t cap, const char *scope, enum sysctl_key key)
{
	const char *name = sysctl_key_name(key);
	int n;

	if (!name || !sysctl_scope_valid(scope))
		return NULL;
	if (strchr(scope, '.'))
		n = snprintf(buf, cap, "net/ipv4/conf/%s/%s", scope, name);
	else
		n = snprintf(buf, cap, "net.ipv4.conf.%s.%s", scope, name);
	return n > 0 && (size_t)n < cap ? buf : NULL;
}

static int named_setting_path(char *buf, size_t cap, const char *root, const char *scope,
			      const char *name)
{
	int n;

	if (!root || !name || !sysctl_scope_valid(scope))
		return -EINVAL;
	n = snprintf(buf, cap, "%s/%s/%s", root, scope, name);
	return n > 0 && (size_t)n < cap ? 0 : -ENAMETOOLONG;
}

static int setting_path(char *buf, size_t cap, const char *root, const char *scope,
		     enum sysctl_key key)
{
	return named_setting_path(buf, cap, root, scope, sysctl_key_name(key));
}

/* A sysctl file holds one integer and a newline. */
static int parse_value(const char *text, int *value)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(text, &end, 10);
	if (end == text || errno || v < -2147483647L - 1 || v > 2147483647L)
		return -EINVAL;
	while (*end == '\n' || *end == ' ' || *end == '\t')
		end++;
	if (*end)
		return -EINVAL;
	*value = (int)v;
	return 0;
}

static int read_setting(const char *path, int *value)
{
	char text[32];
	ssize_t got;
	int err, fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	got = read(fd, text, sizeof(text) - 1);
	err = got < 0 ? -errno : 0;
	close(fd);
	if (err)
		return err;
	text[got] = '\0';
	return parse_value(text, value);
}

int sysctl_read(const char *root, const char *scope, enum sysctl_key key, int *value)
{
	char path[512];
	int err = setting_path(path, sizeof(path), root, scope, key);

	return err ? err : read_setting(path, value);
}

int sysctl_ipv6_forwarding(const char *root6, const char *ifname, bool *forwards)
{
	char path[512];
	int value, err = named_setting_path(path, sizeof(path), root6, ifname, "forwarding");

	if (!err)
		err = read_setting(path, &value);
	if (!err)
		*forwards = value != 0;
	return err;
}

int sysctl_write(const char *root, const char *scope, enum sysctl_key key, int value)
{
	char path[512], text[16];
	int fd, len, err = setting_path(path, sizeof(path), root, scope, key);

	if (err)
		return err;
	/* No O_CREAT: a missing interface must fail, not leave a file behind. */
	fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	len = snprintf(text, sizeof(text), "%d\n", value);
	err = write(fd, text, (size_t)len) == len ? 0 : -(errno ? errno : EIO);
	if (close(fd) < 0 && !err)
		err = -errno;
	return err;
}

int sysctl_effective(enum sysctl_key key, int all_value, int iface_value)
{
	switch (key) {
	case SYSCTL_PROXY_ARP:
	case SYSCTL_DROP_GRATUITOUS_ARP:
		return all_value != 0 || iface_value != 0;
	case SYSCTL_ARP_IGNORE:
	case SYSCTL_ARP_ANNOUNCE:
	case SYSCTL_RP_FILTER:
	case SYSCTL_ARP_ACCEPT:
	default:
		return all_value > iface_value ? all_value : iface_value;
	}
}

bool sysctl_arp_ignore_hides(int effective, unsigned char scope)
{
	switch (effective) {
	case 1:
	case 2:
	case 8:
		return true;
	case 3:
		return scope > RT_SCOPE_LINK;
	default:
		return false;
	}
}

const char *sysctl_arp_ignore_meaning(int effective)
{
	switch (effective) {
	case 0:
		return "replies for any local address";
	case 1:
		return "replies only for addresses of the incoming interface";
	case 2:
		return "replies only for addresses of the incoming interface, to senders in "
		       "their subnet";
	case 3:
		return "replies for any address not of scope host";
	case 4:
	case 5:
	case 6:
	case 7:
		return "is reserved and replies like 0";
	case 8:
		return "never replies";
	default:
		return "is unknown to the kernel and replies like 0";
	}
}

bool sysctl_arp_announce_hides(int effective)
{
	return effective == 2;
}
