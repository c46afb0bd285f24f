"""Courier's virtual shared folders through the real server (TCP, LOGIN from the user
database, IMAP_SHAREDINDEXFILE): two accounts sharing a folder see each other's changes
at once (IDLE on both), a revoke reaches the other account's open session at its next
command, COPY and MOVE work between the accounts' Maildirs, and no trick reaches a
folder that is not shared. What the real Courier answers to the same commands is checked
by test_courier_acl_differential.py."""

import os
import re
import socket
import time
import unittest

from maildex_server import LineClient, MaildexServer

MSG = "From: a@example.com\r\nSubject: shared\r\n\r\nbody\r\n"
FULL = "owner aceilrstwx\nadministrators aceilrstwx\n"


def write_acl(md, folder, text):
    with open(os.path.join(md.folder_dir(folder), "courierimapacl"), "w") as f:
        f.write(text)


def shared_server(extra_index_lines=""):
    srv = MaildexServer(users={"alice": "pa", "bob": "pb"})
    index = os.path.join(srv.root, "shared-index")
    with open(index, "w") as f:
        for name in ("alice", "bob"):
            f.write("%s\t1000\t1000\t%s\n" % (name, srv.maildirs[name].root))
        f.write(extra_index_lines)
    srv.settings["IMAP_SHAREDINDEXFILE"] = index
    return srv


def wait_for(client, pattern, seconds=5):
    """The untagged lines up to the first matching `pattern`, within `seconds`."""
    seen = []
    deadline = time.time() + seconds
    try:
        while time.time() < deadline:
            try:
                line = client.line(timeout=max(0.1, deadline - time.time()))
            except (socket.timeout, TimeoutError):
                continue
            seen.append(line)
            if re.search(pattern, line):
                return seen
    finally:
        client.sock.settimeout(20)
    raise AssertionError("no %r within %ss; saw %r" % (pattern, seconds, seen))


class SharedFolders(unittest.TestCase):
    def setUp(self):
        self.srv = shared_server()
        alice = self.srv.maildirs["alice"]
        for folder, acl in (("Team", FULL + "user=bob lrswite\n"), ("Read", FULL + "user=bob lr\n"),
                            ("Secret", FULL)):
            alice.make_folder(folder)
            write_acl(alice, folder, acl)
            alice.deliver(MSG, folder=folder, new=False)
            alice.deliver(MSG, folder=folder, new=False)

    def tearDown(self):
        self.srv.cleanup()

    def test_namespace_and_list_show_only_what_is_shared(self):
        with self.srv:
            bob = LineClient(self.srv.port).login("bob", "pb")
            lines = bob.command("a", "NAMESPACE")
            self.assertEqual(lines[0], '* NAMESPACE (("INBOX." ".")) NIL (("#shared." "."))')
            lines = bob.command("b", 'LIST "" "#shared.*"')
            self.assertEqual(sorted(lines[:-1]), [
                '* LIST (\\HasNoChildren) "." #shared.alice.Read',
                '* LIST (\\HasNoChildren) "." #shared.alice.Team',
                '* LIST (\\Noselect \\HasChildren) "." #shared.alice'])
            # "*" stays in the user's own namespace, as in Courier.
            lines = bob.command("c", 'LIST "" "*"')
            self.assertFalse([l for l in lines if "#shared" in l], lines)
            lines = bob.command("d", 'LIST "" "#shared.alice.%" RETURN (MYRIGHTS)')
            self.assertIn('* MYRIGHTS #shared.alice.Team "eilrstw"', lines)
            self.assertIn('* MYRIGHTS #shared.alice.Read "lr"', lines)
            lines = bob.command("e", "STATUS #shared.alice.Read (MESSAGES)")
            self.assertEqual(lines[0], '* STATUS #shared.alice.Read (MESSAGES 2)')
            bob.close()

    def test_both_accounts_idle_and_see_each_others_changes(self):
        with self.srv:
            alice = LineClient(self.srv.port).login("alice", "pa")
            bob = LineClient(self.srv.port).login("bob", "pb")
            self.assertTrue(alice.command("a1", "SELECT INBOX.Team")[-1].startswith("a1 OK"))
            lines = bob.command("b1", "SELECT #shared.alice.Team")
            self.assertTrue(lines[-1].startswith("b1 OK [READ-WRITE]"), lines)
            alice.send("a2 IDLE\r\n")
            self.assertTrue(alice.line().startswith("+ "))
            # bob's STORE reaches alice's IDLE.
            bob.command("b2", "STORE 1 +FLAGS (\\Flagged)")
            wait_for(alice, r"^\* 1 FETCH \(.*\\Flagged")
            # bob's APPEND and a delivery into alice's folder reach both.
            bob.send("b3 IDLE\r\n")
            self.assertTrue(bob.line().startswith("+ "))
            self.srv.maildirs["alice"].deliver(MSG, folder="Team")
            wait_for(alice, r"^\* 3 EXISTS")
            wait_for(bob, r"^\* 3 EXISTS")
            # alice expunges; bob, idling, is told.
            alice.send("DONE\r\n")
            alice.until_tagged("a2")
            alice.command("a3", "STORE 2 +FLAGS.SILENT (\\Deleted)")
            alice.command("a4", "EXPUNGE")
            wait_for(bob, r"^\* 2 EXPUNGE")
            bob.send("DONE\r\n")
            bob.until_tagged("b3")
            # \Seen is the file's flag: one state for both readers (as Courier keeps it).
            bob.command("b4", "STORE 1 +FLAGS (\\Seen)")
            lines = alice.command("a5", "FETCH 1 (FLAGS)")
            self.assertIn("\\Seen", lines[0])
            alice.close()
            bob.close()

    def test_a_revoke_reaches_the_open_session_at_its_next_command(self):
        with self.srv:
            alice = LineClient(self.srv.port).login("alice", "pa")
            bob = LineClient(self.srv.port).login("bob", "pb")
            self.assertTrue(bob.command("b1", "SELECT #shared.alice.Team")[-1].startswith("b1 OK"))
            lines = alice.command("a1", "SETACL INBOX.Team bob lr")
            self.assertTrue(lines[-1].startswith("a1 OK"), lines)
            lines = bob.command("b2", "STORE 1 +FLAGS (\\Flagged)")
            self.assertIn("* OK [READ-ONLY] Access rights changed", lines)
            self.assertTrue(lines[-1].startswith("b2 NO") or "\\Flagged" not in " ".join(lines[:-1]),
                            lines)
            lines = bob.command("b3", "EXPUNGE")
            self.assertIn('(ACL "e" required)', lines[-1])
            lines = alice.command("a2", "DELETEACL INBOX.Team bob")
            self.assertTrue(lines[-1].startswith("a2 OK"), lines)
            lines = bob.command("b4", "FETCH 1 (BODY[])")
            self.assertTrue(lines[-1].startswith("b4 NO"), lines)
            lines = bob.command("b5", "SELECT #shared.alice.Team")
            self.assertTrue(lines[-1].startswith("b5 NO [NONEXISTENT]"), lines)
            alice.close()
            bob.close()

    def test_copy_and_move_between_the_accounts(self):
        bob_md = self.srv.maildirs["bob"]
        bob_md.deliver(MSG.replace("shared", "from bob"), new=False, flags="F")
        with self.srv:
            bob = LineClient(self.srv.port).login("bob", "pb")
            bob.command("b1", "SELECT INBOX")
            lines = bob.command("b2", "COPY 1 #shared.alice.Team")
            self.assertRegex(lines[-1], r"^b2 OK \[COPYUID \d+ 1 3\]")
            lines = bob.command("b3", "COPY 1 #shared.alice.Read")
            self.assertIn('(ACL "i" required)', lines[-1])
            lines = bob.command("b4", "SELECT #shared.alice.Team")
            lines = bob.command("b5", "UID FETCH 3 (FLAGS BODY.PEEK[HEADER.FIELDS (SUBJECT)])")
            self.assertIn("\\Flagged", lines[0])
            self.assertIn("from bob", " ".join(lines))
            # MOVE out of alice's folder into bob's own INBOX.
            lines = bob.command("b6", "UID MOVE 3 INBOX")
            self.assertTrue(lines[-1].startswith("b6 OK"), lines)
            self.assertTrue([l for l in lines if re.match(r"^\* 3 EXPUNGE", l)], lines)
            lines = bob.command("b7", "STATUS INBOX (MESSAGES)")
            self.assertEqual(lines[0], '* STATUS INBOX (MESSAGES 2)')
            files = os.listdir(os.path.join(self.srv.maildirs["alice"].folder_dir("Team"), "cur"))
            self.assertEqual(len(files), 2, files)
            bob.close()

    def test_no_trick_reaches_a_folder_that_is_not_shared(self):
        with self.srv:
            bob = LineClient(self.srv.port).login("bob", "pb")
            tricks = ["#shared.alice.Secret", "#shared.alice.INBOX", "#shared.alice",
                      "#shared.alice..Secret", "#shared.alice.Secret/../Read",
                      "#shared.alice/Maildir/.Secret", "#shared.ALICE.Secret",
                      "#SHARED.alice.Secret", "#shared.alice.secret", "#shared.bob.INBOX",
                      "INBOX/../../alice/Maildir/.Secret", "../alice/Maildir/.Secret",
                      "#shared.alice.Secret\\..", "#shared.carol.Anything"]
            n = 0
            for name in tricks:
                for command in ("SELECT", "EXAMINE", "STATUS %s (MESSAGES)", "GETACL", "MYRIGHTS",
                                "DELETE", "SETACL %s bob lrswi"):
                    n += 1
                    text = command % ('"%s"' % name) if "%s" in command else \
                        '%s "%s"' % (command, name)
                    lines = bob.command("t%d" % n, text)
                    self.assertRegex(lines[-1], r"^t%d (NO|BAD) " % n, text)
                    self.assertFalse([l for l in lines if l.startswith("* ")], (text, lines))
            lines = bob.command("u", 'APPEND "#shared.alice.Secret" {%d+}\r\n%s' % (len(MSG), MSG))
            self.assertRegex(lines[-1], r"^u NO ")
            self.assertEqual(len(os.listdir(os.path.join(
                self.srv.maildirs["alice"].folder_dir("Secret"), "new"))), 0)
            # The secret folder is still there and unchanged for its owner.
            alice = LineClient(self.srv.port).login("alice", "pa")
            lines = alice.command("a", "STATUS INBOX.Secret (MESSAGES)")
            self.assertEqual(lines[0], '* STATUS INBOX.Secret (MESSAGES 2)')
            alice.close()
            bob.close()

    def test_an_account_of_another_unix_owner_is_not_served(self):
        # Served as root here, so the uid check cannot refuse; a wrong index line must be
        # refused with a clear log line instead, and the rest of the index still served.
        self.srv.cleanup()
        self.srv = shared_server("broken\t0\t0\t/nowhere\n")
        self.setUp_alice_folders()
        with self.srv:
            bob = LineClient(self.srv.port).login("bob", "pb")
            lines = bob.command("a", 'LIST "" "#shared.%"')
            self.assertEqual(lines[:-1], ['* LIST (\\Noselect \\HasChildren) "." #shared.alice'])
            bob.close()
            self.assertIn("uid and gid must be numbers other than 0", self.srv.read_log())

    def test_filesystem_shared_folders_are_refused_with_a_log_line(self):
        # Courier's other kind (maildirmake --add writes shared-maildirs): not served, and
        # the administrator is told once which file asked for it and what to use instead.
        with open(os.path.join(self.srv.maildirs["bob"].path, "shared-maildirs"), "w") as f:
            f.write("pub\t/var/lib/pub\n")
        with self.srv:
            for _ in range(2):
                bob = LineClient(self.srv.port).login("bob", "pb")
                lines = bob.command("a", 'LIST "" "shared.*"')
                self.assertEqual(lines[:-1], [])
                bob.close()
            log = self.srv.read_log()
            self.assertEqual(log.count("shared-maildirs: Courier's filesystem shared folders"), 1, log)
            self.assertIn("IMAP_SHAREDINDEXFILE", log)

    def setUp_alice_folders(self):
        alice = self.srv.maildirs["alice"]
        alice.make_folder("Team")
        write_acl(alice, "Team", FULL + "user=bob lr\n")


if __name__ == "__main__":
    unittest.main()
