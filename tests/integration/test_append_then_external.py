"""A change another program makes right after the session's own APPEND or STORE, within
the same second (the same mtime tick of new/ or cur/), must be reported by the NOOP that
follows it. The session's own change moves the directories' mtimes; the quick sync
behind NOOP then trusts the inotify events instead of rescanning, and only once the
watcher has applied every event queued before it (index/folder_sync.cpp). A sync that
trusted the events without waiting for them, or an mtime recorded after our own write,
would miss these changes."""

import os
import re
import subprocess
import unittest

from maildex_server import LineClient, MaildexServer

ROUNDS = 25
BOUND = 20  # seconds per command


class AppendThenExternalChange(unittest.TestCase):
    def setUp(self):
        self.srv = MaildexServer().start()
        self.md = self.srv.maildirs["alice"]
        # Seen messages in cur/, the first ROUNDS of which another program flags.
        self.names = [self.md.deliver("Subject: m %d\n\nbody\n" % i, new=False, flags="S")
                      for i in range(ROUNDS + 5)]
        self.cur = os.path.join(self.md.path, "cur")
        # Sequence numbers follow Courier's delivery order: the leading seconds as a
        # number, then the rest of the base name as bytes (so M10 comes before M1).
        def order(name):
            base = name.split(":")[0]
            digits = re.match(r"\d*", base).group(0)
            return (int(digits or 0), base[len(digits):])
        ranked = sorted(range(len(self.names)), key=lambda i: order(self.names[i]))
        self.seq = {i: n + 1 for n, i in enumerate(ranked)}
        self.client = LineClient(self.srv.port).login("alice", "secret")
        lines = self.client.command("s1", "SELECT INBOX", BOUND)
        self.assertIn("* %d EXISTS" % len(self.names), lines)
        self.exists = len(self.names)

    def tearDown(self):
        self.client.close()
        self.srv.cleanup()

    def append(self, tag, i):
        body = "Subject: appended %d\r\n\r\nhello\r\n" % i
        lines = self.client.command(tag, "APPEND INBOX (\\Seen) {%d+}\r\n%s" % (len(body), body),
                                    BOUND)
        self.assertTrue(lines[-1].startswith(tag + " OK"), lines)
        self.exists += 1
        self.assertIn("* %d EXISTS" % self.exists, lines)

    def flag_externally(self, i):
        """What a mail reader does to flag message i+1: a rename within cur/."""
        old = self.names[i]
        new = old.rsplit(",", 1)[0] + ",FS"
        os.rename(os.path.join(self.cur, old), os.path.join(self.cur, new))
        self.names[i] = new

    def assert_flagged_by_noop(self, tag, i):
        lines = self.client.command(tag, "NOOP", BOUND)
        self.assertTrue(lines[-1].startswith(tag + " OK"), lines)
        pattern = re.compile(r"^\* %d FETCH \(.*FLAGS \([^)]*\\Flagged" % self.seq[i])
        self.assertTrue(any(pattern.match(l) for l in lines),
                        "round %d: NOOP did not report the external flag change: %r" % (i, lines))

    def test_rename_in_cur_right_after_append(self):
        for i in range(ROUNDS):
            self.append("a%d" % i, i)
            self.flag_externally(i)
            self.assert_flagged_by_noop("n%d" % i, i)

    def test_rename_in_cur_right_after_store(self):
        self.append("a0", 0)  # the folder changed by us once, as in the other tests
        for i in range(ROUNDS):
            lines = self.client.command("t%d" % i, "STORE %d +FLAGS (\\Answered)" % self.exists,
                                        BOUND)
            self.assertTrue(lines[-1].startswith("t%d OK" % i), lines)
            self.client.command("u%d" % i, "STORE %d -FLAGS (\\Answered)" % self.exists, BOUND)
            self.flag_externally(i)
            self.assert_flagged_by_noop("n%d" % i, i)

    def test_delivery_right_after_append(self):
        for i in range(ROUNDS):
            self.append("a%d" % i, i)
            self.md.deliver("Subject: delivered %d\n\nby the MDA\n" % i)
            lines = self.client.command("n%d" % i, "NOOP", BOUND)
            self.exists += 1
            self.assertIn("* %d EXISTS" % self.exists, lines,
                          "round %d: NOOP did not report the delivery" % i)

    def test_appends_trust_the_events_instead_of_scanning(self):
        # What makes APPEND fast (scripts/bench-append): after the first, each APPEND's
        # quick sync of the folder trusts the events. Only on file systems where the server
        # does (index/watcher.cpp: inotifySeesEverything).
        fs = subprocess.run(["stat", "-f", "-c", "%t", self.md.path], capture_output=True,
                            text=True, check=True).stdout.strip().lower()
        if fs not in ("ef53", "58465342", "9123683e", "1021994", "f2f52010"):
            self.skipTest("the Maildir's file system (%s) is not one inotify is trusted on" % fs)
        other = LineClient(self.srv.port).login("alice", "secret")
        try:
            before = self.srv.metric("maildex_index_settled_syncs_total")
            for i in range(ROUNDS):
                body = "Subject: sent %d\r\n\r\nhello\r\n" % i
                lines = other.command("o%d" % i, "APPEND INBOX {%d+}\r\n%s" % (len(body), body),
                                      BOUND)
                self.assertTrue(lines[-1].startswith("o%d OK" % i), lines)
            trusted = self.srv.metric("maildex_index_settled_syncs_total") - before
            self.assertGreaterEqual(trusted, ROUNDS - 1)
            self.assertEqual(self.srv.metric("maildex_index_settle_timeouts_total"), 0)
        finally:
            other.close()

    def test_append_from_an_unselected_session_then_rename(self):
        # The appending session has not selected INBOX (a client saving sent mail); the
        # selected one sees the external change at its NOOP.
        other = LineClient(self.srv.port).login("alice", "secret")
        try:
            for i in range(ROUNDS):
                body = "Subject: sent %d\r\n\r\nhello\r\n" % i
                lines = other.command("o%d" % i, "APPEND INBOX {%d+}\r\n%s" % (len(body), body),
                                      BOUND)
                self.assertTrue(lines[-1].startswith("o%d OK" % i), lines)
                self.flag_externally(i)
                self.assert_flagged_by_noop("n%d" % i, i)
        finally:
            other.close()


if __name__ == "__main__":
    unittest.main()
