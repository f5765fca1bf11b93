#!/usr/bin/env python3
"""A name server that misbehaves on purpose, for poller's resolver tests.

Usage: fault_dns.py ADDRESS PORT RULES_JSON

RULES_JSON maps a name (or "*.suffix") to how to answer it, and is read again for every query,
so a test changes the answers by rewriting it:
  {"fast.test": {"a": ["127.0.0.1"], "aaaa": ["::1"], "ttl": 1},
   "*.slow.test": {"a": ["127.0.0.1"], "delay_ms": 3000},
   "silent.test": {"drop": true},
   "broken.test": {"rcode": "SERVFAIL"},
   "big.test": {"a": ["127.0.0.1"], "truncate": true}}
A name not listed is NXDOMAIN. "truncate" answers over UDP with TC set and no records, and in
full over TCP. Every query is logged on stderr as "query NAME TYPE", then flushed.
"""
import heapq
import json
import select
import socket
import struct
import sys
import time

RCODES = {"NOERROR": 0, "SERVFAIL": 2, "NXDOMAIN": 3, "REFUSED": 5}
TYPE_A, TYPE_AAAA = 1, 28


def parse_question(packet):
    labels, offset = [], 12
    while packet[offset] != 0:
        length = packet[offset]
        labels.append(packet[offset + 1:offset + 1 + length].decode("ascii", "replace"))
        offset += 1 + length
    qtype, qclass = struct.unpack("!HH", packet[offset + 1:offset + 5])
    return ".".join(labels).lower(), qtype, packet[12:offset + 5]


def rule_for(rules, name):
    if name in rules:
        return rules[name]
    for pattern, rule in rules.items():
        if pattern.startswith("*.") and name.endswith(pattern[1:]):
            return rule
    return None


def answer(packet, rules, over_tcp):
    """The response bytes, and the delay before sending them; None for no answer."""
    query_id, flags = struct.unpack("!HH", packet[:4])
    name, qtype, question = parse_question(packet)
    print(f"query {name} {'AAAA' if qtype == TYPE_AAAA else 'A' if qtype == TYPE_A else qtype}"
          f"{' tcp' if over_tcp else ''}", file=sys.stderr, flush=True)
    rule = rule_for(rules, name)
    if rule is not None and rule.get("drop"):
        return None, 0
    rcode = RCODES["NXDOMAIN"] if rule is None else RCODES[rule.get("rcode", "NOERROR")]
    records = []
    truncated = False
    if rule is not None and rcode == 0:
        if rule.get("truncate") and not over_tcp:
            truncated = True
        else:
            ttl = int(rule.get("ttl", 60))
            if qtype == TYPE_A:
                for address in rule.get("a", []):
                    data = socket.inet_pton(socket.AF_INET, address)
                    records.append(struct.pack("!HHHIH", 0xC00C, TYPE_A, 1, ttl, 4) + data)
            if qtype == TYPE_AAAA:
                for address in rule.get("aaaa", []):
                    data = socket.inet_pton(socket.AF_INET6, address)
                    records.append(struct.pack("!HHHIH", 0xC00C, TYPE_AAAA, 1, ttl, 16) + data)
    response_flags = 0x8000 | 0x0400 | (flags & 0x0100) | 0x0080 | rcode
    if truncated:
        response_flags |= 0x0200
    header = struct.pack("!HHHHHH", query_id, response_flags, 1, len(records), 0, 0)
    delay = (rule or {}).get("delay_ms", 0) / 1000.0
    return header + question + b"".join(records), delay


def main():
    address, port, rules_path = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    udp = socket.socket(family, socket.SOCK_DGRAM)
    # A burst of thousands of queries (-Z over a long list) must not overflow the default buffer:
    # the kernel would drop them, and the client wait out its retry timeout.
    try:
        udp.setsockopt(socket.SOL_SOCKET, 33, 16 << 20)  # SO_RCVBUFFORCE (root)
    except OSError:
        udp.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 16 << 20)
    udp.bind((address, port))
    tcp = socket.socket(family, socket.SOCK_STREAM)
    tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    tcp.bind((address, port))
    tcp.listen(16)
    print("ready", file=sys.stderr, flush=True)
    due = []  # (when, sequence, send): answers held back by delay_ms
    sequence = 0
    tcp_clients = []
    while True:
        timeout = max(0.0, due[0][0] - time.monotonic()) if due else None
        readable, _, _ = select.select([udp, tcp] + tcp_clients, [], [], timeout)
        while due and due[0][0] <= time.monotonic():
            heapq.heappop(due)[2]()
        for sock in readable:
            with open(rules_path) as rules_file:
                rules = json.load(rules_file)
            if sock is udp:
                packet, peer = udp.recvfrom(4096)
                response, delay = answer(packet, rules, False)
                if response is not None:
                    sequence += 1
                    heapq.heappush(due, (time.monotonic() + delay, sequence,
                                         lambda r=response, p=peer: udp.sendto(r, p)))
            elif sock is tcp:
                client, _ = tcp.accept()
                tcp_clients.append(client)
            else:
                data = sock.recv(2)
                if len(data) < 2:
                    tcp_clients.remove(sock)
                    sock.close()
                    continue
                (length,) = struct.unpack("!H", data)
                packet = b""
                while len(packet) < length:
                    chunk = sock.recv(length - len(packet))
                    if not chunk:
                        break
                    packet += chunk
                response, delay = answer(packet, rules, True)
                if response is not None:
                    sequence += 1
                    heapq.heappush(due, (time.monotonic() + delay, sequence,
                                         lambda r=response, s=sock: s.sendall(
                                             struct.pack("!H", len(r)) + r)))


if __name__ == "__main__":
    main()
