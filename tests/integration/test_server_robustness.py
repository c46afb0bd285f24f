"""Bad input over the wire, each answered clearly or timed out while the server keeps
serving everyone else: a 10 MB line (answered and closed), a literal over the limit, a client that sends
nothing, one that never reads its output, half a command then a disconnect, garbage
bytes, TLS handshake garbage. Then the limits: MAXPERIP, MAXDAEMONS, the growing delay
after failed logins, and a graceful SIGTERM."""

import os
import signal
import socket
import time
import unittest

from maildex_server import LineClient, MaildexServer


class Robustness(unittest.TestCase):
    def assert_still_serving(self, srv):
        c = LineClient(srv.port).login("alice", "secret")
        self.assertTrue(c.command("z1", "SELECT INBOX")[-1].startswith("z1 OK"))
        c.close()

    def test_bad_input_gets_answers_and_others_go_on(self):
        settings = {"MAILDEX_PREAUTH_TIMEOUT": "2", "MAILDEX_WRITE_TIMEOUT": "3", "MAXPERIP": "50"}
        with MaildexServer(tls=True, settings=settings) as srv:
            md = srv.maildirs["alice"]
            watcher = LineClient(srv.port).login("alice", "secret")
            watcher.command("w1", "SELECT INBOX")

            # A 10 MB line: refused as soon as it passes the limit, without being kept in
            # memory, and the connection closed (the line's end might never come).
            c = LineClient(srv.port).login("alice", "secret")
            try:
                c.send("a1 NOOP " + "x" * (10 * 1024 * 1024) + "\r\n")
            except OSError:
                pass  # closed before it was all sent
            self.assertRegex(c.line(), r"^a1 BAD .*too long")
            self.assertTrue(c.line().startswith("* BYE"))
            with self.assertRaises(EOFError):
                c.line()
            c.close()
            c = LineClient(srv.port).login("alice", "secret")
            self.assertTrue(c.command("a2", "NOOP")[-1].startswith("a2 OK"))

            # A literal over the limit: refused before it is sent.
            c.send("a3 LOGIN {99999999999}\r\n")
            self.assertTrue(c.line().startswith("a3 BAD"))
            c.send("a4 APPEND INBOX {999999999999}\r\n")
            self.assertRegex(c.line(), r"^a4 NO \[TOOBIG\]")
            self.assertTrue(c.command("a5", "NOOP")[-1].startswith("a5 OK"))

            # Garbage bytes.
            c.send(b"\x00\xff\xfe\x01garbage\r\n\x16\x03\x01\r\n")
            self.assertTrue(c.line().startswith("* BAD"))
            self.assertTrue(c.line().startswith("* BAD"))
            self.assertTrue(c.command("a6", "NOOP")[-1].startswith("a6 OK"))
            c.close()

            # Half a command, then gone.
            h = socket.create_connection(("127.0.0.1", srv.port))
            h.recv(1024)
            h.sendall(b"a1 LOGIN alice sec")
            h.close()

            # Connects and says nothing: logged out after MAILDEX_PREAUTH_TIMEOUT.
            silent = LineClient(srv.port)
            silent.line()
            start = time.time()
            self.assertTrue(silent.line(15).startswith("* BYE"))
            self.assertLess(time.time() - start, 12)
            with self.assertRaises(EOFError):
                silent.line(10)

            # TLS handshake garbage on the TLS port: closed.
            g = socket.create_connection(("127.0.0.1", srv.ssl_port), timeout=10)
            g.sendall(b"\x16\x03\x01\x00\x05hello garbage that is not TLS\r\n" * 10)
            answer = b""
            while True:
                try:
                    chunk = g.recv(1024)
                except ConnectionResetError:  # closed with our garbage unread
                    break
                if not chunk:
                    break
                answer += chunk
            # At most a TLS alert record (content type 21), then the close.
            self.assertTrue(answer == b"" or answer[0] == 0x15, answer)
            g.close()

            # Never reads its output: cut off once it has read nothing for
            # MAILDEX_WRITE_TIMEOUT while output waits.
            for i in range(300):
                md.deliver("Subject: big %d\n\n%s\n" % (i, "y" * 20000), new=False, flags="S")
            greedy = socket.create_connection(("127.0.0.1", srv.port))
            greedy.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
            greedy.sendall(b"g1 LOGIN alice secret\r\ng2 SELECT INBOX\r\n" + b"g3 FETCH 1:* BODY.PEEK[]\r\n" * 5)
            deadline = time.time() + 30
            closed = False
            while time.time() < deadline and not closed:
                time.sleep(0.2)
                with open(srv.log_path) as f:
                    closed = "does not read its output" in f.read()
            self.assertTrue(closed, "the server kept a client that reads nothing")
            greedy.close()

            # The watcher, idle all along, still gets changes.
            watcher.send("w2 IDLE\r\n")
            self.assertEqual(watcher.line(), "+ idling")
            md.deliver("Subject: still here\n\n")
            # First the 300 delivered before IDLE, then the new one.
            seen = []
            while "* 301 EXISTS" not in seen:
                seen.append(watcher.line(20))
                self.assertLess(len(seen), 10, seen)
            watcher.close()
            self.assert_still_serving(srv)

    def test_an_open_file_limit_below_maxdaemons_caps_connections_clearly(self):
        # Beyond what the open-file limit allows, logins would fail one by one with
        # "unable to open database file"; the server refuses at the door instead.
        import resource
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        if hard < 2400:
            self.skipTest("the open-file hard limit is below 2400")
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
        with MaildexServer(settings={"MAXPERIP": "5000"}, open_files=2100) as srv:
            self.assertIn("at most 1076 connections are accepted", srv.read_log())
            held = [socket.create_connection(("127.0.0.1", srv.port)) for _ in range(1076)]
            try:
                srv.wait_for_connections(1076)
                refused = LineClient(srv.port)
                self.assertEqual(refused.line(), "* BYE Too many connections to this server, try again later")
                held.pop().close()
                srv.wait_for_connections(1075)
                self.assert_still_serving(srv)
            finally:
                for s in held:
                    s.close()
                resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))

    def test_maxperip_and_maxdaemons(self):
        with MaildexServer(settings={"MAXPERIP": "3", "MAXDAEMONS": "5"}) as srv:
            held = [LineClient(srv.port) for _ in range(3)]
            for c in held:
                greeting = c.line()
                self.assertTrue(greeting.startswith("* OK"), greeting)
            refused = LineClient(srv.port)
            self.assertEqual(refused.line(), "* BYE Too many connections from your address")
            with self.assertRaises(EOFError):
                refused.line()
            # 127.0.0.2 is another address (still loopback): two more fit, then MAXDAEMONS.
            other = [LineClient(srv.port, sock=socket.create_connection(("127.0.0.1", srv.port),
                                                                        source_address=("127.0.0.2", 0)))
                     for _ in range(2)]
            for c in other:
                self.assertTrue(c.line().startswith("* OK"))
            full = LineClient(srv.port, sock=socket.create_connection(("127.0.0.1", srv.port),
                                                                      source_address=("127.0.0.3", 0)))
            self.assertIn("Too many connections", full.line())
            # A slot freed is a slot to use.
            held[0].close()
            srv.wait_for_connections(5 - 1)
            again = LineClient(srv.port)
            self.assertTrue(again.line().startswith("* OK"))
            for c in held[1:] + other + [again, full, refused]:
                c.close()

    def test_failed_logins_are_answered_later_and_later(self):
        with MaildexServer() as srv:
            c = LineClient(srv.port)
            c.line()
            times = []
            for i in range(4):
                start = time.time()
                lines = c.command("f%d" % i, "LOGIN alice wrong%d" % i, timeout=30)
                times.append(time.time() - start)
                self.assertIn("[AUTHENTICATIONFAILED]", lines[-1])
            self.assertLess(times[0], 0.5)
            self.assertGreater(times[2], 1.5)
            self.assertGreater(times[3], times[2] + 1)
            # Answered when the delay (2 s, then 4 s) ends, not on the next second's tick.
            self.assertLess(times[2], 2.5)
            self.assertLess(times[3], 4.5)
            with open(srv.log_path) as f:
                log = f.read()
            self.assertNotIn("wrong", log)  # passwords never reach the log
            c.close()

    def test_failures_are_counted_per_address_not_per_connection(self):
        with MaildexServer() as srv:
            times = []
            for i in range(3):
                c = LineClient(srv.port)
                c.line()
                start = time.time()
                lines = c.command("f%d" % i, "LOGIN alice wrong", timeout=30)
                times.append(time.time() - start)
                self.assertIn("[AUTHENTICATIONFAILED]", lines[-1])
                c.close()
            self.assertGreater(times[2], 1.5, times)
            # The right password still works (after its own wait), and resets the count.
            ok = LineClient(srv.port)
            ok.line()
            self.assertTrue(ok.command("o1", "LOGIN alice secret", timeout=30)[-1].startswith("o1 OK"))
            ok.command("o2", "SELECT INBOX")
            ok.close()
            self.assertEqual(srv.metric('maildex_logins_total{result="failed"}'), 3)
            self.assertEqual(srv.metric('maildex_command_seconds_count{command="SELECT",result="OK"}'), 1)

    def test_sigterm_says_bye_finishes_and_exits_zero(self):
        srv = MaildexServer()
        try:
            srv.start()
            idler = LineClient(srv.port).login("alice", "secret")
            idler.command("s1", "SELECT INBOX")
            idler.send("i1 IDLE\r\n")
            self.assertEqual(idler.line(), "+ idling")
            busy = LineClient(srv.port).login("alice", "secret")
            self.assertEqual(srv.stop(), 0)
            self.assertEqual(idler.line(), "* BYE Server shutting down")
            self.assertEqual(busy.line(), "* BYE Server shutting down")
            refused = None
            try:
                refused = socket.create_connection(("127.0.0.1", srv.port), timeout=2)
            except OSError:
                pass
            self.assertIsNone(refused)
        finally:
            srv.cleanup()


if __name__ == "__main__":
    unittest.main()
