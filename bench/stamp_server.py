#!/usr/bin/python3
"""A minimal HTTP/1.1 keep-alive server that notes when each request arrives, to the microsecond.

    stamp_server.py PORT OUTFILE

nginx's $msec has millisecond resolution, too coarse to tell a p99 lateness under 1 ms. This
server answers every request with a 2-byte body on 127.0.0.1:PORT, records CLOCK_MONOTONIC at
the recv() that brings a request's first bytes, prints "ready" once listening, and on SIGTERM
writes the stamps (seconds, a JSON list) to OUTFILE and exits.
"""

import json
import signal
import socket
import sys
import threading
import time

RESPONSE = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\nok"


def serve_connection(conn, stamps):
    pending = b""
    with conn:
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        while True:
            data = conn.recv(65536)
            now = time.monotonic()
            if not data:
                return
            if not pending:
                stamps.append(now)
            pending += data
            # Requests carry no body here (GET), so a request ends at its blank line.
            while b"\r\n\r\n" in pending:
                _, pending = pending.split(b"\r\n\r\n", 1)
                conn.sendall(RESPONSE)
                if pending:
                    stamps.append(now)


def main():
    port, outfile = int(sys.argv[1]), sys.argv[2]
    stamps = []
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    listener = socket.create_server(("127.0.0.1", port))
    print("ready", flush=True)
    try:
        while True:
            conn, _ = listener.accept()
            threading.Thread(target=serve_connection, args=(conn, stamps), daemon=True).start()
    finally:
        with open(outfile, "w") as out:
            json.dump(stamps, out)


if __name__ == "__main__":
    main()
