"""Maildir++ quota shared with the real deliverquota (courier-base): Maildex and
deliverquota write maildirsize at the same time, with no lock between them, and the file
still sums to what a fresh count of the folders says; over the quota, each refuses
(deliverquota exits 75, Maildex answers NO [OVERQUOTA]) and nothing is added.

The counting rules are Courier's (maildirquota.c): every folder but Trash, messages marked
deleted (T) left out, a message's size from ",S=" in its name or else the file's."""

import os
import re
import shutil
import subprocess
import threading
import unittest

from maildex_testlib import MaildirTestCase, maildexd

DELIVERQUOTA = shutil.which("deliverquota")


def fresh_count(maildir):
    """The usage as Courier's recalculation counts it, independently of both programs."""
    bytes_, messages = 0, 0
    dirs = [maildir] + [os.path.join(maildir, d) for d in os.listdir(maildir)
                        if d.startswith(".") and d not in (".", "..", ".Trash")
                        and os.path.isdir(os.path.join(maildir, d, "cur"))]
    for d in dirs:
        for sub in ("cur", "new"):
            for name in os.listdir(os.path.join(d, sub)):
                info = name.split(":2,", 1)[1] if ":2," in name else ""
                if "T" in info:
                    continue
                m = re.search(r",S=(\d+)", name.split(":", 1)[0])
                size = int(m.group(1)) if m else os.stat(os.path.join(d, sub, name)).st_size
                bytes_ += size
                messages += 1
    return bytes_, messages


def file_sum(maildir):
    with open(os.path.join(maildir, "maildirsize")) as f:
        lines = f.read().splitlines()
    quota, usage = lines[0], [l.split() for l in lines[1:] if l.strip()]
    return quota, sum(int(b) for b, _ in usage), sum(int(c) for _, c in usage)


def message(i, size):
    head = "From: mda@example.com\nSubject: message %d\n\n" % i
    return head + "x" * (size - len(head) - 1) + "\n"


@unittest.skipUnless(DELIVERQUOTA, "deliverquota (courier-base) is not installed")
class QuotaWithDeliverquota(MaildirTestCase):
    def deliverquota(self, text):
        return subprocess.run([DELIVERQUOTA, self.md.path], input=text.encode(),
                              capture_output=True, timeout=30).returncode

    def test_both_writers_keep_one_sum_and_refuse_alike(self):
        with open(os.path.join(self.md.path, "maildirsize"), "w") as f:
            f.write("400000S,1000C\n")
        self.md.make_folder("Trash")
        errors = []

        def mda():
            try:
                for i in range(40):
                    self.assertEqual(self.deliverquota(message(i, 1500 + 37 * i)), 0)
            except Exception as e:  # reported by the main thread
                errors.append(e)

        thread = threading.Thread(target=mda)
        thread.start()
        m = maildexd(self.md.path)
        try:
            for i in range(40):
                typ, _ = m.append("INBOX", None, None, message(100 + i, 2000 + 11 * i).encode())
                self.assertEqual(typ, "OK")
                if i % 5 == 4:
                    # Expunged at once, so no message marked deleted is left for the two
                    # ways of counting to disagree on.
                    m.select("INBOX")
                    m.store("1:2", "+FLAGS.SILENT", "(\\Deleted)")
                    m.expunge()
                    # Moved to Trash: out of the quota.
                    m.copy("1", "INBOX.Trash")
                    m.store("1", "+FLAGS.SILENT", "(\\Deleted)")
                    m.expunge()
                    m.close()
            thread.join(120)
            self.assertFalse(errors, errors)
            quota, used_bytes, used_messages = file_sum(self.md.path)
            self.assertEqual(quota, "400000S,1000C")
            self.assertEqual((used_bytes, used_messages), fresh_count(self.md.path))

            # Filled up: both refuse, and nothing is added.
            with open(os.path.join(self.md.path, "maildirsize"), "w") as f:
                b, c = fresh_count(self.md.path)
                f.write("%dS,1000C\n%12d %12d\n" % (b + 3000, b, c))
            typ, data = m.append("INBOX", None, None, message(999, 4000).encode())
            self.assertEqual(typ, "NO")
            self.assertIn(b"[OVERQUOTA]", data[0])
            self.assertEqual(self.deliverquota(message(998, 4000)), 75)
            self.assertEqual(fresh_count(self.md.path), (b, c))
            # Still room for a small one, by either.
            self.assertEqual(m.append("INBOX", None, None, message(997, 1000).encode())[0], "OK")
            self.assertEqual(self.deliverquota(message(996, 1000)), 0)
            self.assertEqual(file_sum(self.md.path)[1:], fresh_count(self.md.path))
        finally:
            thread.join(120)
            m.logout()


if __name__ == "__main__":
    unittest.main()
