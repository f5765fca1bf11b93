#!/usr/bin/python3
"""Large bodies for bench/body_rss, streamed with a Content-Length, on keep-alive connections.

    bytes_server.py PORT

/bytes/N: N bytes 'a' + i % 26 (as the test server's /bytes/N); /binary/N: the same with 0xff
every 100th byte (not UTF-8); /nul/N: N NUL bytes. Prints "ready" once listening on 127.0.0.1.
"""
import socket, sys, threading
def body_chunks(n, binary):
    chunk = bytes((97 + i % 26) for i in range(26 * 2520))  # 65520 bytes, multiple of 26
    if binary:
        chunk = bytearray(chunk)
        for i in range(0, len(chunk), 100): chunk[i] = 0xff
        chunk = bytes(chunk)
    sent = 0
    while sent < n:
        part = chunk[: min(len(chunk), n - sent)]
        yield part
        sent += len(part)
def serve(conn):
    buf = b""
    with conn:
        while True:
            while b"\r\n\r\n" not in buf:
                d = conn.recv(65536)
                if not d: return
                buf += d
            head, buf = buf.split(b"\r\n\r\n", 1)
            path = head.split(b" ")[1].decode()
            parts = path.split("/")
            n = int(parts[2]) if len(parts) > 2 and parts[2].isdigit() else 2
            binary = parts[1] == "binary"
            if parts[1] == "nul":
                try:
                    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % n)
                    zero = bytes(65536)
                    left = n
                    while left > 0:
                        conn.sendall(zero[:min(left, 65536)]); left -= min(left, 65536)
                except OSError:
                    return
                continue
            try:
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % n)
                for c in body_chunks(n, binary): conn.sendall(c)
            except OSError:
                return
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(64)
print("ready", flush=True)
while True:
    c, _ = s.accept()
    threading.Thread(target=serve, args=(c,), daemon=True).start()
