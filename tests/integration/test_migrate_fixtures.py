"""The real Courier and Dovecot Maildirs of tests/fixtures/, migrated with maildexctl and
served by maildexd: over IMAP, every folder must report exactly what the old server
reported (expected.json): UIDVALIDITY at SELECT and in STATUS, UIDNEXT, every UID with
its flags and keywords, the folder names (LIST) and the subscriptions (LSUB). The same
must hold after `reindex`, after `reindex --force`, and after the index is deleted."""

import os
import shutil
import unittest

from maildex_testlib import (list_mailboxes, maildexd, mailbox_state, run_ctl, status,
                             unpack_fixture)


def expected_messages(folder):
    return {m["uid"]: (sorted(m["flags"]), sorted(m["keywords"])) for m in folder["messages"]}


class FixtureMigration(unittest.TestCase):
    def unpack(self, name):
        root, maildir, expected = unpack_fixture(name)
        self.addCleanup(shutil.rmtree, root, ignore_errors=True)
        return maildir, expected

    def connect(self, maildir):
        m = maildexd(maildir)
        self.addCleanup(lambda: m.state != "LOGOUT" and m.logout())
        return m

    def assert_as_before(self, maildir, expected, when):
        m = self.connect(maildir)
        selectable = [f for f in expected["folders"] if not f.get("noselect")]

        listed = list_mailboxes(m)
        self.assertEqual(sorted(listed), sorted(f["imap_name"] for f in expected["folders"]),
                         when + ": LIST names")
        for f in expected["folders"]:
            self.assertEqual("\\Noselect" in listed[f["imap_name"]], bool(f.get("noselect")),
                             when + ": \\Noselect of " + f["imap_name"])
        self.assertEqual(sorted(list_mailboxes(m, "LSUB")), sorted(expected["lsub"]),
                         when + ": LSUB")

        state = mailbox_state(m, [f["imap_name"] for f in selectable])
        for f in selectable:
            name = f["imap_name"]
            got = state[name]
            self.assertEqual(got["uidvalidity"], f["uidvalidity"], when + ": SELECT " + name)
            self.assertEqual(got["status_uidvalidity"], f["uidvalidity"],
                             when + ": STATUS UIDVALIDITY " + name)
            self.assertEqual(got["uidnext"], f["uidnext"], when + ": STATUS UIDNEXT " + name)
            self.assertEqual(got["messages"], expected_messages(f), when + ": messages of " + name)
        m.logout()

    def check_round(self, maildir, expected):
        self.assert_as_before(maildir, expected, "after migrate")
        run_ctl("check", maildir, check=0)
        run_ctl("reindex", maildir, check=0)
        self.assert_as_before(maildir, expected, "after reindex")
        run_ctl("reindex", "--force", maildir, check=0)
        self.assert_as_before(maildir, expected, "after reindex --force")
        # The index is a cache: without it, the same again (namespace and name encoding
        # included, from maildexsettings).
        for f in os.listdir(maildir):
            if f.startswith("maildex.sqlite"):
                os.unlink(os.path.join(maildir, f))
        self.assert_as_before(maildir, expected, "after deleting the index")
        run_ctl("check", maildir, check=0)

    def test_courier_small(self):
        maildir, expected = self.unpack("courier-small")
        before = {}
        for d, _, files in os.walk(maildir):
            for f in files:
                p = os.path.join(d, f)
                with open(p, "rb") as fh:
                    before[p] = fh.read()
        out = run_ctl("migrate", "courier", maildir, check=0).stdout
        self.assertIn("Migrated 1 of 1 Maildir from Courier-IMAP (12 folders, 37 messages)", out)
        # Courier's files are untouched; only Maildex's own were added.
        for p, data in before.items():
            with open(p, "rb") as fh:
                self.assertEqual(fh.read(), data, p)
        self.check_round(maildir, expected)

        # After ENABLE UTF8=ACCEPT the names are the UTF-8 ones Courier showed.
        m = self.connect(maildir)
        m.enable("UTF8=ACCEPT")
        self.assertEqual(sorted(list_mailboxes(m)), sorted(expected["list_utf8_accept"]))
        self.assertEqual(status(m, "INBOX.Entwürfe")["UIDVALIDITY"], 795308579)

    def test_dovecot_small(self):
        maildir, expected = self.unpack("dovecot-small")
        out = run_ctl("migrate", "dovecot", maildir, check=0).stdout
        self.assertIn('namespace prefix ""', out)
        self.assertIn("modified UTF-7", out)
        self.check_round(maildir, expected)

        m = self.connect(maildir)
        typ, data = m.namespace()
        self.assertEqual(data[0], b'(("" ".")) NIL NIL')
        # Directories keep Dovecot's modified-UTF-7 names; UTF-8 clients see them decoded.
        self.assertTrue(os.path.isdir(os.path.join(maildir, ".Entw&APw-rfe")))
        m.enable("UTF8=ACCEPT")
        self.assertIn("Entwürfe", list_mailboxes(m))
        self.assertEqual(status(m, "Entwürfe")["UIDVALIDITY"], 1795309008)

    def test_dry_run_writes_nothing(self):
        for name, kind in (("courier-small", "courier"), ("dovecot-small", "dovecot")):
            maildir, expected = self.unpack(name)
            listing = sorted(os.walk(maildir))
            out = run_ctl("migrate", kind, "--dry-run", maildir, check=0).stdout
            self.assertIn("Dry run: would migrate 1 of 1 Maildir ", out)
            inbox = [f for f in expected["folders"] if f["imap_name"] == "INBOX"][0]
            self.assertRegex(out, r"INBOX +%d messages +UIDVALIDITY %d +UIDNEXT %d"
                             % (len(inbox["messages"]), inbox["uidvalidity"], inbox["uidnext"]))
            self.assertEqual(sorted(os.walk(maildir)), listing, name)


if __name__ == "__main__":
    unittest.main()
