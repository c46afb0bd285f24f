"""mbsync (isync, from Debian) syncing a Maildir through maildexd used as its tunnel
command, as shared/spec/real-clients.md describes: a full sync, then one flag change
on each side, then a sync that changes nothing it should not."""

import os
import re
import subprocess
import unittest

from maildex_testlib import MAILDEXD, MaildirTestCase

RC = """IMAPStore remote
Tunnel "{maildexd} {maildir}"

MaildirStore local
Path {local}/
Inbox {local}/INBOX
SubFolders Verbatim

Channel test
Far :remote:
Near :local:
Patterns *
Create Near
SyncState *
Sync All
Expunge None
"""


def counters(output):
    """The last progress line: {'C': (1, 1), 'B': ..., 'F': {'+':...}, 'N': {...}}."""
    lines = [l for l in output.replace("\r", "\n").split("\n") if l.startswith("C: ")]
    if not lines:
        return None
    m = re.match(r"C: (\d+)/(\d+)\s+B: (\d+)/(\d+)\s+F: \+(\d+)/(\d+) \*(\d+)/(\d+) #(\d+)/(\d+)\s+"
                 r"N: \+(\d+)/(\d+) \*(\d+)/(\d+) #(\d+)/(\d+)", lines[-1])
    v = [int(x) for x in m.groups()]
    return {"boxes": v[2], "far_added": v[4], "far_flagged": v[6], "near_added": v[10], "near_flagged": v[12]}


class Mbsync(MaildirTestCase):
    def setUp(self):
        super().setUp()
        self.local = os.path.join(self.md.root, "local")
        os.makedirs(self.local)
        self.rc = os.path.join(self.md.root, "mbsyncrc")
        with open(self.rc, "w") as f:
            f.write(RC.format(maildexd=MAILDEXD, maildir=self.md.path, local=self.local))

    def sync(self):
        # mbsync prints its counters only to a terminal: give it one.
        cmd = "mbsync -c '%s' -a" % self.rc
        p = subprocess.run(["script", "-qec", cmd, "/dev/null"], capture_output=True, text=True, timeout=120)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        return counters(p.stdout)

    def test_full_sync_flag_changes_and_a_quiet_sync(self):
        for name in ("Sent", "Archive", "Work"):
            self.md.make_folder(name)
        for i in range(20):
            self.md.deliver("Subject: inbox %d\nMessage-ID: <i%d@test>\n\nbody %d\n" % (i, i, i),
                            new=(i % 3 == 0), flags="" if i % 3 == 0 else ("S" if i % 2 else ""))
        for i in range(5):
            self.md.deliver("Subject: sent %d\n\nsent\n" % i, folder="Sent", new=False, flags="S")
        self.md.deliver("Subject: work\n\nwork\n", folder="Work", new=False, flags="FS")

        first = self.sync()
        self.assertEqual(first["boxes"], 4)
        self.assertEqual(first["near_added"], 26)
        self.assertEqual(first["far_added"], 0)
        local_inbox = [f for d in ("cur", "new") for f in os.listdir(os.path.join(self.local, "INBOX", d))]
        self.assertEqual(len(local_inbox), 20)

        # One flag change on the server (through IMAP, via maildexd) ...
        out = subprocess.run([MAILDEXD, self.md.path], input=b"a1 SELECT INBOX\r\na2 UID STORE 2 +FLAGS (\\Flagged)\r\na3 LOGOUT\r\n",
                             capture_output=True, timeout=30).stdout
        self.assertIn(b"a2 OK", out)
        # ... and one on the local side (by renaming, as mbsync's Maildir store expects).
        inbox = os.path.join(self.local, "INBOX")
        path = [os.path.join(inbox, d, f) for d in ("cur", "new") for f in os.listdir(os.path.join(inbox, d))
                if ",U=1:" in f][0]
        base, info = os.path.basename(path).split(":2,")
        os.rename(path, os.path.join(inbox, "cur", base + ":2," + "".join(sorted(info + "F"))))

        second = self.sync()
        self.assertEqual((second["far_added"], second["near_added"]), (0, 0))
        self.assertEqual(second["far_flagged"], 1)   # the local change reached the server
        self.assertEqual(second["near_flagged"], 1)  # the server's change reached the Maildir

        states = {}
        for box in os.listdir(self.local):
            p = os.path.join(self.local, box, ".mbsyncstate")
            if os.path.exists(p):
                states[box] = open(p, "rb").read()
        third = self.sync()
        self.assertEqual(third, {"boxes": 4, "far_added": 0, "far_flagged": 0, "near_added": 0, "near_flagged": 0})
        for box, content in states.items():
            self.assertEqual(open(os.path.join(self.local, box, ".mbsyncstate"), "rb").read(), content, box)

        # Both flags are on the server now.
        out = subprocess.run([MAILDEXD, self.md.path], input=b"a1 EXAMINE INBOX\r\na2 UID FETCH 1:2 (FLAGS)\r\n",
                             capture_output=True, timeout=30).stdout.decode()
        self.assertRegex(out, r"UID 1 FLAGS \([^)]*\\Flagged")
        self.assertRegex(out, r"UID 2 FLAGS \([^)]*\\Flagged")


if __name__ == "__main__":
    unittest.main()
