"""Authentication back ends through the real server and Python's imaplib (issue 16):
MAILDEX_AUTH's order, Courier's real authdaemond (Debian's courier-authdaemon, authuserdb
built with makeuserdb; authpam with a test PAM stack), a checkpassword program, PAM, SASL
LOGIN, and the debug log saying which back end refused and why, never the password.

Each login comes from its own loopback address, so login pacing (per address) does not
slow the test down."""

import base64
import imaplib
import itertools
import os
import socket
import stat
import unittest

import courier_authdaemon
from courier_authdaemon import Authdaemond, sha512_crypt
from maildex_server import MaildexServer
from maildex_testlib import Maildir

_addresses = ("127.0.%d.%d" % (i // 250, 2 + i % 250) for i in itertools.count(1))


class Client(imaplib.IMAP4):
    """imaplib from a loopback address of its own."""

    def __init__(self, port):
        self._source = next(_addresses)
        super().__init__("127.0.0.1", port, timeout=30)

    def _create_socket(self, timeout):
        return socket.create_connection((self.host, self.port), timeout,
                                        source_address=(self._source, 0))


def login(port, user, password):
    """(status, text) of LOGIN; the connection is closed."""
    c = Client(port)
    try:
        typ, data = c.login(user, password)
        return typ, data[0].decode()
    except imaplib.IMAP4.error as e:
        return "NO", str(e)
    finally:
        try:
            c.logout()
        except Exception:
            pass


def make_home(root, name):
    home = os.path.join(root, "home", name)
    Maildir._make(os.path.join(home, "Maildir"))
    return home


class AuthdaemonBackEnd(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        why = courier_authdaemon.usable()
        if why:
            raise unittest.SkipTest(why)

    def test_userdb_accounts_disabled_accounts_and_a_daemon_that_goes_away(self):
        root = self.enterContext(_TempDir())
        carol_home = make_home(root, "carol")
        dave_home = make_home(root, "dave")
        pw = sha512_crypt("carol-secret")
        lines = ["carol\tuid=%d|gid=%d|home=%s|mail=%s/Maildir|systempw=%s|quota=5000000S"
                 % (os.getuid(), os.getgid(), carol_home, carol_home, pw),
                 "dave\tuid=%d|gid=%d|home=%s|systempw=%s|options=disableimap=1"
                 % (os.getuid(), os.getgid(), dave_home, pw)]
        with Authdaemond(lines) as daemon:
            # What the real daemon answers, so the test knows what it is testing.
            body = b"imap\nlogin\ncarol\ncarol-secret\n"
            answer = daemon.ask(b"AUTH %d\n" % len(body) + body)
            self.assertIn(b"MAILDIR=%s/Maildir\n" % carol_home.encode(), answer)
            self.assertTrue(answer.endswith(b"\n.\n"), answer)
            self.assertEqual(daemon.ask(b"AUTH 26\nimap\nlogin\ncarol\nwrong-one\n"), b"FAIL\n")

            settings = {"MAILDEX_AUTH": "passwd-file, authdaemon",
                        "MAILDEX_AUTHDAEMON_SOCKET": daemon.socket,
                        "MAILDEX_AUTH_TIMEOUT": "5", "MAILDEX_LOG_LEVEL": "debug"}
            with MaildexServer(users={"alice": "alice-pw"}, settings=settings) as srv:
                typ, text = login(srv.port, "carol", "carol-secret")
                self.assertEqual(typ, "OK", text)
                c = Client(srv.port)
                c.login("carol", "carol-secret")
                typ, data = c.select("INBOX")
                self.assertEqual(typ, "OK")
                c.logout()

                typ, text = login(srv.port, "carol", "not-it")
                self.assertEqual(typ, "NO")
                self.assertIn("AUTHENTICATIONFAILED", text)
                typ, text = login(srv.port, "dave", "carol-secret")
                self.assertEqual(typ, "NO")
                self.assertIn("AUTHENTICATIONFAILED", text)
                typ, text = login(srv.port, "alice", "alice-pw")
                self.assertEqual(typ, "OK", text)

                # SASL LOGIN, answered by authdaemond.
                c = Client(srv.port)
                self.assertIn("AUTH=LOGIN", c.capabilities)
                answers = iter([b"carol", b"carol-secret"])
                typ, _ = c.authenticate("LOGIN", lambda challenge: next(answers))
                self.assertEqual(typ, "OK")
                c.logout()

                log = srv.read_log()
                self.assertIn("login carol: accepted by authdaemon", log)
                self.assertIn("passwd-file refused: unknown user; authdaemon refused: authdaemond "
                              "said FAIL", log)
                self.assertIn("authdaemon refused: IMAP is disabled for this account", log)
                self.assertNotIn("carol-secret", log)
                self.assertNotIn("not-it", log)

                # authdaemond goes away: its users hear "try again later", the server
                # keeps serving the others, and the log says what happened, once.
                daemon.stop()
                typ, text = login(srv.port, "carol", "carol-secret")
                self.assertEqual(typ, "NO")
                self.assertIn("[UNAVAILABLE]", text)
                typ, text = login(srv.port, "carol", "carol-secret")
                self.assertIn("[UNAVAILABLE]", text)
                typ, text = login(srv.port, "alice", "alice-pw")
                self.assertEqual(typ, "OK", text)
                log = srv.read_log()
                self.assertEqual(log.count("authdaemond is not answering at " + daemon.socket), 1,
                                 log)

    def test_authpam_through_authdaemond(self):
        # A PAM stack of the test's own for authdaemond's authpam: pam_exec accepts
        # "daemon" (a system account every Debian has) with one password.
        root = self.enterContext(_TempDir())
        check = os.path.join(root, "check.sh")
        with open(check, "w") as f:
            f.write('#!/bin/sh\nread -r pw\n[ "$PAM_USER" = daemon ] && [ "$pw" = pam-pw ]\n')
        os.chmod(check, 0o755)
        stack = ("auth required pam_exec.so expose_authtok quiet %s\n"
                 "account required pam_permit.so\n" % check)
        with Authdaemond([], modules="authpam", pam_imap=stack) as daemon:
            body = b"imap\nlogin\ndaemon\npam-pw\n"
            answer = daemon.ask(b"AUTH %d\n" % len(body) + body)
            self.assertTrue(answer.endswith(b"\n.\n"), answer)
            body = b"imap\nlogin\ndaemon\nwrong\n"
            self.assertEqual(daemon.ask(b"AUTH %d\n" % len(body) + body), b"FAIL\n")
            settings = {"MAILDEX_AUTH": "authdaemon", "MAILDEX_AUTHDAEMON_SOCKET": daemon.socket,
                        "MAILDEX_LOG_LEVEL": "debug"}
            with MaildexServer(settings=settings) as srv:
                typ, text = login(srv.port, "daemon", "wrong")
                self.assertIn("AUTHENTICATIONFAILED", text)
                # The password is right; daemon's home has no Maildir, so the login
                # itself then fails, but authdaemon accepted it.
                login(srv.port, "daemon", "pam-pw")
                self.assertIn("login daemon: accepted by authdaemon", srv.read_log())


class _TempDir:
    def __enter__(self):
        import tempfile
        self.path = tempfile.mkdtemp(prefix="maildex-auth-")
        return self.path

    def __exit__(self, *exc):
        import shutil
        shutil.rmtree(self.path, ignore_errors=True)


CHECKPASSWORD = """#!/bin/sh
# A checkpassword program (qmail/DJB interface) for the test: one user.
creds=$(head -c 512 <&3 | tr '\\0' '\\n')
user=$(printf '%s\\n' "$creds" | sed -n 1p)
pass=$(printf '%s\\n' "$creds" | sed -n 2p)
[ "$user" = sleepy ] && exec sleep 30
[ "$user" = broken ] && exit 111
[ "$user" = erin ] && [ "$pass" = erin-pw ] || exit 1
HOME=@HOME@ USER=erin
export HOME USER
exec "$@"
"""


class CheckpasswordAndPamBackEnds(unittest.TestCase):
    def test_checkpassword_program(self):
        root = self.enterContext(_TempDir())
        home = make_home(root, "erin")
        program = os.path.join(root, "checkpw")
        with open(program, "w") as f:
            f.write(CHECKPASSWORD.replace("@HOME@", home))
        os.chmod(program, 0o755)
        settings = {"MAILDEX_AUTH": "checkpassword passwd-file", "MAILDEX_CHECKPASSWORD": program,
                    "MAILDEX_AUTH_TIMEOUT": "2", "MAILDEX_LOG_LEVEL": "debug"}
        with MaildexServer(users={"alice": "alice-pw"}, settings=settings) as srv:
            c = Client(srv.port)
            c.login("erin", "erin-pw")
            self.assertEqual(c.select("INBOX")[0], "OK")
            c.logout()
            self.assertIn("AUTHENTICATIONFAILED", login(srv.port, "erin", "wrong")[1])
            self.assertEqual(login(srv.port, "alice", "alice-pw")[0], "OK")
            self.assertIn("[UNAVAILABLE]", login(srv.port, "broken", "x")[1])
            self.assertIn("[UNAVAILABLE]", login(srv.port, "sleepy", "x")[1])
            log = srv.read_log()
            self.assertIn("checkpassword refused: wrong password or unknown user (exit 1)", log)
            self.assertIn("checkpassword unavailable: temporary failure (exit 111)", log)
            self.assertIn("killed: no answer within 2000 ms", log)
            self.assertNotIn("erin-pw", log)
            # No zombie left of any run: the server's children are all gone.
            task_dir = "/proc/%d/task" % srv.proc.pid
            children = []
            for task in os.listdir(task_dir):
                with open(os.path.join(task_dir, task, "children")) as f:
                    children += f.read().split()
            self.assertEqual(children, [])

    def test_pam_with_a_test_stack_and_account_management(self):
        root = self.enterContext(_TempDir())
        check = os.path.join(root, "check.sh")
        with open(check, "w") as f:
            f.write('#!/bin/sh\nread -r pw\n[ "$pw" = pam-pw ]\n')
        os.chmod(check, 0o755)
        with open(os.path.join(root, "imap"), "w") as f:
            f.write("auth required pam_exec.so expose_authtok quiet %s\n"
                    "account required pam_succeed_if.so quiet user != bin\n" % check)
        settings = {"MAILDEX_AUTH": "pam", "MAILDEX_PAM_CONFDIR": root,
                    "MAILDEX_LOG_LEVEL": "debug"}
        with MaildexServer(settings=settings) as srv:
            self.assertIn("AUTHENTICATIONFAILED", login(srv.port, "daemon", "wrong")[1])
            login(srv.port, "daemon", "pam-pw")  # no Maildir in daemon's home: see the log
            self.assertIn("AUTHENTICATIONFAILED", login(srv.port, "bin", "pam-pw")[1])
            log = srv.read_log()
            self.assertIn("login daemon: accepted by pam", log)
            self.assertIn("login bin: pam refused: account disabled (pam_acct_mgmt", log)
            self.assertNotIn("pam-pw", log)


class LoginNames(unittest.TestCase):
    def test_lowercase_and_default_domain(self):
        settings = {"MAILDEX_LOWERCASE_USER": "YES", "DEFDOMAIN": "@example.com"}
        with MaildexServer(users={"frank@example.com": "f-pw"}, settings=settings) as srv:
            self.assertEqual(login(srv.port, "Frank", "f-pw")[0], "OK")
            self.assertEqual(login(srv.port, "FRANK@Example.COM", "f-pw")[0], "OK")
            self.assertEqual(login(srv.port, "frank@other.org", "f-pw")[0], "NO")

    def test_strip_domain(self):
        with MaildexServer(users={"gina": "g-pw"}, settings={"MAILDEX_STRIP_DOMAIN": "YES"}) as srv:
            self.assertEqual(login(srv.port, "gina@example.com", "g-pw")[0], "OK")
            self.assertEqual(login(srv.port, "Gina@example.com", "g-pw")[0], "NO")


if __name__ == "__main__":
    unittest.main()
