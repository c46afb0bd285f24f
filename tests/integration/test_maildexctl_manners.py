"""maildexctl's manners (issue 21): one way to read the server's configuration
(--config FILE), check --all on a live site where some folders were never opened, the
warnings and refusals that come before any work (expunge of a missing folder, user add
of an existing user, an unknown hash scheme), the help texts, plurals and columns."""

import os
import re
import shutil
import tempfile
import unittest

from maildex_testlib import Maildir, run_ctl


class Manners(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="maildex-ctl-manners-")
        self.addCleanup(shutil.rmtree, self.dir, ignore_errors=True)
        self.db = os.path.join(self.dir, "users")
        self.md = Maildir()
        self.addCleanup(self.md.cleanup)
        self.md.deliver("Subject: hi\n\nhi\n")
        run_ctl("user", "add", "alice", "--maildir", self.md.path, "--userdb", self.db,
                "--password-stdin", input="pw\n", check=0)

    def conf(self, text):
        path = os.path.join(self.dir, "maildex.conf")
        with open(path, "w") as f:
            f.write(text)
        return path

    def test_settings_only_in_the_config_file_are_honoured(self):
        index_dir = os.path.join(self.dir, "indexes")
        os.mkdir(index_dir)
        cfg = self.conf("MAILDEX_USERDB=%s\nMAILDEX_INDEX_DIR=%s\n" % (self.db, index_dir))
        out = run_ctl("--config", cfg, "reindex", "--all", check=0).stdout
        self.assertIn("Reindexed 1 of 1 Maildir (", out)
        # The index went where the server looks for it, not into the Maildir.
        self.assertFalse(os.path.exists(os.path.join(self.md.path, "maildex.sqlite")))
        self.assertTrue(os.listdir(index_dir))
        # --config after the command works too, and check finds that same index.
        out = run_ctl("check", "--all", "--config", cfg, check=0).stdout
        self.assertIn("1 consistent", out)
        self.assertNotIn("not yet indexed", out)
        self.assertIn("alice", run_ctl("user", "list", "--config", cfg, check=0).stdout)

    def test_an_invalid_config_is_refused_as_the_server_refuses_it(self):
        cfg = self.conf("MAILDEX_USERDB=%s\nPORT=many\n" % self.db)
        p = run_ctl("--config", cfg, "user", "list")
        self.assertEqual(p.returncode, 2)
        self.assertIn("PORT: expected a whole number", p.stderr)
        p = run_ctl("--config", os.path.join(self.dir, "absent.conf"), "user", "list")
        self.assertEqual(p.returncode, 2)
        self.assertIn("absent.conf", p.stderr)

    def test_check_all_reports_never_indexed_as_not_yet_indexed_and_exit_0(self):
        self.md.make_folder("Archive")  # no client opened it
        bob = Maildir()
        self.addCleanup(bob.cleanup)
        run_ctl("user", "add", "bob", "--maildir", bob.path, "--userdb", self.db,
                "--password-stdin", input="pw\n", check=0)
        run_ctl("reindex", self.md.path, check=0)
        self.md.make_folder("Later")  # made after the index
        p = run_ctl("check", "--all", "--userdb", self.db)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        summary = " ".join(p.stdout.split())
        self.assertIn("1 consistent.", summary)
        self.assertIn("1 Maildir and 1 folder are not yet indexed", summary)
        self.assertNotIn("difference", p.stdout)
        p = run_ctl("check", "--all", "--repair", "--userdb", self.db)
        self.assertIn("indexed now", p.stdout)
        p = run_ctl("check", "--all", "--userdb", self.db, check=0)
        self.assertIn("2 consistent.", p.stdout)
        self.assertNotIn("not yet indexed", p.stdout)

    def test_expunge_of_a_missing_folder_warns_naming_it(self):
        p = run_ctl("expunge", "--mailbox", "Nope", "--older-than", "7d", self.md.path)
        self.assertEqual(p.returncode, 1, p.stdout + p.stderr)
        self.assertIn("%s: no folder 'Nope' (skipped)" % self.md.path, p.stderr)
        self.assertIn("1 folder was not found", p.stdout)

    def test_user_commands_check_arguments_before_asking_for_a_password(self):
        # No --password-stdin and no terminal: asking would fail with "no terminal";
        # the argument errors must come first.
        p = run_ctl("user", "add", "alice", "--maildir", self.md.path, "--userdb", self.db)
        self.assertEqual(p.returncode, 3)
        self.assertIn("user alice already exists", p.stderr)
        self.assertNotIn("terminal", p.stderr)
        p = run_ctl("user", "passwd", "alice", "--scheme", "md5", "--userdb", self.db)
        self.assertEqual(p.returncode, 2)
        self.assertIn("--scheme takes yescrypt", p.stderr)
        p = run_ctl("user", "passwd", "nobody", "--userdb", self.db)
        self.assertEqual(p.returncode, 3)
        self.assertIn("no user nobody", p.stderr)
        self.assertNotIn("terminal", p.stderr)

    def test_user_list_columns_line_up_and_counts_are_singular(self):
        run_ctl("user", "add", "a-much-longer-name", "--home", self.dir, "--userdb", self.db,
                "--password-stdin", input="pw\n", check=0)
        out = run_ctl("user", "list", "--userdb", self.db, check=0).stdout.splitlines()
        rows = [l for l in out if l.startswith(("USER", "alice", "a-much"))]
        self.assertEqual(len(rows), 3, out)
        starts = {re.search(r"\s(/\S+)$", r).start(1) if not r.startswith("USER") else r.index("MAILDIR") for r in rows}
        self.assertEqual(len(starts), 1, rows)
        os.unlink(self.db)
        run_ctl("user", "add", "solo", "--home", self.dir, "--userdb", self.db,
                "--password-stdin", input="pw\n", check=0)
        self.assertIn("1 user in ", run_ctl("user", "list", "--userdb", self.db, check=0).stdout)

    def test_help_texts(self):
        top = run_ctl("--help", check=0).stdout
        self.assertNotIn("does not exist yet", top)
        self.assertIn("--config FILE", top)
        for command in ("who", "kick"):
            text = run_ctl(command, "--help", check=0).stdout
            codes = text[text.index("Exit codes"):]
            self.assertNotIn("Maildir", codes)

    def test_a_missing_maildir_is_named_once(self):
        p = run_ctl("check", "/nonexistent")
        self.assertEqual(p.returncode, 3)
        self.assertEqual(p.stderr.count("/nonexistent"), 1, p.stderr)
        self.assertIn("Checked 0 of 1 Maildir (", p.stdout)


if __name__ == "__main__":
    unittest.main()
