#!/usr/bin/env python3
"""udp_recv.py ADDR PORT TIMEOUT READYFILE: bind, create READYFILE, then print
the first datagram received within TIMEOUT seconds, or "nothing"."""
import socket
import sys

addr, port, timeout, ready = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), sys.argv[4]
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((addr, port))
s.settimeout(timeout)
open(ready, "w").close()
try:
    print(s.recv(100).decode().strip())
except OSError:
    print("nothing")
