"""Python's imaplib driving maildexd as a tunnel command (IMAP4_stream), the way
shared/spec/real-clients.md describes: PREAUTH greeting, SELECT, FETCH, STORE, EXPUNGE,
LOGOUT. Also the foundation issue's printf pipe."""

import imaplib
import os
import shlex
import sqlite3
import subprocess
import time
import unittest

from maildex_testlib import MAILDEXD, MaildirTestCase, run_ctl

MESSAGE = (
    "From: Alice <alice@example.com>\n"
    "To: Bob <bob@example.com>\n"
    "Subject: Quarterly numbers\n"
    "Date: Tue, 14 Nov 2023 22:13:20 +0000\n"
    "Message-ID: <q3@example.com>\n"
    "\n"
    "The numbers are in.\n"
)


class ImaplibStream(MaildirTestCase):
    def connect(self):
        m = imaplib.IMAP4_stream("%s %s" % (shlex.quote(MAILDEXD), shlex.quote(self.md.path)))
        self.addCleanup(lambda: m.state != "LOGOUT" and m.logout())
        return m

    def test_preauth_select_fetch_store_expunge(self):
        self.md.deliver(MESSAGE, new=False, flags="S", mtime=1700000000)
        self.md.deliver(MESSAGE.replace("Quarterly", "Yearly"), mtime=1700000100)
        m = self.connect()
        self.assertEqual(m.state, "AUTH")
        self.assertTrue(m.welcome.startswith(b"* PREAUTH"))
        self.assertIn("IMAP4REV1", m.capabilities)

        typ, data = m.select("INBOX")
        self.assertEqual((typ, data), ("OK", [b"2"]))

        typ, data = m.uid("FETCH", "1:*", "(UID FLAGS BODY.PEEK[HEADER.FIELDS (SUBJECT)])")
        self.assertEqual(typ, "OK")
        literals = [item for item in data if isinstance(item, tuple)]
        self.assertEqual(len(literals), 2)
        self.assertIn(b"UID 1 FLAGS (\\Seen \\Recent)", literals[0][0])
        self.assertEqual(literals[0][1], b"Subject: Quarterly numbers\r\n\r\n")
        self.assertEqual(literals[1][1], b"Subject: Yearly numbers\r\n\r\n")

        typ, data = m.fetch("1", "(RFC822.SIZE BODY[])")
        self.assertEqual(typ, "OK")
        body = data[0][1]
        self.assertEqual(body, MESSAGE.replace("\n", "\r\n").encode())
        self.assertIn(b"RFC822.SIZE %d" % len(body), data[0][0])

        typ, data = m.uid("STORE", "2", "+FLAGS", r"(\Flagged \Deleted)")
        self.assertEqual(typ, "OK")
        self.assertIn(b"\\Flagged", data[0])
        typ, data = m.expunge()
        self.assertEqual((typ, data), ("OK", [b"2"]))
        typ, data = m.uid("FETCH", "1:*", "(FLAGS)")
        self.assertEqual(len(data), 1)
        self.assertEqual(m.logout()[0], "BYE")

    def test_a_large_first_select_answers_before_its_rows_are_written(self):
        # From 10,000 messages a first index commits its rows as one value and writes
        # them in the background (index/pending_rows.h); nothing may tell the difference.
        count = 10500
        for i in range(count):
            self.md.deliver("Subject: m%d\n\nbody\n" % i, new=False, flags="S" if i % 2 else "",
                            mtime=1700000000 + i)
        hour_ago = time.time() - 3600  # an mtime under 2 s old would make it scan twice
        for sub in ("cur", "new"):
            os.utime(os.path.join(self.md.path, sub), (hour_ago, hour_ago))
        m = self.connect()
        self.assertEqual(m.select("INBOX"), ("OK", [str(count).encode()]))
        typ, data = m.uid("FETCH", "10499:*", "(FLAGS ENVELOPE RFC822.SIZE)")
        self.assertEqual(typ, "OK")
        self.assertEqual(len(data), 2)
        self.assertIn(b'"m10499"', data[1])
        self.assertIn(b"RFC822.SIZE 25", data[1])  # 22 bytes, 3 line ends
        typ, data = m.uid("STORE", "7", "+FLAGS", r"(\Flagged)")
        self.assertIn(b"\\Flagged", data[0])
        m.logout()  # the process ends once the rows are in

        db = sqlite3.connect(os.path.join(self.md.path, "maildex.sqlite"))
        self.assertEqual(db.execute("SELECT count(*) FROM message").fetchone()[0], count)
        self.assertEqual(db.execute("SELECT count(*) FROM pending_rows").fetchone()[0], 0)
        db.close()
        m = self.connect()
        self.assertEqual(m.select("INBOX"), ("OK", [str(count).encode()]))
        typ, data = m.uid("FETCH", "6:8", "(FLAGS)")
        self.assertEqual([d.split(b"FLAGS ")[1] for d in data],
                         [b"(\\Seen))", b"(\\Flagged))", b"(\\Seen))"])
        m.logout()
        self.assertEqual(run_ctl("check", self.md.path).returncode, 0)

    def test_bad_command_keeps_the_session(self):
        m = self.connect()
        with self.assertRaises(imaplib.IMAP4.error):
            m.xatom("FROBNICATE")
        typ, _ = m.noop()
        self.assertEqual(typ, "OK")

    def test_printf_pipe(self):
        self.md.deliver(MESSAGE, new=False, flags="S")
        out = subprocess.run(
            [MAILDEXD, self.md.path],
            input=b"a1 CAPABILITY\r\na2 SELECT INBOX\r\na3 FETCH 1:* (UID FLAGS)\r\na4 LOGOUT\r\n",
            capture_output=True, timeout=30, check=True).stdout.decode()
        lines = out.split("\r\n")
        self.assertTrue(lines[0].startswith("* PREAUTH [CAPABILITY IMAP4rev1"))
        self.assertIn("a2 OK [READ-WRITE] SELECT completed", lines)
        self.assertIn("* 1 FETCH (UID 1 FLAGS (\\Seen \\Recent))", lines)
        self.assertEqual(lines[-3:], ["* BYE Logging out", "a4 OK completed", ""])

    def test_missing_maildir_is_a_clear_error(self):
        result = subprocess.run([MAILDEXD, self.md.root + "/nonexistent"], input=b"",
                                capture_output=True, timeout=30)
        self.assertNotEqual(result.returncode, 0)
        self.assertTrue(result.stdout.startswith(b"* BYE "))
        self.assertIn(b"not a Maildir", result.stderr)


if __name__ == "__main__":
    unittest.main()
