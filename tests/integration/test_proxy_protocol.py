"""PROXY protocol (HAProxy's v1 text and v2 binary headers) on listeners that say so
(MAILDEX_PROXY_PROTOCOL), from MAILDEX_TRUSTED_NETWORKS only, against the real server over
TCP: the client the header names is who MAXPERIP, login pacing, IMAPACCESSFILE, the log,
/who, /kick and the metrics see; a header from anyone else, or garbled, cut short or late,
closes the connection with a log line; on SSLPORT the header comes before the TLS
handshake; plain-text logins follow the client's connection, not the proxy's."""

import json
import os
import socket
import ssl
import struct
import time
import unittest
import urllib.parse
import urllib.request

from maildex_server import LineClient, MaildexServer

PROXY = "127.0.0.1"  # the trusted proxy's address: every test connection comes from it
STRANGER = "127.0.0.2"  # a peer outside MAILDEX_TRUSTED_NETWORKS


def v1(client, port=50000, family="TCP4", dest="198.51.100.1", dport=143):
    return ("PROXY %s %s %s %d %d\r\n" % (family, client, dest, port, dport)).encode()


def v2(client=None, port=50000, command=0x21, tlvs=b"", family=None):
    sig = b"\r\n\r\n\x00\r\nQUIT\n"
    if client is None:  # LOCAL
        payload = tlvs
        fam = 0x00
    elif ":" in client:
        payload = (socket.inet_pton(socket.AF_INET6, client) +
                   socket.inet_pton(socket.AF_INET6, "2001:db8::1") + struct.pack("!HH", port, 993) + tlvs)
        fam = 0x21
    else:
        payload = (socket.inet_aton(client) + socket.inet_aton("198.51.100.1") +
                   struct.pack("!HH", port, 993) + tlvs)
        fam = 0x11
    if family is not None:
        fam = family
    return sig + bytes([command, fam]) + struct.pack("!H", len(payload)) + payload


SSL_TLV_CLIENT_TLS = bytes([0x20, 0, 5, 0x01, 0, 0, 0, 0])


def raw(port, source=PROXY, timeout=10):
    return socket.create_connection(("127.0.0.1", port), timeout=timeout, source_address=(source, 0))


def through_proxy(port, header, source=PROXY):
    """A LineClient whose connection starts with `header`."""
    s = raw(port, source)
    s.sendall(header)
    return LineClient(port, sock=s)


def closed_without_greeting(sock, timeout=15):
    """What the server sent before closing (b"" for a close without a word)."""
    sock.settimeout(timeout)
    data = b""
    try:
        while True:
            chunk = sock.recv(4096)
            if not chunk:
                return data
            data += chunk
    except ConnectionResetError:
        return data


def who(srv):
    with urllib.request.urlopen("http://127.0.0.1:%d/who" % srv.admin_port, timeout=10) as r:
        return json.loads(r.read())


def kick(srv, ip):
    data = urllib.parse.urlencode({"ip": ip}).encode()
    with urllib.request.urlopen("http://127.0.0.1:%d/kick" % srv.admin_port, data=data, timeout=10) as r:
        return json.loads(r.read())["kicked"]


def wait_for_log(srv, text, timeout=15):
    deadline = time.time() + timeout
    while text not in srv.read_log():
        if time.time() > deadline:
            raise AssertionError("not in the log: %r\n%s" % (text, srv.read_log()[-3000:]))
        time.sleep(0.05)


USERS = {"alice": "alice-pw", "bob": "bob-pw", "dave": "dave-pw", "erin": "erin-pw"}


class ProxyProtocol(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.srv = MaildexServer(users=USERS, tls=True, settings={
            "MAILDEX_TRUSTED_NETWORKS": "127.0.0.1, 2001:db8::/32",
            "MAILDEX_PROXY_PROTOCOL": "imap,imaps", "MAXPERIP": "20",
            "IMAP_TLS_REQUIRED": "0", "MAILDEX_PREAUTH_TIMEOUT": "2"})
        cls.srv.start()

    @classmethod
    def tearDownClass(cls):
        cls.srv.cleanup()

    def tearDown(self):
        self.srv.wait_for_connections(0)

    def test_v1_client_is_who_the_log_who_and_kick_see(self):
        srv = self.srv
        c = through_proxy(srv.port, v1("192.0.2.7", 50312))
        self.assertTrue(c.line().startswith("* OK"))
        self.assertTrue(c.command("l1", "LOGIN alice alice-pw")[-1].startswith("l1 OK"))
        sessions = who(srv)
        self.assertEqual([s["peer"] for s in sessions], ["192.0.2.7:50312"])
        wait_for_log(srv, "192.0.2.7:50312 alice: logged in")
        self.assertIn("192.0.2.7:50312: through proxy 127.0.0.1:", srv.read_log())
        # The proxy's own address names nobody; the client's does.
        self.assertEqual(kick(srv, PROXY), 0)
        self.assertEqual(kick(srv, "192.0.2.7"), 1)
        self.assertEqual(c.line(), "* BYE Disconnected by the administrator")
        c.close()
        wait_for_log(srv, "192.0.2.7:50312 alice: disconnected (Disconnected by the administrator)")

    def test_v1_tcp6_and_unknown(self):
        srv = self.srv
        c = through_proxy(srv.port, v1("2001:DB8::7", 993, family="TCP6", dest="2001:db8::1"))
        self.assertTrue(c.line().startswith("* OK"))
        self.assertEqual([s["peer"] for s in who(srv)], ["[2001:db8::7]:993"])
        c.close()
        srv.wait_for_connections(0)
        # UNKNOWN: the proxy speaks for itself, and is seen as itself.
        c = through_proxy(srv.port, b"PROXY UNKNOWN\r\n")
        self.assertTrue(c.line().startswith("* OK"))
        self.assertTrue(who(srv)[0]["peer"].startswith("127.0.0.1:"))
        c.close()

    def test_25_clients_through_one_proxy_and_maxperip_per_client(self):
        srv = self.srv
        clients = []
        for i in range(25):
            c = through_proxy(srv.port, v1("127.0.0.%d" % (10 + i) if i % 2 else "203.0.113.%d" % i))
            self.assertTrue(c.line().startswith("* OK"), i)
            clients.append(c)
        self.assertEqual(len(who(srv)), 25)
        # 21 from one claimed address: the 21st is refused as if it had come itself.
        same = []
        for i in range(20):
            c = through_proxy(srv.port, v1("198.51.100.9", 40000 + i))
            self.assertTrue(c.line().startswith("* OK"), i)
            same.append(c)
        refused = raw(srv.port)
        refused.sendall(v1("198.51.100.9", 41000))
        self.assertEqual(closed_without_greeting(refused), b"* BYE Too many connections from your address\r\n")
        refused.close()
        wait_for_log(srv, "refused 198.51.100.9 (named by a proxy): Too many connections")
        # The slot is the client's: one going frees one for the next.
        same.pop().close()
        srv.wait_for_connections(44)
        c = through_proxy(srv.port, v1("198.51.100.9", 42000))
        self.assertTrue(c.line().startswith("* OK"))
        same.append(c)
        for c in clients + same:
            c.close()

    def test_v2_before_the_tls_handshake(self):
        srv = self.srv
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        for header, peer in ((v2("192.0.2.8", 4321), "192.0.2.8:4321"),
                             (v2("2001:db8::8", 4322, tlvs=SSL_TLV_CLIENT_TLS), "[2001:db8::8]:4322")):
            s = raw(srv.ssl_port)
            s.sendall(header)
            tls = ctx.wrap_socket(s, server_hostname="maildex.test")
            c = LineClient(srv.ssl_port, sock=tls)
            self.assertTrue(c.line().startswith("* OK"))
            self.assertTrue(c.command("l1", "LOGIN bob bob-pw")[-1].startswith("l1 OK"))
            self.assertEqual([s["peer"] for s in who(srv)], [peer])
            c.close()
            s.close()
            srv.wait_for_connections(0)
        # LOCAL: a health check, seen as the proxy itself.
        s = raw(srv.ssl_port)
        s.sendall(v2(None, command=0x20))
        tls = ctx.wrap_socket(s, server_hostname="maildex.test")
        c = LineClient(srv.ssl_port, sock=tls)
        self.assertTrue(c.line().startswith("* OK"))
        self.assertTrue(who(srv)[0]["peer"].startswith("127.0.0.1:"))
        c.close()

    def test_refusals_each_close_with_a_log_line(self):
        srv = self.srv
        before = srv.metric('maildex_proxy_client_addresses_total{by="refused"}')
        # From a peer that is not trusted: closed at once, whatever it sends.
        s = raw(srv.port, source=STRANGER)
        s.sendall(v1("192.0.2.66"))
        self.assertEqual(closed_without_greeting(s), b"")
        s.close()
        wait_for_log(srv, "refused 127.0.0.2: a PROXY protocol listener, and the peer is not in "
                          "MAILDEX_TRUSTED_NETWORKS")
        cases = [
            (v1("192.0.2.67")[:-2] + b" 9\r\n", "PROXY header refused: PROXY v1 header with too many fields"),
            (b"a1 LOGIN alice alice-pw\r\n", "PROXY header refused: no PROXY protocol header"),
            (b"PROXY TCP4 " + b"1" * 120, "PROXY header refused: PROXY v1 header longer than 107 bytes"),
            (v2("192.0.2.68", family=0x31), "PROXY header refused: PROXY v2 header for an address family"),
            (v2("192.0.2.69")[:14] + b"\xff\xff", "PROXY header refused: PROXY v2 header longer than"),
        ]
        for header, logged in cases:
            s = raw(srv.port)
            s.sendall(header)
            self.assertEqual(closed_without_greeting(s), b"", header)
            s.close()
            wait_for_log(srv, logged)
        # Cut short, then the proxy goes away.
        s = raw(srv.port)
        s.sendall(v1("192.0.2.70")[:20])
        time.sleep(0.2)
        s.close()
        wait_for_log(srv, "disconnected (closed before its PROXY header ended)")
        # Nothing at all, or half a header: bounded by the timeout (here 2 s).
        for partial in (b"", v2("192.0.2.71")[:20]):
            s = raw(srv.port)
            s.sendall(partial)
            start = time.time()
            self.assertEqual(closed_without_greeting(s), b"")
            self.assertLess(time.time() - start, 5)
            s.close()
        wait_for_log(srv, "disconnected (no PROXY header in time)")
        self.assertGreaterEqual(srv.metric('maildex_proxy_client_addresses_total{by="refused"}') - before, 8)

    def test_login_pacing_goes_by_the_client(self):
        srv = self.srv

        def failed_login(client, user):
            c = through_proxy(srv.port, v1(client))
            c.line()
            start = time.time()
            line = c.command("l1", "LOGIN %s wrong" % user)[-1]
            c.close()
            self.assertIn("[AUTHENTICATIONFAILED]", line)
            return time.time() - start

        self.assertLess(failed_login("192.0.2.90", "dave"), 0.8)
        # The same client again (another user name): its answer waits its turn.
        self.assertGreater(failed_login("192.0.2.90", "erin"), 0.8)
        # Another client through the same proxy is not slowed by the first.
        self.assertLess(failed_login("192.0.2.91", "alice"), 0.8)
        wait_for_log(srv, "192.0.2.91:50000: login failed for alice")


class ProxyProtocolAccessAndPlaintext(unittest.TestCase):
    def test_access_file_and_plaintext_logins_follow_the_client(self):
        root = os.environ.get("TMPDIR", "/tmp")
        access = os.path.join(root, "maildex-proxy-access-%d" % os.getpid())
        with open(access, "w") as f:
            f.write("192.0.2.66\tdeny\n")
        try:
            with MaildexServer(users=USERS, tls=True, settings={
                    "MAILDEX_TRUSTED_NETWORKS": "127.0.0.1", "MAILDEX_PROXY_PROTOCOL": "imap",
                    "IMAPACCESSFILE": access, "IMAP_TLS_REQUIRED": "1"}) as srv:
                # The access file judges the client, not the proxy.
                s = raw(srv.port)
                s.sendall(v1("192.0.2.66"))
                self.assertEqual(closed_without_greeting(s), b"* BYE Access denied from your address\r\n")
                s.close()
                wait_for_log(srv, "refused 192.0.2.66 (named by a proxy): IMAPACCESSFILE denies 192.0.2.66")
                # A client that reached the proxy in the clear: no password in the clear,
                # though the proxy is on loopback and trusted.
                c = through_proxy(srv.port, v1("192.0.2.67"))
                self.assertIn("LOGINDISABLED", c.line())
                self.assertIn("[PRIVACYREQUIRED]", c.command("l1", "LOGIN alice alice-pw")[-1])
                c.close()
                c = through_proxy(srv.port, v2("192.0.2.67"))
                self.assertIn("LOGINDISABLED", c.line())
                c.close()
                # One that reached it over TLS (send-proxy-v2-ssl), or from loopback itself.
                for header in (v2("192.0.2.68", tlvs=SSL_TLV_CLIENT_TLS), v1("127.0.0.9")):
                    c = through_proxy(srv.port, header)
                    self.assertNotIn("LOGINDISABLED", c.line())
                    self.assertTrue(c.command("l1", "LOGIN alice alice-pw")[-1].startswith("l1 OK"))
                    c.close()
        finally:
            os.remove(access)

    def test_a_proxy_that_speaks_imap_itself_may_log_in_in_plain_text(self):
        # nginx's mail proxy with proxy_protocol on: the LOGIN after the header is nginx's.
        with MaildexServer(users=USERS, tls=True, settings={
                "MAILDEX_TRUSTED_NETWORKS": "127.0.0.1", "MAILDEX_PROXY_PROTOCOL": "imap",
                "MAILDEX_PROXY_PLAINTEXT": "YES", "IMAP_TLS_REQUIRED": "1"}) as srv:
            c = through_proxy(srv.port, v1("192.0.2.67"))
            self.assertNotIn("LOGINDISABLED", c.line())
            self.assertTrue(c.command("l1", "LOGIN alice alice-pw")[-1].startswith("l1 OK"))
            c.close()


if __name__ == "__main__":
    unittest.main()
