"""Client-side probes for the netns lab. Runs inside the client namespace.

    probe.py tcp --addr VIP --port 8080 --out FILE [--every 0.01]
                 [--timeout 0.05] [--duration S]
        Connects to ADDR:PORT every EVERY seconds (a new connection each
        time), reads the answering node's name (one line), and records each
        attempt as
        {"start", "end", "ok", "node", "error"} with time.monotonic()
        timestamps. Runs until --duration passes or SIGTERM/SIGINT, then
        writes {"probes": [...], "every": .., "timeout": ..} to FILE.
        Prints "probing" once started.

    probe.py get --addr VIP [--port 8080] [--timeout 1]
        One request; prints the answering node's name (exit 0) or the error
        (exit 1).

    probe.py ping --addr ADDR [--timeout 1]
        One ICMP echo request; exit 0 when answered. Used to give the client
        a neighbour entry for the VIP.
"""

import argparse
import json
import os
import signal
import socket
import struct
import sys
import time

stop = False


def on_signal(signum, frame):
    global stop
    stop = True


def tcp_once(addr, port, timeout):
    """One request. Returns (ok, node, error); an error names the stage it
    happened in ("connect: timeout", "read: Connection reset by peer")."""
    deadline = time.monotonic() + timeout
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    stage = "connect"
    try:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        s.settimeout(timeout)
        s.connect((addr, port))
        stage = "read"
        data = b""
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise socket.timeout("read timed out")
            s.settimeout(left)
            chunk = s.recv(256)
            if not chunk:
                break
            data += chunk
            if data.endswith(b"\n"):
                break  # the whole reply: one line
        name = data.decode(errors="replace").strip()
        if not name:
            return False, None, "read: empty reply"
        return True, name, None
    except socket.timeout:
        return False, None, stage + ": timeout"
    except OSError as e:
        return False, None, "%s: %s" % (stage, os.strerror(e.errno) if e.errno else e)
    finally:
        s.close()


def cmd_tcp(args):
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    probes = []
    begin = time.monotonic()
    print("probing %s:%d every %.3fs" % (args.addr, args.port, args.every), flush=True)
    next_at = begin
    while not stop:
        now = time.monotonic()
        if args.duration and now - begin >= args.duration:
            break
        if now < next_at:
            time.sleep(next_at - now)
            continue
        start = time.monotonic()
        ok, node, error = tcp_once(args.addr, args.port, args.timeout)
        end = time.monotonic()
        probes.append({"start": start, "end": end, "ok": ok, "node": node, "error": error})
        next_at = start + args.every
        if next_at < end:
            next_at = end
    tmp = args.out + ".tmp"
    with open(tmp, "w") as f:
        json.dump({"addr": args.addr, "port": args.port, "every": args.every, "timeout": args.timeout,
                   "begin": begin, "wall_minus_monotonic": time.time() - time.monotonic(),
                   "probes": probes}, f)
    os.replace(tmp, args.out)
    return 0


def cmd_get(args):
    ok, node, error = tcp_once(args.addr, args.port, args.timeout)
    print(node if ok else error)
    return 0 if ok else 1


def checksum(data):
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    total = (total >> 16) + (total & 0xFFFF)
    total += total >> 16
    return ~total & 0xFFFF


def cmd_ping(args):
    ident = os.getpid() & 0xFFFF
    payload = b"tandem-lab"
    header = struct.pack("!BBHHH", 8, 0, 0, ident, 1)
    packet = struct.pack("!BBHHH", 8, 0, checksum(header + payload), ident, 1) + payload
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
    s.sendto(packet, (args.addr, 0))
    deadline = time.monotonic() + args.timeout
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            print("no reply from %s" % args.addr)
            return 1
        s.settimeout(left)
        try:
            data, peer = s.recvfrom(2048)
        except socket.timeout:
            continue
        ihl = (data[0] & 0x0F) * 4
        icmp_type, _, _, rid, _ = struct.unpack("!BBHHH", data[ihl:ihl + 8])
        if icmp_type == 0 and rid == ident and peer[0] == args.addr:
            print("reply from %s" % args.addr)
            return 0


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    t = sub.add_parser("tcp")
    t.add_argument("--addr", required=True)
    t.add_argument("--port", type=int, default=8080)
    t.add_argument("--every", type=float, default=0.01)
    t.add_argument("--timeout", type=float, default=0.05)
    t.add_argument("--duration", type=float, default=0)
    t.add_argument("--out", required=True)
    g = sub.add_parser("get")
    g.add_argument("--addr", required=True)
    g.add_argument("--port", type=int, default=8080)
    g.add_argument("--timeout", type=float, default=1.0)
    p = sub.add_parser("ping")
    p.add_argument("--addr", required=True)
    p.add_argument("--timeout", type=float, default=1.0)
    args = ap.parse_args()
    return {"tcp": cmd_tcp, "get": cmd_get, "ping": cmd_ping}[args.cmd](args)


if __name__ == "__main__":
    sys.exit(main())
