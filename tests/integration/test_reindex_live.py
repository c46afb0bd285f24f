"""reindex and reindex --force while another process has the folder open: a maildexd
session (imaplib) sees what the rebuild changes as ordinary untagged responses, at a NOOP
and while in IDLE, and its view stays consistent with a fresh session's."""

import os
import queue
import shutil
import sqlite3
import threading
import unittest

from maildex_testlib import fetch_flags, maildexd, run_ctl, unpack_fixture


class ReindexWhileOpen(unittest.TestCase):
    def setUp(self):
        self.root, self.maildir, _ = unpack_fixture("courier-small")
        self.addCleanup(shutil.rmtree, self.root, ignore_errors=True)
        run_ctl("migrate", "courier", self.maildir, check=0)

    def session(self):
        m = maildexd(self.maildir)
        self.addCleanup(lambda: m.state != "LOGOUT" and m.logout())
        self.assertEqual(m.select("INBOX")[0], "OK")
        return m

    def damage_index(self):
        """What a damaged index looks like from inside: a lost keyword and a lost row,
        changed behind every process's back (no new mod-sequence)."""
        db = sqlite3.connect(os.path.join(self.maildir, "maildex.sqlite"))
        folder = db.execute("SELECT id FROM folder WHERE name=''").fetchone()[0]
        db.execute("UPDATE message SET keywords='' WHERE folder_id=? AND uid=6", (folder,))
        db.execute("UPDATE message SET flags=0 WHERE folder_id=? AND uid=2", (folder,))
        db.commit()
        db.close()

    def test_force_rebuild_reaches_an_open_session_as_ordinary_changes(self):
        m = self.session()
        before = fetch_flags(m)
        self.damage_index()
        p = run_ctl("reindex", "--force", self.maildir, check=0)
        self.assertIn("2 with flags or keywords corrected", p.stdout)
        typ, data = m.noop()
        self.assertEqual(typ, "OK")
        # The session learns of the two messages the rebuild touched, as FETCH responses.
        fetched = m.untagged_responses.get("FETCH", [])
        self.assertTrue(any(b"$Label1" in f for f in fetched), fetched)
        self.assertEqual(fetch_flags(m), before)
        self.assertEqual(fetch_flags(self.session()), before)
        run_ctl("check", self.maildir, check=0)

    def test_rebuild_during_idle(self):
        m = self.session()
        before = fetch_flags(m)
        m.send(b"i1 IDLE\r\n")
        self.assertTrue(m.readline().startswith(b"+"))
        self.damage_index()
        run_ctl("reindex", "--force", self.maildir, check=0)
        # The change arrives while idling, without the client asking. (Lines are read on
        # a thread: imaplib buffers, so select() on its pipe would miss buffered lines.)
        lines = queue.Queue()
        reader = threading.Thread(target=lambda: [lines.put(m.readline()) for _ in range(2)],
                                  daemon=True)
        reader.start()
        got = [lines.get(timeout=10), lines.get(timeout=10)]
        self.assertTrue(all(b"FETCH" in l for l in got), got)
        self.assertTrue(any(b"$Label1" in l for l in got), got)
        reader.join()
        m.send(b"DONE\r\n")
        while not m.readline().startswith(b"i1 OK"):
            pass
        self.assertEqual(fetch_flags(m), before)

    def test_plain_reindex_with_changes_from_another_program(self):
        m = self.session()
        before = fetch_flags(m)
        # Another program delivers into cur/ and removes a message's file.
        cur = os.path.join(self.maildir, "cur")
        with open(os.path.join(cur, "1799999999.M1P1.other:2,S"), "w") as f:
            f.write("Subject: from elsewhere\n\nhi\n")
        gone = [n for n in os.listdir(cur) if n.startswith("1795308553.")][0]  # UID 1
        os.unlink(os.path.join(cur, gone))
        run_ctl("reindex", self.maildir, check=0)
        m.noop()
        after = fetch_flags(m)
        self.assertNotIn(1, after)
        self.assertEqual(after.pop(24), (["\\Seen"], []))
        del before[1]
        self.assertEqual(after, before)
        self.assertEqual(fetch_flags(self.session()), fetch_flags(m))
        run_ctl("check", self.maildir, check=0)


if __name__ == "__main__":
    unittest.main()
