#!/usr/bin/env python3
"""A TLS 1.3 peer for SecureChat's record-layer tests: Python's `ssl` (OpenSSL underneath), standard library only.

It logs in as --name, then either
  --records N   sends N `whoelse` lines, each in a write of its own (so a record of its own), then N more in one
                write, reads every answer, and prints `DONE <answers>` (one `OK` per line sent), then leaves with tata;
  --forge KIND  writes bytes under the TLS layer, straight to the socket, and prints what the server answers:
                `ALERT <OpenSSL's reason>` for an alert, `EOF` for a close without one. KIND is one of
                badtag (a record that does not authenticate), overflow (a record length over 2^14 + 256),
                plaintext (an unprotected handshake record), reset (half a record, then a TCP reset).
Each line it reads from the server is printed as it comes, prefixed `< `; `CIPHER <suite> <version>` after login.
"""
import argparse
import os
import socket
import ssl
import struct
import sys


def say(line):
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


class Lines:
    def __init__(self, tls):
        self.tls = tls
        self.pending = b""

    def next(self):
        while b"\n" not in self.pending:
            data = self.tls.recv(65536)
            if not data:
                return None
            self.pending += data
        line, self.pending = self.pending.split(b"\n", 1)
        text = line.decode("utf-8", "replace")
        say("< " + text)
        return text

    def until(self, prefix):
        while True:
            line = self.next()
            if line is None or line.startswith(prefix):
                return line


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--ca", required=True)
    parser.add_argument("--name", required=True)
    parser.add_argument("--records", type=int)
    parser.add_argument("--forge", choices=["badtag", "overflow", "plaintext", "reset"])
    arguments = parser.parse_args()

    context = ssl.create_default_context(cafile=arguments.ca)
    context.minimum_version = ssl.TLSVersion.TLSv1_3
    raw = socket.create_connection(("127.0.0.1", arguments.port))
    tls = context.wrap_socket(raw, server_hostname="localhost")
    lines = Lines(tls)
    if lines.until("PROMPT") is None:
        say("EOF")
        return
    tls.sendall((arguments.name + "\n").encode())
    if lines.until("WELCOME") is None:
        say("EOF")
        return
    say("CIPHER %s %s" % (tls.cipher()[0], tls.version()))

    if arguments.records is not None:
        for _ in range(arguments.records):
            tls.sendall(b"whoelse\n")
        tls.sendall(b"whoelse\n" * arguments.records)
        answers = 0
        while answers < 2 * arguments.records:
            line = lines.next()
            if line is None:
                break
            if line.startswith("OK "):
                answers += 1
        say("DONE %d" % answers)
        tls.sendall(b"tata\n")
        lines.until("BYE")
        return

    if arguments.forge == "badtag":
        os.write(tls.fileno(), bytes([23, 3, 3, 0, 40]) + os.urandom(40))
    elif arguments.forge == "overflow":
        os.write(tls.fileno(), bytes([23, 3, 3, 0x41, 0x01]) + b"\0" * 100)
    elif arguments.forge == "plaintext":
        os.write(tls.fileno(), bytes([22, 3, 3, 0, 5, 24, 0, 0, 1, 0]))
    elif arguments.forge == "reset":
        os.write(tls.fileno(), bytes([23, 3, 3, 1, 0]) + b"\0" * 100)
        tls.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        os.close(tls.detach())
        say("RESET")
        return
    try:
        while lines.next() is not None:
            pass
        say("EOF")
    except ssl.SSLError as error:
        say("ALERT %s" % (error.reason or error))
    except OSError as error:
        say("EOF %s" % error)


if __name__ == "__main__":
    main()
