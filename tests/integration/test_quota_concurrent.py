"""Maildir++ quota shared with the real MDAs: deliverquota (courier-base), maildrop and
Maildex write maildirsize at the same time, with no lock between them, and the file still
sums to what a fresh count of the folders says; over the quota, each refuses (deliverquota
and maildrop exit 75, Maildex answers NO [OVERQUOTA]) and nothing is added.

The case runs QUOTA_CONCURRENT_ROUNDS times (default 3, about 15 s), each on a fresh
Maildir; set it to 100 or more to hunt for a rare interleaving.

While the writers run, maildirsize stays under the 5,120 bytes that make a writer count
the folders again (fewer than 190 lines of 26 bytes) and under the quota, so nothing
recounts: the sum must then be exact. A recount while another program has placed a file
but not yet appended its line counts that file twice; Maildir++ accepts that race
(README.maildirquota: the next recalculation "will compensate for any race conditions
which previously threw off the totals"), so a test of exact sums cannot include one."""

import os
import shutil
import subprocess
import threading
import unittest

from maildex_testlib import Maildir, maildexd
from maildirsize_count import file_sum, fresh_count, message

# courier-base's own program: maildrop's package may hold the "deliverquota" link.
DELIVERQUOTA = shutil.which("deliverquota.courier") or shutil.which("deliverquota")
MAILDROP = shutil.which("maildrop")
ROUNDS = int(os.environ.get("QUOTA_CONCURRENT_ROUNDS", "3"))
PER_WRITER = 30


class Writers:
    """The two MDAs, each delivering into one Maildir as a mail server would run them."""

    def __init__(self, md):
        self.md = md
        # maildrop's filter: deliver into the Maildir (it reads maildirsize as deliverquota
        # does). It must be the user's own and not readable by others.
        self.filter = os.path.join(md.root, "mailfilter")
        with open(self.filter, "w") as f:
            f.write('to "%s"\n' % md.path)
        os.chmod(self.filter, 0o600)

    def deliverquota(self, text):
        return subprocess.run([DELIVERQUOTA, self.md.path], input=text.encode(),
                              capture_output=True, timeout=30).returncode

    def maildrop(self, text):
        return subprocess.run([MAILDROP, self.filter], input=text.encode(),
                              capture_output=True, timeout=30).returncode


@unittest.skipUnless(DELIVERQUOTA, "deliverquota (courier-base) is not installed")
@unittest.skipUnless(MAILDROP, "maildrop is not installed")
class QuotaWithTheMdas(unittest.TestCase):
    def test_all_writers_keep_one_sum_and_refuse_alike(self):
        for r in range(ROUNDS):
            md = Maildir()
            try:
                with self.subTest(round=r):
                    self.one_round(md, r)
            finally:
                md.cleanup()

    def one_round(self, md, r):
        with open(os.path.join(md.path, "maildirsize"), "w") as f:
            f.write("400000S,1000C\n")
        md.make_folder("Trash")
        w = Writers(md)
        errors = []

        def mda(deliver, sizes):
            try:
                for i, size in enumerate(sizes):
                    rc = deliver(message(i, size))
                    if rc != 0:
                        errors.append("%s exited %d" % (deliver.__name__, rc))
            except Exception as e:  # reported by the main thread
                errors.append(e)

        # Sizes differ by round, so that the interleavings differ too.
        threads = [threading.Thread(target=mda, args=(w.deliverquota,
                                                      [1500 + 37 * i + r for i in range(PER_WRITER)])),
                   threading.Thread(target=mda, args=(w.maildrop,
                                                      [1700 + 29 * i + 3 * r for i in range(PER_WRITER)]))]
        for t in threads:
            t.start()
        m = maildexd(md.path)
        try:
            for i in range(PER_WRITER):
                typ, _ = m.append("INBOX", None, None, message(100 + i, 2000 + 11 * i + r).encode())
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
            for t in threads:
                t.join(120)
            self.assertFalse(errors, errors)
            quota, used_bytes, used_messages = file_sum(md.path)
            self.assertEqual(quota, "400000S,1000C")
            self.assertLess(os.path.getsize(os.path.join(md.path, "maildirsize")), 5120)
            self.assertEqual((used_bytes, used_messages), fresh_count(md.path))

            # Filled up: all three refuse, and nothing is added.
            b, c = fresh_count(md.path)
            with open(os.path.join(md.path, "maildirsize"), "w") as f:
                f.write("%dS,1000C\n%12d %12d\n" % (b + 3000, b, c))
            typ, data = m.append("INBOX", None, None, message(999, 4000).encode())
            self.assertEqual(typ, "NO")
            self.assertIn(b"[OVERQUOTA]", data[0])
            self.assertEqual(w.deliverquota(message(998, 4000)), 75)
            self.assertEqual(w.maildrop(message(995, 4000)), 75)
            self.assertEqual(fresh_count(md.path), (b, c))
            # Still room for a small one, by each.
            self.assertEqual(m.append("INBOX", None, None, message(997, 900).encode())[0], "OK")
            self.assertEqual(w.deliverquota(message(996, 900)), 0)
            self.assertEqual(w.maildrop(message(994, 900)), 0)
            self.assertEqual(file_sum(md.path)[1:], fresh_count(md.path))
            self.assertEqual(fresh_count(md.path), (b + 2700, c + 3))
        finally:
            for t in threads:
                t.join(120)
            m.logout()


if __name__ == "__main__":
    unittest.main()
