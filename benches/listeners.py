#!/usr/bin/env python3
"""Loopback listeners for benchmarks: accept and close at once.

usage: listeners.py ADDR:PORT...   (prints "ready" when all listen; runs until killed)
Refuses any address outside 127.0.0.0/8.
"""
import ipaddress, selectors, socket, sys

sel = selectors.DefaultSelector()
for spec in sys.argv[1:]:
    host, port = spec.rsplit(":", 1)
    if not ipaddress.ip_address(host).is_loopback:
        sys.exit(f"refusing non-loopback address {host}")
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((host, int(port)))
    s.listen(4096)
    s.setblocking(False)
    sel.register(s, selectors.EVENT_READ)
print("ready", flush=True)
while True:
    for key, _ in sel.select():
        try:
            conn, _ = key.fileobj.accept()
            conn.close()
        except OSError:
            pass
