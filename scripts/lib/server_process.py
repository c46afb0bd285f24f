"""A maildexd network server for the soak and stress scripts: users in a passwd-file,
Maildirs under a work directory, one loopback port kept across restarts, started,
killed (-9) and stopped by its PID. The PID of the running server is also written to
WORK/server.pid so that the calling shell script can stop it if this process dies."""

import os
import signal
import socket
import subprocess
import time


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def make_maildir(path, folders=()):
    """A Maildir++ tree: cur/new/tmp, and each folder as .Name with its maildirfolder."""
    for sub in ("cur", "new", "tmp"):
        os.makedirs(os.path.join(path, sub), exist_ok=True)
    for folder in folders:
        d = os.path.join(path, "." + folder)
        for sub in ("cur", "new", "tmp"):
            os.makedirs(os.path.join(d, sub), exist_ok=True)
        open(os.path.join(d, "maildirfolder"), "w").close()


def folder_dir(maildir, folder):
    """The directory of an IMAP folder name ("INBOX", "INBOX.Work") in a Maildir++ tree."""
    if folder == "INBOX":
        return maildir
    assert folder.startswith("INBOX."), folder
    return os.path.join(maildir, folder[len("INBOX"):])


class Users:
    """USERS users named u1..uN with password "pw", each with a Maildir holding FOLDERS,
    in WORK/home, listed in WORK/users (Dovecot's passwd-file format, {PLAIN})."""

    def __init__(self, work, count, folders):
        self.names = ["u%d" % (i + 1) for i in range(count)]
        self.password = "pw"
        self.maildirs = {}
        self.userdb = os.path.join(work, "users")
        lines = []
        for name in self.names:
            home = os.path.join(work, "home", name)
            md = os.path.join(home, "Maildir")
            make_maildir(md, folders)
            self.maildirs[name] = md
            lines.append("%s:{PLAIN}%s:::%s:%s::\n" % (name, self.password, name, home))
        with open(self.userdb, "w") as f:
            f.writelines(lines)
        os.chmod(self.userdb, 0o600)


class ServerProcess:
    """maildexd on 127.0.0.1:`port`; its stderr is appended to `log_path`."""

    def __init__(self, maildexd, work, userdb, settings=None):
        self.maildexd = maildexd
        self.port = free_port()
        self.log_path = os.path.join(work, "maildexd.log")
        self.pid_file = os.path.join(work, "server.pid")
        self.settings = {
            "ADDRESS": "127.0.0.1", "PORT": str(self.port), "MAILDEX_USERDB": userdb,
            "MAILDEX_ALLOW_ROOT_MAIL": "YES",  # run as root with root's Maildirs
            "IMAPDSSLSTART": "NO", "MAXPERIP": "1000", "MAILDEX_LOG_LEVEL": "info",
        }
        self.settings.update(settings or {})
        self.proc = None
        self.starts = 0

    def start(self, timeout=30):
        """Starts the server and waits until it greets on its port."""
        assert self.proc is None
        args = [self.maildexd]
        for k, v in self.settings.items():
            args += ["--set", "%s=%s" % (k, v)]
        with open(self.log_path, "a") as log:
            log.write("=== start %d at %s\n" % (self.starts + 1, time.strftime("%H:%M:%S")))
            log.flush()
            # Its own session: a Ctrl-C in the terminal reaches the scripts, which stop it.
            self.proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                         stderr=log, start_new_session=True)
        with open(self.pid_file, "w") as f:
            f.write("%d\n" % self.proc.pid)
        self.starts += 1
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                code = self.proc.returncode
                self._forget()
                raise RuntimeError("maildexd exited with %s at start; see %s" % (code, self.log_path))
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=2) as s:
                    s.settimeout(5)
                    if s.recv(100).startswith(b"* OK"):
                        return
            except OSError:
                pass
            time.sleep(0.05)
        self.kill()
        raise RuntimeError("maildexd did not greet on port %d in %d s" % (self.port, timeout))

    @property
    def pid(self):
        return self.proc.pid if self.proc else None

    def kill(self):
        """kill -9, then reap it."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
        code = self.proc.wait()
        self._forget()
        return code

    def stop(self, timeout=30):
        """SIGTERM (drains), then its exit code; kill -9 after `timeout` seconds."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.send_signal(signal.SIGKILL)
                self.proc.wait()
                self._forget()
                return "killed after %d s" % timeout
        code = self.proc.returncode
        self._forget()
        return code

    def _forget(self):
        self.proc = None
        try:
            os.remove(self.pid_file)
        except FileNotFoundError:
            pass
