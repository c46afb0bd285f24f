"""maildexctl as scripts and administrators use it: --help and exit codes of every
command, the user database commands, --user/--all, expunge by age, quota recalc, check
and --repair through the command line, and the progress bar (only on a terminal)."""

import os
import pty
import shutil
import subprocess
import tempfile
import time
import unittest

from maildex_testlib import (MAILDEXCTL, Maildir, MaildirTestCase, fetch_flags, maildexd,
                             run_ctl, unpack_fixture)

COMMANDS = ["reindex", "check", "migrate", "export", "user", "expunge", "quota"]


class HelpAndExitCodes(unittest.TestCase):
    def test_every_command_has_help_with_exit_codes(self):
        out = run_ctl("--help", check=0).stdout
        for c in COMMANDS:
            self.assertIn(c, out)
            help_text = run_ctl(c, "--help", check=0).stdout
            self.assertIn("Usage: maildexctl " + c, help_text)
            self.assertIn("Exit codes", help_text)

    def test_usage_errors_exit_2(self):
        self.assertEqual(run_ctl().returncode, 2)
        self.assertEqual(run_ctl("frobnicate").returncode, 2)
        self.assertEqual(run_ctl("reindex").returncode, 2)
        self.assertEqual(run_ctl("reindex", "--bogus", "/tmp").returncode, 2)
        self.assertEqual(run_ctl("migrate", "exchange", "/tmp").returncode, 2)
        self.assertEqual(run_ctl("migrate", "courier", "--prefix", "x", "/tmp").returncode, 2)
        self.assertEqual(run_ctl("expunge", "--mailbox", "Trash", "/tmp").returncode, 2)
        self.assertEqual(run_ctl("reindex", "--all").returncode, 2)  # no user database
        p = run_ctl("reindex", "/tmp", "--all")
        self.assertEqual(p.returncode, 2)
        self.assertIn("not several", p.stderr)

    def test_a_missing_maildir_fails_with_3_and_its_name(self):
        p = run_ctl("reindex", "/nonexistent/Maildir")
        self.assertEqual(p.returncode, 3)
        self.assertIn("/nonexistent/Maildir", p.stderr)
        self.assertIn("0 of 1 Maildir (", p.stdout)
        self.assertEqual(p.stderr.count("/nonexistent/Maildir"), 1, p.stderr)


class Users(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="maildex-users-")
        self.addCleanup(shutil.rmtree, self.dir, ignore_errors=True)
        self.db = os.path.join(self.dir, "users")

    def user(self, *args, password=None, check=None):
        return run_ctl("user", "--userdb", self.db, *args,
                       *(["--password-stdin"] if password is not None else []),
                       input=password, check=check)

    def line(self, name):
        with open(self.db) as f:
            return [l for l in f if l.startswith(name + ":")]

    def test_add_passwd_list_del(self):
        self.user("add", "alice", "--maildir", "/srv/mail/alice", password="secret 1\n", check=0)
        [line] = self.line("alice")
        self.assertTrue(line.split(":")[1].startswith("{CRYPT}$y$"), line)  # yescrypt
        self.assertIn("maildir=/srv/mail/alice", line)
        with open(self.db) as f:
            self.assertNotIn("secret", f.read())
        self.user("add", "bob", "--home", "/home/bob", "--scheme", "sha512-crypt",
                  password="pw", check=0)
        self.assertTrue(self.line("bob")[0].split(":")[1].startswith("{SHA512-CRYPT}$6$"))
        out = self.user("list", check=0).stdout
        self.assertIn("alice  CRYPT         /srv/mail/alice", out)  # columns line up
        self.assertIn("bob    SHA512-CRYPT  /home/bob/Maildir", out)
        self.assertIn("2 users", out)
        old = self.line("alice")[0]
        self.user("passwd", "alice", password="another\n", check=0)
        self.assertNotEqual(self.line("alice")[0], old)
        self.user("del", "bob", check=0)
        self.assertEqual(self.line("bob"), [])

    def test_refusals(self):
        self.user("add", "alice", "--maildir", "/m", password="x", check=0)
        self.assertEqual(self.user("add", "alice", "--maildir", "/m", password="x").returncode, 3)
        self.assertEqual(self.user("passwd", "nobody", password="x").returncode, 3)
        self.assertEqual(self.user("del", "nobody").returncode, 3)
        self.assertEqual(self.user("add", "bad:name", "--maildir", "/m", password="x").returncode,
                         2)
        self.assertEqual(self.user("add", "carol", password="x").returncode, 2)  # no maildir
        self.assertEqual(self.user("add", "carol", "--maildir", "/m", password="").returncode, 3)
        # Without --password-stdin the password comes only from a terminal; none here.
        p = subprocess.run([MAILDEXCTL, "user", "--userdb", self.db, "add", "dave", "--maildir",
                            "/m"], capture_output=True, text=True, stdin=subprocess.DEVNULL,
                           start_new_session=True, timeout=30)
        self.assertEqual(p.returncode, 3)
        self.assertIn("--password-stdin", p.stderr)

    def test_user_and_all_name_maildirs_from_the_database(self):
        dirs = {}
        for name in ("alice", "bob"):
            md = Maildir()
            self.addCleanup(md.cleanup)
            md.deliver("Subject: hi\n\nhi\n")
            dirs[name] = md.path
            self.user("add", name, "--maildir", md.path, password="pw", check=0)
        out = run_ctl("reindex", "--all", "--userdb", self.db, check=0).stdout
        self.assertIn("Reindexed 2 of 2 Maildirs", out)
        out = run_ctl("check", "--user", "bob", env={"MAILDEX_USERDB": self.db}, check=0).stdout
        self.assertIn("Checked 1 of 1 Maildir (", out)
        self.assertEqual(run_ctl("check", "--user", "nobody", "--userdb", self.db).returncode, 2)


class Expunge(MaildirTestCase):
    def test_older_than_uses_ctime_and_sessions_see_expunges(self):
        self.md.make_folder("Trash")
        for i in range(3):
            self.md.deliver("Subject: old %d\n\nx\n" % i, folder="Trash", new=False, flags="S")
        run_ctl("reindex", self.md.path, check=0)
        m = maildexd(self.md.path)
        self.addCleanup(lambda: m.state != "LOGOUT" and m.logout())
        m.select('"INBOX.Trash"')
        time.sleep(3.1)  # ctime is compared in whole seconds
        # A date far in the past does not matter; the file's ctime does.
        self.md.deliver("Subject: new\n\nx\n", folder="Trash", new=False, flags="S", mtime=1)
        out = run_ctl("expunge", "--mailbox", "Trash", "--older-than", "2s", "--dry-run",
                      self.md.path, check=0).stdout
        self.assertIn("3 would be expunged", out)
        out = run_ctl("expunge", "--mailbox", "INBOX.Trash", "--older-than", "2s", self.md.path,
                      check=0).stdout
        self.assertIn("3 were expunged", out)
        m.noop()
        self.assertEqual(len(m.untagged_responses.get("EXPUNGE", [])), 3)
        self.assertEqual(list(fetch_flags(m)), [4])
        # A Maildir without the folder is skipped with a warning naming it (issue 21).
        other = Maildir()
        self.addCleanup(other.cleanup)
        p = run_ctl("expunge", "--mailbox", "Trash", "--older-than", "7d", other.path, check=1)
        self.assertIn("no folder 'Trash'", p.stderr)


class Quota(MaildirTestCase):
    def test_recalc_keeps_the_quota_line(self):
        self.md.deliver("x" * 100, new=False, flags="S")
        self.md.make_folder("Trash")
        self.md.deliver("y" * 50, folder="Trash")
        path = os.path.join(self.md.path, "maildirsize")
        with open(path, "w") as f:
            f.write("50000000S,5000C\n        9999           99\n")
        out = run_ctl("quota", "recalc", self.md.path, check=0).stdout
        self.assertIn("100 bytes in 1 message; quota 50000000S,5000C", out)
        with open(path) as f:
            self.assertEqual(f.read(), "50000000S,5000C\n         100            1\n")

    def test_without_maildirsize_only_with_a_quota(self):
        out = run_ctl("quota", "recalc", self.md.path, check=0).stdout
        self.assertIn("left alone", out)
        self.assertFalse(os.path.exists(os.path.join(self.md.path, "maildirsize")))
        run_ctl("quota", "recalc", "--quota", "1000S", self.md.path, check=0)
        self.assertTrue(os.path.exists(os.path.join(self.md.path, "maildirsize")))

    def test_an_invalid_quota_is_refused_and_changes_nothing(self):
        path = os.path.join(self.md.path, "maildirsize")
        with open(path, "w") as f:
            f.write("50000000S,5000C\n         100            1\n")
        for bad in ["abc", "100", "100X", "100S,", ",100S", "100S 5C", ""]:
            p = run_ctl("quota", "recalc", "--quota", bad, self.md.path, check=2)
            self.assertIn("is not a quota", p.stderr, bad)
        with open(path) as f:
            self.assertEqual(f.read(), "50000000S,5000C\n         100            1\n")

    def test_show_reads_the_usage_and_the_limits(self):
        other = Maildir()
        self.addCleanup(other.cleanup)
        with open(os.path.join(self.md.path, "maildirsize"), "w") as f:
            f.write("1000S,10C\n         100            1\n         150            2\n")
        p = run_ctl("quota", "show", self.md.path, other.path, check=0)
        self.assertIn(self.md.path + ": 250 bytes of 1,000 (25%), 3 messages of 10 (30%)\n",
                      p.stdout)
        self.assertIn(other.path + ": no quota\n", p.stdout)
        self.assertIn("2 Maildirs: 1 with a quota, 0 over it.", p.stdout)
        with open(os.path.join(self.md.path, "maildirsize"), "a") as f:
            f.write("        2000            1\n")
        p = run_ctl("quota", "show", self.md.path, check=0)
        self.assertIn("2,250 bytes of 1,000 (225%), 4 messages of 10 (40%); over quota", p.stdout)


class CheckCommand(unittest.TestCase):
    def test_check_repair_check(self):
        root, maildir, _ = unpack_fixture("courier-small")
        self.addCleanup(shutil.rmtree, root, ignore_errors=True)
        # Never indexed: not a difference (a nightly check --all must pass on a live site).
        p = run_ctl("check", maildir)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertIn("1 Maildir is not yet indexed", " ".join(p.stdout.split()))
        run_ctl("migrate", "courier", maildir, check=0)
        os.unlink(os.path.join(maildir, ".Sent", "courierimapuiddb"))
        with open(os.path.join(maildir, "courierimapsubscribed"), "a") as f:
            f.write("INBOX.Drafts\n")
        p = run_ctl("check", maildir)
        self.assertEqual(p.returncode, 1, p.stdout + p.stderr)
        self.assertIn("folder 'Sent': " + os.path.join(maildir, ".Sent", "courierimapuiddb") +
                      " is missing", p.stdout)
        self.assertIn("'Drafts' is in courierimapsubscribed but not subscribed in the index",
                      p.stdout)
        p = run_ctl("check", "--repair", maildir)
        self.assertEqual(p.returncode, 1, p.stdout + p.stderr)
        self.assertIn("repaired: rewrote courierimapuiddb", p.stdout)
        self.assertIn("Repaired 2 differences; 0 remain", p.stdout)
        run_ctl("check", maildir, check=0)


class Ownership(unittest.TestCase):
    @unittest.skipUnless(os.geteuid() == 0, "needs root to own files as another user")
    def test_as_root_files_made_belong_to_the_maildir_owner(self):
        root, maildir, _ = unpack_fixture("courier-small")
        self.addCleanup(shutil.rmtree, root, ignore_errors=True)
        os.chmod(root, 0o755)
        for d, dirs, files in os.walk(maildir):
            for n in [d] + [os.path.join(d, f) for f in files]:
                os.lchown(n, 65534, 65534)
        run_ctl("migrate", "courier", maildir, check=0)
        run_ctl("reindex", "--force", maildir, check=0)
        run_ctl("export", "courier", maildir, check=0)
        for d, dirs, files in os.walk(maildir):
            for n in [d] + [os.path.join(d, f) for f in files]:
                self.assertEqual(os.lstat(n).st_uid, 65534, n)
        self.assertEqual(os.geteuid(), 0)


class ProgressBar(unittest.TestCase):
    def run_on_terminal(self, *args):
        master, slave = pty.openpty()
        p = subprocess.Popen([MAILDEXCTL] + list(args), stdout=slave, stderr=subprocess.PIPE)
        os.close(slave)
        out = b""
        while True:
            try:
                chunk = os.read(master, 65536)
            except OSError:
                break
            if not chunk:
                break
            out += chunk
        p.wait(timeout=60)
        p.stderr.close()
        os.close(master)
        return out.decode("utf-8", "replace")

    def test_bar_on_a_terminal_only(self):
        root, maildir, _ = unpack_fixture("courier-small")
        self.addCleanup(shutil.rmtree, root, ignore_errors=True)
        out = self.run_on_terminal("migrate", "courier", maildir)
        self.assertIn("\r\x1b[K[", out)
        self.assertRegex(out, r"\d+/12 folders  [\d,]+ messages")
        self.assertIn("Migrated 1 of 1 Maildir from", out)
        plain = run_ctl("reindex", maildir, check=0).stdout
        self.assertNotIn("\r", plain)
        self.assertNotIn("\x1b", plain)


if __name__ == "__main__":
    unittest.main()
