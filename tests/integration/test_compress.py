"""COMPRESS=DEFLATE (RFC 4978) over real sockets, plain and TLS. imaplib has no COMPRESS,
so the client here speaks IMAP on the raw socket and, after the tagged OK, runs Python's
zlib raw streams (wbits=-15) both ways, as Thunderbird and mbsync do: LOGIN, COMPRESS,
SELECT, a large FETCH, IDLE with a delivery while idle (after the server let go of its
zlib state), a second COMPRESS; garbage and a decompression bomb; IMAP_CAPABILITY; and
mbsync over TCP, which turns COMPRESS on whenever it is offered."""

import os
import re
import shutil
import socket
import ssl
import subprocess
import tempfile
import time
import unittest
import zlib

from maildex_server import MaildexServer


class Client:
    """IMAP on a socket (plain or TLS), plain until compress() and deflated after."""

    def __init__(self, sock):
        self.sock = sock
        self.sock.settimeout(20)
        self.buf = b""
        self.deflate = None
        self.inflate = None

    def _fill(self):
        data = self.sock.recv(65536)
        if not data:
            raise EOFError("the server closed the connection")
        self.buf += self.inflate.decompress(data) if self.inflate else data

    def send(self, data):
        if self.deflate:
            data = self.deflate.compress(data) + self.deflate.flush(zlib.Z_SYNC_FLUSH)
        self.sock.sendall(data)

    def line(self):
        while b"\r\n" not in self.buf:
            self._fill()
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line

    def response(self, tag):
        """The lines up to the tagged one, literals read whole: (lines, tagged line)."""
        lines = []
        while True:
            line = self.line()
            m = re.search(rb"\{(\d+)\}$", line)
            if m:
                size = int(m.group(1))
                while len(self.buf) < size:
                    self._fill()
                line += b"\r\n" + self.buf[:size]
                self.buf = self.buf[size:]
                line += self.line()
            if line.startswith(tag + b" "):
                return lines, line
            lines.append(line)

    def command(self, tag, text):
        self.send(tag + b" " + text + b"\r\n")
        return self.response(tag)

    def start_compression(self, pipelined=b""):
        """COMPRESS DEFLATE; `pipelined` is sent compressed right behind it, unasked."""
        self.deflate = zlib.compressobj(wbits=-15)
        rest = self.deflate.compress(pipelined) + self.deflate.flush(zlib.Z_SYNC_FLUSH)
        self.sock.sendall(b"c1 COMPRESS DEFLATE\r\n" + (rest if pipelined else b""))
        lines, tagged = self.response(b"c1")
        assert tagged.startswith(b"c1 OK"), tagged
        # Everything after the tagged OK's CRLF is compressed.
        self.inflate = zlib.decompressobj(wbits=-15)
        pending, self.buf = self.buf, b""
        if pending:
            self.buf = self.inflate.decompress(pending)
        return tagged


def tls_context():
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx


def big_message():
    lines = ["From: someone@example.org", "To: alice@example.org", "Subject: big", ""]
    lines += ["line %06d of a large message, compressible but not trivially %d" % (i, i * 7919)
              for i in range(40000)]
    return "\n".join(lines) + "\n"


class Compress(unittest.TestCase):
    def wait_for(self, c, wanted):
        seen = []
        while not seen or seen[-1] != wanted:
            seen.append(c.line())
            self.assertLess(len(seen), 10, seen)

    def session(self, srv, c):
        greeting = c.line()
        self.assertTrue(greeting.startswith(b"* OK"), greeting)
        self.assertNotIn(b"COMPRESS=DEFLATE", greeting)  # not before login
        _, ok = c.command(b"a1", b"LOGIN alice secret")
        self.assertIn(b"COMPRESS=DEFLATE", ok)
        _, bad = c.command(b"a2", b"COMPRESS GZIP")
        self.assertTrue(bad.startswith(b"a2 BAD"), bad)
        c.start_compression(pipelined=b"a3 NOOP\r\n")
        _, ok = c.response(b"a3")  # sent behind COMPRESS, inflated from the same read
        self.assertTrue(ok.startswith(b"a3 OK"), ok)

        lines, ok = c.command(b"a4", b"SELECT INBOX")
        self.assertTrue(ok.startswith(b"a4 OK"), ok)
        self.assertIn(b"* 1 EXISTS", lines)
        lines, ok = c.command(b"a5", b"FETCH 1 BODY.PEEK[]")
        self.assertTrue(ok.startswith(b"a5 OK"), ok)
        body = lines[0].split(b"\r\n", 1)[1].rsplit(b")", 1)[0]
        self.assertEqual(body, big_message().replace("\n", "\r\n").encode())
        self.assertEqual(srv.metric("maildex_connections_compressed"), 1)
        self.assertGreater(srv.metric("maildex_compression_zlib_bytes"), 200 * 1024)

        # Quiet for longer than the server waits before it lets go of its zlib state.
        time.sleep(3.5)
        self.assertEqual(srv.metric("maildex_compression_zlib_bytes"), 0)
        _, ok = c.command(b"a6", b"NOOP")
        self.assertTrue(ok.startswith(b"a6 OK"), ok)

        c.send(b"a7 IDLE\r\n")
        self.assertTrue(c.line().startswith(b"+ "))
        time.sleep(0.5)  # released at once in IDLE; the delivery needs a fresh deflater
        self.assertEqual(srv.metric("maildex_compression_zlib_bytes"), 0)
        srv.maildirs["alice"].deliver("Subject: while idle\n\nhello\n")
        self.wait_for(c, b"* 2 EXISTS")
        time.sleep(0.5)
        srv.maildirs["alice"].deliver("Subject: again\n\nhello again\n")
        self.wait_for(c, b"* 3 EXISTS")
        c.send(b"DONE\r\n")
        _, ok = c.response(b"a7")
        self.assertTrue(ok.startswith(b"a7 OK"), ok)

        _, no = c.command(b"a8", b"COMPRESS DEFLATE")
        self.assertTrue(no.startswith(b"a8 NO [COMPRESSIONACTIVE]"), no)
        lines, ok = c.command(b"a9", b"FETCH 3 BODY[TEXT]")
        self.assertIn(b"hello again", lines[0])
        lines, ok = c.command(b"a10", b"LOGOUT")
        self.assertTrue(lines[0].startswith(b"* BYE"), lines)
        self.assertTrue(ok.startswith(b"a10 OK"), ok)

    def test_plain(self):
        with MaildexServer() as srv:
            srv.maildirs["alice"].deliver(big_message())
            with socket.create_connection(("127.0.0.1", srv.port)) as s:
                self.session(srv, Client(s))

    def test_tls(self):
        with MaildexServer(tls=True) as srv:
            srv.maildirs["alice"].deliver(big_message())
            with socket.create_connection(("127.0.0.1", srv.ssl_port)) as raw:
                with tls_context().wrap_socket(raw, server_hostname="maildex.test") as s:
                    self.session(srv, Client(s))
            # STARTTLS, then COMPRESS inside it.
            with socket.create_connection(("127.0.0.1", srv.port)) as raw:
                c = Client(raw)
                c.line()
                _, ok = c.command(b"s1", b"STARTTLS")
                self.assertTrue(ok.startswith(b"s1 OK"), ok)
                c = Client(tls_context().wrap_socket(raw, server_hostname="maildex.test"))
                c.command(b"s2", b"LOGIN alice secret")
                c.start_compression()
                c.command(b"s3", b"SELECT INBOX")
                lines, ok = c.command(b"s4", b"FETCH 1 BODY.PEEK[HEADER.FIELDS (SUBJECT)]")
                self.assertIn(b"Subject: big", lines[0])

    def test_garbage_closes_the_connection_with_a_log_line(self):
        with MaildexServer() as srv:
            with socket.create_connection(("127.0.0.1", srv.port)) as s:
                c = Client(s)
                c.line()
                c.command(b"a1", b"LOGIN alice secret")
                c.start_compression()
                s.sendall(b"\xff\xfe\xfd this is not deflate\r\n")
                with self.assertRaises(EOFError):
                    while True:
                        c.line()
            time.sleep(0.5)
            self.assertIn("invalid compressed input", srv.read_log())
            # The server is still there.
            with socket.create_connection(("127.0.0.1", srv.port)) as s:
                c = Client(s)
                c.line()
                _, ok = c.command(b"b1", b"LOGIN alice secret")
                self.assertTrue(ok.startswith(b"b1 OK"), ok)

    def test_decompression_bombs_are_inflated_in_bounded_steps(self):
        with MaildexServer() as srv:
            with socket.create_connection(("127.0.0.1", srv.port)) as s:
                c = Client(s)
                c.line()
                c.command(b"a1", b"LOGIN alice secret")
                c.start_compression()
                # A 60 MB APPEND in about 60 KB: taken in steps into a file in tmp/, as
                # the same bytes sent plain would be, never whole in memory.
                line = b"y" * 998 + b"\r\n"
                message = b"Subject: bomb\r\n\r\n" + line * 60000
                c.send(b"a2 APPEND INBOX {%d+}\r\n" % len(message))
                for i in range(0, len(message), 1 << 20):
                    c.send(message[i:i + (1 << 20)])
                c.send(b"\r\n")
                _, ok = c.response(b"a2")
                self.assertTrue(ok.startswith(b"a2 OK"), ok)
                lines, ok = c.command(b"a3", b"STATUS INBOX (SIZE)")
                self.assertIn(b"SIZE %d" % len(message), lines[0])
                # 200 MB of one line: stopped at the line limit, as plain would be.
                try:
                    c.send(b"a4 NOOP ")
                    for _ in range(200):
                        c.send(b"x" * (1 << 20))
                except (BrokenPipeError, ConnectionResetError):
                    pass
                lines = []
                try:
                    while True:
                        lines.append(c.line())
                except (EOFError, ConnectionResetError):
                    pass
                self.assertTrue(any(b"BYE" in l for l in lines), lines)
            status = open("/proc/%d/status" % srv.proc.pid).read()
            peak_mb = int(re.search(r"VmHWM:\s+(\d+)", status).group(1)) / 1024
            self.assertLess(peak_mb, 40, "the server's peak memory")

    def test_capability_list_without_it(self):
        settings = {"IMAP_CAPABILITY": "IMAP4rev1 IDLE"}
        with MaildexServer(settings=settings) as srv:
            with socket.create_connection(("127.0.0.1", srv.port)) as s:
                c = Client(s)
                c.line()
                _, ok = c.command(b"a1", b"LOGIN alice secret")
                self.assertNotIn(b"COMPRESS", ok)
                _, bad = c.command(b"a2", b"COMPRESS DEFLATE")
                self.assertTrue(bad.startswith(b"a2 BAD"), bad)
                _, ok = c.command(b"a3", b"NOOP")  # still plain
                self.assertTrue(ok.startswith(b"a3 OK"), ok)
        settings = {"IMAP_CAPABILITY": "IMAP4rev1 IDLE COMPRESS=DEFLATE"}
        with MaildexServer(settings=settings) as srv:
            with socket.create_connection(("127.0.0.1", srv.port)) as s:
                c = Client(s)
                c.line()
                _, ok = c.command(b"a1", b"LOGIN alice secret")
                self.assertIn(b"COMPRESS=DEFLATE", ok)

    @unittest.skipUnless(shutil.which("mbsync"), "mbsync is not installed")
    def test_mbsync_turns_it_on(self):
        with MaildexServer() as srv:
            for i in range(30):
                srv.maildirs["alice"].deliver("Subject: m%d\n\n%s\n" % (i, "text " * 2000))
            work = tempfile.mkdtemp(prefix="maildex-mbsync-")
            try:
                rc = os.path.join(work, "mbsyncrc")
                with open(rc, "w") as f:
                    f.write("IMAPAccount a\nHost 127.0.0.1\nPort %d\nUser alice\nPass secret\n"
                            "SSLType None\nAuthMechs LOGIN\n\n"
                            "IMAPStore remote\nAccount a\n\n"
                            "MaildirStore local\nPath %s/\nInbox %s/INBOX\n\n"
                            "Channel c\nFar :remote:\nNear :local:\nPatterns INBOX\n"
                            "Create Near\nSyncState *\n" % (srv.port, work, work))
                out = subprocess.run(["mbsync", "-D", "-c", rc, "c"], capture_output=True,
                                     text=True, timeout=120)
                self.assertEqual(out.returncode, 0, out.stdout[-3000:] + out.stderr[-3000:])
                self.assertIn("COMPRESS DEFLATE", out.stdout + out.stderr)
                got = os.listdir(os.path.join(work, "INBOX", "cur")) + \
                    os.listdir(os.path.join(work, "INBOX", "new"))
                self.assertEqual(len(got), 30)
            finally:
                shutil.rmtree(work)


if __name__ == "__main__":
    unittest.main()
