"""The server's operational side: `maildexctl who` and `kick` through the admin
endpoint, IMAP_EMPTYTRASH removing old messages from the trash at login, and the
descriptor table sized for MAXDAEMONS at startup."""

import os
import resource
import subprocess
import time
import unittest

from maildex_server import LineClient, MaildexServer
from maildex_testlib import MAILDEXCTL


def ctl(*args, expect=0):
    p = subprocess.run([MAILDEXCTL] + list(args), capture_output=True, text=True, timeout=60)
    if expect is not None and p.returncode != expect:
        raise AssertionError("maildexctl %s exited %d: %s %s" % (" ".join(args), p.returncode, p.stdout, p.stderr))
    return p


class Admin(unittest.TestCase):
    def test_descriptor_table_is_sized_at_startup(self):
        # Growing it later stalls the thread that crosses 1024, 2048... (net/server.cpp).
        want = 3000 + 1024
        if resource.getrlimit(resource.RLIMIT_NOFILE)[1] < want:
            self.skipTest("the open-file hard limit is below %d" % want)
        with MaildexServer(settings={"MAXDAEMONS": "3000"}) as srv:
            with open("/proc/%d/status" % srv.proc.pid) as f:
                size = int(next(l for l in f if l.startswith("FDSize:")).split()[1])
            self.assertGreaterEqual(size, want)

    def test_who_and_kick(self):
        with MaildexServer(users={"alice": "a", "bob": "b"}) as srv:
            admin = "127.0.0.1:%d" % srv.admin_port
            alice = LineClient(srv.port).login("alice", "a")
            alice.command("s1", "SELECT INBOX")
            alice.send("i1 IDLE\r\n")
            self.assertEqual(alice.line(), "+ idling")
            bob = LineClient(srv.port).login("bob", "b")
            anon = LineClient(srv.port)
            anon.line()
            out = ctl("who", "--admin", admin).stdout
            self.assertRegex(out, r"\d+\s+alice\s+127\.0\.0\.1:\d+\s+idle")
            self.assertRegex(out, r"\d+\s+bob\s+127\.0\.0\.1:\d+\s+active")
            self.assertRegex(out, r"\d+\s+-\s+127\.0\.0\.1:\d+\s+not logged in")
            self.assertIn("3 session(s): 1 in IDLE, 1 not logged in.", out)

            self.assertIn("Disconnected 1 session(s) of user alice", ctl("kick", "alice", "--admin", admin).stdout)
            self.assertEqual(alice.line(), "* BYE Disconnected by the administrator")
            with self.assertRaises(EOFError):
                alice.line()
            self.assertTrue(bob.command("n1", "NOOP")[-1].startswith("n1 OK"))
            ctl("kick", "nobody", "--admin", admin, expect=1)
            ctl("who", expect=2)  # no admin address: a usage error
            cfg = os.path.join(srv.root, "admin.conf")
            with open(cfg, "w") as f:
                f.write("MAILDEX_ADMIN_ADDRESS=%s\n" % admin)
            self.assertIn("bob", ctl("who", "--config", cfg).stdout)
            for c in (bob, anon):
                c.close()

    def test_empty_trash_at_login(self):
        with MaildexServer(settings={"IMAP_EMPTYTRASH": "Trash:2s"}) as srv:
            md = srv.maildirs["alice"]
            md.make_folder("Trash")
            md.deliver("Subject: old\n\n", folder="Trash", new=False, flags="S")
            time.sleep(3)
            md.deliver("Subject: recent\n\n", folder="Trash", new=False, flags="S")
            c = LineClient(srv.port).login("alice", "secret")
            lines = c.command("s1", "STATUS INBOX.Trash (MESSAGES)")
            self.assertIn("* STATUS INBOX.Trash (MESSAGES 1)", lines)
            c.close()
            self.assertIn("emptied 1 old message(s) from Trash", srv.read_log())


if __name__ == "__main__":
    unittest.main()
