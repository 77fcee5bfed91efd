/*
 * The link filters, generated. Hand-counted jump offsets in classic BPF are how a
 * "drop" turns into "accept" unseen (the receive ring's VLAN branch once did), so the
 * programs are emitted from one table by a tiny assembler whose jumps name labels,
 * resolved once the program is complete. Every program has the same shape:
 *
 *	tag:      a tag in metadata must be 802.1Q and alone; one in line is skipped
 *	dispatch: by EtherType (offset b-2, b = 14 untagged or 18 in-line tagged)
 *	ARP:      whole, once its 28 bytes are there
 *	IPv4:     whole, cut, or only ICMP echo replies (not fragments), per the table
 *	IPv6:     whole, or ICMPv6 found directly or behind one Hop-by-Hop or
 *	          Destination Options header: NDP (133-137, hop limit 255) and echo
 *	          replies as the table says; anything else dropped or cut
 *
 * A load past the end of the frame ends a classic BPF program with 0, so "the frame
 * holds the fixed headers it needs" is a load of the last byte of them.
 */
#include "filter.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <string.h>
#include <sys/socket.h>

#include "frame.h"

#define KEEP_FRAME 0xffff /* any Ethernet frame, even a jumbo one, whole */

enum keep {
	KEEP_NONE,
	KEEP_WHOLE,
	KEEP_HEADERS, /* cut to LINK_FILTER_SNAPLEN */
};

struct filter_spec {
	bool arp;
	enum keep ipv4;
	bool icmp_echo_reply; /* when ipv4 is KEEP_NONE */
	enum keep ipv6;       /* IPv6 that is neither kept NDP nor a kept echo reply */
	bool ndp;
	bool icmpv6_echo_reply;
};

static const struct filter_spec specs[LINK_FILTER_COUNT] = {
	[LINK_FILTER_ARP] = {.arp = true},
	[LINK_FILTER_ARP_ICMP] = {.arp = true, .icmp_echo_reply = true},
	[LINK_FILTER_ARP_IPV4] = {.arp = true, .ipv4 = KEEP_WHOLE},
	[LINK_FILTER_NDP] = {.ndp = true},
	[LINK_FILTER_NDP_ECHO] = {.ndp = true, .icmpv6_echo_reply = true},
	[LINK_FILTER_ARP_NDP] = {.arp = true, .ndp = true},
	[LINK_FILTER_ARP_NDP_ECHO] = {.arp = true, .icmp_echo_reply = true, .ndp = true,
				      .icmpv6_echo_reply = true},
	[LINK_FILTER_ARP_IP] = {.arp = true, .ipv4 = KEEP_WHOLE, .ipv6 = KEEP_WHOLE},
	[LINK_FILTER_RING_IPV4] = {.arp = true, .ipv4 = KEEP_HEADERS},
	[LINK_FILTER_RING_IP] = {.arp = true, .ipv4 = KEEP_HEADERS, .ndp = true,
				 .ipv6 = KEEP_HEADERS},
};

/* The assembler: instructions, labels, and the jumps still waiting for them. */
#define MAX_LABELS 64
#define MAX_FIXUPS 256
#define NEXT 0 /* the label of the next instruction: a jump offset of 0 */

enum fixup_field { FIX_TRUE, FIX_FALSE, FIX_ALWAYS };

struct bpf_asm {
	struct sock_filter *insn;
	unsigned len;
	unsigned labels;
	int label_at[MAX_LABELS];
	struct {
		unsigned insn;
		unsigned label;
		enum fixup_field field;
	} fixup[MAX_FIXUPS];
	unsigned fixups;
	int error;
};

static unsigned new_label(struct bpf_asm *a)
{
	if (a->labels == MAX_LABELS) {
		a->error = -E2BIG;
		return NEXT;
	}
	a->label_at[a->labels] = -1;
	return a->labels++;
}

static void place(struct bpf_asm *a, unsigned label)
{
	if (label != NEXT)
		a->label_at[label] = (int)a->len;
}

static void emit(struct bpf_asm *a, uint16_t code, uint32_t k)
{
	if (a->len == LINK_FILTER_MAX_INSNS) {
		a->error = -E2BIG;
		return;
	}
	a->insn[a->len++] = (struct sock_filter)BPF_STMT(code, k);
}

static void refer(struct bpf_asm *a, unsigned label, enum fixup_field field)
{
	if (label == NEXT || a->error)
		return;
	if (a->fixups == MAX_FIXUPS) {
		a->error = -E2BIG;
		return;
	}
	a->fixup[a->fixups].insn = a->len - 1;
	a->fixup[a->fixups].label = label;
	a->fixup[a->fixups].field = field;
	a->fixups++;
}

/* A conditional jump: to if_true or if_false (either may be NEXT). */
static void jump(struct bpf_asm *a, uint16_t op, uint32_t k, unsigned if_true, unsigned if_false)
{
	emit(a, BPF_JMP | op | BPF_K, k);
	refer(a, if_true, FIX_TRUE);
	refer(a, if_false, FIX_FALSE);
}

static void jump_always(struct bpf_asm *a, unsigned label)
{
	emit(a, BPF_JMP | BPF_JA, 0);
	refer(a, label, FIX_ALWAYS);
}

static void load(struct bpf_asm *a, uint16_t size, uint32_t offset)
{
	emit(a, BPF_LD | size | BPF_ABS, offset);
}

/* The frame must hold `bytes` bytes from `offset` (plus X when indexed): load its last. */
static void need(struct bpf_asm *a, uint32_t offset, uint32_t bytes, bool indexed)
{
	emit(a, BPF_LD | BPF_B | (indexed ? BPF_IND : BPF_ABS), offset + bytes - 1);
}

/* Resolve every jump: all go forward, conditional ones at most 255 instructions. */
static int finish(struct bpf_asm *a)
{
	if (a->error)
		return a->error;
	for (unsigned i = 0; i < a->fixups; i++) {
		int at = a->label_at[a->fixup[i].label];
		struct sock_filter *insn = &a->insn[a->fixup[i].insn];
		unsigned offset;

		if (at <= (int)a->fixup[i].insn)
			return -EINVAL; /* unplaced or backwards: a generator bug */
		offset = (unsigned)at - a->fixup[i].insn - 1;
		if (a->fixup[i].field == FIX_ALWAYS)
			insn->k = offset;
		else if (offset > 255)
			return -ERANGE;
		else if (a->fixup[i].field == FIX_TRUE)
			insn->jt = (uint8_t)offset;
		else
			insn->jf = (uint8_t)offset;
	}
	return 0;
}

/* The three ways a program ends. */
struct exits {
	unsigned keep, snap, drop;
};

static void gen_ipv4(struct bpf_asm *a, const struct filter_spec *s, const struct exits *x,
		     uint32_t b)
{
	need(a, b, 20, false);
	if (s->ipv4 != KEEP_NONE) {
		jump_always(a, s->ipv4 == KEEP_WHOLE ? x->keep : x->snap);
		return;
	}
	/* Only echo replies: not a fragment, protocol ICMP, type 0 after the IHL. */
	load(a, BPF_H, b + 6);
	jump(a, BPF_JSET, 0x3fff, x->drop, NEXT);
	load(a, BPF_B, b + 9);
	jump(a, BPF_JEQ, IPPROTO_ICMP, NEXT, x->drop);
	emit(a, BPF_LDX | BPF_B | BPF_MSH, b);
	need(a, b, 8, true);
	emit(a, BPF_LD | BPF_B | BPF_IND, b);
	jump(a, BPF_JEQ, ICMP_ECHO_REPLY, x->keep, x->drop);
}

static void gen_ipv6(struct bpf_asm *a, const struct filter_spec *s, const struct exits *x,
		     uint32_t b)
{
	unsigned other = s->ipv6 == KEEP_HEADERS ? x->snap : x->drop;
	unsigned ext = new_label(a), direct = new_label(a), icmp = new_label(a);
	unsigned chain = new_label(a), not_ndp = new_label(a);

	need(a, b, IPV6_HDR_LEN, false);
	if (s->ipv6 == KEEP_WHOLE) {
		jump_always(a, x->keep);
		return;
	}
	load(a, BPF_B, b + 6);
	jump(a, BPF_JEQ, IPV6_NEXT_ICMPV6, direct, NEXT);
	jump(a, BPF_JEQ, IPV6_NEXT_HOP_BY_HOP, ext, NEXT);
	jump(a, BPF_JEQ, IPV6_NEXT_DEST_OPTS, ext, other);

	/* One extension header: X = its length, (Hdr Ext Len + 1) * 8. */
	place(a, ext);
	load(a, BPF_B, b + IPV6_HDR_LEN + 1);
	emit(a, BPF_ALU | BPF_ADD | BPF_K, 1);
	emit(a, BPF_ALU | BPF_LSH | BPF_K, 3);
	emit(a, BPF_MISC | BPF_TAX, 0);
	load(a, BPF_B, b + IPV6_HDR_LEN);
	jump(a, BPF_JEQ, IPV6_NEXT_ICMPV6, icmp, NEXT);
	jump(a, BPF_JEQ, IPV6_NEXT_DEST_OPTS, chain, other);
	/* A chain: whole, once its first header is (last byte at b + 40 + X - 1), for
	 * ipv6_decode to walk. */
	place(a, chain);
	emit(a, BPF_LD | BPF_B | BPF_IND, b + IPV6_HDR_LEN - 1);
	jump_always(a, x->keep);

	place(a, direct);
	emit(a, BPF_LDX | BPF_IMM, 0);
	/* ICMPv6 at b + 40 + X: its 4-byte header and 4 more, then its type. */
	place(a, icmp);
	need(a, b + IPV6_HDR_LEN, 8, true);
	emit(a, BPF_LD | BPF_B | BPF_IND, b + IPV6_HDR_LEN);
	if (s->ndp) {
		unsigned hop_limit = new_label(a);

		jump(a, BPF_JGE, NDP_ROUTER_SOLICIT, NEXT, not_ndp);
		jump(a, BPF_JGT, NDP_REDIRECT, not_ndp, hop_limit);
		place(a, hop_limit);
		load(a, BPF_B, b + 7);
		jump(a, BPF_JEQ, NDP_HOP_LIMIT, x->keep, other);
	}
	place(a, not_ndp);
	if (s->icmpv6_echo_reply)
		jump(a, BPF_JEQ, ICMPV6_ECHO_REPLY, x->keep, other);
	else
		jump_always(a, other);
}

/* A reads the EtherType at b - 2. */
static void gen_dispatch(struct bpf_asm *a, const struct filter_spec *s, const struct exits *x,
			 uint32_t b)
{
	unsigned arp = new_label(a), ipv4 = new_label(a), ipv6 = new_label(a);
	bool any_ipv4 = s->ipv4 != KEEP_NONE || s->icmp_echo_reply;
	bool any_ipv6 = s->ipv6 != KEEP_NONE || s->ndp || s->icmpv6_echo_reply;

	if (s->arp)
		jump(a, BPF_JEQ, ETHERTYPE_ARP, arp, NEXT);
	if (any_ipv4)
		jump(a, BPF_JEQ, ETHERTYPE_IPV4, ipv4, NEXT);
	if (any_ipv6)
		jump(a, BPF_JEQ, ETHERTYPE_IPV6, ipv6, NEXT);
	jump_always(a, x->drop);
	if (s->arp) {
		place(a, arp);
		need(a, b, ARP_PAYLOAD_LEN, false);
		jump_always(a, x->keep);
	}
	if (any_ipv4) {
		place(a, ipv4);
		gen_ipv4(a, s, x, b);
	}
	if (any_ipv6) {
		place(a, ipv6);
		gen_ipv6(a, s, x, b);
	}
}

static void gen_program(struct bpf_asm *a, const struct filter_spec *s)
{
	struct exits x;
	unsigned in_line = new_label(a), untagged = new_label(a);

	x.keep = new_label(a);
	x.snap = new_label(a);
	x.drop = new_label(a);
	/* A tag the kernel moved into metadata: 802.1Q, and no second one in line. */
	load(a, BPF_W, (uint32_t)(SKF_AD_OFF + SKF_AD_VLAN_TAG_PRESENT));
	jump(a, BPF_JEQ, 0, in_line, NEXT);
	load(a, BPF_W, (uint32_t)(SKF_AD_OFF + SKF_AD_VLAN_TPID));
	jump(a, BPF_JEQ, ETHERTYPE_VLAN, NEXT, x.drop);
	load(a, BPF_H, 12);
	jump(a, BPF_JEQ, ETHERTYPE_VLAN, x.drop, untagged);
	/* No metadata: a tag may still be in line. */
	place(a, in_line);
	load(a, BPF_H, 12);
	jump(a, BPF_JEQ, ETHERTYPE_VLAN, NEXT, untagged);
	load(a, BPF_H, 16);
	gen_dispatch(a, s, &x, ETH_HDR_LEN + VLAN_TAG_LEN);
	place(a, untagged);
	gen_dispatch(a, s, &x, ETH_HDR_LEN);
	place(a, x.keep);
	emit(a, BPF_RET | BPF_K, KEEP_FRAME);
	place(a, x.snap);
	emit(a, BPF_RET | BPF_K, LINK_FILTER_SNAPLEN);
	place(a, x.drop);
	emit(a, BPF_RET | BPF_K, 0);
}

int link_filter_build(enum link_filter which, struct link_filter_program *prog)
{
	struct bpf_asm a;
	int err;

	if ((unsigned)which >= LINK_FILTER_COUNT)
		return -EINVAL;
	memset(&a, 0, sizeof(a));
	a.insn = prog->insn;
	a.labels = NEXT + 1;
	gen_program(&a, &specs[which]);
	err = finish(&a);
	if (err)
		return err;
	prog->len = (unsigned short)a.len;
	return 0;
}

int link_filter_attach(int fd, enum link_filter which)
{
	struct link_filter_program prog;
	struct sock_fprog fprog;
	int err = link_filter_build(which, &prog);

	if (err)
		return err;
	fprog.len = prog.len;
	fprog.filter = prog.insn;
	if (setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &fprog, sizeof(fprog)) < 0)
		return -errno;
	return 0;
}
