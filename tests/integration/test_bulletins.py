"""Bulletins (MAILDEX_BULLETIN_DIR, index/bulletins.h) through the real server and
maildexctl: a message file the administrator drops into the directory goes into each
user's INBOX once, at login or by `maildexctl bulletin`, however often the user logs in,
however many logins race, and whatever happens to the index; a file that is no message is
skipped with a log line and the login goes on."""

import email
import imaplib
import os
import shutil
import tempfile
import threading
import unittest

from maildex_server import MaildexServer
from maildex_testlib import run_ctl

NOTICE = ("From: Postmaster <postmaster@example.com>\nSubject: %s\n"
          "Date: Mon, 7 Dec 2026 10:00:00 +0000\n\nThe server goes down at 22:00.\n")


def inbox_subjects(srv, user):
    """The Subject of every message in INBOX, over IMAP."""
    m = imaplib.IMAP4("127.0.0.1", srv.port)
    m.login(user, "pw")
    typ, data = m.select("INBOX", readonly=True)
    assert typ == "OK", data
    out = []
    if int(data[0]):
        typ, data = m.fetch("1:*", "(BODY.PEEK[HEADER.FIELDS (SUBJECT DATE)])")
        out = [email.message_from_bytes(p[1]) for p in data if isinstance(p, tuple)]
    m.logout()
    return out


def subjects(srv, user):
    return sorted(str(h["Subject"]) for h in inbox_subjects(srv, user))


class Bulletins(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="maildex-bulletins-")
        self.addCleanup(shutil.rmtree, self.dir, True)

    def drop(self, name, text):
        """As an administrator should: written under a dot name, then renamed."""
        tmp = os.path.join(self.dir, "." + name)
        with open(tmp, "wb") as f:
            f.write(text if isinstance(text, bytes) else text.encode())
        os.rename(tmp, os.path.join(self.dir, name))

    def server(self, users=("alice",)):
        srv = MaildexServer(users={u: "pw" for u in users},
                            settings={"MAILDEX_BULLETIN_DIR": self.dir})
        self.addCleanup(srv.cleanup)
        return srv

    def test_delivered_once_across_logins_and_index_rebuilds(self):
        srv = self.server()
        self.drop("2026-12-maintenance", NOTICE % "Maintenance tonight")
        srv.start()
        self.assertEqual(subjects(srv, "alice"), ["Maintenance tonight"])
        self.assertEqual(subjects(srv, "alice"), ["Maintenance tonight"])  # no second copy
        md = srv.maildirs["alice"].path
        with open(os.path.join(md, "maildexbulletins")) as f:
            self.assertEqual(f.read(), "2026-12-maintenance\n")
        # The copy is the user's message like any other: a proper Maildir file in new/.
        self.assertEqual(len(os.listdir(os.path.join(md, "tmp"))), 0)
        srv.stop()
        # The index is a cache: rebuilt, and then thrown away altogether, it forgets nothing.
        run_ctl("reindex", "--force", md, check=0)
        srv.start()
        self.assertEqual(subjects(srv, "alice"), ["Maintenance tonight"])
        srv.stop()
        for f in os.listdir(md):
            if f.startswith("maildex.sqlite"):
                os.remove(os.path.join(md, f))
        srv.start()
        self.assertEqual(subjects(srv, "alice"), ["Maintenance tonight"])
        log = srv.read_log()
        self.assertEqual(log.count("bulletin 2026-12-maintenance put into INBOX"), 0, log)

    def test_first_login_logs_the_delivery_and_adds_a_date(self):
        srv = self.server()
        self.drop("undated", "From: root@example.com\nSubject: No date\n\nBody.\n")
        with srv:
            got = inbox_subjects(srv, "alice")
            self.assertEqual([str(h["Subject"]) for h in got], ["No date"])
            self.assertIsNotNone(email.utils.parsedate_tz(got[0]["Date"]))
            lines = [l for l in srv.read_log().splitlines() if "bulletin" in l]
            self.assertEqual(len(lines), 1, lines)
            self.assertIn("alice", lines[0])
            self.assertIn("bulletin undated put into INBOX", lines[0])

    def test_racing_logins_deliver_exactly_one_copy(self):
        srv = self.server()
        with srv:
            for round in range(5):
                self.drop("race-%d" % round, NOTICE % ("Race %d" % round))
                start = threading.Barrier(8)
                errors = []

                def login():
                    try:
                        m = imaplib.IMAP4("127.0.0.1", srv.port)
                        start.wait(10)
                        m.login("alice", "pw")
                        m.logout()
                    except Exception as e:  # reported below, in the test's thread
                        errors.append(e)

                threads = [threading.Thread(target=login) for _ in range(8)]
                for t in threads:
                    t.start()
                for t in threads:
                    t.join(30)
                self.assertEqual(errors, [])
            self.assertEqual(subjects(srv, "alice"), ["Race %d" % r for r in range(5)])
            with open(os.path.join(srv.maildirs["alice"].path, "maildexbulletins")) as f:
                self.assertEqual(f.read().split(), ["race-%d" % r for r in range(5)])

    def test_maildexctl_delivers_to_every_user_at_once(self):
        srv = self.server(users=("alice", "bob", "carol"))
        bulletin = os.path.join(self.dir, "welcome")
        with open(bulletin, "w") as f:
            f.write(NOTICE % "Welcome")
        p = run_ctl("bulletin", bulletin, "--all", "--userdb", srv.userdb, check=0)
        self.assertIn("delivered to 3 of 3 Maildirs", p.stdout)
        for user in ("alice", "bob", "carol"):
            self.assertEqual(len(os.listdir(os.path.join(srv.maildirs[user].path, "new"))), 1)
        p = run_ctl("bulletin", bulletin, "--all", "--userdb", srv.userdb, check=0)
        self.assertIn("delivered to 0 of 3 Maildirs; 3 had it already", p.stdout)
        # --user NAME, with a bulletin from elsewhere: its file name is its identity.
        other = os.path.join(srv.root, "urgent")
        with open(other, "w") as f:
            f.write(NOTICE % "Urgent")
        run_ctl("bulletin", other, "--user", "bob", "--userdb", srv.userdb, check=0)
        # Not a message: refused before any Maildir is touched.
        empty = os.path.join(srv.root, "empty")
        open(empty, "w").close()
        p = run_ctl("bulletin", empty, "--all", "--userdb", srv.userdb, check=2)
        self.assertIn("empty", p.stderr)
        with srv:  # the bulletin is in the directory too: the logins bring nothing more
            self.assertEqual(subjects(srv, "alice"), ["Welcome"])
            self.assertEqual(subjects(srv, "bob"), ["Urgent", "Welcome"])
            self.assertNotIn("put into INBOX", srv.read_log())

    def test_bad_bulletins_are_skipped_and_the_login_goes_on(self):
        srv = self.server()
        self.drop("a-empty", b"")
        self.drop("b-huge", b"Subject: huge\n\n" + b"x" * (1024 * 1024 + 1))
        self.drop("c-binary", b"\x00\x01\x02 not a message")
        self.drop("d-no-header", b"Dear users,\n\nno headers here.\n")
        os.symlink(os.path.join(self.dir, "nowhere"), os.path.join(self.dir, "e-dangling"))
        os.mkdir(os.path.join(self.dir, "f-directory"))
        self.drop("g-good", NOTICE % "Good one")
        with srv:
            self.assertEqual(subjects(srv, "alice"), ["Good one"])
            self.assertEqual(subjects(srv, "alice"), ["Good one"])
            log = srv.read_log()
            for name, why in (("a-empty", "empty"), ("b-huge", "larger than 1048576 bytes"),
                              ("c-binary", "NUL"), ("d-no-header", "header field"),
                              ("e-dangling", "cannot read")):
                lines = [l for l in log.splitlines() if name in l]
                # Named once, not at every login.
                self.assertEqual(len(lines), 1, (name, lines))
                self.assertIn("skipped", lines[0])
                self.assertIn(why, lines[0])
            # Fixed, the bulletin goes out at the next login.
            self.drop("a-empty", NOTICE % "Fixed")
            self.assertEqual(subjects(srv, "alice"), ["Fixed", "Good one"])

    def test_an_unreadable_directory_is_logged_once_and_logins_go_on(self):
        srv = self.server()
        os.rmdir(self.dir)
        with open(self.dir, "w") as f:  # not a directory: opendir fails (ENOTDIR), even for root
            f.write("x")
        self.addCleanup(os.remove, self.dir)
        with srv:
            self.assertEqual(subjects(srv, "alice"), [])
            self.assertEqual(subjects(srv, "alice"), [])
            lines = [l for l in srv.read_log().splitlines() if "Bulletins:" in l]
            self.assertEqual(len(lines), 1, lines)
            self.assertIn(self.dir, lines[0])

    def test_each_copy_and_record_belongs_to_its_user(self):
        import test_user_identity as ident  # users with uids of their own, under a root server
        if os.geteuid() != 0:
            self.skipTest("needs root: users with their own uids")
        os.chmod(self.dir, 0o755)  # logins read the directory as the user
        srv = ident.server(settings={"MAILDEX_BULLETIN_DIR": self.dir})
        self.addCleanup(srv.cleanup)
        self.drop("at-login", NOTICE % "At login")
        os.chmod(os.path.join(self.dir, "at-login"), 0o644)
        by_ctl = os.path.join(srv.root, "by-ctl")
        with open(by_ctl, "w") as f:
            f.write(NOTICE % "By maildexctl")
        run_ctl("bulletin", by_ctl, "--all", "--userdb", srv.userdb, check=0)
        with srv:
            for name, (password, uid) in ident.USERS.items():
                m = imaplib.IMAP4("127.0.0.1", srv.port)
                m.login(name, password)
                m.logout()
                md = srv.maildirs[name].path
                files = [os.path.join(md, "new", f) for f in os.listdir(os.path.join(md, "new"))]
                files.append(os.path.join(md, "maildexbulletins"))
                self.assertEqual(len(files), 3, files)
                for f in files:
                    st = os.stat(f)
                    self.assertEqual((st.st_uid, st.st_gid), (uid, uid), f)
            self.assertNotIn("cannot deliver", srv.read_log())

    def test_over_quota_waits_for_a_later_login(self):
        srv = self.server()
        md = srv.maildirs["alice"].path
        with open(os.path.join(md, "maildirsize"), "w") as f:
            f.write("100S\n%12d %12d\n" % (0, 0))
        self.drop("notice", NOTICE % "Later")
        with srv:
            self.assertEqual(subjects(srv, "alice"), [])
            self.assertIn("bulletin notice left for later: over quota", srv.read_log())
            with open(os.path.join(md, "maildirsize"), "w") as f:
                f.write("100000S\n%12d %12d\n" % (0, 0))
            self.assertEqual(subjects(srv, "alice"), ["Later"])


if __name__ == "__main__":
    unittest.main()
