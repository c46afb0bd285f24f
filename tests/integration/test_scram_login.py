"""AUTHENTICATE SCRAM-SHA-256, SCRAM-SHA-256-PLUS and CRAM-MD5 over real sockets, with a
hand-written client (tests/integration/scram_client.py): a user whose passwd-file line
holds Dovecot's {SCRAM-SHA-256} keys, one with {PLAIN}, one with a crypt hash (which can
serve neither). Channel binding tls-server-end-point (any TLS), tls-unique (TLS 1.2) and
tls-exporter (TLS 1.3, computed by pyOpenSSL: scram_exporter_client.py). The failures as
transcripts: a wrong proof, another connection's channel binding, a downgrade, "*".
Also measures a SCRAM login against AUTHENTICATE PLAIN for the same user and iteration
count, and prints the numbers."""

import base64
import os
import socket
import ssl
import statistics
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from maildex_server import LineClient, MaildexServer  # noqa: E402
from scram_client import (ScramClient, cram_md5_response, dovecot_scram,  # noqa: E402
                          tls_server_end_point)

SHA512_SECRET = "$6$saltsalt$qFmFH.bQmmtXzyBY0s9v7Oicd2z4XSIecDzlB5KiA2/jctKu9YterLp8wwnSq.qc.eoxqOmSuNp2xS0ktL3nh/"


def b64(data):
    return base64.b64encode(data).decode()


def unb64(line):
    assert line.startswith("+ "), line
    return base64.b64decode(line[2:])


def capabilities(line):
    start = line.index("[CAPABILITY ") + len("[CAPABILITY ")
    return set(line[start:line.index("]", start)].split())


class Scram(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.srv = MaildexServer(users={"alice": "secret"}, tls=True,
                                settings={"MAILDEX_LOG_LEVEL": "debug"})
        try:
            # bob: Dovecot's SCRAM keys, from doveadm when it is installed.
            try:
                bob = subprocess.run(["doveadm", "pw", "-s", "SCRAM-SHA-256", "-p", "tiger"],
                                     capture_output=True, text=True, check=True).stdout.strip()
            except (OSError, subprocess.CalledProcessError):
                bob = dovecot_scram("tiger")
            home = os.path.join(cls.srv.root, "home")
            with open(cls.srv.userdb, "a") as f:
                # dave: bob's keys, for the measurement (no failures paced on his name).
                for name, secret in (("bob", bob), ("carol", "{SHA512-CRYPT}" + SHA512_SECRET),
                                     ("dave", bob)):
                    os.makedirs(os.path.join(home, name, "Maildir", "cur"))
                    os.makedirs(os.path.join(home, name, "Maildir", "new"))
                    os.makedirs(os.path.join(home, name, "Maildir", "tmp"))
                    f.write("%s:%s:::%s:%s::\n" % (name, secret, name, os.path.join(home, name)))
            cls.srv.start()
        except Exception:
            cls.srv.cleanup()
            raise

    @classmethod
    def tearDownClass(cls):
        cls.srv.cleanup()

    def plain(self, source="127.0.0.1"):
        s = socket.socket()
        s.settimeout(20)
        s.bind((source, 0))
        s.connect(("127.0.0.1", self.srv.port))
        c = LineClient(None, sock=s)
        return c, c.line()

    def tls(self, maximum=None, source="127.0.0.1"):
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        if maximum:
            context.maximum_version = maximum
        raw = socket.create_connection(("127.0.0.1", self.srv.ssl_port), timeout=20,
                                       source_address=(source, 0))
        wrapped = context.wrap_socket(raw)
        c = LineClient(None, sock=wrapped)
        return c, c.line(), wrapped

    def scram(self, c, client, mechanism="SCRAM-SHA-256", ir=True, **final):
        """The exchange; returns the transcript's server lines."""
        lines = []
        if ir:
            c.send("a AUTHENTICATE %s %s\r\n" % (mechanism, b64(client.client_first())))
        else:
            c.send("a AUTHENTICATE %s\r\n" % mechanism)
            lines.append(c.line())
            self.assertEqual(lines[-1], "+ ")
            c.send(b64(client.client_first()) + "\r\n")
        lines.append(c.line())
        if not lines[-1].startswith("+ "):
            return lines
        c.send(b64(client.client_final(unb64(lines[-1]), **final)) + "\r\n")
        lines.append(c.line())
        if not lines[-1].startswith("+ "):
            return lines
        self.assertTrue(client.verify(unb64(lines[-1])), "server signature")
        c.send("\r\n")
        lines.append(c.line())
        return lines

    def test_advertised_only_where_it_can_work(self):
        c, greeting = self.plain()
        caps = capabilities(greeting)
        self.assertIn("AUTH=SCRAM-SHA-256", caps)
        self.assertIn("AUTH=CRAM-MD5", caps)  # alice's {PLAIN}
        self.assertNotIn("AUTH=SCRAM-SHA-256-PLUS", caps)  # no TLS, nothing to bind to
        lines = c.command("x", "AUTHENTICATE SCRAM-SHA-256-PLUS")
        self.assertTrue(lines[-1].startswith("x NO [CANNOT]"), lines)
        c.close()
        t, greeting, _ = self.tls()
        self.assertIn("AUTH=SCRAM-SHA-256-PLUS", capabilities(greeting))
        t.close()

    def test_scram_with_dovecot_keys_and_with_a_plain_password(self):
        for user, password in (("bob", "tiger"), ("alice", "secret")):
            for ir in (True, False):
                c, _ = self.plain()
                lines = self.scram(c, ScramClient(user, password), ir=ir)
                self.assertTrue(lines[-1].startswith("a OK [CAPABILITY"), lines)
                lines = c.command("s", "SELECT INBOX")
                self.assertTrue(lines[-1].startswith("s OK"), lines)
                c.close()
        # The SCRAM-stored user can still use LOGIN: the password's keys are checked.
        c, _ = self.plain()
        self.assertTrue(c.command("l", "LOGIN bob tiger")[-1].startswith("l OK"))
        c.close()
        self.assertIn("logged in with SCRAM-SHA-256", self.srv.read_log())

    def test_plus_with_each_channel_binding(self):
        for maximum, cb in ((None, "tls-server-end-point"),
                            (ssl.TLSVersion.TLSv1_2, "tls-unique"),
                            (ssl.TLSVersion.TLSv1_2, "tls-server-end-point")):
            t, _, sock = self.tls(maximum)
            data = (tls_server_end_point(sock) if cb == "tls-server-end-point"
                    else sock.get_channel_binding("tls-unique"))
            lines = self.scram(t, ScramClient("bob", "tiger", cb, data), "SCRAM-SHA-256-PLUS")
            self.assertTrue(lines[-1].startswith("a OK"), (cb, maximum, lines))
            t.close()
        # tls-unique does not exist in TLS 1.3.
        t, _, sock = self.tls()
        lines = self.scram(t, ScramClient("bob", "tiger", "tls-unique", b"x" * 12),
                           "SCRAM-SHA-256-PLUS")
        self.assertTrue(lines[-1].startswith("a NO [AUTHENTICATIONFAILED]"), lines)
        self.assertIn("unsupported-channel-binding-type", lines[-1])
        t.close()

    def test_tls_exporter(self):
        # Python's ssl module cannot export keying material: pyOpenSSL does, in this
        # interpreter or in Debian's python3 (python3-openssl, from scripts/setup).
        script = os.path.join(os.path.dirname(__file__), "scram_exporter_client.py")
        for python in (sys.executable, "/usr/bin/python3"):
            if subprocess.run([python, "-c", "from OpenSSL import SSL"],
                              capture_output=True).returncode == 0:
                break
        else:
            self.skipTest("pyOpenSSL is importable neither by %s nor by /usr/bin/python3 "
                          "(python3-openssl)" % sys.executable)
        out = subprocess.run([python, script, str(self.srv.ssl_port), "bob", "tiger"],
                             capture_output=True, text=True, timeout=60)
        lines = out.stdout.splitlines()
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertTrue(lines[-1].startswith("a OK"), lines)
        # A wrong binding (another connection's keying material) is refused.
        out = subprocess.run([python, "-c", (
            "import sys; sys.argv = ['x', '%d', 'bob', 'tiger']; sys.path.insert(0, %r);"
            "import scram_exporter_client as s;"
            "orig = s.SSL.Connection.export_keying_material;"
            "s.SSL.Connection.export_keying_material = lambda self, l, n: bytes(n);"
            "print(s.exporter_login(%d, 'bob', 'tiger')[-1])") % (
                self.srv.ssl_port, os.path.dirname(script), self.srv.ssl_port)],
            capture_output=True, text=True, timeout=60)
        self.assertTrue(out.stdout.startswith("a NO [AUTHENTICATIONFAILED]"), (out.stdout, out.stderr))

    def test_failures_as_transcripts(self):
        # A wrong password: the proof is wrong, the server says so after the whole exchange.
        c, _ = self.plain("127.0.0.11")
        lines = self.scram(c, ScramClient("alice", "secret"), proof_password="wrong")
        self.assertEqual(len(lines), 2, lines)
        self.assertTrue(lines[-1].startswith("a NO [AUTHENTICATIONFAILED]"), lines)
        c.close()
        # Another connection's channel binding (a man in the middle).
        t, _, sock = self.tls(source="127.0.0.12")
        lines = self.scram(t, ScramClient("bob", "tiger", "tls-server-end-point", b"\0" * 32),
                           "SCRAM-SHA-256-PLUS")
        self.assertTrue(lines[-1].startswith("a NO [AUTHENTICATIONFAILED]"), lines)
        t.close()
        # A downgrade: the client could bind ("y") but did not see -PLUS, which TLS offers.
        t, _, _ = self.tls(source="127.0.0.13")
        lines = self.scram(t, ScramClient("bob", "tiger", gs2_flag="y"))
        self.assertTrue(lines[-1].startswith("a NO [AUTHENTICATIONFAILED]"), lines)
        self.assertIn("server-does-support-channel-binding", lines[-1])
        t.close()
        # An unknown user and a crypt-hash user go through the same steps and fail.
        for user, source in (("nobody", "127.0.0.14"), ("carol", "127.0.0.15")):
            c, _ = self.plain(source)
            lines = self.scram(c, ScramClient(user, "whatever"))
            self.assertEqual(len(lines), 2, lines)
            self.assertTrue(lines[-1].startswith("a NO [AUTHENTICATIONFAILED]"), lines)
            c.close()
        # "*" cancels at each step with BAD, and the connection goes on.
        c, _ = self.plain("127.0.0.16")
        c.send("a AUTHENTICATE SCRAM-SHA-256\r\n")
        self.assertEqual(c.line(), "+ ")
        c.send("*\r\n")
        self.assertTrue(c.line().startswith("a BAD"))
        client = ScramClient("alice", "secret")
        c.send("b AUTHENTICATE SCRAM-SHA-256 %s\r\n" % b64(client.client_first()))
        self.assertTrue(c.line().startswith("+ "))
        c.send("*\r\n")
        self.assertTrue(c.line().startswith("b BAD"))
        c.send("c AUTHENTICATE SCRAM-SHA-256 !!!notbase64\r\n")
        self.assertTrue(c.line().startswith("c BAD"))
        self.assertTrue(c.command("d", "NOOP")[-1].startswith("d OK"))
        c.close()
        log = self.srv.read_log()
        self.assertIn("invalid-proof", log)
        self.assertIn("channel-bindings-dont-match", log)
        self.assertNotIn("tiger", log)

    def test_cram_md5_only_with_a_plain_password(self):
        for user, password, ok, source in (("alice", "secret", True, "127.0.0.21"),
                                           ("alice", "wrong", False, "127.0.0.22"),
                                           ("bob", "tiger", False, "127.0.0.23")):
            c, _ = self.plain(source)
            c.send("a AUTHENTICATE CRAM-MD5\r\n")
            challenge = unb64(c.line())
            self.assertRegex(challenge.decode(), r"^<[0-9a-f]+\.\d+@maildex>$")
            c.send(b64(cram_md5_response(user, password, challenge)) + "\r\n")
            line = c.line()
            self.assertTrue(line.startswith("a OK" if ok else "a NO [AUTHENTICATIONFAILED]"),
                            (user, password, line))
            c.close()

    def test_measure_scram_against_plain_for_the_same_user(self):
        # dave's keys (bob's) have 4096 iterations: AUTHENTICATE PLAIN costs the server one
        # PBKDF2 of 4096 rounds; SCRAM costs the server only HMACs, the client the PBKDF2,
        # and one more round trip.
        def timed(fn, n=15):
            times = []
            for _ in range(n):
                c, _ = self.plain("127.0.0.31")
                start = time.perf_counter()
                fn(c)
                times.append((time.perf_counter() - start) * 1000)
                c.close()
            return statistics.median(times)

        def plain_login(c):
            line = c.command("p", "AUTHENTICATE PLAIN " + b64(b"\0dave\0tiger"))[-1]
            self.assertTrue(line.startswith("p OK"), line)

        def scram_login(c):
            self.assertTrue(self.scram(c, ScramClient("dave", "tiger"))[-1].startswith("a OK"))

        plain_ms, scram_ms = timed(plain_login), timed(scram_login)
        start = time.perf_counter()
        import hashlib
        for _ in range(10):
            hashlib.pbkdf2_hmac("sha256", b"tiger", b"0123456789abcdef", 4096)
        pbkdf2_ms = (time.perf_counter() - start) * 100
        print("\nlogin, median of 15 over loopback: AUTHENTICATE PLAIN %.2f ms, SCRAM-SHA-256 "
              "%.2f ms (of which the client's PBKDF2-4096 in Python ~%.2f ms)"
              % (plain_ms, scram_ms, pbkdf2_ms), file=sys.stderr)


if __name__ == "__main__":
    unittest.main()
