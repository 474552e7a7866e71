"""Long-lived TCP connections for the vm tier: a line echo server for the
real servers and two clients for the client namespace.

    tcpmsg.py serve --port P --name NAME [--bind ADDR]
        Accepts any number of connections; answers each line "X" with
        "NAME X". Prints "listening" once ready.

    tcpmsg.py hold --addr A --port P --count N
        Opens N connections, one after the other, sends "hello I" on each and
        reads the answer, then prints one JSON line {"nodes": [...]} (the real
        server behind each connection) and keeps them all open until SIGTERM
        or until stdin closes. Prints {"error": ...} and exits 1 on failure.

    tcpmsg.py chat --addr A --port P [--count N] --every S --out FILE
        N connections (1 by default), opened one after the other; sends
        "seq K" on each every S seconds without waiting for the answers and
        reads answers as they come. Never reconnects. On SIGTERM (or
        --duration), writes FILE: a list with, per connection,
        {"connected": t, "sent": [[seq, t]...], "received": [[seq, t,
        node]...], "error": null or why the connection ended, "closed": t}.
        Times are time.monotonic(), comparable with the test process.
        Prints "chatting" once all are connected.
"""

import argparse
import json
import os
import select
import signal
import socket
import sys
import threading
import time


def listener(bind, port):
    """A listening socket on bind (an address), or on every address of both
    families when bind is None (IPv4 only where IPv6 is disabled)."""
    if bind is not None:
        srv = socket.socket(family_of(bind), socket.SOCK_STREAM)
        srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        srv.bind((bind, port))
        return srv
    try:
        srv = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
        srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        srv.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        srv.bind(("::", port))
        return srv
    except OSError:
        srv.close()
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("0.0.0.0", port))
    return srv


def serve(args):
    srv = listener(args.bind, args.port)
    srv.listen(128)
    print("listening %s %d" % (args.name, args.port), flush=True)
    prefix = args.name.encode() + b" "

    def handle(conn):
        buf = b""
        try:
            while True:
                data = conn.recv(4096)
                if not data:
                    return
                buf += data
                while b"\n" in buf:
                    line, buf = buf.split(b"\n", 1)
                    conn.sendall(prefix + line + b"\n")
        except OSError:
            pass
        finally:
            conn.close()

    while True:
        conn, _ = srv.accept()
        threading.Thread(target=handle, args=(conn,), daemon=True).start()


def read_line(sock, timeout):
    sock.settimeout(timeout)
    buf = b""
    while b"\n" not in buf:
        data = sock.recv(4096)
        if not data:
            raise OSError("connection closed by the server")
        buf += data
    return buf.split(b"\n", 1)[0].decode(errors="replace")


def family_of(addr):
    return socket.AF_INET6 if ":" in addr else socket.AF_INET


def hold(args):
    conns, nodes = [], []
    try:
        for i in range(args.count):
            s = socket.socket(family_of(args.addr), socket.SOCK_STREAM)
            s.settimeout(args.timeout)
            s.connect((args.addr, args.port))
            s.sendall(b"hello %d\n" % i)
            reply = read_line(s, args.timeout)
            nodes.append(reply.split(" ", 1)[0])
            conns.append(s)
    except OSError as e:
        print(json.dumps({"error": "connection %d: %s" % (len(conns), e), "nodes": nodes}), flush=True)
        return 1
    print(json.dumps({"nodes": nodes}), flush=True)
    stop = []
    signal.signal(signal.SIGTERM, lambda *a: stop.append(1))
    while not stop:
        try:
            r, _, _ = select.select([sys.stdin], [], [], 0.2)
        except InterruptedError:
            continue
        if r and not sys.stdin.readline():
            break
    for s in conns:
        s.close()
    return 0


def chat(args):
    conns = []  # per connection: its result, socket and unparsed input
    stop = []
    signal.signal(signal.SIGTERM, lambda *a: stop.append(1))

    def finish():
        now = time.monotonic()
        for c in conns:
            if c["sock"] is not None:
                c["sock"].close()
            if c["result"]["closed"] is None:
                c["result"]["closed"] = now
        tmp = args.out + ".new"
        with open(tmp, "w") as f:
            json.dump([c["result"] for c in conns], f)
        os.replace(tmp, args.out)

    def end(c, error):
        c["result"]["error"] = error
        c["result"]["closed"] = time.monotonic()
        c["sock"].close()
        c["sock"] = None

    for _ in range(args.count):
        c = {"result": {"connected": None, "sent": [], "received": [], "error": None, "closed": None},
             "sock": socket.socket(family_of(args.addr), socket.SOCK_STREAM), "buf": b""}
        conns.append(c)
        c["sock"].settimeout(args.timeout)
        try:
            c["sock"].connect((args.addr, args.port))
        except OSError as e:
            end(c, "connect: %s" % e)
            finish()
            print("failed %s" % e, flush=True)
            return 1
        c["sock"].setblocking(False)
        c["result"]["connected"] = time.monotonic()
    print("chatting", flush=True)
    start = time.monotonic()
    seq = 0
    next_send = start
    while not stop:
        now = time.monotonic()
        if args.duration and now - start >= args.duration:
            break
        live = [c for c in conns if c["sock"] is not None]
        if not live:
            break
        if now >= next_send:
            for c in live:
                try:
                    c["sock"].send(b"seq %d\n" % seq)
                except BlockingIOError:
                    pass  # the send buffer is full while the path is down; try next round
                except OSError as e:
                    end(c, "send: %s" % e)
                else:
                    c["result"]["sent"].append([seq, now])
            seq += 1
            next_send += args.every
            if next_send < now:
                next_send = now + args.every
        live = [c for c in conns if c["sock"] is not None]
        try:
            ready, _, _ = select.select([c["sock"] for c in live], [], [],
                                        max(0.0, min(0.05, next_send - time.monotonic())))
        except InterruptedError:
            continue
        for c in live:
            if c["sock"] not in ready:
                continue
            try:
                data = c["sock"].recv(65536)
            except BlockingIOError:
                continue
            except OSError as e:
                end(c, "recv: %s" % e)
                continue
            if not data:
                end(c, "closed by the server")
                continue
            c["buf"] += data
            t = time.monotonic()
            while b"\n" in c["buf"]:
                line, c["buf"] = c["buf"].split(b"\n", 1)
                parts = line.decode(errors="replace").split()
                # "NODE seq N"
                if len(parts) == 3 and parts[1] == "seq":
                    c["result"]["received"].append([int(parts[2]), t, parts[0]])
    finish()
    return 0


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    a = sub.add_parser("serve")
    a.add_argument("--port", type=int, required=True)
    a.add_argument("--name", required=True)
    a.add_argument("--bind")
    a = sub.add_parser("hold")
    a.add_argument("--addr", required=True)
    a.add_argument("--port", type=int, required=True)
    a.add_argument("--count", type=int, default=1)
    a.add_argument("--timeout", type=float, default=5.0)
    a = sub.add_parser("chat")
    a.add_argument("--addr", required=True)
    a.add_argument("--port", type=int, required=True)
    a.add_argument("--count", type=int, default=1)
    a.add_argument("--every", type=float, default=0.1)
    a.add_argument("--timeout", type=float, default=5.0)
    a.add_argument("--duration", type=float)
    a.add_argument("--out", required=True)
    args = ap.parse_args()
    return {"serve": serve, "hold": hold, "chat": chat}[args.cmd](args)


if __name__ == "__main__":
    sys.exit(main())
