"""The security items of issue 15 against the real server over TCP: IMAPDSTART=NO leaves
the plain port closed; nothing a client sends forges or cuts a log line; a user database
that does not parse (SIGHUP or a change to the file) leaves the users read before; the
index and its -wal/-shm are private (0600), in the Maildir and under MAILDEX_INDEX_DIR; a
line without end is answered BAD and the connection closed, before and after login."""

import base64
import os
import signal
import socket
import stat
import time
import unittest

from maildex_server import LineClient, MaildexServer


def wait_for_log(srv, text, timeout=20):
    deadline = time.time() + timeout
    while time.time() < deadline:
        log = srv.read_log()
        if text in log:
            return log
        time.sleep(0.05)
    raise AssertionError("%r not in the log:\n%s" % (text, srv.read_log()))


def mode(path):
    return stat.S_IMODE(os.stat(path).st_mode)


class Security(unittest.TestCase):
    # --- IMAPDSTART -------------------------------------------------------------------

    def test_imapdstart_no_leaves_the_plain_port_closed(self):
        # What Courier's two files say on a site serving IMAPS only.
        settings = {"IMAPDSTART": "NO", "IMAPDSTARTTLS": "YES", "IMAP_TLS_REQUIRED": "0"}
        with MaildexServer(tls=True, settings=settings) as srv:
            with self.assertRaises(ConnectionRefusedError):
                socket.create_connection(("127.0.0.1", srv.port), timeout=5).close()
            log = srv.read_log()
            self.assertNotIn("port %d " % srv.port, log.replace(str(srv.ssl_port), ""))
            self.assertIn(str(srv.ssl_port), log)
            # IMAPS still serves.
            import imaplib
            import ssl
            ctx = ssl.create_default_context()
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE
            m = imaplib.IMAP4_SSL("127.0.0.1", srv.ssl_port, ssl_context=ctx)
            m.login("alice", "secret")
            self.assertEqual(m.select("INBOX")[0], "OK")
            m.logout()

    def test_imapdstart_values_courier_would_not_read_as_yes_stop_the_start(self):
        for value in ("1", "Y", "true"):
            srv = MaildexServer(settings={"IMAPDSTART": value})
            try:
                with self.assertRaises(RuntimeError) as e:
                    srv.start()
                self.assertIn("IMAPDSTART: expected YES or NO", str(e.exception))
            finally:
                srv.cleanup()

    # --- Log injection ----------------------------------------------------------------

    def test_nothing_a_client_sends_forges_or_cuts_a_log_line(self):
        forged = "2030-01-01T00:00:00 info session 1 127.0.0.1:1: logged in"
        with MaildexServer() as srv:
            c = LineClient(srv.port)
            c.line()
            # LOGIN with a user name in a literal: CR LF and a whole forged line.
            name = "mallory\r\n" + forged
            c.send("a1 LOGIN {%d+}\r\n%s secret\r\n" % (len(name), name))
            self.assertIn("[AUTHENTICATIONFAILED]", c.until_tagged("a1")[-1])
            # AUTHENTICATE PLAIN: a NUL and a bare LF in the authentication identity, and
            # bytes that are not UTF-8.
            plain = base64.b64encode(b"\0eve\xff\xfe\nforged\0pw").decode()
            c.send("a2 AUTHENTICATE PLAIN %s\r\n" % plain)
            c.until_tagged("a2", timeout=30)
            # ID fields (logged for the administrator), with a CR LF in a value.
            value = "Evil\r\n" + forged
            c.send("a3 ID (\"name\" {%d+}\r\n%s)\r\n" % (len(value), value))
            self.assertTrue(c.until_tagged("a3")[-1].startswith("a3 OK"))
            c.close()
            log = wait_for_log(srv, "client ID")
            lines = log.split("\n")
            self.assertFalse([l for l in lines if l.startswith("2030-01-01")], log)
            self.assertNotIn("\0", log)
            self.assertNotIn("\r", log)
            self.assertIn("login failed for mallory\\x0d\\x0a2030-01-01T00:00:00 info", log)
            self.assertIn("eve\\xff\\xfe\\x0aforged", log)
            self.assertIn("name=Evil\\x0d\\x0a2030", log)
            log.encode("utf-8")  # every byte the log holds is UTF-8

    # --- The user database ------------------------------------------------------------

    def test_a_user_database_that_does_not_parse_keeps_the_users_read_before(self):
        with MaildexServer(users={"alice": "secret", "bob": "bob-pw"}) as srv:
            with open(srv.userdb) as f:
                good = f.read()
            # Saved over by mistake with something else; SIGHUP.
            with open(srv.userdb + ".new", "w") as f:
                f.write("# users\n[alice]\npassword = secret\n")
            os.chmod(srv.userdb + ".new", 0o600)
            os.rename(srv.userdb + ".new", srv.userdb)
            srv.proc.send_signal(signal.SIGHUP)
            log = wait_for_log(srv, "user database reload failed")
            self.assertIn("keeping the previous one (2 users): %s:2: no ':'" % srv.userdb, log)
            self.assertIn("%s:3: " % srv.userdb, log)
            for user, password in (("alice", "secret"), ("bob", "bob-pw")):
                c = LineClient(srv.port).login(user, password)
                c.close()
            # Emptied (a half-written copy): the same.
            with open(srv.userdb, "w") as f:
                f.write("")
            srv.proc.send_signal(signal.SIGHUP)
            wait_for_log(srv, "has no users in it")
            LineClient(srv.port).login("alice", "secret").close()
            # Fixed, with a new user: taken.
            with open(srv.userdb, "w") as f:
                f.write(good + good.split("\n")[0].replace("alice:", "carol:", 1) + "\n")
            srv.proc.send_signal(signal.SIGHUP)
            wait_for_log(srv, "reread: 3 users")
            LineClient(srv.port).login("carol", "secret").close()

    # --- The index is private ---------------------------------------------------------

    def check_private(self, db):
        self.assertEqual(mode(db), 0o600, db)
        for suffix in ("-wal", "-shm"):
            if os.path.exists(db + suffix):
                self.assertEqual(mode(db + suffix), 0o600, db + suffix)

    def test_the_index_is_created_private(self):
        old = os.umask(0o022)  # the usual umask, which gave 0644 before
        try:
            with MaildexServer() as srv:
                c = LineClient(srv.port).login("alice", "secret")
                c.command("s1", "SELECT INBOX")
                db = os.path.join(srv.maildirs["alice"].path, "maildex.sqlite")
                self.assertTrue(os.path.exists(db + "-wal"), "open in WAL mode while selected")
                self.check_private(db)
                c.close()
            index_dir = None
            with MaildexServer() as srv:
                index_dir = os.path.join(srv.root, "indexes", "maildex")
                srv.settings["MAILDEX_INDEX_DIR"] = index_dir
                srv.stop()
                srv.start()
                c = LineClient(srv.port).login("alice", "secret")
                c.command("s1", "SELECT INBOX")
                self.assertEqual(mode(index_dir), 0o700)
                files = [f for f in os.listdir(index_dir) if f.endswith(".sqlite")]
                self.assertEqual(len(files), 1, os.listdir(index_dir))
                self.check_private(os.path.join(index_dir, files[0]))
                c.close()
        finally:
            os.umask(old)

    def test_an_index_made_readable_by_others_is_tightened_when_opened(self):
        with MaildexServer() as srv:
            c = LineClient(srv.port).login("alice", "secret")
            c.command("s1", "SELECT INBOX")
            c.command("s2", "LOGOUT")
            c.close()
            srv.stop()
            db = os.path.join(srv.maildirs["alice"].path, "maildex.sqlite")
            os.chmod(db, 0o644)
            for suffix in ("-wal", "-shm"):
                if os.path.exists(db + suffix):
                    os.chmod(db + suffix, 0o644)
            srv.start()
            c = LineClient(srv.port).login("alice", "secret")
            c.command("s1", "SELECT INBOX")
            self.check_private(db)
            c.close()

    # --- A line without end -----------------------------------------------------------

    def test_a_line_without_end_is_answered_and_closed(self):
        with MaildexServer(settings={"MAILDEX_MAX_LINE": "4096"}) as srv:
            for logged_in in (True, False):
                c = LineClient(srv.port)
                if logged_in:
                    c.login("alice", "secret")
                    c.command("s1", "SELECT INBOX")
                else:
                    c.line()
                # More than the limit, no CRLF, and then nothing: the client holds on.
                c.send("x1 SEARCH TEXT " + "a" * 5000)
                self.assertRegex(c.line(10), r"^x1 BAD .*[Ll]ine too long")
                self.assertTrue(c.line(10).startswith("* BYE"))
                with self.assertRaises(EOFError):
                    c.line(10)
                c.close()
            # A client that keeps streaming is cut off too, and the server goes on.
            s = socket.create_connection(("127.0.0.1", srv.port), timeout=10)
            s.recv(4096)
            s.sendall(b"y1 LOGIN alice secret\r\n")
            time.sleep(0.2)
            sent = 0
            try:
                while sent < 50 * 1024 * 1024:
                    s.sendall(b"z" * 65536)
                    sent += 65536
            except OSError:
                pass
            self.assertLess(sent, 10 * 1024 * 1024, "the server read on and on")
            s.close()
            LineClient(srv.port).login("alice", "secret").close()

    def test_the_server_lingers_after_its_last_words(self):
        # Closing a socket with unread input sends a reset, and on a real network a reset
        # can destroy what the client has not read yet (the BYE). So after its last words
        # the server shuts its side and reads on for a moment: a client that goes on
        # sending (it pipelined, it did not read yet) gets no reset meanwhile.
        with MaildexServer(settings={"MAILDEX_MAX_LINE": "4096"}) as srv:
            s = socket.create_connection(("127.0.0.1", srv.port), timeout=10)
            s.recv(4096)
            s.sendall(b"x1 NOOP " + b"a" * 5000 + b"\r\n")
            answer = b""
            while True:
                chunk = s.recv(4096)
                if not chunk:
                    break
                answer += chunk
            self.assertRegex(answer, rb"x1 BAD [^\r]*[Ll]ine too long\r\n\* BYE ")
            try:
                for _ in range(5):  # a closed socket would answer the first with a reset
                    s.sendall(b"x2 NOOP\r\n")
                    time.sleep(0.05)
            except (ConnectionResetError, BrokenPipeError):
                self.fail("the server closed at once: a reset could destroy its BYE")
            s.close()

if __name__ == "__main__":
    unittest.main()
