#include "netlink.h"

#include <errno.h>
#include <limits.h>
#include <linux/if.h>
#include <linux/if_addr.h>
#include <linux/if_arp.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <libmnl/libmnl.h>

/*
 * The kernel sizes each dump part to the largest read it has seen, up to 32 KiB;
 * a smaller buffer would get truncated messages (ENOSPC from libmnl).
 */
#define NL_RECV_SIZE 32768
#define NL_REQUEST_SIZE 256
#define NL_EVENT_RCVBUF (4 << 20)

/* Bounds on every loop that waits for the kernel. */
#define NL_REPLY_TIMEOUT_MS 5000
#define NL_REPLY_MAX_READS 65536   /* far beyond any real dump, at 32 KiB a read */
#define NL_RECV_MAX_RETRIES 8      /* EINTR, EAGAIN and stray senders in a row */
#define NL_EVENT_MAX_READS 256     /* per call; the fd stays readable for the rest */
#define NL_DUMP_ATTEMPTS 10        /* a dump the kernel marks inconsistent is redone, */
#define NL_DUMP_PAUSE_MAX_MS 50    /* after a pause of 1, 2, 4 ... ms (at most this) */

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

_Static_assert(NL_EVENT_MAX_READS * (NL_RECV_SIZE / NLMSG_HDRLEN) < INT_MAX,
	       "the count of events handled in one call fits the return value");

/* ---- attribute validation: one rule per attribute type we read ---- */

struct attr_rule {
	enum mnl_attr_data_type type; /* MNL_TYPE_UNSPEC: not read, so not kept */
	uint16_t len;                 /* exact payload length; 0: the type's own rule */
};

struct attr_table {
	const struct attr_rule *rules;
	uint16_t max;                 /* highest type the rules cover */
	const struct nlattr **tb;     /* max + 1 slots */
};

/* An IP address: its length is checked against the message's family (get_ip_attr). */
#define IP_ATTR { MNL_TYPE_BINARY, 0 }

static const struct attr_rule link_rules[IFLA_MAX + 1] = {
	[IFLA_IFNAME] = { MNL_TYPE_NUL_STRING, 0 },
	[IFLA_ADDRESS] = { MNL_TYPE_BINARY, 0 }, /* hardware address: length depends on type */
	[IFLA_MTU] = { MNL_TYPE_U32, 0 },
	[IFLA_CARRIER] = { MNL_TYPE_U8, 0 },
	[IFLA_OPERSTATE] = { MNL_TYPE_U8, 0 },
	[IFLA_MASTER] = { MNL_TYPE_U32, 0 },
};

static const struct attr_rule addr_rules[IFA_MAX + 1] = {
	[IFA_ADDRESS] = IP_ATTR,
	[IFA_LOCAL] = IP_ATTR,
	[IFA_LABEL] = { MNL_TYPE_NUL_STRING, 0 },
	[IFA_FLAGS] = { MNL_TYPE_U32, 0 },
	[IFA_CACHEINFO] = { MNL_TYPE_BINARY, sizeof(struct ifa_cacheinfo) },
};

static const struct attr_rule route_rules[RTA_MAX + 1] = {
	[RTA_DST] = IP_ATTR,
	[RTA_GATEWAY] = IP_ATTR,
	[RTA_PREFSRC] = IP_ATTR,
	[RTA_OIF] = { MNL_TYPE_U32, 0 },
	[RTA_TABLE] = { MNL_TYPE_U32, 0 },
	[RTA_MULTIPATH] = { MNL_TYPE_BINARY, 0 }, /* walked and checked by parse_nexthops */
	[RTA_VIA] = { MNL_TYPE_BINARY, 0 },       /* only its presence matters */
};

static const struct attr_rule nexthop_rules[RTA_MAX + 1] = {
	[RTA_GATEWAY] = IP_ATTR,
	[RTA_VIA] = { MNL_TYPE_BINARY, 0 },
};

static const struct attr_rule neigh_rules[NDA_MAX + 1] = {
	[NDA_DST] = IP_ATTR,
	[NDA_LLADDR] = { MNL_TYPE_BINARY, 0 },   /* hardware address: length depends on type */
};

static int attr_table_cb(const struct nlattr *attr, void *data)
{
	const struct attr_table *table = data;
	uint16_t type = mnl_attr_get_type(attr);

	/* Attributes newer than our headers are someone else's business. */
	if (mnl_attr_type_valid(attr, table->max) < 0)
		return MNL_CB_OK;
	const struct attr_rule *rule = &table->rules[type];
	if (rule->type == MNL_TYPE_UNSPEC)
		return MNL_CB_OK;
	int ret = rule->len ? mnl_attr_validate2(attr, rule->type, rule->len)
			    : mnl_attr_validate(attr, rule->type);
	if (ret < 0)
		return MNL_CB_ERROR;
	table->tb[type] = attr;
	return MNL_CB_OK;
}

/*
 * libmnl's walk stops quietly at an attribute that overruns its container; a
 * message cut short must not look like one that merely lacks attributes.
 */
static int attrs_complete(const void *payload, size_t len)
{
	const struct nlattr *attr = payload;
	int remaining = (int)len;

	while (mnl_attr_ok(attr, remaining)) {
		remaining -= MNL_ALIGN(attr->nla_len);
		attr = mnl_attr_next(attr);
	}
	return remaining < (int)sizeof(struct nlattr) ? 0 : -EINVAL;
}

static int parse_attrs(const void *payload, size_t len, const struct attr_rule *rules,
		       uint16_t max, const struct nlattr **tb)
{
	struct attr_table table = { rules, max, tb };

	memset(tb, 0, (max + 1u) * sizeof(*tb));
	if (mnl_attr_parse_payload(payload, len, attr_table_cb, &table) < 0)
		return -EINVAL;
	return attrs_complete(payload, len);
}

/*
 * The attributes after a message's fixed header. Bounded by nlmsg_len itself, not
 * its aligned size as mnl_attr_parse() is, so a crafted length cannot make the
 * walk read past the message.
 */
static int parse_message_attrs(const struct nlmsghdr *nlh, size_t fixed_len,
			       const struct attr_rule *rules, uint16_t max,
			       const struct nlattr **tb)
{
	size_t start = MNL_NLMSG_HDRLEN + MNL_ALIGN(fixed_len);
	size_t len = nlh->nlmsg_len > start ? nlh->nlmsg_len - start : 0;

	return parse_attrs((const char *)nlh + start, len, rules, max, tb);
}

/*
 * What every parser checks first: that this is one of the two message types it
 * reads, and that the fixed header fits. Family is checked by the caller, which
 * knows where the family field lives.
 */
static int check_message(const struct nlmsghdr *nlh, uint16_t new_type, uint16_t del_type,
			 size_t fixed_len)
{
	if (nlh->nlmsg_len < MNL_NLMSG_HDRLEN)
		return -EINVAL;
	if (nlh->nlmsg_type != new_type && nlh->nlmsg_type != del_type)
		return -ENOENT;
	if (nlh->nlmsg_len < mnl_nlmsg_size(MNL_ALIGN(fixed_len)))
		return -EINVAL;
	return 0;
}

static void copy_string_attr(char *dst, size_t size, const struct nlattr *attr)
{
	const char *src = mnl_attr_get_str(attr);
	size_t len = strnlen(src, size - 1);

	memcpy(dst, src, len);
	dst[len] = '\0';
}

static bool all_zero(const uint8_t *bytes, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (bytes[i])
			return false;
	return true;
}

/* An address attribute must be exactly as long as its family's addresses. */
static int get_ip_attr(const struct nlattr *attr, int family, struct ipaddr *out)
{
	return ipaddr_from_bytes(out, family, mnl_attr_get_payload(attr),
				 mnl_attr_get_payload_len(attr));
}

/* The families the parsers read. */
static bool ip_family(int family)
{
	return family == AF_INET || family == AF_INET6;
}

/* A dump's family: one of the two, or AF_UNSPEC for both. */
static bool dump_family(int family)
{
	return family == AF_UNSPEC || ip_family(family);
}

static bool family_wanted(int wanted, int family)
{
	return wanted == AF_UNSPEC ? ip_family(family) : family == wanted;
}

/* ---- parsers ---- */

int nl_parse_link(const struct nlmsghdr *nlh, struct nl_link *out)
{
	const struct nlattr *tb[IFLA_MAX + 1];
	int ret = check_message(nlh, RTM_NEWLINK, RTM_DELLINK, sizeof(struct ifinfomsg));
	if (ret < 0)
		return ret;
	const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
	/* AF_BRIDGE and friends describe a port's role, not the interface itself. */
	if (ifi->ifi_family != AF_UNSPEC)
		return -ENOENT;
	ret = parse_message_attrs(nlh, sizeof(*ifi), link_rules, IFLA_MAX, tb);
	if (ret < 0)
		return ret;

	memset(out, 0, sizeof(*out));
	out->ifindex = ifi->ifi_index;
	out->flags = ifi->ifi_flags;
	out->type = ifi->ifi_type;
	if (tb[IFLA_IFNAME])
		copy_string_attr(out->name, sizeof(out->name), tb[IFLA_IFNAME]);
	if (tb[IFLA_ADDRESS] && mnl_attr_get_payload_len(tb[IFLA_ADDRESS]) == MAC_LEN) {
		memcpy(out->mac.octet, mnl_attr_get_payload(tb[IFLA_ADDRESS]), MAC_LEN);
		out->has_mac = !all_zero(out->mac.octet, MAC_LEN); /* loopback reports zeros */
	}
	if (tb[IFLA_MTU])
		out->mtu = mnl_attr_get_u32(tb[IFLA_MTU]);
	out->carrier = tb[IFLA_CARRIER] ? mnl_attr_get_u8(tb[IFLA_CARRIER]) != 0
					: (ifi->ifi_flags & IFF_LOWER_UP) != 0;
	out->operstate = tb[IFLA_OPERSTATE] ? mnl_attr_get_u8(tb[IFLA_OPERSTATE]) : IF_OPER_UNKNOWN;
	if (tb[IFLA_MASTER])
		out->master = (int)mnl_attr_get_u32(tb[IFLA_MASTER]);
	return 0;
}

int nl_parse_addr(const struct nlmsghdr *nlh, struct nl_addr *out)
{
	const struct nlattr *tb[IFA_MAX + 1];
	int ret = check_message(nlh, RTM_NEWADDR, RTM_DELADDR, sizeof(struct ifaddrmsg));
	if (ret < 0)
		return ret;
	const struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(nlh);
	if (!ip_family(ifa->ifa_family))
		return -ENOENT;
	if (ifa->ifa_prefixlen > ipaddr_max_prefixlen(ifa->ifa_family))
		return -EINVAL;
	ret = parse_message_attrs(nlh, sizeof(*ifa), addr_rules, IFA_MAX, tb);
	if (ret < 0)
		return ret;
	/* IFA_ADDRESS is the peer on point-to-point links; IFA_LOCAL is ours. */
	const struct nlattr *local = tb[IFA_LOCAL] ? tb[IFA_LOCAL] : tb[IFA_ADDRESS];
	if (!local)
		return -EINVAL;

	memset(out, 0, sizeof(*out));
	if (get_ip_attr(local, ifa->ifa_family, &out->addr) < 0)
		return -EINVAL;
	out->ifindex = (int)ifa->ifa_index;
	out->prefixlen = ifa->ifa_prefixlen;
	if (tb[IFA_LABEL])
		copy_string_attr(out->label, sizeof(out->label), tb[IFA_LABEL]);
	/* ifa_flags is 8 bits; flags above that only travel in IFA_FLAGS. */
	out->flags = tb[IFA_FLAGS] ? mnl_attr_get_u32(tb[IFA_FLAGS]) : ifa->ifa_flags;
	out->secondary = (out->flags & IFA_F_SECONDARY) != 0;
	out->scope = ifa->ifa_scope;
	out->preferred_lft = NL_LIFETIME_FOREVER;
	out->valid_lft = NL_LIFETIME_FOREVER;
	if (tb[IFA_CACHEINFO]) {
		struct ifa_cacheinfo ci;

		memcpy(&ci, mnl_attr_get_payload(tb[IFA_CACHEINFO]), sizeof(ci));
		out->preferred_lft = ci.ifa_prefered;
		out->valid_lft = ci.ifa_valid;
	}
	return 0;
}

enum nl_addr_state nl_addr_state(const struct nl_addr *addr)
{
	unsigned flags = addr->flags;

	/* IPv4 has no DAD in the kernel; whatever bits an IPv4 record carries, it is ready. */
	if (addr->addr.family != AF_INET6)
		return NL_ADDR_READY;
	if (flags & IFA_F_DADFAILED)
		return NL_ADDR_DADFAILED;
	if ((flags & IFA_F_TENTATIVE) && !(flags & IFA_F_OPTIMISTIC))
		return NL_ADDR_TENTATIVE;
	if (flags & IFA_F_DEPRECATED)
		return NL_ADDR_DEPRECATED;
	if (flags & IFA_F_OPTIMISTIC)
		return NL_ADDR_OPTIMISTIC;
	return NL_ADDR_READY;
}

/* One route per usable nexthop; returns how many there are, filling at most max. */
static int parse_nexthops(const struct nlattr *multipath, int family,
			  const struct nl_route *base, struct nl_route *out, size_t max)
{
	const struct nlattr *tb[RTA_MAX + 1];
	const char *pos = mnl_attr_get_payload(multipath);
	size_t remaining = mnl_attr_get_payload_len(multipath);
	size_t count = 0;

	while (remaining > 0) {
		struct rtnexthop rtnh;
		if (remaining < sizeof(rtnh))
			return -EINVAL;
		memcpy(&rtnh, pos, sizeof(rtnh));
		if (rtnh.rtnh_len < sizeof(rtnh) || rtnh.rtnh_len > remaining)
			return -EINVAL;
		int ret = parse_attrs(pos + RTNH_ALIGN(sizeof(rtnh)),
				      rtnh.rtnh_len - RTNH_ALIGN(sizeof(rtnh)),
				      nexthop_rules, RTA_MAX, tb);
		if (ret < 0)
			return ret;
		struct ipaddr gateway = { .family = AF_UNSPEC };
		if (tb[RTA_GATEWAY] && get_ip_attr(tb[RTA_GATEWAY], family, &gateway) < 0)
			return -EINVAL;
		/* A gateway of another family (RTA_VIA) is not reached through ARP. */
		if (!tb[RTA_VIA]) {
			if (count < max) {
				out[count] = *base;
				out[count].oif = rtnh.rtnh_ifindex;
				out[count].gateway = gateway;
			}
			count++;
		}
		size_t step = RTNH_ALIGN(rtnh.rtnh_len);
		if (step >= remaining)
			break;
		pos += step;
		remaining -= step;
	}
	return (int)count;
}

int nl_parse_route_paths(const struct nlmsghdr *nlh, struct nl_route *out, size_t max)
{
	const struct nlattr *tb[RTA_MAX + 1];
	int ret = check_message(nlh, RTM_NEWROUTE, RTM_DELROUTE, sizeof(struct rtmsg));
	if (ret < 0)
		return ret;
	const struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);
	if (!ip_family(rtm->rtm_family))
		return -ENOENT;
	if (rtm->rtm_dst_len > ipaddr_max_prefixlen(rtm->rtm_family))
		return -EINVAL;
	ret = parse_message_attrs(nlh, sizeof(*rtm), route_rules, RTA_MAX, tb);
	if (ret < 0)
		return ret;

	struct nl_route base = {
		.dst_len = rtm->rtm_dst_len,
		.table = tb[RTA_TABLE] ? mnl_attr_get_u32(tb[RTA_TABLE]) : rtm->rtm_table,
		.type = rtm->rtm_type,
		.scope = rtm->rtm_scope,
		.protocol = rtm->rtm_protocol,
	};
	/* A default route carries no RTA_DST: its destination is the family's zero. */
	base.dst = ipaddr_any(rtm->rtm_family);
	if (tb[RTA_DST] && get_ip_attr(tb[RTA_DST], rtm->rtm_family, &base.dst) < 0)
		return -EINVAL;
	if (tb[RTA_GATEWAY] && get_ip_attr(tb[RTA_GATEWAY], rtm->rtm_family, &base.gateway) < 0)
		return -EINVAL;
	if (tb[RTA_PREFSRC] && get_ip_attr(tb[RTA_PREFSRC], rtm->rtm_family, &base.prefsrc) < 0)
		return -EINVAL;
	if (tb[RTA_OIF])
		base.oif = (int)mnl_attr_get_u32(tb[RTA_OIF]);

	if (tb[RTA_MULTIPATH])
		return parse_nexthops(tb[RTA_MULTIPATH], rtm->rtm_family, &base, out, max);
	if (tb[RTA_VIA])
		return 0;
	if (max > 0)
		out[0] = base;
	return 1;
}

int nl_parse_route(const struct nlmsghdr *nlh, struct nl_route *out)
{
	int paths = nl_parse_route_paths(nlh, out, 1);
	if (paths < 0)
		return paths;
	return paths > 0 ? 0 : -ENOENT;
}

int nl_parse_neigh(const struct nlmsghdr *nlh, struct nl_neigh *out)
{
	const struct nlattr *tb[NDA_MAX + 1];
	int ret = check_message(nlh, RTM_NEWNEIGH, RTM_DELNEIGH, sizeof(struct ndmsg));
	if (ret < 0)
		return ret;
	const struct ndmsg *ndm = mnl_nlmsg_get_payload(nlh);
	if (!ip_family(ndm->ndm_family))
		return -ENOENT;
	ret = parse_message_attrs(nlh, sizeof(*ndm), neigh_rules, NDA_MAX, tb);
	if (ret < 0)
		return ret;
	if (!tb[NDA_DST])
		return -EINVAL;

	memset(out, 0, sizeof(*out));
	if (get_ip_attr(tb[NDA_DST], ndm->ndm_family, &out->dst) < 0)
		return -EINVAL;
	out->ifindex = ndm->ndm_ifindex;
	if (tb[NDA_LLADDR] && mnl_attr_get_payload_len(tb[NDA_LLADDR]) == MAC_LEN) {
		memcpy(out->lladdr.octet, mnl_attr_get_payload(tb[NDA_LLADDR]), MAC_LEN);
		out->has_lladdr = true;
	}
	out->state = ndm->ndm_state;
	out->flags = ndm->ndm_flags;
	return 0;
}

bool nl_link_is_arp_capable(const struct nl_link *link)
{
	return link->type == ARPHRD_ETHER && !(link->flags & (IFF_LOOPBACK | IFF_NOARP)) &&
	       link->has_mac;
}

/* ---- socket ---- */

static int raise_rcvbuf(int fd)
{
	int size = NL_EVENT_RCVBUF;

	/* FORCE passes net.core.rmem_max but needs CAP_NET_ADMIN. */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)) == 0)
		return 0;
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size)) == 0)
		return 0;
	return -errno;
}

int nl_open(struct nl *nl, unsigned groups)
{
	int flags = SOCK_CLOEXEC | (groups ? SOCK_NONBLOCK : 0);
	int err;

	memset(nl, 0, sizeof(*nl));
	nl->sock = mnl_socket_open2(NETLINK_ROUTE, flags);
	if (!nl->sock)
		return -errno;
	if (mnl_socket_bind(nl->sock, groups, MNL_SOCKET_AUTOPID) < 0) {
		err = -errno;
		goto fail;
	}
	if (groups) {
		err = raise_rcvbuf(mnl_socket_get_fd(nl->sock));
		if (err < 0)
			goto fail;
	}
	nl->portid = mnl_socket_get_portid(nl->sock);
	/* Start somewhere new so replies meant for an earlier process cannot match. */
	nl->seq = (unsigned)time(NULL);
	return 0;
fail:
	mnl_socket_close(nl->sock);
	nl->sock = NULL;
	return err;
}

void nl_close(struct nl *nl)
{
	if (nl->sock)
		mnl_socket_close(nl->sock);
	nl->sock = NULL;
}

int nl_fd(const struct nl *nl)
{
	return nl->sock ? mnl_socket_get_fd(nl->sock) : -1;
}

static unsigned next_seq(struct nl *nl)
{
	/* Sequence 0 would turn off libmnl's reply matching. */
	if (++nl->seq == 0)
		++nl->seq;
	return nl->seq;
}

/* ---- request and reply ---- */

/*
 * Reads one datagram from the kernel. An event socket is non-blocking, so there
 * the wait for a reply is a bounded poll.
 */
static ssize_t recv_from_kernel(struct nl *nl, void *buf, size_t len)
{
	for (int attempt = 0; attempt < NL_RECV_MAX_RETRIES; attempt++) {
		ssize_t n = mnl_socket_recvfrom(nl->sock, buf, len);
		if (n >= 0)
			return n;
		if (errno == EINTR || errno == ESRCH) /* ESRCH: not from the kernel */
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			return -errno;
		struct pollfd pfd = { .fd = mnl_socket_get_fd(nl->sock), .events = POLLIN };
		int ready = poll(&pfd, 1, NL_REPLY_TIMEOUT_MS);
		if (ready == 0)
			return -ETIMEDOUT;
		if (ready < 0 && errno != EINTR)
			return -errno;
	}
	return -ETIMEDOUT;
}

struct exchange {
	unsigned seq;
	unsigned portid;
	mnl_cb_t on_msg;
	void *ctx;
	bool ended; /* the kernel has said its last word: NLMSG_DONE or NLMSG_ERROR */
};

static int exchange_data_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct exchange *x = data;

	/* The tables changed while the kernel walked them: the dump has gaps. */
	if (nlh->nlmsg_flags & NLM_F_DUMP_INTR) {
		errno = EINTR;
		return MNL_CB_ERROR;
	}
	return x->on_msg ? x->on_msg(nlh, x->ctx) : MNL_CB_OK;
}

static int exchange_error_cb(const struct nlmsghdr *nlh, void *data)
{
	struct exchange *x = data;
	const struct nlmsgerr *err = mnl_nlmsg_get_payload(nlh);

	x->ended = true;
	if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*err))) {
		errno = EBADMSG;
		return MNL_CB_ERROR;
	}
	if (err->error == 0)
		return MNL_CB_STOP; /* the acknowledgement */
	errno = err->error < 0 ? -err->error : err->error;
	return MNL_CB_ERROR;
}

static int exchange_done_cb(const struct nlmsghdr *nlh, void *data)
{
	struct exchange *x = data;
	int error = 0;

	x->ended = true;
	if (nlh->nlmsg_flags & NLM_F_DUMP_INTR) {
		errno = EINTR;
		return MNL_CB_ERROR;
	}
	/* A dump that failed part way reports it here, not in NLMSG_ERROR. */
	if (mnl_nlmsg_get_payload_len(nlh) >= sizeof(error))
		memcpy(&error, mnl_nlmsg_get_payload(nlh), sizeof(error));
	if (error < 0) {
		errno = -error;
		return MNL_CB_ERROR;
	}
	return MNL_CB_STOP;
}

/*
 * Replies come one datagram per read, so the first header tells whose it is. On a
 * socket that also receives events, those (and leftovers of an abandoned exchange)
 * are not ours.
 */
static bool reply_is_ours(const struct exchange *x, const void *buf, size_t len)
{
	const struct nlmsghdr *nlh = buf;

	return mnl_nlmsg_ok(nlh, (int)len) && nlh->nlmsg_seq == x->seq &&
	       nlh->nlmsg_pid == x->portid;
}

static bool reply_has_end(const void *buf, size_t len)
{
	int remaining = (int)len;

	for (const struct nlmsghdr *nlh = buf; mnl_nlmsg_ok(nlh, remaining);
	     nlh = mnl_nlmsg_next(nlh, &remaining))
		if (nlh->nlmsg_type == NLMSG_DONE || nlh->nlmsg_type == NLMSG_ERROR)
			return true;
	return false;
}

/*
 * The one path every request and dump takes: send, then read until the kernel
 * says DONE or acknowledges. NLM_F_ACK makes plain requests end the same way
 * dumps do. When a callback fails part way, the rest of the reply is still read
 * and dropped, so the next request on this socket starts clean (the kernel also
 * refuses a new dump while one is pending).
 */
static int nl_exchange(struct nl *nl, struct nlmsghdr *req, mnl_cb_t on_msg, void *ctx)
{
	_Alignas(struct nlmsghdr) char buf[NL_RECV_SIZE];
	mnl_cb_t ctl[NLMSG_MIN_TYPE] = {
		[NLMSG_ERROR] = exchange_error_cb,
		[NLMSG_DONE] = exchange_done_cb,
	};
	struct exchange x = {
		.seq = next_seq(nl), .portid = nl->portid, .on_msg = on_msg, .ctx = ctx,
	};
	int err = 0;

	if (!nl->sock)
		return -EBADF;
	req->nlmsg_seq = x.seq;
	req->nlmsg_flags |= NLM_F_ACK;
	if (mnl_socket_sendto(nl->sock, req, req->nlmsg_len) < 0)
		return -errno;

	for (unsigned reads = 0; reads < NL_REPLY_MAX_READS && !x.ended; reads++) {
		ssize_t n = recv_from_kernel(nl, buf, sizeof(buf));
		if (n < 0)
			return err ? err : (int)n;
		if (!reply_is_ours(&x, buf, (size_t)n))
			continue;
		if (err) {
			x.ended = reply_has_end(buf, (size_t)n);
			continue;
		}
		if (mnl_cb_run2(buf, (size_t)n, x.seq, x.portid, exchange_data_cb, &x, ctl,
				ARRAY_SIZE(ctl)) < 0) {
			err = errno ? -errno : -EPROTO;
			x.ended = x.ended || reply_has_end(buf, (size_t)n);
		}
	}
	if (err)
		return err;
	return x.ended ? 0 : -EOVERFLOW;
}

/*
 * A dump appends to a list, which a failure leaves as it found it; one the kernel
 * reports as inconsistent is rolled back and redone. The tables change most just
 * when arpkit is run: a link with many addresses coming up after a failover keeps
 * the kernel adding their routes for tens of milliseconds, so the retries back off
 * (about 0.2 s in all) instead of meeting the same burst three times in a row.
 */
static int nl_dump(struct nl *nl, struct nlmsghdr *req, mnl_cb_t on_msg, void *ctx,
		   size_t *count)
{
	size_t start = *count;
	int pause_ms = 1;

	for (int attempt = 0; attempt < NL_DUMP_ATTEMPTS; attempt++) {
		if (attempt > 0) {
			poll(NULL, 0, pause_ms);
			pause_ms = pause_ms * 2 > NL_DUMP_PAUSE_MAX_MS ? NL_DUMP_PAUSE_MAX_MS
								       : pause_ms * 2;
		}
		int ret = nl_exchange(nl, req, on_msg, ctx);
		if (ret == 0)
			return 0;
		*count = start;
		if (ret != -EINTR)
			return ret;
	}
	return -EAGAIN;
}

static struct nlmsghdr *put_request(char *buf, uint16_t type, uint16_t flags)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	return nlh;
}

static int cb_result(int ret)
{
	if (ret == 0 || ret == -ENOENT) /* -ENOENT: another family, not a failure */
		return MNL_CB_OK;
	errno = -ret;
	return MNL_CB_ERROR;
}

/* ---- links ---- */

static int link_dump_cb(const struct nlmsghdr *nlh, void *data)
{
	nl_link_list *out = data;
	struct nl_link link;
	int ret = nl_parse_link(nlh, &link);
	if (ret < 0)
		return cb_result(ret);
	return cb_result(vec_push(out, link));
}

int nl_dump_links(struct nl *nl, nl_link_list *out)
{
	_Alignas(struct nlmsghdr) char buf[NL_REQUEST_SIZE];
	struct nlmsghdr *nlh = put_request(buf, RTM_GETLINK, NLM_F_DUMP);
	struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));

	ifi->ifi_family = AF_UNSPEC;
	return nl_dump(nl, nlh, link_dump_cb, out, &out->count);
}

struct link_get {
	struct nl_link *out;
	bool found;
};

static int link_get_cb(const struct nlmsghdr *nlh, void *data)
{
	struct link_get *get = data;
	int ret = nl_parse_link(nlh, get->out);

	if (ret == 0)
		get->found = true;
	return cb_result(ret);
}

static int get_link(struct nl *nl, int ifindex, const char *name, struct nl_link *out)
{
	_Alignas(struct nlmsghdr) char buf[NL_REQUEST_SIZE];

	memset(out, 0, sizeof(*out)); /* defined even when the lookup fails */
	struct link_get get = { out, false };
	struct nlmsghdr *nlh = put_request(buf, RTM_GETLINK, 0);
	struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));

	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = ifindex;
	if (name)
		mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	int ret = nl_exchange(nl, nlh, link_get_cb, &get);
	if (ret < 0)
		return ret;
	return get.found ? 0 : -ENODEV;
}

int nl_get_link_by_name(struct nl *nl, const char *name, struct nl_link *out)
{
	if (!name)
		return -EINVAL;
	/* No interface can have a name that does not fit IFNAMSIZ. */
	if (!*name || strlen(name) >= IF_NAMESIZE)
		return -ENODEV;
	return get_link(nl, 0, name, out);
}

int nl_get_link_by_index(struct nl *nl, int ifindex, struct nl_link *out)
{
	if (ifindex <= 0)
		return -ENODEV;
	return get_link(nl, ifindex, NULL, out);
}

/* ---- addresses ---- */

/* What a dump keeps: its family (AF_UNSPEC: both) and interface (0: all). */
struct dump_filter {
	void *out;
	int family;
	int ifindex;
};

static bool dump_keeps(const struct dump_filter *f, int family, int ifindex)
{
	return family_wanted(f->family, family) && (!f->ifindex || ifindex == f->ifindex);
}

static int addr_dump_cb(const struct nlmsghdr *nlh, void *data)
{
	struct dump_filter *dump = data;
	struct nl_addr addr;
	int ret = nl_parse_addr(nlh, &addr);
	if (ret < 0)
		return cb_result(ret);
	if (!dump_keeps(dump, addr.addr.family, addr.ifindex))
		return MNL_CB_OK;
	return cb_result(vec_push((nl_addr_list *)dump->out, addr));
}

int nl_dump_addrs_family(struct nl *nl, int family, int ifindex, nl_addr_list *out)
{
	_Alignas(struct nlmsghdr) char buf[NL_REQUEST_SIZE];
	struct nlmsghdr *nlh = put_request(buf, RTM_GETADDR, NLM_F_DUMP);
	struct ifaddrmsg *ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	struct dump_filter dump = { out, family, ifindex };

	if (!dump_family(family))
		return -EAFNOSUPPORT;
	/* Filtered here: the kernel honours ifa_index only with strict checking on. */
	ifa->ifa_family = (unsigned char)family;
	return nl_dump(nl, nlh, addr_dump_cb, &dump, &out->count);
}

int nl_dump_addrs(struct nl *nl, int ifindex, nl_addr_list *out)
{
	return nl_dump_addrs_family(nl, AF_INET, ifindex, out);
}

static struct nlmsghdr *put_addr_request(char *buf, uint16_t type, uint16_t flags,
					 int ifindex, struct in_addr addr,
					 unsigned prefixlen, unsigned char scope)
{
	struct nlmsghdr *nlh = put_request(buf, type, flags);
	struct ifaddrmsg *ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));

	ifa->ifa_family = AF_INET;
	ifa->ifa_prefixlen = (unsigned char)prefixlen;
	ifa->ifa_scope = scope;
	ifa->ifa_index = (unsigned)ifindex;
	mnl_attr_put(nlh, IFA_LOCAL, sizeof(addr), &addr);
	mnl_attr_put(nlh, IFA_ADDRESS, sizeof(addr), &addr);
	return nlh;
}

int nl_addr_add(struct nl *nl, int ifindex, struct in_addr addr, unsigned prefixlen,
		unsigned char scope, const char *label)
{
	_Alignas(struct nlmsghdr) char buf[NL_REQUEST_SIZE];

	if (prefixlen > 32 || (label && strlen(label) >= IF_NAMESIZE))
		return -EINVAL;
	struct nlmsghdr *nlh = put_addr_request(buf, RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL,
						ifindex, addr, prefixlen, scope);
	if (label && *label)
		mnl_attr_put_strz(nlh, IFA_LABEL, label);
	int ret = nl_exchange(nl, nlh, NULL, NULL);
	return ret == -EEXIST ? 0 : ret;
}

int nl_addr_del(struct nl *nl, int ifindex, struct in_addr addr, unsigned prefixlen)
{
	_Alignas(struct nlmsghdr) char buf[NL_REQUEST_SIZE];

	if (prefixlen > 32)
		return -EINVAL;
	struct nlmsghdr *nlh = put_addr_request(buf, RTM_DELADDR, 0, ifindex, addr,
						prefixlen, RT_SCOPE_UNIVERSE);
	return nl_exchange(nl, nlh, NULL, NULL);
}

/* ---- routes ---- */

static int route_dump_cb(const struct nlmsghdr *nlh, void *data)
{
	struct dump_filter *dump = data;
	nl_route_list *out = dump->out;
	struct nl_route probe;
	int paths = nl_parse_route_paths(nlh, &probe, 1);

	if (paths <= 0)
		return cb_result(paths);
	if (!dump_keeps(dump, probe.dst.family, 0) || probe.table != RT_TABLE_MAIN ||
	    probe.type != RTN_UNICAST)
		return MNL_CB_OK;
	if (vec_reserve(out, out->count + (size_t)paths) < 0)
		return cb_result(-ENOMEM);
	out->count += (size_t)nl_parse_route_paths(nlh, out->items + out->count, (size_t)paths);
	return MNL_CB_OK;
}

int nl_dump_routes_family(struct nl *nl, int family, nl_route_list *out)
{
	_Alignas(struct nlmsghdr) char buf[NL_REQUEST_SIZE];
	struct nlmsghdr *nlh = put_request(buf, RTM_GETROUTE, NLM_F_DUMP);
	struct rtmsg *rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	struct dump_filter dump = { out, family, 0 };

	if (!dump_family(family))
		return -EAFNOSUPPORT;
	rtm->rtm_family = (unsigned char)family;
	return nl_dump(nl, nlh, route_dump_cb, &dump, &out->count);
}

int nl_dump_routes(struct nl *nl, nl_route_list *out)
{
	return nl_dump_routes_family(nl, AF_INET, out);
}

struct route_get {
	struct nl_route *out;
	bool found;
};

static int route_get_cb(const struct nlmsghdr *nlh, void *data)
{
	struct route_get *get = data;
	int ret = nl_parse_route(nlh, get->out);

	if (ret == 0)
		get->found = true;
	return cb_result(ret);
}

int nl_route_to(struct nl *nl, const struct ipaddr *dst, struct nl_route *out)
{
	return nl_route_to_dev(nl, dst, 0, out);
}

int nl_route_to_dev(struct nl *nl, const struct ipaddr *dst, int oif, struct nl_route *out)
{
	_Alignas(struct nlmsghdr) char buf[NL_REQUEST_SIZE];

	memset(out, 0, sizeof(*out)); /* defined even when the lookup fails */
	if (!ip_family(dst->family))
		return -EAFNOSUPPORT;
	struct route_get get = { out, false };
	struct nlmsghdr *nlh = put_request(buf, RTM_GETROUTE, 0);
	struct rtmsg *rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));

	rtm->rtm_family = dst->family;
	rtm->rtm_dst_len = (unsigned char)ipaddr_max_prefixlen(dst->family);
	mnl_attr_put(nlh, RTA_DST, ipaddr_size(dst->family),
		     dst->family == AF_INET ? (const void *)&dst->v4 : (const void *)&dst->v6);
	if (oif > 0)
		mnl_attr_put_u32(nlh, RTA_OIF, (uint32_t)oif);
	int ret = nl_exchange(nl, nlh, route_get_cb, &get);
	if (ret < 0)
		return ret;
	return get.found ? 0 : -ENETUNREACH;
}

/* ---- neighbours ---- */

static int neigh_dump_cb(const struct nlmsghdr *nlh, void *data)
{
	struct dump_filter *dump = data;
	struct nl_neigh neigh;
	int ret = nl_parse_neigh(nlh, &neigh);
	if (ret < 0)
		return cb_result(ret);
	if (!dump_keeps(dump, neigh.dst.family, neigh.ifindex))
		return MNL_CB_OK;
	return cb_result(vec_push((nl_neigh_list *)dump->out, neigh));
}

int nl_dump_neighs_family(struct nl *nl, int family, int ifindex, nl_neigh_list *out)
{
	_Alignas(struct nlmsghdr) char buf[NL_REQUEST_SIZE];
	struct nlmsghdr *nlh = put_request(buf, RTM_GETNEIGH, NLM_F_DUMP);
	struct ndmsg *ndm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ndm));
	struct dump_filter dump = { out, family, ifindex };

	if (!dump_family(family))
		return -EAFNOSUPPORT;
	ndm->ndm_family = (unsigned char)family;
	return nl_dump(nl, nlh, neigh_dump_cb, &dump, &out->count);
}

int nl_dump_neighs(struct nl *nl, int ifindex, nl_neigh_list *out)
{
	return nl_dump_neighs_family(nl, AF_INET, ifindex, out);
}

/* ---- events ---- */

struct event_dispatch {
	nl_event_fn on_event;
	void *ctx;
	unsigned handled;
};

static int event_cb(const struct nlmsghdr *nlh, void *data)
{
	struct event_dispatch *d = data;

	d->on_event(nlh, d->ctx);
	d->handled++;
	return MNL_CB_OK;
}

int nl_read_events(struct nl *nl, nl_event_fn on_event, void *ctx)
{
	_Alignas(struct nlmsghdr) char buf[NL_RECV_SIZE];
	/* Stray acknowledgements or errors are not events: every control slot is empty. */
	mnl_cb_t ctl[NLMSG_MIN_TYPE] = { 0 };
	struct event_dispatch d = { on_event, ctx, 0 };

	if (!nl->sock)
		return -EBADF;
	for (unsigned reads = 0; reads < NL_EVENT_MAX_READS; reads++) {
		ssize_t n = mnl_socket_recvfrom(nl->sock, buf, sizeof(buf));
		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			if (errno == EINTR || errno == ESRCH) /* ESRCH: not from the kernel */
				continue;
			return -errno; /* -ENOBUFS: events were lost */
		}
		/* Events carry the seq and port of whoever made the change: no matching. */
		if (mnl_cb_run2(buf, (size_t)n, 0, 0, event_cb, &d, ctl, ARRAY_SIZE(ctl)) < 0)
			return -errno;
	}
	return (int)d.handled;
}

/* The dump family of a snapshot's parts: no family bit is IPv4, as before IPv6. */
static int parts_family(unsigned parts)
{
	switch (parts & (NL_IPV4 | NL_IPV6)) {
	case NL_IPV6:
		return AF_INET6;
	case NL_IPV4 | NL_IPV6:
		return AF_UNSPEC;
	default:
		return AF_INET;
	}
}

int nl_snapshot_load(struct nl *nl, struct nl_snapshot *snap, unsigned parts)
{
	int family = parts_family(parts);
	int err = 0;

	if (parts & NL_LINKS)
		err = nl_dump_links(nl, &snap->links);
	if (!err && (parts & NL_ADDRS))
		err = nl_dump_addrs_family(nl, family, 0, &snap->addrs);
	if (!err && (parts & NL_ROUTES))
		err = nl_dump_routes_family(nl, family, &snap->routes);
	if (!err && (parts & NL_NEIGHS))
		err = nl_dump_neighs_family(nl, family, 0, &snap->neighs);
	return err;
}

void nl_snapshot_free(struct nl_snapshot *snap)
{
	vec_free(&snap->links);
	vec_free(&snap->addrs);
	vec_free(&snap->routes);
	vec_free(&snap->neighs);
}
