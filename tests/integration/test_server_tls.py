"""TLS over real sockets: STARTTLS and implicit TLS with Python's ssl and with
openssl s_client; LOGINDISABLED before STARTTLS when TLS is required; anything
pipelined after STARTTLS is discarded; SNI choosing TLS_CERTFILE.<servername>; the
certificates reloaded on SIGHUP without dropping connections."""

import imaplib
import os
import signal
import socket
import ssl
import subprocess
import time
import unittest

from maildex_server import LineClient, MaildexServer, make_certificate


def client_context():
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx


def peer_common_name(sock):
    der = sock.getpeercert(binary_form=True)
    text = subprocess.run(["openssl", "x509", "-inform", "DER", "-noout", "-subject"], input=der,
                          capture_output=True, check=True).stdout.decode()
    return text.strip().split("CN", 1)[1].lstrip(" =")


class Tls(unittest.TestCase):
    def test_starttls_with_imaplib_and_login_disabled_before(self):
        settings = {"IMAP_TLS_REQUIRED": "1", "MAILDEX_PLAINTEXT_LOOPBACK": "NO"}
        with MaildexServer(tls=True, settings=settings) as srv:
            m = imaplib.IMAP4("127.0.0.1", srv.port)
            self.assertIn("STARTTLS", m.capabilities)
            self.assertIn("LOGINDISABLED", m.capabilities)
            self.assertNotIn("AUTH=PLAIN", m.capabilities)
            typ, data = m._simple_command("LOGIN", "alice", "secret")
            self.assertEqual(typ, "NO")
            self.assertIn(b"PRIVACYREQUIRED", data[0])
            m.starttls(ssl_context=client_context())
            self.assertNotIn("LOGINDISABLED", m.capabilities)
            self.assertIn("AUTH=PLAIN", m.capabilities)
            self.assertEqual(m.login("alice", "secret")[0], "OK")
            self.assertEqual(m.select("INBOX")[0], "OK")
            m.logout()

    def test_commands_pipelined_after_starttls_are_discarded(self):
        with MaildexServer(tls=True, settings={"IMAP_TLS_REQUIRED": "0"}) as srv:
            c = LineClient(srv.port)
            c.line()
            # An attacker in the middle appends a command to the plain-text STARTTLS.
            c.send("a1 STARTTLS\r\na2 LOGIN alice secret\r\n")
            self.assertTrue(c.line().startswith("a1 OK"))
            tls = client_context().wrap_socket(c.sock, server_hostname="maildex.test")
            tls.settimeout(10)
            tls.sendall(b"a3 NOOP\r\n")
            data = b""
            while b"a3 " not in data:
                data += tls.recv(4096)
            self.assertNotIn(b"a2", data)  # the injected LOGIN never ran
            self.assertIn(b"a3 OK", data)
            tls.close()

    def test_implicit_tls_and_openssl_s_client(self):
        with MaildexServer(tls=True) as srv:
            with socket.create_connection(("127.0.0.1", srv.ssl_port), timeout=10) as raw:
                with client_context().wrap_socket(raw, server_hostname="maildex.test") as s:
                    self.assertTrue(s.recv(4096).startswith(b"* OK [CAPABILITY IMAP4rev1"))
                    self.assertTrue(s.version() in ("TLSv1.2", "TLSv1.3"))
                    if s.version() == "TLSv1.3":
                        # The server's choice, whatever the client's order (tls_context.cpp).
                        self.assertEqual(s.cipher()[0], "TLS_AES_128_GCM_SHA256")
                    s.sendall(b"a1 LOGIN alice secret\r\n")
                    self.assertIn(b"a1 OK", s.recv(4096))
            for args in (["-connect", "127.0.0.1:%d" % srv.ssl_port],
                         ["-connect", "127.0.0.1:%d" % srv.port, "-starttls", "imap"]):
                out = subprocess.run(["openssl", "s_client", "-quiet"] + args,
                                     input=b"a1 LOGIN alice secret\r\na2 LOGOUT\r\n",
                                     capture_output=True, timeout=30).stdout
                self.assertIn(b"a1 OK", out, args)
                self.assertIn(b"* BYE", out, args)

    def test_old_protocols_are_refused(self):
        with MaildexServer(tls=True) as srv:
            ctx = client_context()
            ctx.minimum_version = ssl.TLSVersion.TLSv1
            ctx.maximum_version = ssl.TLSVersion.TLSv1_1
            ctx.set_ciphers("ALL:@SECLEVEL=0")
            with socket.create_connection(("127.0.0.1", srv.ssl_port), timeout=10) as raw:
                with self.assertRaises((ssl.SSLError, ConnectionResetError, OSError)):
                    ctx.wrap_socket(raw, server_hostname="maildex.test").recv(10)

    def test_sni_picks_the_certificate_of_the_name(self):
        with MaildexServer(tls=True) as srv:
            make_certificate(srv.cert + ".mail.example.org", "mail.example.org")
            for name, expected in (("mail.example.org", "mail.example.org"), ("other.example", "maildex.test"),
                                   ("../../etc/passwd", "maildex.test")):
                with socket.create_connection(("127.0.0.1", srv.ssl_port), timeout=10) as raw:
                    ctx = client_context()
                    try:
                        s = ctx.wrap_socket(raw, server_hostname=name)
                    except ValueError:  # Python refuses to send that name at all
                        continue
                    with s:
                        self.assertEqual(peer_common_name(s), expected, name)

    def test_sighup_reloads_certificates_without_dropping_connections(self):
        with MaildexServer(tls=True) as srv:
            raw = socket.create_connection(("127.0.0.1", srv.ssl_port), timeout=10)
            kept = client_context().wrap_socket(raw, server_hostname="x")
            kept.recv(4096)
            self.assertEqual(peer_common_name(kept), "maildex.test")
            make_certificate(srv.cert + ".new", "renewed.test")
            os.replace(srv.cert + ".new", srv.cert)
            srv.proc.send_signal(signal.SIGHUP)
            deadline = time.time() + 20
            while True:
                with socket.create_connection(("127.0.0.1", srv.ssl_port), timeout=10) as r2:
                    with client_context().wrap_socket(r2, server_hostname="x") as s2:
                        if peer_common_name(s2) == "renewed.test":
                            break
                self.assertLess(time.time(), deadline, "the new certificate was not served")
                time.sleep(0.1)
            kept.sendall(b"a1 NOOP\r\n")
            self.assertIn(b"a1 OK", kept.recv(4096))
            kept.close()


if __name__ == "__main__":
    unittest.main()
