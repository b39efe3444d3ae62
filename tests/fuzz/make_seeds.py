#!/usr/bin/env python3
"""Writes a small seed corpus for fuzz_reply into the directory given
(default tests/fuzz/corpus): well-formed replies to the four calls the
target makes (serials 1-4), an error reply, a keepalive message, and bare
bodies, so the fuzzer starts from inputs that reach the deep paths."""

import os
import struct
import sys

PROG = 0x20008086
KEEPALIVE = 0x6B656570
REPLY, MESSAGE = 1, 2
OK, ERROR = 0, 1
AUTH_LIST, LOOKUP_BY_NAME, GET_STATE, LIST_ALL_DOMAINS = 66, 23, 212, 273


def u32(v):
    return struct.pack(">I", v & 0xFFFFFFFF)


def string(s):
    b = s.encode()
    return u32(len(b)) + b + b"\0" * ((4 - len(b) % 4) % 4)


def opt_string(s):
    return u32(0) if s is None else u32(1) + string(s)


def domain(name, n, ident):
    return string(name) + bytes(range(n, n + 16)) + u32(ident)


def packet(prog, proc, typ, serial, status, body):
    head = u32(prog) + u32(1) + u32(proc) + u32(typ) + u32(serial) + u32(status)
    return u32(4 + len(head) + len(body)) + head + body


def error_body(code, msg):
    return (u32(code) + u32(10) + opt_string(msg) + u32(2) + u32(0) + opt_string("x")
            + opt_string(None) + opt_string(None) + u32(0) + u32(0) + u32(0))


def seeds():
    auth = packet(PROG, AUTH_LIST, REPLY, 1, OK, u32(2) + u32(0) + u32(2))
    look = packet(PROG, LOOKUP_BY_NAME, REPLY, 2, OK, domain("vm", 1, 3))
    doms = packet(PROG, LIST_ALL_DOMAINS, REPLY, 3, OK,
                  u32(2) + domain("a", 0, -1) + domain("bb", 16, 7) + u32(2))
    state = packet(PROG, GET_STATE, REPLY, 4, OK, u32(1) + u32(1))
    err = packet(PROG, GET_STATE, REPLY, 4, ERROR,
                 error_body(42, "Domain not found: no domain with matching name 'vm'"))
    ping = packet(KEEPALIVE, 1, MESSAGE, 0, OK, b"")
    return {
        "auth_list": auth,
        "lookup": look,
        "list_domains": doms,
        "get_state": state,
        "error": err,
        "all_out_of_order": state + ping + doms + auth + look,
        "error_body": error_body(1, None),
        "list_body": u32(1) + domain("net", 5, 0) + u32(1),
    }


def main(argv):
    out = argv[1] if len(argv) > 1 else os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")
    os.makedirs(out, exist_ok=True)
    for name, data in seeds().items():
        with open(os.path.join(out, "seed_" + name), "wb") as f:
            f.write(data)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
