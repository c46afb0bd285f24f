"""The realtime check Courier's manual describes, over real sockets: three clients
select INBOX and two of them IDLE; the third sets and clears \\Deleted on message 1
twenty times, then expunges it; then a message is delivered into new/ the way an MTA
does (tmp/ then rename). Both idlers must see every FETCH, the EXPUNGE and the new
EXISTS. Each wait has a generous bound (Courier's manual allows 15-20 s) so a loaded
CI machine never flakes; scripts/bench-connections measures the real latency."""

import os
import time
import unittest

from maildex_server import LineClient, MaildexServer
from maildex_testlib import run_ctl

BOUND = 20  # seconds per expected update


class Realtime(unittest.TestCase):
    def idle_on_inbox(self, srv, messages, sessions, clients):
        """Delivers `messages` seen messages, logs `sessions` clients in (appended to
        `clients`, for closing), selects INBOX in each; all but the last enter IDLE.
        Returns (idlers, changer)."""
        for i in range(messages):
            srv.maildirs["alice"].deliver("Subject: message %d\n\nbody\n" % i, new=False, flags="S")
        for _ in range(sessions):
            clients.append(LineClient(srv.port).login("alice", "secret"))
        for c in clients:
            self.assertIn("* %d EXISTS" % messages, c.command("s1", "SELECT INBOX"))
        for c in clients[:-1]:
            c.send("i1 IDLE\r\n")
            self.assertEqual(c.line(BOUND), "+ idling")
        return clients[:-1], clients[-1]

    def end_idle(self, idlers):
        for c in idlers:
            c.send("DONE\r\n")
            self.assertEqual(c.until_tagged("i1", BOUND)[-1], "i1 OK IDLE terminated")

    def test_idlers_see_every_change(self):
        with MaildexServer() as srv:
            md = srv.maildirs["alice"]
            clients = []
            try:
                idlers, changer = self.idle_on_inbox(srv, 3, 3, clients)

                def expect_everywhere(predicate, what):
                    for n, c in enumerate(idlers):
                        line = c.line(BOUND)
                        self.assertTrue(predicate(line), "idler %d expected %s, got %r" % (n, what, line))

                for i in range(20):
                    lines = changer.command("c%d" % i, "STORE 1 +FLAGS (\\Deleted)")
                    self.assertTrue(lines[-1].startswith("c%d OK" % i), lines)
                    expect_everywhere(lambda l: l.startswith("* 1 FETCH (FLAGS (") and "\\Deleted" in l,
                                      "FETCH with \\Deleted")
                    lines = changer.command("d%d" % i, "STORE 1 -FLAGS (\\Deleted)")
                    self.assertTrue(lines[-1].startswith("d%d OK" % i), lines)
                    expect_everywhere(lambda l: l.startswith("* 1 FETCH (FLAGS (") and "\\Deleted" not in l,
                                      "FETCH without \\Deleted")
                changer.command("x1", "STORE 1 +FLAGS.SILENT (\\Deleted)")
                expect_everywhere(lambda l: l.startswith("* 1 FETCH") and "\\Deleted" in l, "FETCH")
                lines = changer.command("x2", "EXPUNGE")
                self.assertIn("* 1 EXPUNGE", lines)
                expect_everywhere(lambda l: l == "* 1 EXPUNGE", "EXPUNGE")

                md.deliver("Subject: delivered by the MTA\n\nnew mail\n")
                expect_everywhere(lambda l: l == "* 3 EXISTS", "EXISTS")
                # \\Recent belongs to exactly one session; the RECENT line follows.
                for c in idlers:
                    self.assertRegex(c.line(BOUND), r"^\* \d+ RECENT$")
                self.end_idle(idlers)
            finally:
                for c in clients:
                    c.close()

    def test_a_change_to_many_messages_reaches_every_idler(self):
        # A small report is written by the event loop, a large one by a worker (see
        # Connection::maybeSchedule); idlers are spread over the loops. Both must arrive.
        with MaildexServer() as srv:
            clients = []
            try:
                idlers, changer = self.idle_on_inbox(srv, 150, 4, clients)
                lines = changer.command("c1", "STORE 1:150 +FLAGS.SILENT (\\Flagged)")
                self.assertTrue(lines[-1].startswith("c1 OK"), lines)
                # The first session to select holds the messages' \\Recent.
                for n, c in enumerate(idlers):
                    seen = [c.line(BOUND).replace(" \\Recent", "") for _ in range(150)]
                    expected = ["* %d FETCH (FLAGS (\\Flagged \\Seen))" % i for i in range(1, 151)]
                    self.assertEqual(seen, expected, "idler %d" % n)
                lines = changer.command("c2", "STORE 7 -FLAGS.SILENT (\\Flagged)")
                for n, c in enumerate(idlers):
                    self.assertEqual(c.line(BOUND).replace(" \\Recent", ""), "* 7 FETCH (FLAGS (\\Seen))",
                                     "idler %d" % n)
                self.end_idle(idlers)
            finally:
                for c in clients:
                    c.close()

    def test_the_first_idler_on_a_folder_gets_a_delivery_at_once(self):
        # A folder whose index is current when the server first opens it gets the inotify
        # watch on cur/ a second later (a big cur/ costs to watch); new/, where deliveries
        # land, is watched at once, so its first session does not wait that second.
        srv = MaildexServer()
        md = srv.maildirs["alice"]
        md.make_folder("Lists")
        md.deliver("Subject: old\n\nold mail\n", folder="Lists", new=False, flags="S")
        for sub in ("new", "cur", "tmp"):  # old enough for the index to trust their mtimes
            os.utime(os.path.join(md.folder_dir("Lists"), sub), (time.time() - 60,) * 2)
        run_ctl("reindex", md.path, check=0)
        with srv:
            c = LineClient(srv.port).login("alice", "secret")
            try:
                self.assertIn("* 1 EXISTS", c.command("s1", "SELECT INBOX.Lists"))
                c.send("i1 IDLE\r\n")
                self.assertEqual(c.line(BOUND), "+ idling")
                started = time.time()
                md.deliver("Subject: right after\n\nnew mail\n", folder="Lists")
                self.assertEqual(c.line(BOUND), "* 2 EXISTS")
                took = time.time() - started
                self.assertLess(took, 0.8, "the delivery waited for the deferred watch")
            finally:
                c.close()


if __name__ == "__main__":
    unittest.main()
