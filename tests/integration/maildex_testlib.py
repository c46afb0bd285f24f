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
