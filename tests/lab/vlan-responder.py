#!/usr/bin/env python3
"""A tiny 802.1Q-aware ARP responder for the scan tests.

The lab kernel has no 8021q module, so no VLAN sub-interface can answer tagged
ARP. This stands in for one: on IFACE it answers ARP requests tagged with VLAN
VID for the given addresses, from MAC, with a reply tagged with the same VID.
Untagged requests and other VIDs are ignored, as a VLAN sub-interface would.
VID "untagged" answers untagged requests only, as a plain host would.

    vlan-responder.py [--delay MS] IFACE VID|untagged MAC ADDR [ADDR...]

--delay MS answers each request MS milliseconds late: a slow host (this kernel
has no netem to delay a veth). The namespace must not hold ADDR itself, or the
kernel answers at once.

It runs until killed (the lab's teardown does that), and exits by itself after
--lifetime seconds (default 120) so a forgotten one cannot linger.
"""
import argparse
import heapq
import ipaddress
import select
import socket
import struct
import sys
import time

ETH_P_ALL = 0x0003
ETH_P_ARP = 0x0806
ETH_P_8021Q = 0x8100
SOL_PACKET = 263
PACKET_AUXDATA = 8
TP_STATUS_VLAN_VALID = 1 << 4
AUXDATA = struct.Struct("=IIIHHHH")  # struct tpacket_auxdata


def tagged_arp(frame, aux):
    """(vid, arp payload) of a frame, the tag from auxdata or in-line; None if not ARP."""
    vid = None
    if aux is not None:
        status, _len, _snap, _mac, _net, tci, _tpid = AUXDATA.unpack_from(aux)
        if status & TP_STATUS_VLAN_VALID or tci:
            vid = tci & 0x0FFF
    ethertype = struct.unpack_from("!H", frame, 12)[0]
    payload = frame[14:]
    if ethertype == ETH_P_8021Q and len(frame) >= 18:
        vid = struct.unpack_from("!H", frame, 14)[0] & 0x0FFF
        ethertype = struct.unpack_from("!H", frame, 16)[0]
        payload = frame[18:]
    if ethertype != ETH_P_ARP or len(payload) < 28:
        return None
    return vid, payload


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("iface")
    parser.add_argument("vid", type=lambda v: None if v == "untagged" else int(v))
    parser.add_argument("mac")
    parser.add_argument("addrs", nargs="+")
    parser.add_argument("--lifetime", type=float, default=120.0)
    parser.add_argument("--delay", type=float, default=0.0, help="milliseconds")
    args = parser.parse_args()
    if args.vid is None:
        tag = b""
    else:
        tag = struct.pack("!HH", ETH_P_8021Q, args.vid)

    own_mac = bytes.fromhex(args.mac.replace(":", ""))
    owned = {ipaddress.IPv4Address(a).packed for a in args.addrs}
    sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    sock.setsockopt(SOL_PACKET, PACKET_AUXDATA, 1)
    sock.bind((args.iface, 0))
    print("ready", flush=True)
    deadline = time.monotonic() + args.lifetime
    due = []  # (send time, sequence, reply): replies held back by --delay
    sent = 0
    while time.monotonic() < deadline:
        while due and due[0][0] <= time.monotonic():
            sock.send(heapq.heappop(due)[2])
        wait = 0.5 if not due else max(0.0, due[0][0] - time.monotonic())
        ready, _, _ = select.select([sock], [], [], wait)
        if not ready:
            continue
        frame, ancdata, _flags, addr = sock.recvmsg(2048, socket.CMSG_SPACE(AUXDATA.size))
        if addr[2] == socket.PACKET_OUTGOING:
            continue
        aux = None
        for level, kind, data in ancdata:
            if level == SOL_PACKET and kind == PACKET_AUXDATA:
                aux = data
        parsed = tagged_arp(frame, aux)
        if parsed is None:
            continue
        vid, arp = parsed
        htype, ptype, hlen, plen, op = struct.unpack_from("!HHBBH", arp, 0)
        if vid != args.vid or (htype, ptype, hlen, plen, op) != (1, 0x0800, 6, 4, 1):
            continue
        sha, spa, tpa = arp[8:14], arp[14:18], arp[24:28]
        if tpa not in owned:
            continue
        reply = (sha + own_mac + tag + struct.pack("!H", ETH_P_ARP)
                 + struct.pack("!HHBBH", 1, 0x0800, 6, 4, 2) + own_mac + tpa + sha + spa)
        sent += 1
        heapq.heappush(due, (time.monotonic() + args.delay / 1000, sent, reply.ljust(64, b"\0")))
    return 0


if __name__ == "__main__":
    sys.exit(main())
