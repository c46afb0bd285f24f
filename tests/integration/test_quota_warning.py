"""The quota warning (MAILDEX_QUOTA_WARN, index/quota_warning.h) through the real server:
put into INBOX once when a user at or above the percentage logs in or fills the Maildir up
by APPEND, then not again that day, whichever program (Maildex, deliverquota -w) sent the
last one; the site's text (Courier's quotawarnmsg) with Date and Message-Id in front, and
its size counted in maildirsize."""

import email
import imaplib
import os
import shutil
import subprocess
import time
import unittest

from maildex_server import MaildexServer
from maildirsize_count import file_sum, fresh_count, message

# courier-base's own program: maildrop's package may hold the "deliverquota" link.
DELIVERQUOTA = shutil.which("deliverquota.courier") or shutil.which("deliverquota")
SITE_TEXT = ("From: Postmaster <postmaster@example.com>\nSubject: Your mailbox is nearly full\n\n"
             "Please delete some mail.\n")


def fill(md, used, quota="10000S"):
    """One message of `used` bytes and a maildirsize that says so."""
    if used:
        # A minute old: files nobody has numbered yet get UIDs in name order (as in Courier),
        # and a name of this second could sort after the warning's of the same second.
        md.deliver(message(1, used), new=False, flags="S", mtime=time.time() - 60)
    with open(os.path.join(md.path, "maildirsize"), "w") as f:
        f.write("%s\n%12d %12d\n" % (quota, used, 1 if used else 0))


def subjects(m):
    typ, data = m.select("INBOX")
    assert typ == "OK", data
    count = int(data[0])
    if count == 0:
        return []
    typ, data = m.fetch("1:*", "(BODY.PEEK[HEADER.FIELDS (SUBJECT DATE MESSAGE-ID)])")
    out = []
    for part in data:
        if isinstance(part, tuple):
            out.append(email.message_from_bytes(part[1]))
    m.close()
    return out


class QuotaWarning(unittest.TestCase):
    def server(self, users, percent="80"):
        self.text = os.path.join("/tmp", "maildex-quotawarnmsg-%d" % os.getpid())
        with open(self.text, "w") as f:
            f.write(SITE_TEXT)
        self.addCleanup(os.remove, self.text)
        return MaildexServer(users=users, settings={"MAILDEX_QUOTA_WARN": percent,
                                                    "MAILDEX_QUOTA_WARN_MESSAGE": self.text})

    def login(self, srv, user):
        m = imaplib.IMAP4("127.0.0.1", srv.port)
        m.login(user, "pw")
        return m

    def test_at_login_once_a_day_with_the_sites_text(self):
        srv = self.server({"full": "pw", "roomy": "pw", "warned": "pw", "unlimited": "pw"})
        fill(srv.maildirs["full"], 9900)
        fill(srv.maildirs["roomy"], 7000)
        fill(srv.maildirs["warned"], 9000)
        # deliverquota -w (or maildrop) sent one an hour ago: none from Maildex today.
        warn = os.path.join(srv.maildirs["warned"].path, "quotawarn")
        with open(warn, "wb") as f:
            f.write(b"\0")
        os.utime(warn, (time.time() - 3600, time.time() - 3600))
        srv.maildirs["unlimited"].deliver(message(1, 9000))
        with srv:
            for user in ("full", "roomy", "warned", "unlimited"):
                m = self.login(srv, user)
                got = subjects(m)
                m.logout()
                if user != "full":
                    self.assertEqual(len(got), 1, user)
                    continue
                self.assertEqual([g["Subject"] for g in got],
                                 ["message 1", "Your mailbox is nearly full"])
                self.assertRegex(got[1]["Message-Id"], r"^<\d+\.overquota@.+>$")
                self.assertIsNotNone(email.utils.parsedate_tz(got[1]["Date"]))
            md = srv.maildirs["full"].path
            self.assertTrue(os.path.exists(os.path.join(md, "quotawarn")))
            self.assertEqual(file_sum(md)[1:], fresh_count(md))
            self.assertGreater(fresh_count(md)[0], 10000)  # the warning took it over: counted all the same
            # The next login the same day: no second warning.
            m = self.login(srv, "full")
            self.assertEqual(len(subjects(m)), 2)
            m.logout()
            self.assertFalse(os.path.exists(os.path.join(srv.maildirs["roomy"].path, "quotawarn")))
            warned = [l for l in srv.read_log().splitlines() if "quota warning put into INBOX" in l]
            self.assertEqual(len(warned), 1, warned)
            self.assertIn(" full: ", warned[0])

    def test_an_append_that_crosses_the_percentage_brings_it_once(self):
        srv = self.server({"bob": "pw"}, percent="90")
        fill(srv.maildirs["bob"], 5000)
        with srv:
            m = self.login(srv, "bob")
            self.assertEqual(m.select("INBOX")[1][0], b"1")
            typ, _ = m.append("INBOX", None, None, message(2, 3000).encode())
            self.assertEqual(typ, "OK")  # 80%: no warning yet
            self.assertEqual(int(m.select("INBOX")[1][0]), 2)
            typ, _ = m.append("INBOX", None, None, message(3, 1200).encode())
            self.assertEqual(typ, "OK")  # 92%: the warning follows it into INBOX
            deadline = time.time() + 10
            while int(m.select("INBOX")[1][0]) < 4 and time.time() < deadline:
                time.sleep(0.1)
            self.assertEqual(int(m.select("INBOX")[1][0]), 4)
            typ, _ = m.append("INBOX", None, None, message(4, 100).encode())
            self.assertEqual(typ, "OK")
            time.sleep(0.5)
            self.assertEqual(int(m.select("INBOX")[1][0]), 5)  # no second warning
            m.close()
            m.logout()
            got = [g["Subject"] for g in subjects_of(srv, "bob")]
            self.assertEqual(got.count("Your mailbox is nearly full"), 1, got)
            md = srv.maildirs["bob"].path
            self.assertEqual(file_sum(md)[1:], fresh_count(md))

    @unittest.skipUnless(DELIVERQUOTA, "deliverquota (courier-base) is not installed")
    def test_deliverquota_sends_none_after_maildexs(self):
        srv = self.server({"carol": "pw"})
        fill(srv.maildirs["carol"], 8500)
        with srv:
            m = self.login(srv, "carol")
            self.assertEqual(len(subjects(m)), 2)
            m.logout()
            md = srv.maildirs["carol"].path
            # Room made (a bigger quota), still above 80%: deliverquota -w would warn, but
            # quotawarn says one went out today.
            b, c = fresh_count(md)
            with open(os.path.join(md, "maildirsize"), "w") as f:
                f.write("%dS\n%12d %12d\n" % (b + 1000, b, c))
            p = subprocess.run([DELIVERQUOTA, "-w", "80", "-W", self.text, md],
                               input=message(5, 500).encode(),
                               capture_output=True, timeout=30)
            self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
            self.assertEqual(fresh_count(md)[1], c + 1)
            # A day later it does (so the check above could fail).
            os.utime(os.path.join(md, "quotawarn"), (time.time() - 86401,) * 2)
            p = subprocess.run([DELIVERQUOTA, "-w", "80", "-W", self.text, md],
                               input=message(6, 500).encode(), capture_output=True, timeout=30)
            self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
            self.assertEqual(fresh_count(md)[1], c + 3)


def subjects_of(srv, user):
    m = imaplib.IMAP4("127.0.0.1", srv.port)
    m.login(user, "pw")
    try:
        return subjects(m)
    finally:
        m.logout()


if __name__ == "__main__":
    unittest.main()
