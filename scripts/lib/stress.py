"""The multi-client consistency stress behind scripts/stress (read its header first).

Every session is a thread with one raw IMAP connection (tests/integration/imap_client.py)
and a `View` of what the server told it: the sequence-number map of the selected mailbox
(one entry per message, its UID once a FETCH named it), the UIDs it was told are gone,
the FLAGS and PERMANENTFLAGS it was given. Every response goes through View.observe in
arrival order, with the command in progress (or none), and is checked there; the checks
and their RFC rules are the INCONSISTENCIES below.
"""

import argparse
import collections
import os
import random
import signal
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "..", "tests", "integration"))

from imap_client import ImapConnection, ImapError, format_set, literal_plus, parse_set, quote  # noqa: E402
from server_process import ServerProcess, Users, folder_dir  # noqa: E402

FOLDERS = ["INBOX", "INBOX.A", "INBOX.B"]
SYSTEM_FLAGS = {"\\seen", "\\answered", "\\flagged", "\\deleted", "\\draft", "\\recent"}
STORE_FLAGS = ["\\Seen", "\\Answered", "\\Flagged", "\\Draft", "$Label1", "$Label2", "$Important"]
NEW_KEYWORDS = 40      # keywords made up during the run: stress1..stress40
SEED_MESSAGES = 30     # per folder, delivered before the server starts
BIG_MAILBOX = 120      # above this many messages sessions expunge more and append less

# Each kind of inconsistency, with the rule it breaks. All of them fail the run.
INCONSISTENCIES = collections.OrderedDict([
    ("keyword not announced", "a FETCH names a keyword that no FLAGS response gave this session (RFC 3501 7.2.6); "
                              "counted once per session, keyword and FLAGS response"),
    ("unknown system flag", "a FETCH names a \\flag that IMAP does not define"),
    ("untagged outside a command", "EXPUNGE, VANISHED or EXISTS while no command was in progress, "
                                   "e.g. after the tagged reply (RFC 3501 7.4.1, 5.2, 5.5)"),
    ("EXPUNGE during FETCH/STORE/SEARCH", "EXPUNGE or VANISHED while answering a non-UID FETCH, STORE or SEARCH "
                                          "(RFC 3501 7.4.1, RFC 7162 3.2.10)"),
    ("EXPUNGE after ENABLE QRESYNC", "EXPUNGE instead of VANISHED (RFC 7162 3.2.10)"),
    ("sequence number out of range", "a FETCH, EXPUNGE or SEARCH number outside 1..the messages this session knows"),
    ("wrong EXISTS count", "EXISTS below the messages this session knows (no EXPUNGE told it of the difference), "
                           "or the session's count differs from the mailbox at the end"),
    ("FETCH UID disagrees with the map", "a FETCH gives message n a UID other than the one it had, "
                                         "out of UID order, or one the session was told is gone"),
    ("UID SEARCH names an unknown UID", "a UID SEARCH result the session was told is gone, or never told of"),
    ("SELECT without FLAGS or UIDVALIDITY", "RFC 3501 6.3.1 required responses missing"),
    ("keyword stored though not permitted", "STORE of a new keyword answered OK though PERMANENTFLAGS has no \\*"),
    ("BAD answers", "a BAD to a command this session believes valid (e.g. a sequence number it was told exists)"),
    ("connection failures", "the connection closed, broke or timed out"),
    ("map differs at the end", "after the load stopped and two NOOPs, the session's map is not the mailbox's UIDs"),
    ("unparsable responses", "a response the client could not parse"),
])


def norm(flag):
    return flag.lower()


class Violations:
    def __init__(self):
        self.lock = threading.Lock()
        self.counts = collections.Counter()
        self.examples = collections.defaultdict(list)
        self.variants = collections.defaultdict(set)

    def add(self, kind, session, detail, variant=None):
        """Counts one; keeps up to 3 examples of each kind, each of another `variant`
        (by default: from another session)."""
        assert kind in INCONSISTENCIES, kind
        variant = variant or session.name
        with self.lock:
            self.counts[kind] += 1
            if len(self.examples[kind]) < 3 and variant not in self.variants[kind]:
                self.variants[kind].add(variant)
                self.examples[kind].append("%s: %s\n  last lines of %s:\n    %s" % (
                    session.name, detail, session.name, "\n    ".join(list(session.trace)[-12:])))


class View:
    """What the server told one session about its selected mailbox."""

    def __init__(self, session):
        self.session = session
        self.reset(None)
        self.qresync = False

    def reset(self, folder):
        self.folder = folder
        self.uids = []             # index = sequence number - 1; None until a FETCH names it
        self.gone = set()          # UIDs the session was told are expunged
        self.flags = set()         # from the latest "* FLAGS"
        self.unannounced = set()   # keywords reported as not announced since then
        self.permanent = set()     # from the latest "[PERMANENTFLAGS ...]"
        self.new_keywords_allowed = False
        self.got_flags = self.got_validity = False
        self.pending_search = None  # numbers of a SEARCH, checked at its tagged reply

    # the checks

    def violation(self, kind, command, response, what, variant=None):
        if command:
            context = "during `%s %s`" % (command[0].decode(), command[1][:120].decode("utf-8", "replace"))
        else:
            context = "with no command in progress (the last was `%s`, answered `%s`)" % (
                self.session.last_command, self.session.last_reply)
        self.session.violations.add(kind, self.session, "%s in %s, %s: %s" % (
            what, self.folder, context, response.text()[:300]), variant)

    @staticmethod
    def command_name(command):
        """("FETCH", uid?) of a command in progress."""
        words = command[1].split(b" ", 2)
        if words[0].upper() == b"UID":
            return words[1].upper().decode(), True
        return words[0].upper().decode(), False

    def observe(self, r, command):
        """Every response, as it arrives; `command` is (tag, text) or None."""
        try:
            self._observe(r, command)
        except ImapError as e:
            self.session.violations.add("unparsable responses", self.session, "%s: %s" % (e, r.text()[:300]))

    def _observe(self, r, command):
        if not r.untagged:
            return
        name, uid_command = self.command_name(command) if command else (None, False)
        if r.kind in (b"EXPUNGE", b"EXISTS", b"VANISHED") and command is None:
            self.session.stats["%s outside a command" % r.kind.decode()] += 1
            if "[EXPUNGEISSUED]" in self.session.last_reply:
                self.session.stats["untagged outside a command after a reply with [EXPUNGEISSUED]"] += 1
            self.violation("untagged outside a command", command, r, r.kind.decode(), variant=r.kind)
        if r.kind in (b"EXPUNGE", b"VANISHED") and not r.raw.upper().startswith(b"* VANISHED (EARLIER)"):
            if name in ("FETCH", "STORE", "SEARCH") and not uid_command:
                self.violation("EXPUNGE during FETCH/STORE/SEARCH", command, r, r.kind.decode())
        if r.kind == b"EXPUNGE":
            self.on_expunge(r, command)
        elif r.kind == b"VANISHED":
            self.on_vanished(r, command)
        elif r.kind == b"EXISTS":
            self.on_exists(r, command)
        elif r.kind == b"FETCH":
            self.on_fetch(r, command)
        elif r.kind == b"FLAGS":
            self.flags = {norm(f) for f in r.flags_list()}
            self.unannounced = set()
            self.got_flags = True
        elif r.code == b"PERMANENTFLAGS":
            self.permanent = {norm(f) for f in r.flags_list()}
            self.new_keywords_allowed = "\\*" in self.permanent
        elif r.code == b"UIDVALIDITY":
            self.got_validity = True
        elif r.kind == b"SEARCH":
            numbers = [int(x) for x in r.raw.split()[2:] if x.isdigit()]
            if uid_command:
                # Expunged before the search: the session was told; after it (later in
                # the same command's responses) is fine.
                told = [u for u in numbers if u in self.gone]
                if told:
                    self.violation("UID SEARCH names an unknown UID", command, r,
                                   "UID %d was expunged for this session before" % told[0])
            self.pending_search = (uid_command, numbers, r, command)
        elif r.kind == b"BYE":
            self.session.bye = r.text()

    def on_expunge(self, r, command):
        if self.qresync:
            self.violation("EXPUNGE after ENABLE QRESYNC", command, r, "EXPUNGE")
        n = r.number
        if not 1 <= n <= len(self.uids):
            self.violation("sequence number out of range", command, r,
                           "EXPUNGE %d with %d messages known" % (n, len(self.uids)))
            return
        uid = self.uids.pop(n - 1)
        if uid is not None:
            self.gone.add(uid)

    def on_vanished(self, r, command):
        words = r.raw.split()
        if words[2].upper() == b"(EARLIER)":
            return  # only for UID FETCH (VANISHED) and SELECT (QRESYNC), which this client never sends
        for uid in parse_set(words[2]):
            if uid in self.uids:
                self.uids.remove(uid)
                self.gone.add(uid)
                continue
            if uid in self.gone:
                continue
            # A message announced by EXISTS whose UID the session has not fetched: the
            # unknown entry between the known UIDs around it (any one of several unknown
            # entries side by side: they are alike).
            slot = self.unknown_slot(uid)
            if slot is not None:
                del self.uids[slot]
                self.gone.add(uid)
                self.session.stats["VANISHED of a not yet fetched UID"] += 1
            else:
                self.session.stats["VANISHED of a UID never announced"] += 1

    def unknown_slot(self, uid):
        """The index of an unknown (None) entry where `uid` would fit between the known
        UIDs before and after it, or None."""
        before = 0
        for i, u in enumerate(self.uids):
            if u is None:
                after = next((x for x in self.uids[i + 1:] if x is not None), None)
                if before < uid and (after is None or uid < after):
                    return i
            else:
                before = u
                if u > uid:
                    return None
        return None

    def on_exists(self, r, command):
        n = r.number
        if n < len(self.uids):
            self.violation("wrong EXISTS count", command, r,
                           "EXISTS %d with %d messages known and no EXPUNGE for the difference" % (n, len(self.uids)))
            del self.uids[n:]
            return
        self.uids.extend([None] * (n - len(self.uids)))

    def on_fetch(self, r, command):
        n = r.number
        if not 1 <= n <= len(self.uids):
            self.violation("sequence number out of range", command, r,
                           "FETCH %d with %d messages known" % (n, len(self.uids)))
            return
        items = r.fetch()
        if b"FLAGS" in items:
            for f in items[b"FLAGS"]:
                flag = norm(bytes(f).decode())
                if flag.startswith("\\"):
                    if flag not in SYSTEM_FLAGS:
                        self.violation("unknown system flag", command, r, flag)
                elif flag not in self.flags:
                    # Counted once per keyword until the next FLAGS (a keyword on many
                    # messages would otherwise count each FETCH).
                    self.session.stats["lines with an unannounced keyword"] += 1
                    if flag not in self.unannounced:
                        self.unannounced.add(flag)
                        self.violation("keyword not announced", command, r,
                                       "keyword %s, FLAGS given: (%s)" % (flag, " ".join(sorted(self.flags))))
        if b"UID" in items:
            self.check_uid(n, int(items[b"UID"]), command, r)

    def check_uid(self, n, uid, command, r):
        have = self.uids[n - 1]
        if have == uid:
            return
        if have is not None:
            self.violation("FETCH UID disagrees with the map", command, r,
                           "message %d has UID %d in this session's map, FETCH says %d" % (n, have, uid))
            return
        before = next((u for u in reversed(self.uids[:n - 1]) if u is not None), 0)
        after = next((u for u in self.uids[n:] if u is not None), None)
        if uid in self.gone:
            self.violation("FETCH UID disagrees with the map", command, r,
                           "UID %d was expunged for this session" % uid)
        elif uid <= before or (after is not None and uid >= after):
            self.violation("FETCH UID disagrees with the map", command, r,
                           "UID %d for message %d is out of order (UIDs %d before, %s after)" % (uid, n, before, after))
        elif uid in self.uids:
            self.violation("FETCH UID disagrees with the map", command, r,
                           "UID %d is already message %d" % (uid, self.uids.index(uid) + 1))
        else:
            self.uids[n - 1] = uid

    def finish_command(self, tagged):
        """At the tagged reply: a SEARCH's numbers, against what the session knows now."""
        if self.pending_search is None:
            return
        uid_command, numbers, r, search_command = self.pending_search
        self.pending_search = None
        if tagged.kind != b"OK":
            return
        if not uid_command:
            bad = [n for n in numbers if not 1 <= n <= len(self.uids)]
            if bad:
                self.violation("sequence number out of range", search_command, r,
                               "SEARCH numbers %s with %d messages known" % (bad[:5], len(self.uids)))
            return
        known = set(u for u in self.uids if u is not None)
        for u in numbers:
            if u in known or u in self.gone:
                continue
            if self.unknown_slot(u) is not None:
                continue  # one of the messages announced by EXISTS whose UID is not fetched yet
            self.violation("UID SEARCH names an unknown UID", search_command, r,
                           "UID %d was never announced to this session (%d messages known)" % (u, len(self.uids)))
            return


class KeywordPool:
    def __init__(self):
        self.lock = threading.Lock()
        self.made = 0

    def new(self):
        with self.lock:
            if self.made >= NEW_KEYWORDS:
                return "stress%d" % random.randint(1, NEW_KEYWORDS)
            self.made += 1
            return "stress%d" % self.made


class Session(threading.Thread):
    def __init__(self, name, user, password, port, folders, deadline, barrier, violations, seed,
                 keywords, qresync):
        super().__init__(name=name, daemon=True)
        self.user, self.password, self.port = user, password, port
        self.folders = folders  # where it goes; the first is where it mostly stays
        self.deadline, self.barrier, self.violations = deadline, barrier, violations
        self.rng = random.Random(seed)
        self.keywords = keywords
        self.trace = collections.deque(maxlen=40)
        self.view = View(self)
        self.wants_qresync = qresync
        self.replies = collections.Counter()  # by command and result: "UID FETCH NO [EXPUNGEISSUED]"
        self.stats = collections.Counter()    # notes
        self.last_command = "(none)"
        self.last_reply = "(none)"
        self.bye = None
        self.conn = None
        self.failed = False
        self.script_error = None

    # running

    def run(self):
        try:
            self.conn = ImapConnection(self.port, timeout=30, tag_prefix=self.name + ".",
                                       observer=self.view.observe, trace=self.trace)
            self.conn.login(self.user, self.password)
            if self.wants_qresync:
                self.command(b"ENABLE QRESYNC")
                self.view.qresync = True
            self.select(self.folders[0])
            while time.monotonic() < self.deadline:
                self.one_command()
        except ImapError as e:
            self.failed = True
            self.violations.add("connection failures", self, "%s (BYE: %s)" % (e, self.bye))
        except Exception as e:  # a bug of this script: fail the run, with its trace
            self.failed = True
            self.script_error = "%s: %r\n    %s" % (self.name, e, "\n    ".join(self.trace))
            import traceback
            traceback.print_exc()
        finally:
            self.end()

    def end(self):
        """At the barrier with every other session, then the end-of-run comparison."""
        try:
            self.barrier.wait(timeout=120)
        except threading.BrokenBarrierError:
            pass
        if self.failed or self.conn is None:
            return
        try:
            self.command(b"NOOP")
            time.sleep(0.5)
            self.command(b"NOOP")
            known = list(self.view.uids)
            untagged, tagged = self.command(b"UID FETCH 1:* (UID FLAGS)")
            listed = sorted(int(r.fetch()[b"UID"]) for r in untagged if r.kind == b"FETCH" and b"UID" in r.fetch())
            if len(known) != len(listed) or any(k is not None and k != u for k, u in zip(known, listed)):
                self.violations.add("map differs at the end", self, "in %s the session knew %d messages %s, the mailbox has %d: %s" % (
                    self.view.folder, len(known), short(known), len(listed), short(listed)))
            self.conn.logout()
        except ImapError as e:
            self.violations.add("connection failures", self, "at the end: %s" % e)

    def command(self, text, poll=True):
        """Sends one command (after reading whatever arrived since the last reply: that is
        checked as "no command in progress"), reads to its tagged reply."""
        if poll:
            self.conn.poll(0)
        untagged, tagged = self.conn.command(text)
        self.after(text, tagged)
        return untagged, tagged

    def after(self, text, tagged):
        name = text.split(b" ", 2)
        name = (name[0] + (b" " + name[1] if name[0].upper() == b"UID" else b"")).upper().decode()
        result = tagged.kind.decode()
        if tagged.code:
            result += " [%s]" % tagged.code.decode()
        self.replies["%s %s" % (name, result)] += 1
        self.last_command = "%s %s" % (tagged.tag.decode(), text[:100].decode("utf-8", "replace"))
        self.last_reply = tagged.text()[:160]
        self.view.finish_command(tagged)
        if tagged.kind == b"BAD":
            self.violations.add("BAD answers", self, "`%s` -> %s" % (self.last_command, tagged.text()[:200]))

    def select(self, folder):
        self.conn.poll(0)  # what belongs to the mailbox selected so far
        self.view.reset(folder)
        untagged, tagged = self.command(b"SELECT " + quote(folder).encode(), poll=False)
        if tagged.kind != b"OK":
            self.view.reset(None)
            return
        if not (self.view.got_flags and self.view.got_validity):
            self.violations.add("SELECT without FLAGS or UIDVALIDITY", self, "SELECT %s" % folder)
        self.command(b"UID FETCH 1:* (UID FLAGS)")

    # the mix

    def one_command(self):
        # What arrived since the last tagged reply came with no command in progress; read
        # it before choosing sequence numbers (now and then waiting 30 ms for late ones).
        self.conn.poll(0.03 if self.rng.random() < 0.2 else 0)
        if self.view.folder is None:
            return self.select(self.rng.choice(self.folders))
        if self.view.qresync and None in self.view.uids and self.rng.random() < 0.7:
            # VANISHED names UIDs: learn the UIDs of what EXISTS announced, so that a
            # VANISHED seldom names a message this session knows only by number.
            missing = [i + 1 for i, u in enumerate(self.view.uids) if u is None]
            return self.command(("FETCH %s (UID)" % format_set(missing)).encode())
        n = len(self.view.uids)
        big = n > BIG_MAILBOX
        weights = {
            "noop": 6, "fetch": 14, "uid_fetch": 10, "store": 10, "uid_store": 10,
            "expunge": 12 if big else 4, "uid_expunge": 8 if big else 3, "append": 1 if big else 8,
            "copy": 3, "move": 4, "search": 6, "uid_search": 4, "idle": 4, "select": 3,
        }
        if n == 0:
            for k in ("fetch", "store", "uid_store", "expunge", "uid_expunge", "copy", "move"):
                weights[k] = 0
        op = self.rng.choices(list(weights), weights=list(weights.values()))[0]
        getattr(self, "do_" + op)()

    def seq_range(self):
        n = len(self.view.uids)
        a = self.rng.randint(1, n)
        b = min(n, a + self.rng.choice([0, 0, 2, 10, 50]))
        return "%d:%d" % (a, b) if b > a else "%d" % a

    def known_uids(self, count):
        uids = [u for u in self.view.uids if u is not None]
        return self.rng.sample(uids, min(count, len(uids)))

    def flags_to_store(self):
        flags = set(self.rng.sample(STORE_FLAGS, self.rng.randint(1, 2)))
        if self.rng.random() < 0.1:
            flags.add(self.keywords.new())
        return flags

    def do_noop(self):
        self.command(b"NOOP")

    def do_fetch(self):
        items = self.rng.choice(["(FLAGS)", "(UID FLAGS)", "(UID)", "(FLAGS INTERNALDATE RFC822.SIZE)"])
        self.command(("FETCH %s %s" % (self.seq_range(), items)).encode())

    def do_uid_fetch(self):
        uids = self.known_uids(3)
        target = "1:*" if self.rng.random() < 0.5 or not uids else format_set(uids)
        self.command(("UID FETCH %s (%s)" % (target, self.rng.choice(["UID", "FLAGS", "UID FLAGS"]))).encode())

    def store_text(self, target, uid):
        flags = self.flags_to_store()
        mode = self.rng.choice(["+FLAGS", "+FLAGS", "-FLAGS", "FLAGS"]) + self.rng.choice(["", "", ".SILENT"])
        new = [f for f in flags if not f.startswith("\\") and norm(f) not in self.view.flags]
        text = "%sSTORE %s %s (%s)" % ("UID " if uid else "", target, mode, " ".join(sorted(flags)))
        return text.encode(), new, mode

    def do_store(self):
        self.store(self.seq_range(), uid=False)

    def do_uid_store(self):
        uids = self.known_uids(self.rng.choice([1, 3]))
        if uids:
            self.store(format_set(uids), uid=True)

    def store(self, target, uid):
        text, new, mode = self.store_text(target, uid)
        permanent, allowed = set(self.view.permanent), self.view.new_keywords_allowed
        _, tagged = self.command(text)
        if tagged.kind == b"OK" and new and not mode.startswith("-") and not allowed:
            unlisted = [k for k in new if norm(k) not in permanent]
            if unlisted:
                self.violations.add("keyword stored though not permitted", self,
                                    "`%s` -> %s with PERMANENTFLAGS (%s)" % (text.decode(), tagged.text(), " ".join(sorted(permanent))))

    def do_expunge(self):
        self.command(("STORE %s +FLAGS.SILENT (\\Deleted)" % self.seq_range()).encode())
        self.command(b"EXPUNGE")

    def do_uid_expunge(self):
        uids = self.known_uids(self.rng.choice([1, 2, 5]))
        if not uids:
            return
        self.command(("UID STORE %s +FLAGS.SILENT (\\Deleted)" % format_set(uids)).encode())
        self.command(("UID EXPUNGE %s" % format_set(uids)).encode())

    def do_append(self):
        folder = self.view.folder if self.rng.random() < 0.7 else self.rng.choice(self.folders)
        flags = " ".join(sorted(self.flags_to_store()))
        self.stats["appended"] += 1
        body = ("From: stress <%s@stress.test>\r\nTo: %s@stress.test\r\nSubject: stress %s %d\r\n"
                "Message-ID: <%s.%d.%d@stress.test>\r\n\r\n%s\r\n" % (
                    self.name, self.user, self.name, self.stats["appended"], self.name,
                    self.stats["appended"], time.time_ns(), "body line\r\n" * self.rng.randint(1, 40))).encode()
        self.command(b"APPEND %s (%s) %s" % (quote(folder).encode(), flags.encode(), literal_plus(body)))

    def do_copy(self, verb="COPY"):
        dest = self.rng.choice([f for f in self.folders if f != self.view.folder] or self.folders)
        if self.rng.random() < 0.5:
            self.command(("%s %s %s" % (verb, self.seq_range(), quote(dest))).encode())
        else:
            uids = self.known_uids(self.rng.choice([1, 3]))
            if uids:
                self.command(("UID %s %s %s" % (verb, format_set(uids), quote(dest))).encode())

    def do_move(self):
        self.do_copy("MOVE")

    def search_key(self):
        return self.rng.choice(["ALL", "UNSEEN", "FLAGGED", "DELETED", "KEYWORD $Label1",
                                "KEYWORD stress%d" % self.rng.randint(1, 5), "1:10", "NOT SEEN"])

    def do_search(self):
        self.command(("SEARCH %s" % self.search_key()).encode())

    def do_uid_search(self):
        self.command(("UID SEARCH %s" % self.search_key()).encode())

    def do_idle(self):
        self.conn.poll(0)
        untagged, tagged = self.conn.idle(self.rng.uniform(0.1, 1.0))
        self.after(b"IDLE", tagged)

    def do_select(self):
        self.select(self.folders[0] if self.rng.random() < 0.6 else self.rng.choice(self.folders))


def short(uids):
    text = " ".join("?" if u is None else str(u) for u in uids)
    return "(" + (text if len(text) < 200 else text[:200] + " ...") + ")"


# --- set-up and the run ------------------------------------------------------------------------


def seed_messages(users):
    """SEED_MESSAGES messages in each folder of each user, some with flags, before the start."""
    n = 0
    for user in users.names:
        for folder in FOLDERS:
            d = folder_dir(users.maildirs[user], folder)
            for i in range(SEED_MESSAGES):
                n += 1
                flags = ["", "S", "FS", "RS", ""][i % 5]
                name = "%d.M%dP%d.stress:2,%s" % (1700000000 + n, n, os.getpid(), flags)
                with open(os.path.join(d, "cur", name), "w") as f:
                    f.write("From: seed <seed@stress.test>\r\nSubject: seed %d\r\nMessage-ID: <seed.%d@stress.test>"
                            "\r\n\r\nseed body\r\n" % (n, n))


def say(text):
    print("stress: " + text, file=sys.stderr, flush=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--work", required=True)
    ap.add_argument("--maildexd", required=True)
    ap.add_argument("--sessions", type=int, default=20)
    ap.add_argument("--users", type=int, default=4)
    ap.add_argument("--duration", type=float, default=60)
    ap.add_argument("--seed", type=int, default=None)
    args = ap.parse_args()
    seed = args.seed if args.seed is not None else random.randrange(1 << 30)
    rng = random.Random(seed)

    def terminate(signum, _frame):
        raise KeyboardInterrupt("signal %d" % signum)
    signal.signal(signal.SIGTERM, terminate)

    users = Users(args.work, max(1, args.users), [f[len("INBOX."):] for f in FOLDERS[1:]])
    seed_messages(users)
    server = ServerProcess(args.maildexd, args.work, users.userdb,
                           settings={"MAXPERIP": str(args.sessions + 50), "MAILDEX_LOG_LEVEL": "warn"})
    violations = Violations()
    keywords = KeywordPool()
    shared = (args.sessions + 1) // 2 if len(users.names) > 1 else args.sessions
    say("seed %d: %d sessions for %.0f s, %d on %s's INBOX, the others on %d more users; port %d, work %s"
        % (seed, args.sessions, args.duration, shared, users.names[0], len(users.names) - 1, server.port, args.work))
    server_exit = None
    sessions = []
    try:
        server.start()
        began = time.monotonic()
        deadline = began + args.duration
        barrier = threading.Barrier(args.sessions)
        for i in range(args.sessions):
            if i < shared:
                user, folders = users.names[0], FOLDERS
            else:
                user = users.names[1 + (i - shared) % (len(users.names) - 1)]
                folders = FOLDERS[i % len(FOLDERS):] + FOLDERS[:i % len(FOLDERS)]
            sessions.append(Session("s%d" % (i + 1), user, users.password, server.port, folders, deadline,
                                    barrier, violations, rng.randrange(1 << 30), keywords,
                                    qresync=(i % 3 == 2)))
        for s in sessions:
            s.start()
        for s in sessions:
            s.join(timeout=args.duration + 300)
        elapsed = time.monotonic() - began
        server_exit = server.stop()
    finally:
        server.kill()
    return report(args, seed, sessions, violations, elapsed, server_exit, server.log_path)


def report(args, seed, sessions, violations, elapsed, server_exit, log_path):
    stats, by_result = collections.Counter(), collections.Counter()
    for s in sessions:
        stats.update(s.stats)
        by_result.update(s.replies)
    replies = sum(by_result.values())
    print()
    print("stress: %d sessions for %.0f s (seed %d): %d commands, %.0f per second"
          % (len(sessions), elapsed, seed, replies, replies / max(elapsed, 0.001)))
    print("  replies: " + ", ".join("%s %d" % kv for kv in sorted(by_result.items())))
    notes = sorted((k, v) for k, v in stats.items() if k != "appended")
    if notes:
        print("  notes: " + ", ".join("%s %d" % kv for kv in notes))
    print("  inconsistencies:")
    for kind in INCONSISTENCIES:
        print("    %-38s %d" % (kind, violations.counts[kind]))
    print("  server stopped with SIGTERM: %s" % ("exit 0" if server_exit == 0 else "exit %s" % server_exit))
    errors = [s.script_error for s in sessions if s.script_error]
    for e in errors:
        print("  script error (a bug of this script, not the server's): " + e)
    failed = sum(violations.counts.values()) > 0 or server_exit != 0 or errors
    if violations.counts:
        print("\nWhat each kind means, and examples (up to 3 of each; session, what, where, the line):")
        for kind in INCONSISTENCIES:
            if violations.counts[kind]:
                print("  %s: %s" % (kind, INCONSISTENCIES[kind]))
                for e in violations.examples[kind]:
                    print("    " + e.replace("\n", "\n    "))
    sys.stdout.flush()
    if failed:
        say("FAILED (the server's log: %s)" % log_path)
        return 1
    say("passed")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        say("interrupted")
        sys.exit(130)
