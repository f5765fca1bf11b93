#!/usr/bin/python3
"""The machine's floor for schedule accuracy: a bare fixed-rate loop, nothing else.

    fixed_rate_loop.py PORT ROUNDS PERIOD_SECONDS

Sleeps until t0 + k·period, sends one GET over one kept-alive socket to 127.0.0.1:PORT (the
stamp server) and reads the 2-byte answer. Whatever lateness the stamp server sees from this
loop is the machine's (scheduler, timers, other load), not a client's: poller's figure is read
against it.
"""

import socket
import sys
import time

REQUEST = b"GET /tick HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"


def read_response(sock):
    # The stamp server always answers with a fixed response ending in the body "ok".
    data = b""
    while not data.endswith(b"\r\n\r\nok"):
        chunk = sock.recv(4096)
        if not chunk:
            sys.exit("connection closed")
        data += chunk


def main():
    port, rounds, period = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
    sock = socket.create_connection(("127.0.0.1", port))
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    t0 = time.monotonic()
    for k in range(rounds):
        delay = t0 + k * period - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        sock.sendall(REQUEST)
        read_response(sock)


if __name__ == "__main__":
    main()
