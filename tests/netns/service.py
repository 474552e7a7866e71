"""A tiny TCP service for the netns lab: answers every connection with the
node's name and closes. Runs inside a director namespace:

    ip netns exec NS python3 service.py --name d1 [--port 8080]

Listens on 0.0.0.0, so it also answers on a VIP added later. Prints
"listening" once the socket is bound.
"""

import argparse
import signal
import socketserver
import sys


class Handler(socketserver.BaseRequestHandler):
    def handle(self):
        try:
            self.request.sendall(self.server.reply)
        except OSError:
            pass


class Server(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True
    request_queue_size = 128


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--name", required=True)
    ap.add_argument("--port", type=int, default=8080)
    args = ap.parse_args()
    server = Server(("0.0.0.0", args.port), Handler)
    server.reply = (args.name + "\n").encode()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    print("listening on 0.0.0.0:%d as %s" % (args.port, args.name), flush=True)
    try:
        server.serve_forever(poll_interval=0.1)
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
