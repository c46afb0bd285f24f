"""Large messages over TCP, as a client sees them: a 50 MB message is fetched whole and
by part by a client reading at full speed and by a slow one, and appended; the server
holds neither in memory (its anonymous memory grows by a small fraction of the message,
not by a copy of it). Issue 15, "Whole FETCH of a large message" and "APPEND held in
memory"."""

import base64
import hashlib
import os
import random
import socket
import threading
import time
import unittest

from maildex_server import MaildexServer, LineClient

MB = 1024 * 1024


def rss_anon_kb(pid):
    """The server's anonymous memory (heap and the like; not the page cache it maps)."""
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("RssAnon:"):
                return int(line.split()[1])
    raise RuntimeError("no RssAnon")


class PeakMemory:
    """Samples a process's anonymous memory in the background; `peak` is the highest."""

    def __init__(self, pid):
        self.pid, self.peak, self._stop = pid, rss_anon_kb(pid), False
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        while not self._stop:
            self.peak = max(self.peak, rss_anon_kb(self.pid))
            time.sleep(0.01)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop = True
        self._thread.join()
        self.peak = max(self.peak, rss_anon_kb(self.pid))


def attachment_message(size):
    """A multipart message with a short text part and a base64 attachment of about
    `size` bytes, LF line ends as an MDA stores it; and the attachment's encoded body."""
    rnd = random.Random(size)
    raw = bytes(rnd.getrandbits(8) for _ in range(4096)) * (size * 3 // 4 // 4096)
    encoded = base64.encodebytes(raw)  # 76-character lines, LF
    head = (b"From: alice@example.com\nTo: bob@example.com\nSubject: big attachment\n"
            b"MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"b1\"\n\n"
            b"--b1\nContent-Type: text/plain\n\nSee the attachment.\n"
            b"--b1\nContent-Type: application/octet-stream; name=\"data.bin\"\n"
            b"Content-Transfer-Encoding: base64\n\n")
    return head + encoded + b"--b1--\n", encoded


def crlf(data):
    return data.replace(b"\n", b"\r\n")


class RawClient:
    """A client reading literals by their announced size, at a chosen pace."""

    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=60)
        self.buf = b""
        self.line()  # greeting

    def send(self, data):
        self.sock.sendall(data)

    def _fill(self, chunk=256 * 1024):
        data = self.sock.recv(chunk)
        if not data:
            raise EOFError("server closed the connection")
        self.buf += data

    def line(self):
        while b"\r\n" not in self.buf:
            self._fill()
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line

    def read_exact(self, n, chunk=256 * 1024, pause=0.0):
        out = bytearray(self.buf[:n])
        self.buf = self.buf[n:]
        while len(out) < n:
            data = self.sock.recv(min(chunk, n - len(out)))
            if not data:
                raise EOFError("server closed the connection after %d of %d bytes" % (len(out), n))
            out += data
            if pause:
                time.sleep(pause)
        return bytes(out)

    def command(self, tag, text):
        self.send(("%s %s\r\n" % (tag, text)).encode())
        lines = []
        while True:
            line = self.line()
            lines.append(line)
            if line.startswith(tag.encode() + b" "):
                return lines

    def fetch_literal(self, tag, text, chunk=256 * 1024, pause=0.0):
        """Sends a FETCH of one literal item; returns the literal's bytes and the tagged
        reply."""
        self.send(("%s %s\r\n" % (tag, text)).encode())
        line = self.line()
        while line.startswith(b"* ") and not line.endswith(b"}"):
            line = self.line()
        assert line.endswith(b"}"), line
        size = int(line[line.rindex(b"{") + 1:-1])
        data = self.read_exact(size, chunk, pause)
        rest = self.line()
        assert rest == b")", rest
        return data, self.command_end(tag)

    def command_end(self, tag):
        while True:
            line = self.line()
            if line.startswith(tag.encode() + b" "):
                return line

    def close(self):
        self.sock.close()


class LargeMessageTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.message, cls.attachment = attachment_message(50 * MB)
        cls.srv = MaildexServer()
        cls.srv.start()
        md = cls.srv.maildirs["alice"]
        md.deliver(cls.message, new=False, flags="S")

    @classmethod
    def tearDownClass(cls):
        cls.srv.stop()
        cls.srv.cleanup()

    def client(self):
        c = RawClient(self.srv.port)
        self.assertTrue(c.command("l", "LOGIN alice secret")[-1].startswith(b"l OK"))
        self.assertTrue(c.command("s", "SELECT INBOX")[-1].startswith(b"s OK"))
        return c

    def test_whole_message_at_full_speed(self):
        c = self.client()
        c.command("w", "UID FETCH 1 (RFC822.SIZE)")  # warm up what every FETCH allocates
        before = rss_anon_kb(self.srv.proc.pid)
        with PeakMemory(self.srv.proc.pid) as mem:
            data, tagged = c.fetch_literal("f", "UID FETCH 1 BODY.PEEK[]")
        self.assertTrue(tagged.startswith(b"f OK"), tagged)
        self.assertEqual(len(data), len(crlf(self.message)))
        self.assertEqual(hashlib.sha256(data).digest(), hashlib.sha256(crlf(self.message)).digest())
        grown_mb = (mem.peak - before) / 1024
        print("whole FETCH of 50 MB: server grew by %.1f MB at most" % grown_mb)
        self.assertLess(grown_mb, 16, "the server held the message in memory")
        c.close()

    def test_attachment_part_and_partial(self):
        c = self.client()
        before = rss_anon_kb(self.srv.proc.pid)
        with PeakMemory(self.srv.proc.pid) as mem:
            part, tagged = c.fetch_literal("p", "UID FETCH 1 BODY.PEEK[2]")
        self.assertTrue(tagged.startswith(b"p OK"), tagged)
        # The part's body, without the CRLF that belongs to the closing delimiter.
        expected = crlf(self.attachment)[:-2]
        self.assertEqual(len(part), len(expected))
        self.assertEqual(hashlib.sha256(part).digest(), hashlib.sha256(expected).digest())
        grown_mb = (mem.peak - before) / 1024
        print("FETCH BODY[2] of 50 MB: server grew by %.1f MB at most" % grown_mb)
        self.assertLess(grown_mb, 16, "the server held the message in memory")
        piece, tagged = c.fetch_literal("q", "UID FETCH 1 BODY.PEEK[]<1000000.70000>")
        self.assertEqual(piece, crlf(self.message)[1000000:1070000])
        text, tagged = c.fetch_literal("t", "UID FETCH 1 BODY.PEEK[TEXT]<5.100>")
        body = crlf(self.message).split(b"\r\n\r\n", 1)[1]
        self.assertEqual(text, body[5:105])
        structure = c.command("b", "UID FETCH 1 (BODYSTRUCTURE)")
        self.assertIn(b'"application" "octet-stream" ("name" "data.bin") NIL NIL "base64" %d'
                      % len(expected), structure[0])
        c.close()

    def test_a_slow_reader_gets_everything(self):
        # About 2 MB/s: far slower than the server writes, never nothing for long.
        c = self.client()
        started = time.time()
        data, tagged = c.fetch_literal("f", "UID FETCH 1 BODY.PEEK[]<0.10000000>",
                                       chunk=32 * 1024, pause=0.015)
        self.assertTrue(tagged.startswith(b"f OK"), tagged)
        self.assertEqual(data, crlf(self.message)[:10000000])
        print("10 MB read slowly in %.1f s" % (time.time() - started))
        c.close()

    def test_append_is_received_into_a_file(self):
        c = self.client()
        message = crlf(self.message)
        c.command("w", "NOOP")
        before = rss_anon_kb(self.srv.proc.pid)
        with PeakMemory(self.srv.proc.pid) as mem:
            c.send(b"a APPEND INBOX (\\Seen $Big) {%d}\r\n" % len(message))
            self.assertTrue(c.line().startswith(b"+"))
            for i in range(0, len(message), 256 * 1024):
                c.send(message[i:i + 256 * 1024])
            c.send(b"\r\n")
            tagged = c.command_end("a")
        self.assertTrue(tagged.startswith(b"a OK [APPENDUID"), tagged)
        uid = int(tagged.split(b"]")[0].split()[-1])
        grown_mb = (mem.peak - before) / 1024
        print("APPEND of 50 MB: server grew by %.1f MB at most" % grown_mb)
        self.assertLess(grown_mb, 8, "the server held the message in memory")
        back, tagged = c.fetch_literal("f", "UID FETCH %d BODY.PEEK[]" % uid)
        self.assertEqual(hashlib.sha256(back).digest(), hashlib.sha256(message).digest())
        flags = c.command("g", "UID FETCH %d (FLAGS RFC822.SIZE)" % uid)
        self.assertIn(b"FLAGS (\\Seen \\Recent $Big) RFC822.SIZE %d" % len(message), flags[0])
        tmp = os.path.join(self.srv.maildirs["alice"].path, "tmp")
        self.assertEqual(os.listdir(tmp), [])
        c.close()

    def test_an_append_cut_off_leaves_nothing(self):
        c = self.client()
        c.send(b"a APPEND INBOX {%d}\r\n" % (20 * MB))
        self.assertTrue(c.line().startswith(b"+"))
        c.send(b"x" * (5 * MB))
        c.close()
        tmp = os.path.join(self.srv.maildirs["alice"].path, "tmp")
        deadline = time.time() + 10
        while os.listdir(tmp) and time.time() < deadline:
            time.sleep(0.1)
        self.assertEqual(os.listdir(tmp), [])


if __name__ == "__main__":
    unittest.main()
