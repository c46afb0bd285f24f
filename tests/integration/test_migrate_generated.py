"""Courier-format metadata made here for what the real fixtures lack: damaged and
half-written files, 2,000 keywords, thousands of messages, messages in new/ that Courier
never numbered, a courierimapuiddb whose next UID is too low, UIDs Courier handed out
twice, and Courier 4's modified-UTF-7 directory names. Each is migrated with maildexctl
and then read over IMAP through maildexd."""

import os
import random
import shutil
import unittest

from maildex_testlib import (Maildir, list_mailboxes, maildexd, mailbox_state, quote,
                             run_ctl, status)

BODY = "From: a@example.com\nSubject: test %s\n\nHello %s.\n"
HOST = "gen.example"


class CourierMaildir(Maildir):
    """A Maildir as Courier would leave it, written by hand."""

    def put(self, folder, base, flags="", new=False):
        d = self.folder_dir(folder)
        name = base if new else base + ":2," + flags
        with open(os.path.join(d, "new" if new else "cur", name), "w") as f:
            f.write(BODY % (base, base))
        return base

    def write(self, folder, relative, text):
        path = os.path.join(self.folder_dir(folder), relative)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        return path

    def uiddb(self, folder, validity, next_uid, entries, tail="\n"):
        text = "1 %d %d\n" % (validity, next_uid)
        text += "\n".join("%d %s" % e for e in entries)
        return self.write(folder, "courierimapuiddb", text + (tail if entries else ""))

    def keyword_list(self, folder, names, per_message):
        index = {n: i for i, n in enumerate(names)}
        text = "".join(n + "\n" for n in names) + "\n"
        for base, kws in per_message.items():
            text += "%s:%s\n" % (base, " ".join(str(index[k]) for k in sorted(kws)))
        return self.write(folder, "courierimapkeywords/:list", text)


def base(sec, n):
    return "%d.M%dP%d.%s,S=%d" % (sec, n, 4242, HOST, len(BODY % ("x", "x")))


class GeneratedCourierMetadata(unittest.TestCase):
    def setUp(self):
        self.md = CourierMaildir()
        self.addCleanup(self.md.cleanup)

    def connect(self):
        m = maildexd(self.md.path)
        self.addCleanup(lambda: m.state != "LOGOUT" and m.logout())
        return m

    def state(self, *names):
        return mailbox_state(self.connect(), names)

    def test_damaged_and_half_written_files_are_reported_and_the_migration_goes_on(self):
        bases = [self.md.put("", base(1700000000 + i, i), "S" if i % 2 else "") for i in range(10)]
        # A garbage line, a line with no file name, and a last entry cut off before its
        # newline: the UIDs that can be read are kept, the cut-off one too.
        uiddb = self.md.write("", "courierimapuiddb",
                              "1 777 11\n" + "".join("%d %s\n" % (i + 1, b)
                                                     for i, b in enumerate(bases[:9]))
                              + "nonsense\n7x y\n10 " + bases[9])
        kwlist = self.md.write("", "courierimapkeywords/:list",
                               "Alpha\nBeta\n\n%s:0\n%s:1 7\nno colon here\n%s:1" % (
                                   bases[0], bases[1], bases[2]))
        self.md.make_folder("Sent")
        sent = [self.md.put("Sent", base(1700001000 + i, i), "S") for i in range(3)]
        sent_uiddb = self.md.write("Sent", "courierimapuiddb", "1 88")  # half-written header
        subscribed = self.md.write("", "courierimapsubscribed", "INBOX\nINBOX.Sent\nbad\x01line\n")
        acl = self.md.write("Sent", "courierimapacl", "owner aceilrstwx\n lr\n")
        quota = self.md.write("", "maildirsize", "1000000S\n  12 x\n         100            2\n")

        p = run_ctl("migrate", "courier", self.md.path, check=1)
        for path in (uiddb, kwlist, sent_uiddb, subscribed, acl, quota):
            self.assertIn(path, p.stderr)
        self.assertIn("the migration went on", p.stdout)

        st = self.state("INBOX", "INBOX.Sent")
        inbox = st["INBOX"]
        self.assertEqual(inbox["uidvalidity"], 777)
        self.assertEqual(inbox["uidnext"], 11)
        self.assertEqual(sorted(inbox["messages"]), list(range(1, 11)))
        self.assertEqual(inbox["messages"][1], ([], ["Alpha"]))
        self.assertEqual(inbox["messages"][2], (["\\Seen"], ["Beta"]))  # index 7 ignored
        self.assertEqual(inbox["messages"][3], ([], ["Beta"]))  # last line, no newline
        # Sent had no usable uiddb: a new UIDVALIDITY and UIDs in Courier's order.
        self.assertEqual(sorted(st["INBOX.Sent"]["messages"]), [1, 2, 3])
        self.assertNotEqual(st["INBOX.Sent"]["uidvalidity"], 88)
        self.assertEqual(sorted(list_mailboxes(self.connect(), "LSUB")), ["INBOX", "INBOX.Sent"])
        run_ctl("check", self.md.path, check=0)

    def test_two_thousand_keywords(self):
        rnd = random.Random(7)
        names = ["Kw%04d" % i for i in range(2000)]
        per_message, bases = {}, []
        for i in range(2500):
            b = self.md.put("", base(1700000000 + i, i), "S")
            bases.append(b)
            # every name used at least once, and some messages with several
            kws = {names[i % 2000]} | {rnd.choice(names) for _ in range(rnd.randrange(3))}
            per_message[b] = kws
        self.md.uiddb("", 4242, 2501, [(i + 1, b) for i, b in enumerate(bases)])
        self.md.keyword_list("", names, per_message)
        # Pending per-message updates win over :list (Courier's merge rule).
        self.md.write("", "courierimapkeywords/" + bases[0], "Kw0001\nLate\n")
        self.md.write("", "courierimapkeywords/.99.%s" % bases[1], "")
        per_message[bases[0]] = {"Kw0001", "Late"}
        per_message[bases[1]] = set()

        run_ctl("migrate", "courier", self.md.path, check=0)
        m = self.connect()
        m.select("INBOX")
        _, flags = m.response("FLAGS")
        self.assertEqual(len([f for f in flags[0].split() if not f.startswith(b"(\\")
                              and not f.startswith(b"\\")]), 2001)
        from maildex_testlib import fetch_flags
        got = fetch_flags(m)
        self.assertEqual(len(got), 2500)
        for uid, b in enumerate(bases, 1):
            self.assertEqual(got[uid], (["\\Seen"], sorted(per_message[b])), uid)

    def test_thousands_of_messages_with_gaps_and_unnumbered_ones(self):
        bases = [self.md.put("", base(1600000000 + i, i), "S" if i % 3 else "F")
                 for i in range(5000)]
        # Courier numbered the first 4,950 with gaps (every other UID was expunged).
        entries = [(2 * i + 1, b) for i, b in enumerate(bases[:4950])]
        self.md.uiddb("", 1234567, 2 * 4950 + 5, entries)
        later = [self.md.put("", base(1700000000 + i, i), new=True) for i in range(50)]
        run_ctl("migrate", "courier", self.md.path, check=0)
        inbox = self.state("INBOX")["INBOX"]
        expected = {2 * i + 1: (["\\Seen"] if i % 3 else ["\\Flagged"], [])
                    for i in range(4950)}
        # Courier's order for the unnumbered ones: cur/ leftovers and new/ together.
        unnumbered = bases[4950:] + later
        for k, b in enumerate(sorted(unnumbered, key=lambda b: (int(b.split(".")[0]), b))):
            i = bases.index(b) if b in bases else None
            expected[2 * 4950 + 5 + k] = ((["\\Seen"] if i % 3 else ["\\Flagged"])
                                          if i is not None else [], [])
        self.assertEqual(inbox["messages"], expected)
        self.assertEqual(inbox["uidnext"], 2 * 4950 + 5 + 100)
        self.assertEqual(inbox["uidvalidity"], 1234567)

    def test_messages_courier_never_numbered_get_courier_order(self):
        known = [self.md.put("", base(1690000000, i)) for i in (1, 2, 3, 4)]
        self.md.uiddb("", 555, 5, [(i + 1, b) for i, b in enumerate(known)])
        # Courier's fnamcmp: the seconds as a number, then the rest byte by byte, so
        # M100000 sorts before M50000 and M99999 within one second; a file restored with
        # an older time goes first.
        names = {
            "1700000000.M99999P1.%s" % HOST: 8,
            "1700000000.M100000P1.%s" % HOST: 6,
            "1699999999.M5P1.%s" % HOST: 5,
            "1700000001.M1P1.%s" % HOST: 9,
        }
        for n in names:
            self.md.put("", n, new=True)
        self.md.put("", "1700000000.M50000P1.%s" % HOST, "S")  # in cur/ without a UID: 7
        run_ctl("migrate", "courier", self.md.path, check=0)
        m = self.connect()
        self.assertEqual(status(m, "INBOX", "(UIDNEXT RECENT)"), {"UIDNEXT": 10, "RECENT": 0})
        m.select("INBOX")
        typ, data = m.uid("FETCH", "5:*", "(UID BODY.PEEK[HEADER.FIELDS (SUBJECT)])")
        got = {}
        for item in data:
            if isinstance(item, tuple):
                uid = int(item[0].split(b"UID ")[1].split()[0])
                got[uid] = item[1].decode().split("test ")[1].split()[0]
        want = dict((uid, n) for n, uid in names.items())
        want[7] = "1700000000.M50000P1.%s" % HOST
        self.assertEqual(got, want)

    def test_uiddb_whose_next_uid_is_too_low(self):
        bases = [self.md.put("", base(1700000000 + i, i), "S") for i in range(4)]
        # Header says 3 while UIDs 1-4 are listed (Courier would hand out 3 again).
        path = self.md.uiddb("", 999, 3, [(i + 1, b) for i, b in enumerate(bases)])
        fresh = self.md.put("", base(1700000100, 9), new=True)
        p = run_ctl("migrate", "courier", self.md.path, check=1)
        self.assertIn(path + ": next UID 3 in the header is not above UID 4; using 5", p.stderr)
        inbox = self.state("INBOX")["INBOX"]
        self.assertEqual(sorted(inbox["messages"]), [1, 2, 3, 4, 5])
        self.assertEqual(inbox["uidnext"], 6)
        with open(path) as f:
            self.assertEqual(f.readline(), "1 999 6\n")  # repaired in place
        with open(path) as f:
            self.assertIn("5 " + fresh + "\n", f.read())

    def test_uid_that_courier_handed_out_twice(self):
        a = self.md.put("", base(1700000000, 1), "S")
        b = self.md.put("", base(1700000001, 2), "F")
        c = self.md.put("", base(1700000002, 3))
        self.md.uiddb("", 321, 4, [(1, a), (3, b), (3, c)])
        p = run_ctl("migrate", "courier", "--dry-run", self.md.path, check=0)
        self.assertIn("gives UID 3 to both", p.stdout)
        run_ctl("migrate", "courier", self.md.path, check=0)
        inbox = self.state("INBOX")["INBOX"]
        self.assertEqual(inbox["messages"], {1: (["\\Seen"], []), 3: (["\\Flagged"], []),
                                             4: ([], [])})

    def test_courier_4_modified_utf7_directories(self):
        for folder in ("Entw&APw-rfe", "Gr&APwA3w-e", "Work &- Play"):
            self.md.make_folder(folder)
            self.md.put(folder, base(1700000000, 1), "S")
        self.md.write("", "courierimapsubscribed", "INBOX\nINBOX.Gr&APwA3w-e\n")
        p = run_ctl("migrate", "courier", self.md.path, check=0)
        self.assertIn("modified UTF-7", p.stdout)
        m = self.connect()
        self.assertEqual(sorted(list_mailboxes(m)),
                         ["INBOX", "INBOX.Entw&APw-rfe", "INBOX.Gr&APwA3w-e", "INBOX.Work &- Play"])
        self.assertEqual(sorted(list_mailboxes(m, "LSUB")), ["INBOX", "INBOX.Gr&APwA3w-e"])
        self.assertEqual(status(m, "INBOX.Gr&APwA3w-e")["MESSAGES"], 1)
        # A folder created now gets the same spelling on disk.
        self.assertEqual(m.create(quote("INBOX.&ANY-lf&AOQ-sser"))[0], "OK")
        self.assertTrue(os.path.isdir(os.path.join(self.md.path, ".&ANY-lf&AOQ-sser")))
        m.enable("UTF8=ACCEPT")
        self.assertIn("INBOX.Grüße", list_mailboxes(m))
        self.assertIn("INBOX.Work & Play", list_mailboxes(m))
        m.logout()
        # Told it is Courier 5 instead, the same directories show their literal names.
        run_ctl("migrate", "courier", "--folder-names", "utf8", self.md.path, check=0)
        self.assertIn("INBOX.Gr&-APwA3w-e", list_mailboxes(self.connect()))


if __name__ == "__main__":
    unittest.main()
