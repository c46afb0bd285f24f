"""The kill -9 soak behind scripts/soak-crash (read its header first).

Clients (threads, raw IMAP over TCP) work on the same few Maildirs while an MDA thread
delivers into new/; the server is killed with SIGKILL every few seconds and started
again. Every client keeps a ledger of what the server acknowledged; a command whose
tagged reply never came leaves its messages "in doubt" with every state they may be in
(the state before, and the state the command asked for), and the client never touches
them again. After the cycles the server is started once more (start-up recovery) and
stopped with SIGTERM; then, with no server running, the Maildirs are read from disk,
`maildexctl check` runs on each, and a stdin/stdout `maildexd` session reads every
folder's UIDs, flags and Message-IDs; each ledger entry is compared with that.

Ownership keeps the ledger exact under concurrency: each message (a unique Message-ID)
belongs to one client, and only that client stores, copies, moves or expunges it (by
UID: UID STORE, UID COPY, UID MOVE, UID EXPUNGE; a plain EXPUNGE would take other
clients' \\Deleted messages). Messages the MDA delivers belong to a client named in
their Message-ID. A client never copies or moves a message into a folder that already
holds it, so a Message-ID is in a folder at most once unless something went wrong.
"""

import argparse
import collections
import os
import random
import re
import signal
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "..", "tests", "integration"))

from imap_client import ImapConnection, ImapError, Response, format_set, literal_plus, quote, uidplus_pairs  # noqa: E402
from imap_values import ImapProcess  # noqa: E402
from server_process import ServerProcess, Users, folder_dir  # noqa: E402

FOLDERS = ["INBOX", "INBOX.Archive", "INBOX.Work", "INBOX.Trash"]
SYSTEM_FLAGS = ["\\Seen", "\\Flagged", "\\Answered", "\\Draft"]
BASE_KEYWORDS = ["$Label1", "$Label2", "$Junk", "$NotJunk", "todo", "later"]
NEW_KEYWORDS = 24  # keywords made up during the run ("soak1".."soak24"): new to the folders
CHANGES = ("APPEND", "STORE", "COPY", "MOVE", "EXPUNGE")  # the commands that change mail
OWN_LIMIT = 30     # a client expunges rather than appends once it has this many placed copies
MESSAGE_ID = re.compile(rb"^Message-ID:\s*(<[^>\r\n]*>)", re.I | re.M)

# --- flags ---------------------------------------------------------------------------------


def norm(flags):
    """A flag set as compared: lower case, without \\Recent."""
    return frozenset(f.lower() for f in flags if f.lower() != "\\recent")


def show(flags):
    return "(" + " ".join(sorted(flags)) + ")"


def show_world(world):
    if not world:
        return "{nowhere}"
    return "{" + ", ".join("%s %s" % (f, show(world[f])) for f in sorted(world)) + "}"


# --- the ledger --------------------------------------------------------------------------------


class Message:
    """One Message-ID, owned by one client. `placed` is the acknowledged state: folder ->
    flags (normalized). `worlds` is None, or (after an unacknowledged command) every state
    the message may be in, each a dict like `placed`; the client leaves it alone then."""

    __slots__ = ("msgid", "user", "owner", "placed", "worlds", "doubt", "doubt_kind", "move")

    def __init__(self, msgid, user, owner):
        self.msgid, self.user, self.owner = msgid, user, owner
        self.placed = {}
        self.worlds = None
        self.doubt = None       # the command whose reply never came, for reports
        self.doubt_kind = None  # its name: APPEND, STORE, COPY, MOVE, EXPUNGE
        self.move = None        # (source, destination) of an unacknowledged MOVE

    def in_doubt(self, kind, command, done, move=None):
        self.worlds = [dict(self.placed), done]
        self.doubt, self.doubt_kind, self.move = command, kind, move

    def settle(self, state):
        self.placed = state
        self.worlds = self.doubt = self.doubt_kind = self.move = None


class Ledger:
    def __init__(self):
        self.lock = threading.Lock()
        self.messages = {}  # msgid -> Message

    def add(self, message):
        with self.lock:
            assert message.msgid not in self.messages
            self.messages[message.msgid] = message

    def get(self, msgid):
        with self.lock:
            return self.messages.get(msgid)

    def all(self):
        with self.lock:
            return list(self.messages.values())


class Observations:
    """Every UID -> Message-ID pair the server ever stated (FETCH, APPENDUID, COPYUID) per
    (user, folder, UIDVALIDITY), and every UIDVALIDITY of each folder."""

    def __init__(self):
        self.lock = threading.Lock()
        self.names = collections.defaultdict(set)     # (user, folder, validity, uid) -> msgids
        self.where = {}                               # same key -> first "how we learned it"
        self.validities = collections.defaultdict(set)  # (user, folder) -> validities

    def saw(self, user, folder, validity, uid, msgid, how):
        key = (user, folder, validity, uid)
        with self.lock:
            self.names[key].add(msgid)
            self.where.setdefault(key, how)
            self.validities[(user, folder)].add(validity)

    def reuses(self):
        with self.lock:
            return {k: v for k, v in self.names.items() if len(v) > 1}


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.counts = collections.Counter()
        self.examples = collections.defaultdict(list)

    def add(self, key, n=1, example=None):
        with self.lock:
            self.counts[key] += n
            if example is not None and len(self.examples[key]) < 5:
                self.examples[key].append(example)


# --- messages ------------------------------------------------------------------------------


def message_bytes(msgid, sender, user, subject, rng):
    lines = [
        "From: %s <%s@soak.test>" % (sender, sender),
        "To: %s <%s@soak.test>" % (user, user),
        "Subject: %s" % subject,
        "Date: %s" % time.strftime("%a, %d %b %Y %H:%M:%S +0000", time.gmtime()),
        "Message-ID: %s" % msgid,
        "MIME-Version: 1.0",
        "Content-Type: text/plain; charset=us-ascii",
        "",
    ]
    size = rng.choice([200, 800, 3000, 3000, 20000, 70000])
    body_line = "The quick brown fox jumps over the lazy dog, %s." % msgid
    lines += [body_line] * max(1, size // (len(body_line) + 2))
    return ("\r\n".join(lines) + "\r\n").encode()


def message_id_of(header_bytes):
    m = MESSAGE_ID.search(header_bytes or b"")
    return m.group(1).decode() if m else None


# --- a client ----------------------------------------------------------------------------------


class Client(threading.Thread):
    """One IMAP client: connects (again and again: the server dies under it), logs in,
    and does a random mix of APPEND, UID STORE, UID COPY, UID MOVE, UID EXPUNGE, SELECT
    and NOOP on its own messages."""

    def __init__(self, name, user, password, port, ledger, observations, stats, stop, seed,
                 keyword_pool):
        super().__init__(name=name, daemon=True)
        self.user, self.password, self.port = user, password, port
        self.ledger, self.obs, self.stats, self.stop = ledger, observations, stats, stop
        self.rng = random.Random(seed)
        self.keyword_pool = keyword_pool
        self.counter = 0
        self.conn = None
        self.selected = None
        self.validity = None
        self.uids = {}  # folder -> {msgid: uid}, as last listed (or told by APPENDUID/COPYUID)
        self.trace = collections.deque(maxlen=40)
        self.commands = collections.Counter()

    # the loop

    def run(self):
        while not self.stop.is_set():
            try:
                self.connect()
                while not self.stop.is_set():
                    self.one_operation()
            except ImapError as e:
                if not self.stop.is_set():
                    self.stats.add("disconnects")
                self.trace.append("!! %s" % e)
            except Exception as e:  # a bug of this script: report it, do not hide it
                self.stats.add("client errors", example="%s: %r\n%s" % (self.name, e, "\n".join(self.trace)))
                import traceback
                traceback.print_exc()
                self.stop.set()
            finally:
                if self.conn:
                    self.conn.close()
                    self.conn = None
                self.selected = None
            time.sleep(0.05)

    def connect(self):
        while not self.stop.is_set():
            try:
                self.conn = ImapConnection(self.port, timeout=30, tag_prefix=self.name + ".",
                                           trace=self.trace)
                break
            except ImapError:
                time.sleep(0.1)
        if self.stop.is_set():
            raise ImapError("stopping")
        self.conn.login(self.user, self.password)
        self.select(self.rng.choice(FOLDERS))

    def run_command(self, kind, text):
        """Sends one command and reads its reply; counts it."""
        self.commands[kind] += 1
        self.stats.add("sent")
        untagged, tagged = self.conn.command(text)
        shown = "%s %s -> %s" % (self.name, text[:200].decode("utf-8", "replace"), tagged.text())
        if tagged.kind == b"OK":
            self.stats.add("acknowledged")
            if kind in CHANGES:
                self.stats.add("changes acknowledged")
        elif tagged.kind == b"NO":
            if not (kind == "FETCH" and tagged.code == b"EXPUNGEISSUED"):  # counted by list_folder
                self.stats.add("refused", example=shown)
        else:
            self.stats.add("protocol errors", example=shown)
        return untagged, tagged

    def one_operation(self):
        mine = self.movable()
        placed = sum(len(m.placed) for m in self.ledger.all() if m.owner == self.name and m.worlds is None)
        weights = {"append": 25 if placed < OWN_LIMIT else 3, "store": 30, "copy": 10, "move": 15,
                   "expunge": 10 if placed < OWN_LIMIT else 30, "select": 8, "noop": 2}
        if not mine:
            weights.update(store=0, copy=0, move=0, expunge=0)
        op = self.rng.choices(list(weights), weights=list(weights.values()))[0]
        getattr(self, "op_" + op)(mine)

    def movable(self):
        """My messages in the selected folder, settled, with a known UID."""
        known = self.uids.get(self.selected, {})
        out = []
        for msgid, uid in known.items():
            m = self.ledger.get(msgid)
            if m and m.owner == self.name and m.worlds is None and self.selected in m.placed:
                out.append((m, uid))
        return out

    # SELECT and the listing

    def select(self, folder):
        untagged, tagged = self.run_command("SELECT", b"SELECT " + quote(folder).encode())
        if tagged.kind != b"OK":
            raise ImapError("SELECT %s: %s" % (folder, tagged.text()))
        self.selected = folder
        self.validity = None
        for r in untagged:
            if r.code == b"UIDVALIDITY":
                self.validity = int(r.code_args)
        if self.validity is None:
            self.stats.add("protocol errors", example="%s: SELECT %s without UIDVALIDITY" % (self.name, folder))
            self.validity = 0
        self.list_folder()

    def list_folder(self):
        """UID, flags and Message-ID of every message in the selected folder: the UIDs to
        work with, and UID -> Message-ID pairs for the reuse check."""
        untagged, tagged = self.run_command(
            "FETCH", b"UID FETCH 1:* (UID FLAGS BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)])")
        # Another client's expunge may make this NO [EXPUNGEISSUED] (today's Maildex, issue
        # 15): what it did return is still right.
        if tagged.kind != b"OK" and tagged.code != b"EXPUNGEISSUED":
            raise ImapError("listing %s: %s" % (self.selected, tagged.text()))
        if tagged.kind != b"OK":
            self.stats.add("listings answered NO [EXPUNGEISSUED]")
        listing = {}
        seen_twice = set()
        for r in untagged:
            if r.kind != b"FETCH":
                continue
            items = r.fetch()
            if b"UID" not in items:
                continue
            uid = int(items[b"UID"])
            header = next((v for k, v in items.items() if k.startswith(b"BODY[")), None)
            msgid = message_id_of(header)
            if msgid is None:
                continue
            self.obs.saw(self.user, self.selected, self.validity, uid, msgid, "FETCH by %s" % self.name)
            if msgid in listing:
                seen_twice.add(msgid)
            listing[msgid] = uid
        for msgid in seen_twice:  # leave a duplicate alone: the final check reports it
            m = self.ledger.get(msgid)
            if m and m.owner == self.name and m.worlds is None:
                m.in_doubt("DUPLICATE", "seen twice in %s" % self.selected, dict(m.placed))
        self.uids[self.selected] = listing

    # operations

    def new_flags(self, keywords=True):
        flags = set(self.rng.sample(SYSTEM_FLAGS, self.rng.randint(0, 2)))
        if keywords:
            flags |= set(self.rng.sample(BASE_KEYWORDS, self.rng.randint(0, 2)))
            if self.rng.random() < 0.15:
                flags.add(self.keyword_pool.pick(self.rng))
        return flags

    def op_append(self, _mine):
        folder = self.rng.choice(FOLDERS)
        self.counter += 1
        msgid = "<soak.%s.%d@soak.test>" % (self.name, self.counter)
        flags = self.new_flags()
        data = message_bytes(msgid, self.name, self.user, "append %d by %s" % (self.counter, self.name), self.rng)
        text = b"APPEND %s (%s) %s" % (quote(folder).encode(), " ".join(sorted(flags)).encode(), literal_plus(data))
        m = Message(msgid, self.user, self.name)
        self.ledger.add(m)
        m.in_doubt("APPEND", "APPEND %s %s %s" % (folder, show(flags), msgid), {folder: norm(flags)})
        untagged, tagged = self.run_command("APPEND", text)
        if tagged.kind == b"OK":
            m.settle({folder: norm(flags)})
            if tagged.code == b"APPENDUID":
                validity, uid = (int(x) for x in tagged.code_args.split()[:2])
                self.obs.saw(self.user, folder, validity, uid, msgid, "APPENDUID to %s" % self.name)
                if folder == self.selected and validity == self.validity:
                    self.uids[folder][msgid] = uid
            else:
                self.stats.add("APPEND without APPENDUID", example=tagged.text())
        elif tagged.kind == b"NO":
            m.settle({})  # RFC 3501 6.3.11: a failed APPEND stores nothing

    def op_store(self, mine):
        chosen = self.rng.sample(mine, min(len(mine), self.rng.choice([1, 1, 2, 3])))
        mode = self.rng.choice(["FLAGS", "+FLAGS", "-FLAGS"])
        silent = self.rng.random() < 0.3
        flags = self.new_flags()
        if mode == "-FLAGS" and self.rng.random() < 0.7:
            # Take away what some of them have, so that -FLAGS changes something.
            have = set().union(*(m.placed[self.selected] for m, _ in chosen))
            flags = {f for f in self.original_case(have) if f.lower() != "\\deleted"} or flags
        self.store(chosen, mode + (".SILENT" if silent else ""), flags)

    def original_case(self, normalized):
        known = {f.lower(): f for f in SYSTEM_FLAGS + BASE_KEYWORDS + self.keyword_pool.all()}
        return {known.get(f, f) for f in normalized}

    def store(self, chosen, item, flags):
        folder = self.selected
        mode = item.split(".")[0]
        wanted = norm(flags)
        after = {}
        for m, uid in chosen:
            old = m.placed[folder]
            new = wanted if mode == "FLAGS" else (old | wanted if mode == "+FLAGS" else old - wanted)
            after[uid] = (m, new)
            done = dict(m.placed)
            done[folder] = new
            m.in_doubt("STORE", "UID STORE %d %s %s in %s" % (uid, item, show(flags), folder), done)
        text = "UID STORE %s %s (%s)" % (format_set(after), item, " ".join(sorted(flags)))
        untagged, tagged = self.run_command("STORE", text.encode())
        if tagged.kind != b"OK":
            return  # NO: which of them changed is unknown; they stay in doubt
        told = {}
        for r in untagged:
            if r.kind == b"FETCH":
                items = r.fetch()
                if b"UID" in items and b"FLAGS" in items:
                    told[int(items[b"UID"])] = norm(bytes(f).decode() for f in items[b"FLAGS"])
        for uid, (m, new) in after.items():
            done = dict(m.placed)
            done[folder] = new
            m.settle(done)
            if uid in told and told[uid] != new:
                self.stats.add("store confirmed other flags",
                               example="%s %s: expected %s, server said %s" % (self.name, text, show(new), show(told[uid])))
                done[folder] = told[uid]
                m.settle(done)

    def op_copy(self, mine, move=False):
        folder = self.selected
        targets = [f for f in FOLDERS if f != folder]
        dest = self.rng.choice(targets)
        chosen = [(m, uid) for m, uid in mine if dest not in m.placed]
        if not chosen:
            return self.op_noop(mine)
        chosen = self.rng.sample(chosen, min(len(chosen), self.rng.choice([1, 1, 2])))
        kind = "MOVE" if move else "COPY"
        by_uid = {}
        for m, uid in chosen:
            done = dict(m.placed)
            done[dest] = m.placed[folder]
            if move:
                del done[folder]
            by_uid[uid] = (m, done)
            m.in_doubt(kind, "UID %s %d %s -> %s" % (kind, uid, folder, dest), done,
                       move=(folder, dest) if move else None)
        text = "UID %s %s %s" % (kind, format_set(by_uid), quote(dest))
        untagged, tagged = self.run_command(kind, text.encode())
        if tagged.kind == b"NO":  # RFC 3501 6.4.7, RFC 6851 3.3: nothing was copied or moved
            for m, done in by_uid.values():
                m.settle(dict(m.worlds[0]))
            return
        if tagged.kind != b"OK":
            return
        for m, done in by_uid.values():
            m.settle(done)
        copyuid = [r for r in untagged + [tagged] if r.code == b"COPYUID"]
        if not copyuid:
            self.stats.add("%s without COPYUID" % kind, example=tagged.text())
        for r in copyuid:
            validity, pairs = uidplus_pairs(r.code_args)
            for src, dst in pairs:
                if src in by_uid:
                    m = by_uid[src][0]
                    self.obs.saw(self.user, dest, validity, dst, m.msgid, "COPYUID to %s" % self.name)
        if move:
            for m, _ in by_uid.values():
                self.uids[folder].pop(m.msgid, None)

    def op_move(self, mine):
        self.op_copy(mine, move=True)

    def op_expunge(self, mine):
        deleted = [(m, uid) for m, uid in mine if "\\deleted" in m.placed[self.selected]]
        if not deleted:
            chosen = self.rng.sample(mine, min(len(mine), self.rng.choice([1, 2])))
            self.store(chosen, "+FLAGS.SILENT", {"\\Deleted"})
            deleted = [(m, uid) for m, uid in chosen
                       if m.worlds is None and "\\deleted" in m.placed.get(self.selected, ())]
        if not deleted:
            return
        folder = self.selected
        for m, uid in deleted:
            done = dict(m.placed)
            del done[folder]
            m.in_doubt("EXPUNGE", "UID EXPUNGE %d in %s" % (uid, folder), done)
        text = "UID EXPUNGE %s" % format_set(uid for _, uid in deleted)
        untagged, tagged = self.run_command("EXPUNGE", text.encode())
        if tagged.kind != b"OK":
            return
        for m, uid in deleted:
            done = dict(m.placed)
            del done[folder]
            m.settle(done)
            self.uids[folder].pop(m.msgid, None)

    def op_select(self, _mine):
        self.select(self.rng.choice(FOLDERS))

    def op_noop(self, _mine):
        self.run_command("NOOP", b"NOOP")


class KeywordPool:
    """Keywords made up as the run goes: soak1, soak2, ... up to NEW_KEYWORDS."""

    def __init__(self):
        self.lock = threading.Lock()
        self.made = []

    def pick(self, rng):
        with self.lock:
            if len(self.made) < NEW_KEYWORDS and (not self.made or rng.random() < 0.3):
                self.made.append("soak%d" % (len(self.made) + 1))
                return self.made[-1]
            return rng.choice(self.made)

    def all(self):
        with self.lock:
            return list(self.made)


# --- the MDA -----------------------------------------------------------------------------------


class Mda(threading.Thread):
    """Delivers a message every `interval` seconds (on average) the Maildir way: written
    to tmp/, fsynced, renamed into new/ of INBOX (mostly) or a folder. Each belongs to a
    client of that user, named in its Message-ID."""

    def __init__(self, users, owners, ledger, stats, stop, interval, seed):
        super().__init__(name="mda", daemon=True)
        self.users, self.owners, self.ledger, self.stats, self.stop = users, owners, ledger, stats, stop
        self.interval = interval
        self.rng = random.Random(seed)
        self.count = 0

    def run(self):
        while not self.stop.wait(self.rng.uniform(0, 2 * self.interval)):
            self.deliver()

    def deliver(self):
        user = self.rng.choice(self.users.names)
        owner = self.rng.choice(self.owners[user])
        folder = "INBOX" if self.rng.random() < 0.7 else self.rng.choice(FOLDERS[1:])
        self.count += 1
        msgid = "<soak.mda.%d.%s@soak.test>" % (self.count, owner)
        data = message_bytes(msgid, "mda", user, "delivery %d for %s" % (self.count, owner), self.rng)
        d = folder_dir(self.users.maildirs[user], folder)
        base = "%d.M%dP%dQ%d.soak" % (time.time(), self.count, os.getpid(), self.count)
        tmp = os.path.join(d, "tmp", base)
        with open(tmp, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        m = Message(msgid, user, owner)
        m.placed = {folder: frozenset()}
        self.ledger.add(m)
        os.rename(tmp, os.path.join(d, "new", base))
        self.stats.add("delivered")


# --- the final check -----------------------------------------------------------------------------


def open_every_folder(port, users):
    """SELECTs every folder of every user once, so that the server has indexed what the
    MDA delivered while it was down (a server looks at a folder when a session opens it;
    `maildexctl check` would count an unopened delivery as a difference)."""
    for user in users.names:
        conn = ImapConnection(port, timeout=120, tag_prefix="final.")
        conn.login(user, users.password)
        for folder in FOLDERS:
            _, tagged = conn.command(b"SELECT " + quote(folder).encode())
            if tagged.kind != b"OK":
                raise RuntimeError("final SELECT %s of %s: %s" % (folder, user, tagged.text()))
        conn.logout()


def scan_disk(users):
    """What the files say: {(user, folder, msgid): count}, the tmp/ files, files with no
    Message-ID."""
    counts = collections.Counter()
    tmp_files, no_id = [], []
    for user in users.names:
        for folder in FOLDERS:
            d = folder_dir(users.maildirs[user], folder)
            for sub in ("cur", "new"):
                for name in os.listdir(os.path.join(d, sub)):
                    path = os.path.join(d, sub, name)
                    with open(path, "rb") as f:
                        msgid = message_id_of(f.read(4096))
                    if msgid is None:
                        no_id.append(path)
                    else:
                        counts[(user, folder, msgid)] += 1
            tmp_files += [os.path.join(d, "tmp", n) for n in os.listdir(os.path.join(d, "tmp"))]
    return counts, tmp_files, no_id


def maildexctl_check(maildexctl, maildir):
    p = subprocess.run([maildexctl, "check", maildir], capture_output=True, text=True, timeout=600)
    return p.returncode, (p.stdout + p.stderr).strip()


def read_over_imap(maildexd, user, maildir, observations):
    """A stdin/stdout maildexd session: {folder: [(uid, msgid, flags)]}, and the pairs
    into `observations`."""
    out = {}
    session = ImapProcess([maildexd, maildir], timeout=300)
    try:
        for folder in FOLDERS:
            untagged, tagged = session.command(b"EXAMINE " + quote(folder).encode())
            if not tagged.split(b" ")[1:2] == [b"OK"]:
                raise RuntimeError("final EXAMINE %s of %s: %r" % (folder, user, tagged))
            validity = next(Response(r).code_args for r in untagged if Response(r).code == b"UIDVALIDITY")
            validity = int(validity)
            untagged, tagged = session.command(b"UID FETCH 1:* (UID FLAGS BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)])")
            if not tagged.split(b" ")[1:2] == [b"OK"]:
                raise RuntimeError("final FETCH %s of %s: %r" % (folder, user, tagged))
            rows = []
            for raw in untagged:
                r = Response(raw)
                if r.kind != b"FETCH":
                    continue
                items = r.fetch()
                uid = int(items[b"UID"])
                header = next((v for k, v in items.items() if k.startswith(b"BODY[")), None)
                msgid = message_id_of(header)
                flags = norm(bytes(f).decode() for f in items.get(b"FLAGS", []))
                rows.append((uid, msgid, flags))
                if msgid:
                    observations.saw(user, folder, validity, uid, msgid, "final read")
            out[folder] = rows
    finally:
        session.close()
    return out


def judge(message, seen):
    """Compares one ledger entry with what was found ({folder: [flags, ...]}). Returns a
    list of (kind, detail) findings; empty when the message is in an acceptable state."""
    worlds = message.worlds or [message.placed]
    found = {f: v for f, v in seen.items() if v}
    exact = {f: v[0] for f, v in found.items() if len(v) == 1}
    if len(exact) == len(found):
        for w in worlds:
            if w == exact:
                return []
    findings = []
    where = set(found)

    def describe():
        return ("%s (owner %s, user %s): acknowledged %s%s; found %s" % (
            message.msgid, message.owner, message.user, show_world(message.placed),
            "; in doubt after `%s`, may be %s" % (message.doubt, " or ".join(show_world(w) for w in worlds))
            if message.worlds else "",
            "{nowhere}" if not found else "{" + ", ".join(
                "%s %s" % (f, " + ".join(show(x) for x in v)) for f, v in sorted(found.items())) + "}"))

    for f, v in found.items():
        if len(v) > 1:
            findings.append(("duplicated", describe()))
            break
    if message.doubt_kind == "MOVE" and message.move and set(message.move) <= where:
        findings.append(("moved-in-both", describe()))
        return findings
    same_places = [w for w in worlds if set(w) == where]
    if same_places:
        if not findings:
            findings.append(("mixed flags", describe()))
        return findings
    # The world nearest to what was found names what is missing and what is extra.
    best = min(worlds, key=lambda w: len(set(w) ^ where))
    if set(best) - where:
        findings.append(("lost", describe()))
    if where - set(best):
        findings.append(("duplicated", describe()))
    return findings


def final_check(args, users, ledger, observations, stats):
    results = collections.Counter()
    examples = collections.defaultdict(list)

    variants = collections.defaultdict(set)

    def finding(kind, detail, n=1, variant=None):
        """Counts; keeps up to 5 examples of a kind, each of another variant (e.g. the
        interrupted command: one mixed-flags example each of APPEND, STORE, COPY ...)."""
        results[kind] += n
        variant = variant or detail
        if len(examples[kind]) < 5 and variant not in variants[kind]:
            variants[kind].add(variant)
            examples[kind].append(detail)

    disk, tmp_files, no_id = scan_disk(users)
    results["tmp leftovers"] = len(tmp_files)
    examples["tmp leftovers"] = tmp_files[:5]
    for path in no_id:
        finding("files without Message-ID", path)

    check_failures = []
    for user in users.names:
        rc, text = maildexctl_check(args.maildexctl, users.maildirs[user])
        if rc != 0:
            check_failures.append("%s: exit %d\n%s" % (user, rc, text))
    results["maildexctl check failures"] = len(check_failures)
    examples["maildexctl check failures"] = check_failures

    seen = collections.defaultdict(lambda: collections.defaultdict(list))  # msgid -> folder -> [flags]
    imap_counts = collections.Counter()
    for user in users.names:
        for folder, rows in read_over_imap(args.maildexd, user, users.maildirs[user], observations).items():
            for uid, msgid, flags in rows:
                if msgid is None:
                    finding("messages without Message-ID over IMAP", "%s %s UID %d" % (user, folder, uid))
                    continue
                seen[msgid][folder].append(flags)
                imap_counts[(user, folder, msgid)] += 1
    for key in set(disk) | set(imap_counts):
        if disk[key] != imap_counts[key]:
            finding("disk/IMAP disagreements", "%s %s %s: %d file(s), %d over IMAP"
                    % (key[0], key[1], key[2], disk[key], imap_counts[key]))

    messages = ledger.all()
    known = {m.msgid for m in messages}
    for msgid in seen:
        if msgid not in known:
            finding("unknown messages", "%s in %s" % (msgid, sorted(seen[msgid])))
    for m in messages:
        for kind, detail in judge(m, seen.get(m.msgid, {})):
            finding(kind, detail, variant=m.doubt_kind if kind == "mixed flags" else None)
        if m.worlds is not None:
            results["in doubt at the end"] += 1
            outcome = "not done" if seen_matches(seen.get(m.msgid, {}), m.worlds[0]) else \
                "done" if seen_matches(seen.get(m.msgid, {}), m.worlds[1]) else "neither"
            results["in doubt: %s %s" % (m.doubt_kind, outcome)] += 1

    for key, msgids in observations.reuses().items():
        user, folder, validity, uid = key
        finding("UID reuse", "%s %s UIDVALIDITY %d UID %d named %s (first seen by %s)"
                % (user, folder, validity, uid, " and ".join(sorted(msgids)), observations.where[key]))
    for (user, folder), validities in observations.validities.items():
        if len(validities) > 1:
            finding("UIDVALIDITY changes", "%s %s: %s" % (user, folder, sorted(validities)),
                    n=len(validities) - 1)
    results["UID pairs seen"] = len(observations.names)
    results["messages"] = len(messages)
    results["copies expected"] = sum(len(m.placed) for m in messages if m.worlds is None)
    return results, examples


def seen_matches(seen, world):
    found = {f: v for f, v in seen.items() if v}
    return set(found) == set(world) and all(len(v) == 1 and v[0] == world[f] for f, v in found.items())


# --- the run -------------------------------------------------------------------------------------

FAILURES = ["lost", "duplicated", "moved-in-both", "UID reuse", "UIDVALIDITY changes", "mixed flags",
            "unknown messages", "tmp leftovers", "disk/IMAP disagreements", "maildexctl check failures",
            "files without Message-ID", "messages without Message-ID over IMAP"]
RUN_FAILURES = ["store confirmed other flags", "protocol errors", "client errors"]


def log_tail(path, lines=8):
    try:
        with open(path, errors="replace") as f:
            return "".join(f.readlines()[-lines:]).rstrip()
    except OSError:
        return ""


def say(text):
    print("soak-crash: " + text, file=sys.stderr, flush=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--work", required=True)
    ap.add_argument("--maildexd", required=True)
    ap.add_argument("--maildexctl", required=True)
    ap.add_argument("--cycles", type=int, default=100)
    ap.add_argument("--clients", type=int, default=8)
    ap.add_argument("--users", type=int, default=2)
    ap.add_argument("--up-min", type=float, default=1.0)
    ap.add_argument("--up-max", type=float, default=5.0)
    ap.add_argument("--mda-interval", type=float, default=0.3)
    ap.add_argument("--seed", type=int, default=None)
    args = ap.parse_args()
    seed = args.seed if args.seed is not None else random.randrange(1 << 30)
    rng = random.Random(seed)
    began = time.monotonic()

    def terminate(signum, _frame):
        raise KeyboardInterrupt("signal %d" % signum)
    signal.signal(signal.SIGTERM, terminate)

    users = Users(args.work, args.users, [f[len("INBOX."):] for f in FOLDERS[1:]])
    server = ServerProcess(args.maildexd, args.work, users.userdb)
    ledger, observations, stats = Ledger(), Observations(), Stats()
    stop_clients, stop_mda = threading.Event(), threading.Event()
    keyword_pool = KeywordPool()
    say("seed %d, %d cycles, %d clients on %d users, work %s, port %d"
        % (seed, args.cycles, args.clients, args.users, args.work, server.port))
    clients, owners = [], collections.defaultdict(list)
    for i in range(args.clients):
        user = users.names[i % len(users.names)]
        name = "c%d" % (i + 1)
        owners[user].append(name)
        clients.append(Client(name, user, users.password, server.port, ledger, observations, stats,
                              stop_clients, rng.randrange(1 << 30), keyword_pool))
    mda = Mda(users, owners, ledger, stats, stop_mda, args.mda_interval, rng.randrange(1 << 30))
    kills = 0
    final_exit = None
    problems = []  # the server would not start again, or the Maildirs could not be read
    try:
        server.start()
        for c in clients:
            c.start()
        mda.start()
        for cycle in range(1, args.cycles + 1):
            if cycle > 1:
                try:
                    server.start()
                except RuntimeError as e:  # recovery failed: a finding, not a script error
                    problems.append("restart after kill %d: %s\n%s" % (kills, e, log_tail(server.log_path)))
                    break
            time.sleep(rng.uniform(args.up_min, args.up_max))
            server.kill()
            kills += 1
            if cycle % 10 == 0 or cycle == args.cycles:
                c = stats.counts
                say("cycle %d of %d: %d changes acknowledged, %d connections cut, %d delivered, %.0f s"
                    % (cycle, args.cycles, c["changes acknowledged"], c["disconnects"], c["delivered"],
                       time.monotonic() - began))
            if stats.counts["client errors"]:
                break
            time.sleep(rng.uniform(0, 0.5))  # down for a moment: deliveries go on
        stop_clients.set()
        for c in clients:
            c.join(timeout=60)
        stop_mda.set()
        mda.join(timeout=60)
        if not problems:
            say("all cycles done; starting the server once more (recovery), then stopping it with SIGTERM")
            try:
                server.start()
                open_every_folder(server.port, users)
                time.sleep(1)
                final_exit = server.stop()
            except (RuntimeError, ImapError) as e:
                problems.append("the final start: %s\n%s" % (e, log_tail(server.log_path)))
    finally:
        stop_clients.set()
        stop_mda.set()
        server.kill()

    try:
        results, examples = final_check(args, users, ledger, observations, stats)
    except (RuntimeError, ImapError, EOFError, TimeoutError, OSError) as e:
        problems.append("the final check could not read the Maildirs: %r" % e)
        results, examples = collections.Counter(), {}
    elapsed = time.monotonic() - began
    commands = collections.Counter()
    for c in clients:
        commands.update(c.commands)
    report(args, seed, kills, elapsed, stats, commands, results, examples, final_exit)
    for p in problems:
        print("  FAILED: " + p.replace("\n", "\n    "))
    failed = [k for k in FAILURES if results[k]] + [k for k in RUN_FAILURES if stats.counts[k]] \
        + (["server start or final check"] if problems else ["final stop"] if final_exit != 0 else [])
    if failed:
        say("FAILED: " + ", ".join(failed))
        return 1
    say("passed")
    return 0


def report(args, seed, kills, elapsed, stats, commands, results, examples, final_exit):
    c = stats.counts
    lines = [
        "",
        "soak-crash: %d kill -9 cycles, %d clients on %d users, seed %d, %.0f s" % (kills, args.clients, args.users, seed, elapsed),
        "  commands sent %d, acknowledged %d (changes to mail: %d), refused (NO) %d, BAD %d; connections cut %d" % (
            c["sent"], c["acknowledged"], c["changes acknowledged"], c["refused"], c["protocol errors"],
            c["disconnects"]),
        "  by kind: " + ", ".join("%s %d" % kv for kv in sorted(commands.items())),
        "  MDA deliveries %d; messages (Message-IDs) %d; acknowledged copies %d; in doubt at the end %d" % (
            c["delivered"], results["messages"], results["copies expected"], results["in doubt at the end"]),
        "  interrupted commands, outcome: " + (", ".join(
            "%s %d" % (k[len("in doubt: "):], v) for k, v in sorted(results.items()) if k.startswith("in doubt: ")) or "none"),
        "  lost                      %d" % results["lost"],
        "  duplicated                %d" % results["duplicated"],
        "  moved-in-both             %d" % results["moved-in-both"],
        "  UID reuse                 %d   (of %d UIDs seen named)" % (results["UID reuse"], results["UID pairs seen"]),
        "  UIDVALIDITY changes       %d" % results["UIDVALIDITY changes"],
        "  mixed flags               %d" % results["mixed flags"],
        "  unknown messages          %d" % results["unknown messages"],
        "  tmp leftovers             %d" % results["tmp leftovers"],
        "  disk/IMAP disagreements   %d" % results["disk/IMAP disagreements"],
        "  maildexctl check          %s" % ("clean" if not results["maildexctl check failures"]
                                           else "NOT clean on %d Maildir(s)" % results["maildexctl check failures"]),
        "  final SIGTERM stop        %s" % ("exit 0" if final_exit == 0 else "exit %s" % final_exit),
    ]
    for key in ("APPEND without APPENDUID", "COPY without COPYUID", "MOVE without COPYUID",
                "listings answered NO [EXPUNGEISSUED]",
                "store confirmed other flags", "refused", "protocol errors", "client errors"):
        if c[key]:
            lines.append("  note: %s %d" % (key, c[key]))
    print("\n".join(lines))
    shown = [k for k in FAILURES if results[k] and examples.get(k)]
    if shown:
        print("\nExamples (up to 5 of each):")
        for k in shown:
            print("  %s:" % k)
            for e in examples[k]:
                print("    " + str(e).replace("\n", "\n      "))
    for key in ("store confirmed other flags", "refused", "protocol errors", "client errors"):
        if stats.examples.get(key):
            print("  %s:" % key)
            for e in stats.examples[key]:
                print("    " + e.replace("\n", "\n      "))
    sys.stdout.flush()


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        say("interrupted")
        sys.exit(130)
