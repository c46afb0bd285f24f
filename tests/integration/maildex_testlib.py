"""Helpers shared by the integration tests: temporary Maildirs, delivering messages
the way an MDA does (tmp/ then rename), and locating the built binaries."""

import os
import shutil
import tempfile
import time
import unittest

MAILDEXD = os.environ.get("MAILDEXD", os.path.join(os.path.dirname(__file__), "../../build/app/maildexd"))
MAILDEXCTL = os.environ.get("MAILDEXCTL", os.path.join(os.path.dirname(__file__), "../../build/app/maildexctl"))


class Maildir:
    """A Maildir under a fresh temporary directory, removed by cleanup()."""

    def __init__(self):
        self.root = tempfile.mkdtemp(prefix="maildex-it-")
        self.path = os.path.join(self.root, "Maildir")
        self._counter = 0
        self._make(self.path)

    @staticmethod
    def _make(path):
        for sub in ("cur", "new", "tmp"):
            os.makedirs(os.path.join(path, sub), exist_ok=True)

    def folder_dir(self, folder=""):
        return self.path if folder in ("", "INBOX") else os.path.join(self.path, "." + folder)

    def make_folder(self, folder):
        self._make(self.folder_dir(folder))
        open(os.path.join(self.folder_dir(folder), "maildirfolder"), "w").close()

    def deliver(self, body, folder="", new=True, flags="", mtime=None):
        """Writes into tmp/ and renames into new/ (or cur/ with flags); returns the name."""
        self._counter += 1
        when = int(mtime if mtime is not None else time.time())
        base = "%d.M%dP%d.maildextest" % (when, self._counter, os.getpid())
        d = self.folder_dir(folder)
        tmp = os.path.join(d, "tmp", base)
        with open(tmp, "wb") as f:
            f.write(body if isinstance(body, bytes) else body.encode())
        os.utime(tmp, (when, when))
        name = base if new else base + ":2," + flags
        os.rename(tmp, os.path.join(d, "new" if new else "cur", name))
        return name

    def cleanup(self):
        shutil.rmtree(self.root, ignore_errors=True)


class MaildirTestCase(unittest.TestCase):
    def setUp(self):
        self.md = Maildir()
        self.addCleanup(self.md.cleanup)


# --- Fixtures, maildexctl and reading a mailbox's state over IMAP -----------------------

import imaplib
import json
import re
import shlex
import subprocess
import tarfile

FIXTURES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures")
REPO = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))


def unpack_fixture(name):
    """Unpacks tests/fixtures/<name>/*.tar.gz into a fresh directory; returns
    (root, maildir path, expected.json as a dict). The caller removes root."""
    fixture = os.path.join(FIXTURES, name)
    archive = [f for f in os.listdir(fixture) if f.endswith(".tar.gz")][0]
    root = tempfile.mkdtemp(prefix="maildex-fx-")
    with tarfile.open(os.path.join(fixture, archive)) as t:
        t.extractall(root)
    with open(os.path.join(fixture, "expected.json"), encoding="utf-8") as f:
        expected = json.load(f)
    return root, os.path.join(root, "Maildir"), expected


def run_ctl(*args, input=None, env=None, check=None):
    """Runs maildexctl; returns the CompletedProcess (text). `check` = expected exit code."""
    full_env = dict(os.environ)
    full_env.pop("MAILDEX_USERDB", None)
    full_env.pop("MAILDEX_INDEX_DIR", None)
    if env:
        full_env.update(env)
    p = subprocess.run([MAILDEXCTL] + list(args), input=input, capture_output=True, text=True,
                       env=full_env, timeout=300)
    if check is not None and p.returncode != check:
        raise AssertionError("maildexctl %s exited %d, expected %d\nstdout:\n%s\nstderr:\n%s"
                             % (" ".join(args), p.returncode, check, p.stdout, p.stderr))
    return p


def maildexd(maildir):
    return imaplib.IMAP4_stream("%s %s" % (shlex.quote(MAILDEXD), shlex.quote(maildir)))


def quote(name):
    """A mailbox name as an IMAP quoted string (imaplib sends arguments as given)."""
    if isinstance(name, bytes):
        name = name.decode()
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'


_LIST_RE = re.compile(rb'^\(([^)]*)\) (?:NIL|"(?:[^"\\]|\\.)*") (.*)$')


def _unquote(raw):
    if raw.startswith(b'"'):
        return re.sub(rb"\\(.)", rb"\1", raw[1:-1])
    return raw


def list_mailboxes(m, command="LIST"):
    """{name: set of attributes} from LIST or LSUB "" "*" (names as the server sent them)."""
    typ, data = (m.list if command == "LIST" else m.lsub)('""', "*")
    assert typ == "OK", (typ, data)
    out = {}
    pending = None
    for item in data:
        if item is None:
            continue
        if isinstance(item, tuple):  # a literal name
            attrs = _LIST_RE.match(item[0].rstrip(b"{0123456789}").rstrip() + b" x").group(1)
            out[item[1].decode("utf-8")] = set(attrs.decode().split())
            continue
        mo = _LIST_RE.match(item)
        assert mo, item
        out[_unquote(mo.group(2)).decode("utf-8")] = set(mo.group(1).decode().split())
    return out


_FETCH_UID = re.compile(rb"UID (\d+)")
_FETCH_FLAGS = re.compile(rb"FLAGS \(([^)]*)\)")


def fetch_flags(m):
    """{uid: (sorted system flags without \\Recent, sorted keywords)} of the selected mailbox."""
    m.untagged_responses.pop("FETCH", None)  # unsolicited ones of earlier commands
    typ, data = m.uid("FETCH", "1:*", "(UID FLAGS)")
    assert typ == "OK", (typ, data)
    out = {}
    for item in data:
        if item is None:
            continue
        if isinstance(item, tuple):
            item = item[0]
        uid = int(_FETCH_UID.search(item).group(1))
        flags = _FETCH_FLAGS.search(item).group(1).decode().split()
        system = sorted(f for f in flags if f.startswith("\\") and f != "\\Recent")
        keywords = sorted(f for f in flags if not f.startswith("\\"))
        out[uid] = (system, keywords)
    return out


_STATUS_ITEM = re.compile(rb"([A-Z]+) (\d+)")


def status(m, name, items="(MESSAGES UIDNEXT UIDVALIDITY)"):
    typ, data = m.status(quote(name), items)
    assert typ == "OK", (name, typ, data)
    line = data[-1] if not isinstance(data[-1], tuple) else data[-1][-1]
    body = line[line.rindex(b"("):]
    return {k.decode(): int(v) for k, v in _STATUS_ITEM.findall(body)}


def select_state(m, name, readonly=False):
    """SELECTs (or EXAMINEs) `name`; returns (UIDVALIDITY, {uid: (flags, keywords)})."""
    typ, data = m.select(quote(name), readonly=readonly)
    assert typ == "OK", (name, typ, data)
    _, v = m.response("UIDVALIDITY")
    return int(v[0]), fetch_flags(m)


def mailbox_state(m, names):
    """{name: {"uidvalidity", "uidnext", "messages": {uid: (flags, keywords)}}}."""
    out = {}
    for name in names:
        st = status(m, name)
        validity, messages = select_state(m, name, readonly=True)
        out[name] = {"uidvalidity": validity, "status_uidvalidity": st["UIDVALIDITY"],
                     "uidnext": st["UIDNEXT"], "messages": messages}
        m.close()
    return out
