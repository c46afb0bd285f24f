"""Each user's own identity (issue 16): a server running as root serves two users with their
own numeric uids and gids (20001 and 20002, no /etc/passwd entries needed), Maildirs owned
by them. What each user's commands create - messages, folders, Courier's files, the index
and its -wal and -shm - belongs to that user with Courier's modes (IMAP_UMASK honoured);
a crafted path into the other user's Maildir is refused by the kernel; a real MDA
(deliverquota) delivering as the user beside the server still works; uid 0 and a Maildir
the uid cannot open are refused with NO [UNAVAILABLE] and a log line; and SIGHUP still
reloads the certificate and the user database after MAILDEX_USER dropped root.

Needs root (the tests run as root here); skipped with the reason otherwise."""

import imaplib
import os
import signal
import socket
import ssl
import stat
import subprocess
import time
import unittest

from maildex_server import MaildexServer, make_certificate

USERS = {"alice": ("alice-pw", 20001), "bob": ("bob-pw", 20002)}
MESSAGE = b"From: a@example.org\r\nSubject: hello\r\n\r\nbody\r\n"


def user_line(name, password, uid, gid, home):
    return "%s:{PLAIN}%s:%d:%d::%s::\n" % (name, password, uid, gid, home)


def chown_tree(path, uid, gid):
    for dirpath, dirnames, filenames in os.walk(path):
        os.chown(dirpath, uid, gid)
        os.chmod(dirpath, 0o700)
        for f in filenames:
            os.chown(os.path.join(dirpath, f), uid, gid)


def server(settings=None, tls=False, extra_users=()):
    """A MaildexServer whose users have their own uids and own their homes."""
    s = {"MAILDEX_ALLOW_ROOT_MAIL": "NO"}
    s.update(settings or {})
    srv = MaildexServer(users={n: pw for n, (pw, _) in USERS.items()}, settings=s, tls=tls)
    os.chmod(srv.root, 0o755)  # the users walk through it to their homes
    os.chmod(os.path.join(srv.root, "home"), 0o755)
    lines = []
    for name, (password, uid) in USERS.items():
        home = os.path.join(srv.root, "home", name)
        chown_tree(home, uid, uid)
        lines.append(user_line(name, password, uid, uid, home))
    lines += list(extra_users)
    with open(srv.userdb, "w") as f:
        f.writelines(lines)
    return srv


def login(srv, name):
    m = imaplib.IMAP4("127.0.0.1", srv.port, timeout=30)
    m.login(name, USERS[name][0])
    return m


def walk(path):
    """(path, lstat) of the Maildir and everything in it."""
    yield path, os.lstat(path)
    for dirpath, dirnames, filenames in os.walk(path):
        for n in dirnames + filenames:
            p = os.path.join(dirpath, n)
            yield p, os.lstat(p)


def work_as_a_client(m):
    """APPEND, CREATE, COPY, STORE (a keyword), SUBSCRIBE, EXPUNGE."""
    assert m.append("INBOX", None, None, MESSAGE)[0] == "OK"
    assert m.append("INBOX", "(\\Seen)", None, MESSAGE)[0] == "OK"
    assert m.create("INBOX.Work")[0] == "OK"
    assert m.subscribe("INBOX.Work")[0] == "OK"
    assert m.select("INBOX")[0] == "OK"
    assert m.copy("1:2", "INBOX.Work")[0] == "OK"
    assert m.store("1", "+FLAGS", "(\\Deleted $Label1)")[0] == "OK"
    assert m.expunge()[0] == "OK"
    assert m.select("INBOX.Work")[0] == "OK"
    assert m.store("1", "+FLAGS", "($Label2)")[0] == "OK"


@unittest.skipUnless(os.geteuid() == 0, "needs root: the server switches to each user's uid")
class OwnFiles(unittest.TestCase):
    def check_owned(self, srv, name, file_mode=0o600, dir_mode=0o700):
        uid = USERS[name][1]
        md = os.path.join(srv.root, "home", name, "Maildir")
        seen = set()
        for path, st in walk(md):
            rel = os.path.relpath(path, md)
            seen.add(rel)
            self.assertEqual((st.st_uid, st.st_gid), (uid, uid), "%s of %s" % (rel, name))
            want = dir_mode if stat.S_ISDIR(st.st_mode) else file_mode
            if rel.startswith("maildex.sqlite"):
                want = 0o600  # the index stays private whatever IMAP_UMASK says
            self.assertEqual(stat.S_IMODE(st.st_mode), want, "%s of %s: %o" % (rel, name, st.st_mode))
        for needed in ("maildex.sqlite", "courierimapuiddb", ".Work", ".Work/courierimapuiddb",
                       ".Work/maildirfolder", ".Work/courierimapkeywords", "courierimapsubscribed"):
            self.assertIn(needed, seen, name)
        return seen

    def test_each_users_files_are_the_users_own(self):
        with server() as srv:
            clients = {name: login(srv, name) for name in USERS}
            for m in clients.values():
                work_as_a_client(m)
            # While the sessions hold their index open: the -wal and -shm too.
            for name in USERS:
                seen = self.check_owned(srv, name)
                self.assertIn("maildex.sqlite-wal", seen)
            for m in clients.values():
                m.logout()
            log = srv.read_log()
            self.assertIn("each user's files are touched as the user", log)
            self.assertNotIn("gives no user a uid of its own", log)
        # Stopped: everything the server closed at the end is still the users'.

    def test_imap_umask_widens_files_as_courier_does(self):
        with server({"IMAP_UMASK": "027"}) as srv:
            m = login(srv, "alice")
            work_as_a_client(m)
            m.logout()
            self.check_owned(srv, "alice", file_mode=0o640, dir_mode=0o700)

    def test_a_crafted_path_into_the_other_users_maildir_is_refused_by_the_kernel(self):
        # A folder of bob's that is a symlink into alice's Maildir: the name is valid, so
        # the path checks let it through; only bob's identity keeps him out.
        with server() as srv:
            alice_md = os.path.join(srv.root, "home", "alice", "Maildir")
            bob_md = os.path.join(srv.root, "home", "bob", "Maildir")
            m = login(srv, "alice")
            work_as_a_client(m)
            m.logout()
            # Alice's own index may still be closing after her logout: her mail and
            # Courier's files are what must not change.
            def snapshot():
                return {p: (s.st_uid, None if stat.S_ISDIR(s.st_mode) else (s.st_mtime_ns, s.st_size))
                        for p, s in walk(alice_md) if "maildex.sqlite" not in p}
            before = snapshot()
            os.symlink(os.path.join(alice_md, ".Work"), os.path.join(bob_md, ".Stolen"))
            os.symlink(alice_md, os.path.join(bob_md, ".Inbox2"))
            b = login(srv, "bob")
            for folder in ("INBOX.Stolen", "INBOX.Inbox2"):
                typ, data = b.select(folder)
                self.assertEqual(typ, "NO", (folder, data))
                self.assertEqual(b.status(folder, "(MESSAGES)")[0], "NO")
                typ, data = b.append(folder, None, None, MESSAGE)
                self.assertEqual(typ, "NO", data)
            _, listed = b.list()
            self.assertFalse(any(b"Stolen" in l for l in listed), listed)
            b.logout()
            self.assertEqual(before, snapshot())
            self.assertNotIn("uid 20002", "".join(str(s.st_uid) for _, s in walk(alice_md)))

    def test_a_shared_folder_of_another_unix_owner_is_not_opened(self):
        # alice grants bob everything on a folder, and the shared index lists both; but
        # their files belong to different uids, and a session works as its user only: bob
        # must not get alice's folder through #shared (the server could open it as root),
        # and the log says why, naming the index's line.
        srv = server()
        index = os.path.join(srv.root, "shared-index")
        with open(index, "w") as f:
            for name, (_, uid) in USERS.items():
                f.write("%s\t%d\t%d\t%s\n" % (name, uid, uid, os.path.join(srv.root, "home", name)))
        srv.settings["IMAP_SHAREDINDEXFILE"] = index
        with srv:
            m = login(srv, "alice")
            self.assertEqual(m.create("INBOX.Team")[0], "OK")
            typ, data = m._simple_command("SETACL", "INBOX.Team", "bob", "lrswiatex")
            self.assertEqual(typ, "OK", data)
            self.assertEqual(m.select("INBOX.Team")[0], "OK")  # her index open in the process
            b = login(srv, "bob")
            _, listed = b.list('""', "#shared.*")
            self.assertEqual(listed, [None], listed)
            self.assertEqual(b.select("#shared.alice.Team")[0], "NO")
            typ, data = b.append("#shared.alice.Team", None, None, MESSAGE)
            self.assertEqual(typ, "NO", data)
            b.logout()
            m.logout()
            self.assertIn("only accounts of one Unix owner share folders", srv.read_log())

    def test_an_mda_delivering_as_the_user_beside_the_server(self):
        uid = USERS["alice"][1]
        with server() as srv:
            md = os.path.join(srv.root, "home", "alice", "Maildir")
            m = login(srv, "alice")
            self.assertEqual(m.select("INBOX")[0], "OK")
            for i in range(3):
                subprocess.run(["setpriv", "--reuid=%d" % uid, "--regid=%d" % uid, "--clear-groups",
                                "deliverquota", md], input=MESSAGE, check=True, timeout=30)
                self.assertEqual(m.append("INBOX", None, None, MESSAGE)[0], "OK")
            deadline = time.time() + 10
            while time.time() < deadline:
                typ, data = m.search(None, "ALL")
                if len(data[0].split()) == 6:
                    break
                time.sleep(0.1)
            self.assertEqual(len(data[0].split()), 6, data)
            self.assertEqual(m.fetch("1:*", "(RFC822.SIZE)")[0], "OK")
            m.logout()
            self.check_owned_by(md, uid)

    def check_owned_by(self, md, uid):
        for path, st in walk(md):
            self.assertEqual(st.st_uid, uid, path)

    def test_uid_0_and_a_maildir_the_uid_cannot_open_are_refused(self):
        with server() as srv:
            home_a = os.path.join(srv.root, "home", "alice")
            with open(srv.userdb, "a") as f:
                f.write(user_line("rooty", "r-pw", 0, 0, home_a))
                f.write(user_line("carol", "c-pw", 20003, 20003, home_a))  # alice's Maildir
            os.kill(srv.proc.pid, signal.SIGHUP)
            self.wait_log(srv, "4 users")
            for name, pw in (("rooty", "r-pw"), ("carol", "c-pw")):
                m = imaplib.IMAP4("127.0.0.1", srv.port, timeout=30)
                with self.assertRaises(imaplib.IMAP4.error) as e:
                    m.login(name, pw)
                self.assertIn("UNAVAILABLE", str(e.exception))
                m.shutdown()
            log = srv.read_log()
            self.assertIn("would be served as uid 0 (root), which is refused", log)
            self.assertIn("cannot open the Maildir %s/Maildir of carol as uid 20003 gid 20003"
                          % home_a, log)
            # Alice is untouched by all that.
            login(srv, "alice").logout()

    def wait_log(self, srv, text, timeout=10):
        deadline = time.time() + timeout
        while text not in srv.read_log():
            if time.time() > deadline:
                self.fail("no %r in the log:\n%s" % (text, srv.read_log()))
            time.sleep(0.05)


def certificate_serial(port):
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    with socket.create_connection(("127.0.0.1", port), timeout=10) as raw:
        with ctx.wrap_socket(raw) as s:
            return s.getpeercert(binary_form=True)


@unittest.skipUnless(os.geteuid() == 0, "needs root: MAILDEX_USER drops from root")
class ReloadAfterDrop(OwnFiles.__base__):
    def test_sighup_reloads_certificate_and_users_after_maildex_user(self):
        with server({"MAILDEX_USER": "nobody"}, tls=True) as srv:
            # Root's files, unreadable by nobody.
            for f in (srv.cert, srv.userdb):
                os.chown(f, 0, 0)
                os.chmod(f, 0o600)
            srv.proc.pid  # started by the with
            log = srv.read_log()
            self.assertIn("running as nobody", log)
            self.assertIn("CAP_SETUID and CAP_SETGID only", log)
            with open("/proc/%d/status" % srv.proc.pid) as f:
                status = f.read()
            caps = {l.split(":")[0]: int(l.split()[1], 16) for l in status.splitlines()
                    if l.startswith("Cap")}
            self.assertEqual(caps["CapEff"], (1 << 6) | (1 << 7), status)
            self.assertEqual(caps["CapBnd"], (1 << 6) | (1 << 7), status)
            before = certificate_serial(srv.ssl_port)
            # Alice works under her own uid in a server running as nobody.
            m = login(srv, "alice")
            work_as_a_client(m)
            m.logout()
            OwnFiles.check_owned(self, srv, "alice")
            # A new certificate and a new user, both root's 0600, then SIGHUP.
            new_cert = srv.cert + ".new"
            make_certificate(new_cert, "renewed.test")
            os.replace(new_cert, srv.cert)
            home = os.path.join(srv.root, "home", "alice")
            with open(srv.userdb, "a") as f:
                f.write(user_line("alice2", "a2-pw", 20001, 20001, home))
            os.chmod(srv.userdb, 0o600)
            os.kill(srv.proc.pid, signal.SIGHUP)
            deadline = time.time() + 10
            while "3 users" not in srv.read_log() or "TLS certificates reloaded" not in srv.read_log():
                self.assertLess(time.time(), deadline, srv.read_log())
                time.sleep(0.05)
            self.assertNotIn("Permission denied", srv.read_log())
            self.assertNotEqual(certificate_serial(srv.ssl_port), before)
            m = imaplib.IMAP4("127.0.0.1", srv.port, timeout=30)
            self.assertEqual(m.login("alice2", "a2-pw")[0], "OK")
            m.logout()


if __name__ == "__main__":
    unittest.main()
