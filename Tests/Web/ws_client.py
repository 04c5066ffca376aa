#!/usr/bin/env python3
"""A WebSocket client for SecureChat's end-to-end tests, driven by lines (as `openssl s_client` is).

It connects with TLS (ALPN http/1.1 unless told otherwise), sends one HTTP request and prints what comes back:
`HTTP <status> <reason>`, then either `BODY <first line>` (no upgrade) or `OPEN <subprotocol>`. After that every
text frame from the server is printed as its text, a close frame as `CLOSE <code> <reason>`, a pong as
`PONG <payload>`, the end of the connection as `EOF`.

Every line on stdin is sent as one masked text frame, except these:
  !binary <text>            a binary frame
  !unmasked <text>          a text frame without a mask
  !fragments <n> <text>     the text as n frames (a text frame and n-1 continuations; the text is in the last)
  !big <n>                  a text frame of n 'x' bytes
  !pings <n>                n pings, payloads "0".."n-1"
  !close <code>             a close frame
  !utf8bad                  a text frame that is not UTF-8
Standard library only.
"""
import argparse
import base64
import os
import socket
import ssl
import struct
import sys
import threading


def say(line):
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def frame(opcode, payload, fin=True, masked=True):
    head = bytes([(0x80 if fin else 0) | opcode])
    length = len(payload)
    mask_bit = 0x80 if masked else 0
    if length < 126:
        head += bytes([mask_bit | length])
    elif length < 65536:
        head += bytes([mask_bit | 126]) + struct.pack("!H", length)
    else:
        head += bytes([mask_bit | 127]) + struct.pack("!Q", length)
    if not masked:
        return head + payload
    key = os.urandom(4)
    return head + key + bytes(b ^ key[i % 4] for i, b in enumerate(payload))


def read_exactly(sock, count):
    data = b""
    while len(data) < count:
        chunk = sock.recv(count - len(data))
        if not chunk:
            raise EOFError
        data += chunk
    return data


def reader(sock):
    try:
        while True:
            first, second = read_exactly(sock, 2)
            opcode = first & 0x0F
            length = second & 0x7F
            if length == 126:
                length = struct.unpack("!H", read_exactly(sock, 2))[0]
            elif length == 127:
                length = struct.unpack("!Q", read_exactly(sock, 8))[0]
            if second & 0x80:
                say("MASKED-FROM-SERVER")
                read_exactly(sock, 4)
            payload = read_exactly(sock, length)
            if opcode == 0x1:
                say(payload.decode("utf-8", "replace"))
            elif opcode == 0x8:
                code = struct.unpack("!H", payload[:2])[0] if len(payload) >= 2 else 1005
                say(f"CLOSE {code} {payload[2:].decode('utf-8', 'replace')}")
            elif opcode == 0xA:
                say("PONG " + payload.decode("utf-8", "replace"))
            else:
                say(f"FRAME {opcode} {len(payload)}")
    except (EOFError, OSError, ssl.SSLError):
        say("EOF")
        os._exit(0)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--host", default="localhost")
    parser.add_argument("--ca", required=True)
    parser.add_argument("--cert")
    parser.add_argument("--key")
    parser.add_argument("--alpn", default="http/1.1", help="comma-separated; empty for none")
    parser.add_argument("--origin", help="the Origin header; none by default")
    parser.add_argument("--protocol", default="securechat.v1", help="Sec-WebSocket-Protocol; empty for none")
    parser.add_argument("--path", default="/chat")
    parser.add_argument("--method", default="GET")
    parser.add_argument("--plain", action="store_true", help="a plain HTTP request, not a WebSocket handshake")
    parser.add_argument("--extra-headers", type=int, default=0, help="add this many X-Pad headers")
    parser.add_argument("--header-size", type=int, default=10, help="bytes in each X-Pad value")
    parser.add_argument("--wait", action="store_true",
                        help="after the TLS handshake, send the request only once a line comes on stdin")
    parser.add_argument("--wait-close", action="store_true",
                        help="after an answer that is not 101, print EOF if the server closes within 15 s, else OPEN")
    arguments = parser.parse_args()

    context = ssl.create_default_context(cafile=arguments.ca)
    if arguments.cert:
        context.load_cert_chain(arguments.cert, arguments.key)
    if arguments.alpn:
        context.set_alpn_protocols(arguments.alpn.split(","))
    raw = socket.create_connection(("127.0.0.1", arguments.port), timeout=30)
    sock = context.wrap_socket(raw, server_hostname=arguments.host)
    say(f"TLS {sock.version()} ALPN {sock.selected_alpn_protocol()}")
    sock.settimeout(None)
    if arguments.wait:
        sys.stdin.readline()

    lines = [f"{arguments.method} {arguments.path} HTTP/1.1", f"Host: {arguments.host}:{arguments.port}"]
    if not arguments.plain:
        lines += ["Upgrade: websocket", "Connection: Upgrade", "Sec-WebSocket-Version: 13",
                  "Sec-WebSocket-Key: " + base64.b64encode(os.urandom(16)).decode()]
        if arguments.protocol:
            lines.append("Sec-WebSocket-Protocol: " + arguments.protocol)
    if arguments.origin:
        lines.append("Origin: " + arguments.origin)
    lines += [f"X-Pad-{index}: " + "p" * arguments.header_size for index in range(arguments.extra_headers)]
    sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())

    head = b""
    try:
        while b"\r\n\r\n" not in head:
            chunk = sock.recv(1)
            if not chunk:
                break
            head += chunk
    except (OSError, ssl.SSLError):
        pass
    if not head:
        # Not HTTP: what the server said instead (the line protocol's prompt, for a client it did not take for
        # a browser).
        say("NOT-HTTP")
        reader_thread = None
    status_line, _, rest = head.decode("latin-1").partition("\r\n")
    headers = {}
    for header in rest.split("\r\n"):
        name, _, value = header.partition(":")
        if name:
            headers[name.strip().lower()] = value.strip()
    if head and not status_line.startswith("HTTP/1.1 101"):
        say("HTTP " + status_line.split(" ", 1)[1] if " " in status_line else "HTTP ? " + status_line)
        length = int(headers.get("content-length", "0"))
        body = read_exactly(sock, length) if length else b""
        say("BODY " + body.decode("utf-8", "replace").split("\n")[0])
        for name in ("content-type", "content-security-policy", "allow", "x-content-type-options", "connection"):
            if name in headers:
                say(f"HEADER {name}: {headers[name]}")
        if arguments.wait_close:
            sock.settimeout(15)
            try:
                # What a client could send next: the server must not keep it (nor read it).
                sock.sendall(b"A" * 65536)
                say("EOF" if sock.recv(1) == b"" else "OPEN")
            except socket.timeout:
                say("OPEN")
            except (OSError, ssl.SSLError):
                say("EOF")
        return
    if head:
        say("HTTP " + status_line.split(" ", 1)[1])
        say("OPEN " + headers.get("sec-websocket-protocol", ""))
    else:
        # Print the line protocol as it comes.
        pass
    threading.Thread(target=reader if head else line_reader, args=(sock,), daemon=True).start()

    for line in sys.stdin:
        line = line.rstrip("\n")
        word, _, rest = line.partition(" ")
        if word == "!binary":
            sock.sendall(frame(0x2, rest.encode()))
        elif word == "!unmasked":
            sock.sendall(frame(0x1, rest.encode(), masked=False))
        elif word == "!fragments":
            count, _, text = rest.partition(" ")
            count = int(count)
            data = frame(0x1, b"", fin=False)
            data += b"".join(frame(0x0, b"", fin=False) for _ in range(count - 2))
            data += frame(0x0, text.encode())
            sock.sendall(data)
        elif word == "!big":
            sock.sendall(frame(0x1, b"x" * int(rest)))
        elif word == "!pings":
            sock.sendall(b"".join(frame(0x9, str(index).encode()) for index in range(int(rest))))
        elif word == "!close":
            sock.sendall(frame(0x8, struct.pack("!H", int(rest))))
        elif word == "!utf8bad":
            sock.sendall(frame(0x1, b"say \xff\xfe"))
        elif not head:
            sock.sendall((line + "\n").encode())
        else:
            sock.sendall(frame(0x1, line.encode()))
    threading.Event().wait()


def line_reader(sock):
    buffer = b""
    try:
        while True:
            chunk = sock.recv(4096)
            if not chunk:
                raise EOFError
            buffer += chunk
            while b"\n" in buffer:
                line, buffer = buffer.split(b"\n", 1)
                say(line.decode("utf-8", "replace"))
    except (EOFError, OSError, ssl.SSLError):
        say("EOF")
        os._exit(0)


if __name__ == "__main__":
    main()
