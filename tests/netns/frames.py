"""Raw Ethernet capture and re-send for the netns lab (AF_PACKET, needs root).
Runs inside a namespace attached to a bridge that floods (ageing_time 0), so
it sees unicast frames between other hosts.

    frames.py capture --iface eth0 --src IP --dst IP --dport N
                      [--count 1] [--timeout 5] --out FILE
        Waits for IPv4/UDP frames from SRC to DST:DPORT and writes them, as
        received (Ethernet header included), to FILE as JSON
        {"frames": [{"hex": .., "time": monotonic, "udp_payload_len": ..}]}.
        veth hands frames over with the UDP checksum still to be filled in
        (checksum offload); such a frame gets the checksum a NIC would have
        put on the wire, and "checksum_completed" is set. Nothing else is
        touched.

    frames.py send --iface eth0 --in FILE [--index I] [--repeat N] [--gap S]
        Sends the recorded frame(s) byte for byte, unchanged.
"""

import argparse
import json
import socket
import struct
import sys
import time

ETH_P_ALL = 0x0003
PACKET_OUTGOING = 4
SOL_PACKET = 263
PACKET_AUXDATA = 8
TP_STATUS_CSUMNOTREADY = 1 << 3


def checksum16(data):
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while total >> 16:
        total = (total >> 16) + (total & 0xFFFF)
    return ~total & 0xFFFF


def complete_udp_checksum(frame):
    """The frame with its IPv4/UDP checksum computed in full."""
    ip = frame[14:]
    ihl = (ip[0] & 0x0F) * 4
    ulen = struct.unpack("!H", ip[ihl + 4:ihl + 6])[0]
    udp = bytearray(ip[ihl:ihl + ulen])
    udp[6:8] = b"\0\0"
    pseudo = ip[12:20] + struct.pack("!BBH", 0, 17, ulen)
    csum = checksum16(pseudo + bytes(udp)) or 0xFFFF
    out = bytearray(frame)
    struct.pack_into("!H", out, 14 + ihl + 6, csum)
    return bytes(out)


def parse_udp(frame):
    """(src, dst, sport, dport, payload) of an IPv4/UDP Ethernet frame, or None."""
    if len(frame) < 14 + 20 + 8:
        return None
    ethertype = struct.unpack("!H", frame[12:14])[0]
    if ethertype != 0x0800:
        return None
    ip = frame[14:]
    if ip[0] >> 4 != 4:
        return None
    ihl = (ip[0] & 0x0F) * 4
    total = struct.unpack("!H", ip[2:4])[0]
    if ip[9] != 17 or len(ip) < ihl + 8:
        return None
    src = socket.inet_ntoa(ip[12:16])
    dst = socket.inet_ntoa(ip[16:20])
    sport, dport, ulen = struct.unpack("!HHH", ip[ihl:ihl + 6])
    payload = ip[ihl + 8:min(total, ihl + ulen)]
    return src, dst, sport, dport, payload


def cmd_capture(args):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    s.bind((args.iface, 0))
    s.setsockopt(SOL_PACKET, PACKET_AUXDATA, 1)
    frames = []
    deadline = time.monotonic() + args.timeout
    while len(frames) < args.count:
        left = deadline - time.monotonic()
        if left <= 0:
            break
        s.settimeout(left)
        try:
            frame, ancillary, _, addr = s.recvmsg(65535, socket.CMSG_SPACE(64))
        except socket.timeout:
            break
        status = 0
        for level, kind, data in ancillary:
            if level == SOL_PACKET and kind == PACKET_AUXDATA and len(data) >= 4:
                status = struct.unpack("=I", data[:4])[0]
        if addr[2] == PACKET_OUTGOING:
            continue
        udp = parse_udp(frame)
        if not udp:
            continue
        src, dst, sport, dport, payload = udp
        if src != args.src or dst != args.dst or dport != args.dport:
            continue
        completed = bool(status & TP_STATUS_CSUMNOTREADY)
        if completed:
            frame = complete_udp_checksum(frame)
        frames.append({"hex": frame.hex(), "time": time.monotonic(), "udp_payload_len": len(payload),
                       "checksum_completed": completed})
    with open(args.out, "w") as f:
        json.dump({"frames": frames}, f)
    print("captured %d frame(s)" % len(frames))
    return 0 if len(frames) >= args.count else 1


def cmd_send(args):
    with open(args.inp) as f:
        frames = [bytes.fromhex(x["hex"]) for x in json.load(f)["frames"]]
    if args.index is not None:
        frames = [frames[args.index]]
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    s.bind((args.iface, 0))
    sent = 0
    for _ in range(args.repeat):
        for frame in frames:
            s.send(frame)
            sent += 1
            if args.gap:
                time.sleep(args.gap)
    print("sent %d frame(s)" % sent)
    return 0


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    c = sub.add_parser("capture")
    c.add_argument("--iface", default="eth0")
    c.add_argument("--src", required=True)
    c.add_argument("--dst", required=True)
    c.add_argument("--dport", type=int, required=True)
    c.add_argument("--count", type=int, default=1)
    c.add_argument("--timeout", type=float, default=5.0)
    c.add_argument("--out", required=True)
    s = sub.add_parser("send")
    s.add_argument("--iface", default="eth0")
    s.add_argument("--in", dest="inp", required=True)
    s.add_argument("--index", type=int)
    s.add_argument("--repeat", type=int, default=1)
    s.add_argument("--gap", type=float, default=0.0)
    args = ap.parse_args()
    return cmd_capture(args) if args.cmd == "capture" else cmd_send(args)


if __name__ == "__main__":
    sys.exit(main())
