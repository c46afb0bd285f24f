"""ACLs through the real server (TCP, LOGIN from the user database) where the protocol
transcripts cannot reach: IMAP_ACL=NO hides the ACL commands and capabilities while the
folders' courierimapacl files still decide what the user may do (as in Courier), the
user database's group= extra field makes "group=NAME" entries apply, and a list cannot
grow past its bound of entries."""

import os
import unittest

from maildex_server import LineClient, MaildexServer


def write_acl(md, folder, text):
    with open(os.path.join(md.folder_dir(folder), "courierimapacl"), "w") as f:
        f.write(text)


class AclThroughTheServer(unittest.TestCase):
    def test_imap_acl_no_hides_the_commands_but_the_files_still_rule(self):
        srv = MaildexServer(users={"alice": "pw"}, settings={"IMAP_ACL": "NO"})
        md = srv.maildirs["alice"]
        md.make_folder("Locked")
        write_acl(md, "Locked", "owner alr\nadministrators aceilrstwx\n")
        with srv:
            c = LineClient(srv.port).login("alice", "pw")
            caps = c.command("a", "CAPABILITY")[0]
            for name in ("ACL", "RIGHTS=texk", "LIST-MYRIGHTS"):
                self.assertNotIn(" %s " % name, caps + " ")
            self.assertTrue(c.command("b", "MYRIGHTS INBOX")[-1].startswith("b BAD"))
            self.assertTrue(c.command("c", "SETACL INBOX bob lr")[-1].startswith("c BAD"))
            lines = c.command("d", "SELECT INBOX.Locked")
            self.assertTrue(lines[-1].startswith("d OK [READ-ONLY]"), lines)
            lines = c.command("e", "DELETE INBOX.Locked")
            self.assertIn('(ACL "x" required)', lines[-1])
            c.close()

    def test_group_entries_apply_to_the_groups_the_user_database_names(self):
        srv = MaildexServer(users={"alice": "pw"})
        with open(srv.userdb) as f:
            line = f.read().rstrip("\n")
        with open(srv.userdb, "w") as f:
            f.write(line + "group=staff\n")  # the extra field, after the last colon
        md = srv.maildirs["alice"]
        md.make_folder("Team")
        write_acl(md, "Team", "owner al\ngroup=staff lrs\ngroup=sales w\n-group=staff s\n"
                              "administrators aceilrstwx\n")
        with srv:
            c = LineClient(srv.port).login("alice", "pw")
            lines = c.command("a", "MYRIGHTS INBOX.Team")
            self.assertEqual(lines[0], '* MYRIGHTS "INBOX.Team" "alr"', lines)
            c.close()

    def test_a_list_stops_growing_at_its_bound(self):
        srv = MaildexServer(users={"alice": "pw"})
        srv.maildirs["alice"].make_folder("Big")
        with srv:
            c = LineClient(srv.port).login("alice", "pw")
            # INBOX's default gives owner and administrators: 254 more fit.
            for i in range(254):
                lines = c.command("s%d" % i, "SETACL INBOX.Big user%d lr" % i)
                self.assertTrue(lines[-1].startswith("s%d OK" % i), lines)
            lines = c.command("t", "SETACL INBOX.Big one-more lr")
            self.assertTrue(lines[-1].startswith("t NO [LIMIT]"), lines)
            # Changing an entry that is there still works.
            lines = c.command("u", "SETACL INBOX.Big user0 +w")
            self.assertTrue(lines[-1].startswith("u OK"), lines)
            c.close()


if __name__ == "__main__":
    unittest.main()
