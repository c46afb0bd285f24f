"""AUTHENTICATE SCRAM-SHA-256-PLUS with tls-exporter channel binding (RFC 9266) over TLS
1.3, for test_scram_login.py. Python's ssl module cannot export keying material, so this
runs where pyOpenSSL can be imported: the interpreter running the tests, or Debian's
/usr/bin/python3 with python3-openssl when the tests run under another Python.

Usage: scram_exporter_client.py PORT USER PASSWORD; prints the server's lines, one per
line, and exits 0 when the exchange ran to the tagged answer."""

import base64
import os
import socket
import sys

sys.path.insert(0, os.path.dirname(__file__))
from OpenSSL import SSL  # noqa: E402
from scram_client import ScramClient  # noqa: E402


def exporter_login(port, user, password):
    context = SSL.Context(SSL.TLS_METHOD)
    context.set_min_proto_version(SSL.TLS1_3_VERSION)
    raw = socket.create_connection(("127.0.0.1", port), timeout=20)
    # pyOpenSSL wants a blocking socket (a timeout makes it raise WantReadError); the test
    # bounds the whole run instead.
    raw.settimeout(None)
    conn = SSL.Connection(context, raw)
    conn.set_connect_state()
    conn.do_handshake()
    data = conn.export_keying_material(b"EXPORTER-Channel-Binding", 32)
    buffer = b""

    def line():
        nonlocal buffer
        while b"\r\n" not in buffer:
            chunk = conn.recv(65536)
            if not chunk:
                raise EOFError(buffer)
            buffer += chunk
        text, buffer = buffer.split(b"\r\n", 1)
        return text.decode()

    def send(text):
        conn.sendall(text.encode() + b"\r\n")

    client = ScramClient(user, password, "tls-exporter", data)
    lines = [line()]
    send("a AUTHENTICATE SCRAM-SHA-256-PLUS " + base64.b64encode(client.client_first()).decode())
    lines.append(line())
    if lines[-1].startswith("+ "):
        final = client.client_final(base64.b64decode(lines[-1][2:]))
        send(base64.b64encode(final).decode())
        lines.append(line())
        if lines[-1].startswith("+ "):
            if not client.verify(base64.b64decode(lines[-1][2:])):
                lines.append("(the server's signature did not verify)")
                return lines
            send("")
            lines.append(line())
    conn.close()
    return lines


if __name__ == "__main__":
    for l in exporter_login(int(sys.argv[1]), sys.argv[2], sys.argv[3]):
        print(l)
