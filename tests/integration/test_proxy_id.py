"""Dovecot's ID fields from an IMAP proxy in front (x-originating-ip, x-originating-port,
x-connected-ip, x-connected-port, x-session-id), against the real server over TCP: taken
from a peer in MAILDEX_TRUSTED_NETWORKS before login, once, and then the client they name
is who MAXPERIP, login pacing, the log, /who and /kick see; ignored (logged at debug) from
anyone else, after login, or a second time. A trusted peer that speaks IMAP itself may log
in without TLS under IMAP_TLS_REQUIRED=1; an untrusted one may not."""

import json
import socket
import time
import unittest
import urllib.parse
import urllib.request

from maildex_server import LineClient, MaildexServer

PROXY = "127.0.0.1"
STRANGER = "127.0.0.2"
USERS = {"alice": "alice-pw", "bob": "bob-pw", "dave": "dave-pw", "erin": "erin-pw"}


def connect(port, source=PROXY):
    s = socket.create_connection(("127.0.0.1", port), timeout=20, source_address=(source, 0))
    c = LineClient(port, sock=s)
    c.greeting = c.line()
    return c


def id_fields(ip, port=None, session=None):
    fields = '"x-originating-ip" "%s"' % ip
    if port is not None:
        fields += ' "x-originating-port" "%d"' % port
    fields += ' "x-connected-ip" "198.51.100.1" "x-connected-port" "993"'
    if session:
        fields += ' "x-session-id" "%s"' % session
    return "ID (%s)" % fields


def who(srv):
    with urllib.request.urlopen("http://127.0.0.1:%d/who" % srv.admin_port, timeout=10) as r:
        return sorted(s["peer"] for s in json.loads(r.read()))


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


class ProxyId(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.srv = MaildexServer(users=USERS, settings={
            "MAILDEX_TRUSTED_NETWORKS": PROXY, "MAXPERIP": "20", "MAILDEX_LOG_LEVEL": "debug",
            "IMAP_TLS_REQUIRED": "0"})
        cls.srv.start()

    @classmethod
    def tearDownClass(cls):
        cls.srv.cleanup()

    def tearDown(self):
        self.srv.wait_for_connections(0)

    def test_trusted_proxy_names_the_client_before_login(self):
        srv = self.srv
        c = connect(srv.port)
        # Pipelined as Dovecot's proxy sends them: the login runs as the named client.
        c.send("i1 %s\r\nl1 LOGIN alice alice-pw\r\n" % id_fields("203.0.113.5", 4242, "sess-abc"))
        lines = c.until_tagged("i1")
        self.assertTrue(lines[-1].startswith("i1 OK"), lines)
        self.assertTrue(c.until_tagged("l1")[-1].startswith("l1 OK"))
        wait_for_log(srv, "203.0.113.5:4242: client address from the ID of proxy 127.0.0.1:")
        self.assertIn("connected to 198.51.100.1 port 993, proxy session sess-abc", srv.read_log())
        wait_for_log(srv, "203.0.113.5:4242 alice: logged in without TLS (through proxy 127.0.0.1:")
        self.assertEqual(who(srv), ["203.0.113.5:4242"])
        # Once named, never renamed: not after login, and not by a second ID before it.
        self.assertTrue(c.command("i2", id_fields("192.0.2.99", 1))[-1].startswith("i2 OK"))
        wait_for_log(srv, "ID proxy fields ignored: sent after login")
        d = connect(srv.port)
        d.command("i1", id_fields("203.0.113.6", 1))
        d.command("i2", id_fields("203.0.113.7", 2))
        wait_for_log(srv, "ID proxy fields ignored: the client's address was named before")
        self.assertEqual(who(srv), ["203.0.113.5:4242", "203.0.113.6:1"])
        self.assertEqual(kick(srv, PROXY), 0)
        self.assertEqual(kick(srv, "203.0.113.5"), 1)
        self.assertEqual(c.line(), "* BYE Disconnected by the administrator")
        c.close()
        d.close()

    def test_untrusted_peer_cannot_rename_itself(self):
        srv = self.srv
        c = connect(srv.port, source=STRANGER)
        self.assertTrue(c.command("i1", id_fields("203.0.113.8", 8))[-1].startswith("i1 OK"))
        wait_for_log(srv, "ID proxy fields ignored: the peer is not a trusted proxy")
        self.assertEqual([p.split(":")[0] for p in who(srv)], [STRANGER])
        # And a trusted peer's ID without an address (or with a bad one) changes nothing.
        d = connect(srv.port)
        d.command("i1", 'ID ("x-originating-ip" "not-an-address" "x-session-id" "s")')
        wait_for_log(srv, "ID proxy fields ignored: no x-originating-ip address among them")
        self.assertEqual(sorted(p.split(":")[0] for p in who(srv)), [PROXY, STRANGER])
        c.close()
        d.close()

    def test_25_clients_through_one_proxy_and_maxperip_per_client(self):
        srv = self.srv
        clients = []
        for i in range(25):
            c = connect(srv.port)
            self.assertTrue(c.command("i1", id_fields("198.18.0.%d" % i, 1000 + i))[-1].startswith("i1 OK"))
            clients.append(c)
        self.assertEqual(len(who(srv)), 25)
        same = []
        for i in range(20):
            c = connect(srv.port)
            self.assertTrue(c.command("i1", id_fields("198.51.100.9", 2000 + i))[-1].startswith("i1 OK"))
            same.append(c)
        c = connect(srv.port)
        self.assertTrue(c.command("i1", id_fields("198.51.100.9", 3000))[-1].startswith("i1 OK"))
        self.assertEqual(c.line(), "* BYE Too many connections from your address")
        c.close()
        wait_for_log(srv, "refused 198.51.100.9 (named by a proxy): Too many connections")
        self.assertGreaterEqual(srv.metric('maildex_proxy_client_addresses_total{by="id"}'), 45)
        for c in clients + same:
            c.close()

    def test_a_trusted_proxy_is_not_a_client_to_maxperip(self):
        # nginx without proxy_protocol names nobody, and a burst of new connections has not
        # sent its ID yet: neither may be refused as "too many from your address".
        srv = self.srv
        quiet = [connect(srv.port) for _ in range(25)]
        self.assertTrue(all(c.greeting.startswith("* OK") for c in quiet))
        # An untrusted peer is a client: its 21st connection is refused.
        strangers = [connect(srv.port, source=STRANGER) for _ in range(20)]
        s = socket.create_connection(("127.0.0.1", srv.port), timeout=20, source_address=(STRANGER, 0))
        self.assertEqual(LineClient(srv.port, sock=s).line(), "* BYE Too many connections from your address")
        s.close()
        for c in quiet + strangers:
            c.close()

    def test_login_pacing_goes_by_the_client(self):
        srv = self.srv

        def failed_login(client, user):
            c = connect(srv.port)
            c.command("i1", id_fields(client, 5))
            start = time.time()
            line = c.command("l1", "LOGIN %s wrong" % user)[-1]
            c.close()
            self.assertIn("[AUTHENTICATIONFAILED]", line)
            return time.time() - start

        self.assertLess(failed_login("192.0.2.90", "dave"), 0.8)
        self.assertGreater(failed_login("192.0.2.90", "erin"), 0.8)
        self.assertLess(failed_login("192.0.2.91", "bob"), 0.8)
        wait_for_log(srv, "192.0.2.91:5: login failed for bob")


class TrustedPeerPlaintext(unittest.TestCase):
    def test_trusted_imap_proxy_may_log_in_without_tls(self):
        with MaildexServer(users=USERS, tls=True, settings={
                "MAILDEX_TRUSTED_NETWORKS": PROXY, "MAILDEX_PLAINTEXT_LOOPBACK": "NO",
                "IMAP_TLS_REQUIRED": "1"}) as srv:
            c = connect(srv.port)
            self.assertNotIn("LOGINDISABLED", c.greeting)
            self.assertTrue(c.command("l1", "LOGIN alice alice-pw")[-1].startswith("l1 OK"))
            c.close()
            c = connect(srv.port, source=STRANGER)
            self.assertIn("LOGINDISABLED", c.greeting)
            self.assertIn("[PRIVACYREQUIRED]", c.command("l1", "LOGIN alice alice-pw")[-1])
            c.close()


if __name__ == "__main__":
    unittest.main()
