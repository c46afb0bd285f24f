"""The way back: a Courier Maildir migrated to Maildex, changed through IMAP (flags,
keywords, expunges, APPEND, a new folder, subscriptions), `maildexctl export courier`,
then opened with the REAL Courier imapd (Debian's courier-imap, unpacked by
scripts/fetch-courier-imap into the build tree): Courier must show the same UIDVALIDITY,
UIDNEXT, UIDs, flags, keywords, folder names and subscriptions as Maildex did. And the way
forward again: changes Courier makes are what Maildex shows after a second migration.

This test needs Debian's package mirror the first time (to download courier-imap); if it
cannot get Courier it fails, saying why, rather than skipping."""

import imaplib
import os
import shlex
import shutil
import subprocess
import unittest

from maildex_testlib import (MAILDEXD, REPO, list_mailboxes, maildexd, mailbox_state, quote,
                             run_ctl, unpack_fixture)

BUILD = os.path.dirname(os.path.dirname(os.path.abspath(MAILDEXD)))
COURIER = os.path.join(BUILD, "courier-imap")

MESSAGE = ("From: Round Trip <rt@example.com>\r\nTo: you@example.com\r\n"
           "Subject: %s\r\nMessage-ID: <%s@example.com>\r\n\r\nBody of %s.\r\n")


def fetch_courier():
    p = subprocess.run(["bash", os.path.join(REPO, "scripts", "fetch-courier-imap"), COURIER],
                       capture_output=True, text=True, timeout=600)
    if p.returncode != 0 or not os.access(os.path.join(COURIER, "usr/bin/imapd"), os.X_OK):
        raise AssertionError("cannot get Courier's imapd for the round-trip test "
                             "(scripts/fetch-courier-imap %s failed):\n%s%s"
                             % (COURIER, p.stdout, p.stderr))


def courier(maildir, log):
    """Courier's imapd in its stdin/stdout mode: cwd = the Maildir's parent, the
    variables of the package's etc/courier/imapd exported."""
    parent, name = os.path.split(os.path.abspath(maildir))
    command = "cd %s && set -a && . %s && set +a && exec %s ./%s 2>>%s" % (
        shlex.quote(parent), shlex.quote(os.path.join(COURIER, "etc/courier/imapd")),
        shlex.quote(os.path.join(COURIER, "usr/bin/imapd")), shlex.quote(name),
        shlex.quote(log))
    return imaplib.IMAP4_stream(command)


class CourierRoundTrip(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        fetch_courier()

    def setUp(self):
        self.root, self.maildir, self.expected = unpack_fixture("courier-small")
        self.addCleanup(shutil.rmtree, self.root, ignore_errors=True)
        self.log = os.path.join(self.root, "courier.log")

    def state(self, m):
        names = sorted(n for n, attrs in list_mailboxes(m).items() if "\\Noselect" not in attrs)
        return {"list": sorted(list_mailboxes(m)), "lsub": sorted(list_mailboxes(m, "LSUB")),
                "folders": mailbox_state(m, names)}

    def change_through_maildex(self):
        m = maildexd(self.maildir)
        ok = lambda r: self.assertEqual(r[0], "OK", r)
        ok(m.select("INBOX"))
        ok(m.uid("STORE", "1", "+FLAGS", r"(\Flagged $Label1)"))
        ok(m.uid("STORE", "6", "-FLAGS", "($Label1)"))
        ok(m.uid("STORE", "8", "FLAGS", r"(\Seen Junk NewKeyword)"))
        ok(m.uid("STORE", "10", "-FLAGS",
                 "(Project_Phoenix_Long_Keyword_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
                 "xxxxxxxx_0123456789)"))
        # Enough single changes that Maildex has both merged :list and pending files.
        for i in range(80):
            ok(m.uid("STORE", str(2 + i % 3), "+FLAGS", "(Tag%02d)" % i))
        ok(m.uid("STORE", "22", "+FLAGS", r"(\Deleted)"))
        ok(m.expunge())  # UIDs 5 and 22
        ok(m.append("INBOX", r"(\Seen $Label2 Appended)", None,
                    (MESSAGE % ("appended", "rt1", "rt1")).encode()))
        ok(m.select(quote("INBOX.Archive")))
        ok(m.uid("STORE", "1:*", "+FLAGS", "(Work)"))
        ok(m.select(quote("INBOX.Entw&APw-rfe")))
        ok(m.uid("STORE", "1", "+FLAGS", r"($Label5 \Seen)"))
        ok(m.create(quote("INBOX.New Folder")))
        ok(m.append(quote("INBOX.New Folder"), r"(\Flagged Fresh)", None,
                    (MESSAGE % ("new folder", "rt2", "rt2")).encode()))
        ok(m.subscribe(quote("INBOX.New Folder")))
        ok(m.unsubscribe(quote("INBOX.Trash")))
        m.logout()

    def test_export_then_courier_shows_the_same(self):
        run_ctl("migrate", "courier", self.maildir, check=0)
        self.change_through_maildex()
        m = maildexd(self.maildir)
        maildex_state = self.state(m)
        m.logout()
        inbox = maildex_state["folders"]["INBOX"]
        self.assertNotIn(5, inbox["messages"])
        self.assertEqual(inbox["messages"][24], (["\\Seen"], ["$Label2", "Appended"]))
        self.assertIn("INBOX.New Folder", maildex_state["lsub"])

        out = run_ctl("export", "courier", self.maildir, check=0).stdout
        self.assertIn("Exported 1 of 1 Maildir for Courier-IMAP", out)

        c = courier(self.maildir, self.log)
        courier_state = self.state(c)
        c.logout()
        self.assertEqual(courier_state["list"], maildex_state["list"])
        self.assertEqual(courier_state["lsub"], maildex_state["lsub"])
        self.assertEqual(sorted(courier_state["folders"]), sorted(maildex_state["folders"]))
        for name, want in maildex_state["folders"].items():
            got = courier_state["folders"][name]
            self.assertEqual(got["uidvalidity"], want["uidvalidity"], name)
            self.assertEqual(got["uidnext"], want["uidnext"], name)
            self.assertEqual(got["messages"], want["messages"], name)

        # And forward again: Courier changes a flag and a keyword; a new migration (the
        # index from before is rebuilt in place) shows Courier's state.
        c = courier(self.maildir, self.log)
        self.assertEqual(c.select("INBOX")[0], "OK")
        self.assertEqual(c.uid("STORE", "3", "+FLAGS", r"(\Answered FromCourier)")[0], "OK")
        self.assertEqual(c.uid("STORE", "1", "-FLAGS", "($Label1)")[0], "OK")
        c.logout()
        c = courier(self.maildir, self.log)
        courier_inbox = mailbox_state(c, ["INBOX"])["INBOX"]
        c.logout()
        run_ctl("migrate", "courier", self.maildir, check=0)
        m = maildexd(self.maildir)
        again = mailbox_state(m, ["INBOX"])["INBOX"]
        m.logout()
        self.assertEqual(again["messages"], courier_inbox["messages"])
        self.assertIn("FromCourier", again["messages"][3][1])
        self.assertNotIn("$Label1", again["messages"][1][1])
        self.assertEqual(again["uidvalidity"], courier_inbox["uidvalidity"])
        self.assertEqual(again["uidnext"], courier_inbox["uidnext"])


if __name__ == "__main__":
    unittest.main()
