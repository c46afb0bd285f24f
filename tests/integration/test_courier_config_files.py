"""Courier's configuration files as a site has them: Debian's /etc/courier/imapd and
imapd-ssl exactly as the courier-imap package ships them (unpacked from the package by
scripts/fetch-courier-imap), plus only what a test machine must change (a user database,
loopback addresses and free ports, a certificate, where the pid files go). The server must
start, open the ports the files say, advertise the capabilities the files list (those
Maildex has), take logins as IMAP_TLS_REQUIRED=0 says, and name every Courier key it does
not apply. Skipped, saying why, when Debian's package mirror cannot be reached.

IMAPACCESSFILE (couriertcpd's access file) is tested over real sockets from two loopback
addresses, with a reload on SIGHUP; that part needs no package."""

import os
import shlex
import shutil
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from maildex_server import LineClient, MaildexServer, free_port, make_certificate  # noqa: E402
from maildex_testlib import MAILDEXD, REPO  # noqa: E402

BUILD = os.path.dirname(os.path.dirname(os.path.abspath(MAILDEXD)))
COURIER = os.path.join(BUILD, "courier-imap")


def fetch_courier():
    """The unpacked package, or None with the reason."""
    p = subprocess.run(["bash", os.path.join(REPO, "scripts", "fetch-courier-imap"), COURIER],
                       capture_output=True, text=True, timeout=600)
    if p.returncode != 0 or not os.path.isfile(os.path.join(COURIER, "etc/courier/imapd-ssl")):
        return None, "Debian's courier-imap package is not available (%s)" % (
            (p.stderr.strip() or p.stdout.strip())[-300:])
    return COURIER, None


def courier_variables(files):
    """The variables as Courier's start script sees them: the files sourced by sh."""
    script = "set -a; " + "; ".join(". %s" % shlex.quote(f) for f in files) + "; env -0"
    out = subprocess.run(["sh", "-c", script], env={}, capture_output=True, check=True).stdout
    variables = {}
    for item in out.split(b"\0"):
        if b"=" in item:
            key, value = item.split(b"=", 1)
            variables[key.decode()] = value.decode()
    return variables


def capabilities(line):
    """The names in a greeting's or tagged OK's [CAPABILITY ...] code."""
    start = line.index("[CAPABILITY ") + len("[CAPABILITY ")
    return set(line[start:line.index("]", start)].split())


class DebianCourierFiles(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.courier, reason = fetch_courier()
        if cls.courier is None:
            raise unittest.SkipTest(reason)
        cls.imapd = os.path.join(cls.courier, "etc/courier/imapd")
        cls.imapd_ssl = os.path.join(cls.courier, "etc/courier/imapd-ssl")
        cls.vars = courier_variables([cls.imapd_ssl, cls.imapd])

    def start(self, extra=None):
        srv = MaildexServer(users={"alice": "secret"}, config_files=[self.imapd, self.imapd_ssl])
        cert = os.path.join(srv.root, "imapd.pem")
        make_certificate(cert, "maildex.test")
        srv.ssl_port = free_port()
        # What a test machine must change; every other key comes from Debian's files.
        srv.settings.update({
            "SSLADDRESS": "127.0.0.1", "SSLPORT": str(srv.ssl_port), "TLS_CERTFILE": cert,
            "PIDFILE": os.path.join(srv.root, "imapd.pid"),
            "SSLPIDFILE": os.path.join(srv.root, "imapd-ssl.pid"),
            "IMAPACCESSFILE": os.path.join(self.courier, "etc/courier/imapaccess"),
        })
        srv.settings.update(extra or {})
        self.addCleanup(srv.cleanup)
        return srv.start()

    def tls_client(self, srv):
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        raw = socket.create_connection(("127.0.0.1", srv.ssl_port), timeout=20)
        return LineClient(None, sock=context.wrap_socket(raw))

    def test_ports_capabilities_and_logins_follow_the_files(self):
        self.assertEqual(self.vars["IMAPDSTART"], "YES")
        self.assertEqual(self.vars["IMAPDSSLSTART"], "YES")
        self.assertEqual(self.vars["IMAP_TLS_REQUIRED"], "0")
        srv = self.start()
        # IMAP_ACL=1 (Debian's file): the ACL names join the list, as Courier adds its
        # own "ACL ACL2=UNION"; Maildex also says which rights it knows (RFC 4314 5.1.1).
        self.assertEqual(self.vars["IMAP_ACL"], "1")
        acl = {"ACL", "ACL2=UNION", "RIGHTS=texk"}
        configured = set(self.vars["IMAP_CAPABILITY"].split()) | acl
        configured_tls = set(self.vars["IMAP_CAPABILITY_TLS"].split()) | acl

        # PORT: IMAP_CAPABILITY plus STARTTLS (IMAPDSTARTTLS=YES); no AUTH= before TLS,
        # since Debian's list has none, but LOGIN works (IMAP_TLS_REQUIRED=0).
        c = LineClient(srv.port)
        greeting = c.line()
        self.assertEqual(capabilities(greeting), configured | {"STARTTLS"}, greeting)
        lines = c.command("a", "AUTHENTICATE PLAIN AGFsaWNlAHNlY3JldA==")
        self.assertTrue(lines[-1].startswith("a NO [CANNOT]"), lines)
        lines = c.command("b", "LOGIN alice secret")
        self.assertTrue(lines[-1].startswith("b OK"), lines)
        self.assertEqual(capabilities(lines[-1]), configured, lines)
        lines = c.command("c", "SELECT INBOX")
        self.assertTrue(lines[-1].startswith("c OK"), lines)
        # IMAP_DISABLETHREADSORT=0: SORT works.
        lines = c.command("d", "SORT (DATE) UTF-8 ALL")
        self.assertTrue(lines[-1].startswith("d OK"), lines)
        c.close()

        # SSLPORT: IMAP_CAPABILITY_TLS, which adds AUTH=PLAIN.
        t = self.tls_client(srv)
        greeting = t.line()
        self.assertEqual(capabilities(greeting), configured_tls, greeting)
        self.assertIn("AUTH=PLAIN", configured_tls)
        lines = t.command("a", "AUTHENTICATE PLAIN AGFsaWNlAHNlY3JldA==")
        self.assertTrue(lines[-1].startswith("a OK"), lines)
        t.close()

        # The pid files name the server; every key of the files is honoured or named.
        for name in ("imapd.pid", "imapd-ssl.pid"):
            with open(os.path.join(srv.root, name)) as f:
                self.assertEqual(int(f.read()), srv.proc.pid)
        self.assertEqual(srv.stop(), 0)
        log = srv.read_log()
        self.assertNotIn("unknown setting", log)
        for key in ("IMAP_USELOCKS", "IMAP_ULIMITD", "IMAP_ENHANCEDIDLE", "TCPDOPTS",
                    "TLS_CACHEFILE", "COURIERTLS", "IMAP_CAPABILITY_ORIG"):
            self.assertRegex(log, r"%s=[^\n]*: understood, not applied: \S" % key)
        self.assertIn("IMAPACCESSFILE", log)
        self.assertFalse(os.path.exists(os.path.join(srv.root, "imapd.pid")))

    def test_a_site_that_turns_the_tls_port_off(self):
        srv = self.start({"IMAPDSSLSTART": "NO"})
        with self.assertRaises(OSError):
            socket.create_connection(("127.0.0.1", srv.ssl_port), timeout=5).close()
        c = LineClient(srv.port)
        self.assertIn("STARTTLS", capabilities(c.line()))
        c.close()
        self.assertFalse(os.path.exists(os.path.join(srv.root, "imapd-ssl.pid")))

    def test_check_config_reads_the_files_as_they_are(self):
        root = tempfile.mkdtemp(prefix="maildex-check-")
        self.addCleanup(shutil.rmtree, root, ignore_errors=True)
        cert, users = os.path.join(root, "imapd.pem"), os.path.join(root, "users")
        make_certificate(cert, "maildex.test")
        with open(users, "w") as f:
            f.write("alice:{PLAIN}secret:::alice:%s::\n" % os.path.join(root, "alice"))
        os.chmod(users, 0o600)
        p = subprocess.run([MAILDEXD, "--check-config", "--config", self.imapd, "--config",
                            self.imapd_ssl, "--set", "TLS_CERTFILE=" + cert,
                            "--set", "MAILDEX_USERDB=" + users,
                            "--set", "IMAPACCESSFILE=" + os.path.join(self.courier,
                                                                       "etc/courier/imapaccess")],
                           capture_output=True, text=True, timeout=60)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertNotIn("unknown setting", p.stderr)
        self.assertIn("IMAP_USELOCKS=1 (%s:" % self.imapd, p.stderr)
        self.assertIn("understood, not applied", p.stderr)
        self.assertIn("IMAPACCESSFILE", p.stderr)
        # What it prints reads back as a configuration with the files' values.
        self.assertIn("IMAP_CAPABILITY='IMAP4rev1 UIDPLUS", p.stdout)


class AccessFile(unittest.TestCase):
    def connect_from(self, srv, source):
        s = socket.socket()
        s.settimeout(20)
        s.bind((source, 0))
        s.connect(("127.0.0.1", srv.port))
        return LineClient(None, sock=s)

    def test_deny_and_allow_over_real_sockets(self):
        srv = MaildexServer(users={"alice": "secret"})
        self.addCleanup(srv.cleanup)
        rules = os.path.join(srv.root, "imapaccess")
        os.mkdir(rules)
        with open(os.path.join(rules, "local"), "w") as f:
            f.write("# loopback only, and not 127.0.0.2\n127\tallow\n127.0.0.2\tdeny\n*\tdeny\n")
        srv.settings["IMAPACCESSFILE"] = rules
        srv.start()

        allowed = self.connect_from(srv, "127.0.0.1")
        self.assertTrue(allowed.line().startswith("* OK"))
        allowed.close()
        denied = self.connect_from(srv, "127.0.0.2")
        self.assertEqual(denied.line(), "* BYE Access denied from your address")
        with self.assertRaises(EOFError):
            denied.line()
        denied.close()
        other = self.connect_from(srv, "127.0.0.3")
        self.assertTrue(other.line().startswith("* OK"))
        other.close()
        self.assertIn("refused 127.0.0.2: IMAPACCESSFILE denies 127.0.0.2", srv.read_log())

        # SIGHUP reads the rules again.
        with open(os.path.join(rules, "local"), "w") as f:
            f.write("127.0.0.2\tallow\n127.0.0.3\tdeny\n")
        srv.proc.send_signal(1)
        deadline = time.time() + 20
        while srv.read_log().count("IMAPACCESSFILE " + rules) < 2 and time.time() < deadline:
            time.sleep(0.05)
        now_allowed = self.connect_from(srv, "127.0.0.2")
        self.assertTrue(now_allowed.line().startswith("* OK"))
        now_allowed.close()
        now_denied = self.connect_from(srv, "127.0.0.3")
        self.assertEqual(now_denied.line(), "* BYE Access denied from your address")
        now_denied.close()

    def test_a_bad_rule_stops_the_start_naming_file_and_line(self):
        srv = MaildexServer(users={"alice": "secret"})
        self.addCleanup(srv.cleanup)
        rules = os.path.join(srv.root, "imapaccess")
        with open(rules, "w") as f:
            f.write("127.0.0.1\tallow\n10.0.0.0/40\tdeny\n")
        srv.settings["IMAPACCESSFILE"] = rules
        with self.assertRaises(RuntimeError) as e:
            srv.start()
        self.assertIn("IMAPACCESSFILE: %s:2" % rules, str(e.exception))


class ClientCertificates(unittest.TestCase):
    """TLS_VERIFYPEER with TLS_TRUSTCERTS, as imapd-ssl says: REQUIREPEER refuses a client
    without a certificate from a trusted authority; PEER takes one without any."""

    def make_client_certificate(self, root):
        run = lambda *a: subprocess.run(a, check=True, capture_output=True, cwd=root)
        run("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
            "-subj", "/CN=Test CA", "-keyout", "ca.key", "-out", "ca.pem")
        run("openssl", "req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=alice",
            "-keyout", "client.key", "-out", "client.csr")
        run("openssl", "x509", "-req", "-in", "client.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
            "-CAcreateserial", "-days", "2", "-out", "client.pem")
        run("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
            "-subj", "/CN=mallory", "-keyout", "other.key", "-out", "other.pem")

    def connect(self, srv, cert=None, key=None):
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        context.maximum_version = ssl.TLSVersion.TLSv1_2  # the refusal comes in the handshake
        if cert:
            context.load_cert_chain(cert, key)
        raw = socket.create_connection(("127.0.0.1", srv.ssl_port), timeout=20)
        self.addCleanup(raw.close)
        c = LineClient(None, sock=context.wrap_socket(raw))
        try:
            return c.line()
        finally:
            c.close()

    def test_requirepeer_and_peer(self):
        for mode in ("REQUIREPEER", "PEER"):
            srv = MaildexServer(users={"alice": "secret"}, tls=True)
            self.addCleanup(srv.cleanup)
            self.make_client_certificate(srv.root)
            pem = lambda name: os.path.join(srv.root, name)
            srv.settings.update({"TLS_VERIFYPEER": mode, "TLS_TRUSTCERTS": pem("ca.pem")})
            srv.start()
            self.assertTrue(self.connect(srv, pem("client.pem"), pem("client.key")).startswith("* OK"))
            with self.assertRaises((ssl.SSLError, EOFError, ConnectionResetError)):
                self.connect(srv, pem("other.pem"), pem("other.key"))  # not from the CA
            if mode == "REQUIREPEER":
                with self.assertRaises((ssl.SSLError, EOFError, ConnectionResetError)):
                    self.connect(srv)
            else:
                self.assertTrue(self.connect(srv).startswith("* OK"))
            srv.cleanup()


if __name__ == "__main__":
    unittest.main()
