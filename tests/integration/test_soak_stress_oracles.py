"""The judges of scripts/soak-crash and scripts/stress, without a server: given what a
session was told (or what a ledger says and what was found on disk), do they name
exactly the failures they exist to find? The scripts themselves run the real server
under load and are not part of the default run."""

import collections
import os
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts", "lib"))

from imap_client import Response, format_set, parse_set, uidplus_pairs  # noqa: E402
import soak_crash  # noqa: E402
import stress  # noqa: E402


class FakeSession:
    def __init__(self):
        self.name = "s1"
        self.trace = collections.deque(maxlen=40)
        self.violations = stress.Violations()
        self.stats = collections.Counter()
        self.last_command = "(none)"
        self.last_reply = "(none)"
        self.bye = None


def view_with(uids, flags=(), folder="INBOX"):
    session = FakeSession()
    view = stress.View(session)
    view.reset(folder)
    view.uids = list(uids)
    view.flags = set(flags)
    return view, session.violations.counts


def feed(view, line, command=None):
    view.observe(Response(line), (b"x1", command) if command else None)


class StressView(unittest.TestCase):
    def test_the_issue_example_expunge_after_the_tagged_reply(self):
        # Issue 15: "x1 UID FETCH 1:* (UID)" -> "x1 NO [EXPUNGEISSUED]", then "* 2 EXPUNGE".
        view, counts = view_with([1, 2, 3, 4])
        feed(view, b"* 1 FETCH (UID 1)", b"UID FETCH 1:* (UID)")
        feed(view, b"x1 NO [EXPUNGEISSUED] Some messages were expunged meanwhile", b"UID FETCH 1:* (UID)")
        feed(view, b"* 2 EXPUNGE")
        self.assertEqual(dict(counts), {"untagged outside a command": 1})
        self.assertEqual(view.uids, [1, 3, 4])

    def test_expunge_is_allowed_during_uid_fetch_and_idle_but_not_fetch_store_search(self):
        for command, expected in [(b"UID FETCH 1:* (UID)", {}), (b"IDLE", {}), (b"NOOP", {}),
                                  (b"UID STORE 1 +FLAGS (x)", {}),
                                  (b"FETCH 1:3 (FLAGS)", {"EXPUNGE during FETCH/STORE/SEARCH": 1}),
                                  (b"STORE 1 +FLAGS (\\Seen)", {"EXPUNGE during FETCH/STORE/SEARCH": 1}),
                                  (b"SEARCH ALL", {"EXPUNGE during FETCH/STORE/SEARCH": 1})]:
            view, counts = view_with([1, 2, 3])
            feed(view, b"* 3 EXPUNGE", command)
            self.assertEqual(dict(counts), expected, command)
            self.assertEqual(view.uids, [1, 2])

    def test_keywords_must_be_announced_before_a_fetch_names_them(self):
        view, counts = view_with([1, 2], flags={"\\seen", "$label1"})
        feed(view, b"* 1 FETCH (FLAGS (\\Seen $Label1))", b"NOOP")
        self.assertEqual(dict(counts), {})
        feed(view, b"* 2 FETCH (FLAGS (\\Seen NewOne))", b"NOOP")
        self.assertEqual(dict(counts), {"keyword not announced": 1})
        feed(view, b"* FLAGS (\\Seen $Label1 NewOne)", b"NOOP")
        feed(view, b"* 2 FETCH (FLAGS (\\Seen newone))", b"NOOP")
        feed(view, b"* 2 FETCH (FLAGS (\\Bogus))", b"NOOP")
        self.assertEqual(dict(counts), {"keyword not announced": 1, "unknown system flag": 1})

    def test_sequence_numbers_and_uids_are_checked_against_the_map(self):
        view, counts = view_with([10, 20, None])
        feed(view, b"* 4 FETCH (FLAGS ())", b"NOOP")
        feed(view, b"* 4 EXPUNGE", b"NOOP")
        self.assertEqual(counts["sequence number out of range"], 2)
        feed(view, b"* 2 FETCH (UID 21)", b"NOOP")
        self.assertEqual(counts["FETCH UID disagrees with the map"], 1)
        feed(view, b"* 3 FETCH (UID 15)", b"NOOP")  # below UID 20 of message 2
        self.assertEqual(counts["FETCH UID disagrees with the map"], 2)
        feed(view, b"* 3 FETCH (UID 30)", b"NOOP")
        self.assertEqual(view.uids, [10, 20, 30])
        feed(view, b"* 1 EXPUNGE", b"NOOP")
        view2, counts2 = view_with([None])
        view2.gone = {10}
        feed(view2, b"* 1 FETCH (UID 10)", b"NOOP")
        self.assertEqual(counts2["FETCH UID disagrees with the map"], 1)

    def test_exists_never_goes_below_what_the_session_knows(self):
        view, counts = view_with([1, 2, 3])
        feed(view, b"* 5 EXISTS", b"NOOP")
        self.assertEqual(view.uids, [1, 2, 3, None, None])
        feed(view, b"* 4 EXISTS", b"NOOP")
        self.assertEqual(dict(counts), {"wrong EXISTS count": 1})

    def test_vanished_for_qresync_sessions(self):
        view, counts = view_with([1, 2, 3, None])
        view.qresync = True
        feed(view, b"* VANISHED 2,3", b"UID FETCH 1:* (UID)")
        self.assertEqual(view.uids, [1, None])
        feed(view, b"* VANISHED 9", b"UID FETCH 1:* (UID)")  # the message not fetched yet
        self.assertEqual(view.uids, [1])
        feed(view, b"* VANISHED 1", b"FETCH 1 (FLAGS)")
        feed(view, b"* 1 EXPUNGE", b"NOOP")
        self.assertEqual(dict(counts), {"EXPUNGE during FETCH/STORE/SEARCH": 1, "EXPUNGE after ENABLE QRESYNC": 1,
                                        "sequence number out of range": 1})

    def test_unfetched_messages_anywhere_in_the_map(self):
        # A session may know message 6's UID and not those of 4 and 5.
        view, counts = view_with([1, 2, 5, None, None, 39])
        feed(view, b"* SEARCH 1 2 5 37 38 39", b"UID SEARCH ALL")
        view.finish_command(Response(b"x1 OK done"))
        self.assertEqual(dict(counts), {})
        view.qresync = True
        feed(view, b"* VANISHED 37", b"NOOP")
        self.assertEqual(view.uids, [1, 2, 5, None, 39])
        feed(view, b"* VANISHED 40", b"NOOP")  # fits nowhere: never announced, not counted
        self.assertEqual(view.uids, [1, 2, 5, None, 39])
        feed(view, b"* 5 EXISTS", b"NOOP")
        feed(view, b"* SEARCH 3", b"UID SEARCH ALL")
        view.finish_command(Response(b"x1 OK done"))
        self.assertEqual(dict(counts), {"UID SEARCH names an unknown UID": 1})

    def test_search_results_are_checked_at_the_tagged_reply(self):
        view, counts = view_with([5, 6, None])
        feed(view, b"* SEARCH 1 3", b"SEARCH ALL")
        feed(view, b"* 4 EXISTS", b"SEARCH ALL")
        view.finish_command(Response(b"x1 OK done"))
        self.assertEqual(dict(counts), {})
        feed(view, b"* SEARCH 1 5", b"SEARCH ALL")
        view.finish_command(Response(b"x1 OK done"))
        self.assertEqual(dict(counts), {"sequence number out of range": 1})
        view.gone = {4}
        feed(view, b"* SEARCH 5 9", b"UID SEARCH ALL")  # 9: one of the unfetched new ones
        view.finish_command(Response(b"x1 OK done"))
        self.assertEqual(counts["UID SEARCH names an unknown UID"], 0)
        view.qresync = True
        feed(view, b"* SEARCH 6", b"UID SEARCH ALL")
        feed(view, b"* VANISHED 6", b"UID SEARCH ALL")  # expunged after the search: fine
        view.finish_command(Response(b"x1 OK done"))
        self.assertEqual(counts["UID SEARCH names an unknown UID"], 0)
        feed(view, b"* SEARCH 4", b"UID SEARCH ALL")
        view.finish_command(Response(b"x1 OK done"))
        self.assertEqual(counts["UID SEARCH names an unknown UID"], 1)

    def test_examples_name_the_session_command_and_line(self):
        view, _ = view_with([1, 2])
        view.session.last_command = "s1.7 UID FETCH 1:* (UID)"
        view.session.last_reply = "s1.7 NO [EXPUNGEISSUED] gone"
        feed(view, b"* 2 EXPUNGE")
        example = view.session.violations.examples["untagged outside a command"][0]
        self.assertIn("s1.7 UID FETCH 1:* (UID)", example)
        self.assertIn("* 2 EXPUNGE", example)
        self.assertIn("INBOX", example)


def message(placed, worlds=None, kind=None, move=None):
    m = soak_crash.Message("<m@x>", "u1", "c1")
    m.placed = {f: frozenset(v) for f, v in placed.items()}
    if worlds is not None:
        m.worlds = [{f: frozenset(v) for f, v in w.items()} for w in worlds]
        m.doubt, m.doubt_kind, m.move = "the command", kind, move
    return m


def seen(**folders):
    return {f: [frozenset(x) for x in v] for f, v in folders.items()}


class SoakJudge(unittest.TestCase):
    def kinds(self, m, s):
        return [k for k, _ in soak_crash.judge(m, s)]

    def test_acknowledged_state_found(self):
        self.assertEqual(self.kinds(message({"A": {"\\seen"}}), seen(A=[{"\\seen"}])), [])

    def test_lost_and_duplicated(self):
        self.assertEqual(self.kinds(message({"A": set()}), {}), ["lost"])
        self.assertEqual(self.kinds(message({"A": set()}), seen(A=[set(), set()])), ["duplicated"])
        self.assertEqual(self.kinds(message({"A": set()}), seen(A=[set()], B=[set()])), ["duplicated"])
        self.assertEqual(self.kinds(message({"A": set()}), seen(B=[set()])), ["lost", "duplicated"])

    def test_interrupted_move(self):
        m = message({"A": {"k"}}, [{"A": {"k"}}, {"B": {"k"}}], "MOVE", ("A", "B"))
        self.assertEqual(self.kinds(m, seen(A=[{"k"}])), [])
        self.assertEqual(self.kinds(m, seen(B=[{"k"}])), [])
        self.assertEqual(self.kinds(m, seen(A=[{"k"}], B=[{"k"}])), ["moved-in-both"])
        self.assertEqual(self.kinds(m, {}), ["lost"])

    def test_interrupted_copy_may_leave_both(self):
        m = message({"A": set()}, [{"A": set()}, {"A": set(), "B": set()}], "COPY")
        self.assertEqual(self.kinds(m, seen(A=[set()], B=[set()])), [])
        self.assertEqual(self.kinds(m, seen(A=[set()])), [])

    def test_interrupted_store_and_append_must_not_mix(self):
        m = message({"A": {"\\seen"}}, [{"A": {"\\seen"}}, {"A": {"\\flagged", "kw"}}], "STORE")
        self.assertEqual(self.kinds(m, seen(A=[{"\\flagged", "kw"}])), [])
        self.assertEqual(self.kinds(m, seen(A=[{"\\flagged"}])), ["mixed flags"])
        a = message({}, [{}, {"A": {"\\seen", "kw"}}], "APPEND")
        self.assertEqual(self.kinds(a, {}), [])
        self.assertEqual(self.kinds(a, seen(A=[{"\\seen"}])), ["mixed flags"])

    def test_flags_are_compared_without_case_and_recent(self):
        self.assertEqual(soak_crash.norm(["\\Seen", "\\Recent", "$Label1"]), {"\\seen", "$label1"})


class Values(unittest.TestCase):
    def test_sets_and_copyuid(self):
        self.assertEqual(parse_set("1:3,7,9:8"), [1, 2, 3, 7, 8, 9])
        self.assertEqual(format_set([7, 1, 2, 3, 9]), "1:3,7,9")
        self.assertEqual(uidplus_pairs(b"5 3:4,9 20:22"), (5, [(3, 20), (4, 21), (9, 22)]))

    def test_response_codes(self):
        r = Response(b"a1 OK [APPENDUID 38505 3955] APPEND completed")
        self.assertEqual((r.tag, r.kind, r.code, r.code_args), (b"a1", b"OK", b"APPENDUID", b"38505 3955"))
        r = Response(b"* OK [PERMANENTFLAGS (\\Seen $Junk \\*)] Limited")
        self.assertEqual(r.flags_list(), ["\\Seen", "$Junk", "\\*"])
        r = Response(b"* 12 FETCH (UID 7 BODY[HEADER.FIELDS (MESSAGE-ID)] {21}\r\nMessage-ID: <a@b>\r\n\r\n)")
        self.assertEqual((r.number, r.kind), (12, b"FETCH"))
        items = r.fetch()
        self.assertEqual(soak_crash.message_id_of(items[b"BODY[HEADER.FIELDS (MESSAGE-ID)]"]), "<a@b>")


if __name__ == "__main__":
    unittest.main()
