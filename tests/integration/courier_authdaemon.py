"""The real Courier authdaemond (Debian's courier-authdaemon) for tests, on a socket of the
test's own.

authdaemond's configuration file (/etc/courier/authdaemonrc), its socket
(/run/courier/authdaemon/socket) and authuserdb's database (/etc/courier/userdb.dat) are
compiled in. So the daemon runs in a mount namespace of its own (util-linux's unshare,
which needs root) where a temporary directory is mounted over /etc/courier and another
over /run/courier/authdaemon: the machine's files are never touched, and the socket,
being a file in the temporary directory, is reachable from outside the namespace. For
authpam, a temporary /etc/pam.d is mounted too, holding the test's `imap` service.

The daemon is started with exec (so its PID is the one Popen knows), bounded in time by
the test, and stopped by that PID."""

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time

AUTHDAEMOND = "/usr/lib/courier/courier-authlib/authdaemond"


def usable():
    """None when the real daemon can be run here, else why not."""
    if os.geteuid() != 0:
        return "needs root (a mount namespace for authdaemond's compiled-in paths)"
    for tool in (AUTHDAEMOND, "/usr/sbin/makeuserdb"):
        if not os.access(tool, os.X_OK):
            return tool + " missing (scripts/setup installs courier-authdaemon, courier-authlib-userdb)"
    if shutil.which("unshare") is None:
        return "unshare missing (util-linux)"
    return None


def sha512_crypt(password):
    return subprocess.run(["openssl", "passwd", "-6", password], check=True,
                          capture_output=True, text=True).stdout.strip()


class Authdaemond:
    """with Authdaemond(userdb_lines, modules="authuserdb", pam_imap=None) as d: d.socket"""

    def __init__(self, userdb_lines, modules="authuserdb", pam_imap=None, default_options=""):
        self.root = tempfile.mkdtemp(prefix="maildex-authdaemon-")
        self.etc = os.path.join(self.root, "etc")
        self.run_dir = os.path.join(self.root, "run")
        self.pam_dir = os.path.join(self.root, "pam.d")
        os.makedirs(self.etc, mode=0o700)
        os.makedirs(self.run_dir)
        os.makedirs(self.pam_dir)
        with open(os.path.join(self.etc, "authdaemonrc"), "w") as f:
            f.write('authmodulelist="%s"\ndaemons=3\nDEBUG_LOGIN=0\nDEFAULTOPTIONS="%s"\n'
                    % (modules, default_options))
        userdb = os.path.join(self.etc, "userdb")
        with open(userdb, "w") as f:
            f.writelines(line + "\n" for line in userdb_lines)
        os.chmod(userdb, 0o600)
        if pam_imap is not None:
            with open(os.path.join(self.pam_dir, "imap"), "w") as f:
                f.write(pam_imap)
        self.socket = os.path.join(self.run_dir, "socket")
        self.log_path = os.path.join(self.root, "authdaemond.log")
        self.proc = None

    def start(self, timeout=20):
        mounts = ["mount --bind %s /etc/courier" % self.etc,
                  "mount -t tmpfs tmpfs /run",
                  "mkdir -p /run/courier/authdaemon",
                  "mount --bind %s /run/courier/authdaemon" % self.run_dir]
        if os.listdir(self.pam_dir):
            mounts.append("mount --bind %s /etc/pam.d" % self.pam_dir)
        script = "set -e; %s; makeuserdb; exec %s" % ("; ".join(mounts), AUTHDAEMOND)
        self.log = open(self.log_path, "w")
        self.proc = subprocess.Popen(["unshare", "--mount", "--propagation", "private",
                                      "sh", "-c", script],
                                     stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("authdaemond exited: " + self.read_log())
            try:
                with socket.socket(socket.AF_UNIX) as s:
                    s.connect(self.socket)
                return self
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("authdaemond did not start: " + self.read_log())

    def ask(self, request):
        """One raw request, the whole answer (for checking what the daemon says)."""
        with socket.socket(socket.AF_UNIX) as s:
            s.settimeout(10)
            s.connect(self.socket)
            s.sendall(request)
            out = b""
            while True:
                data = s.recv(4096)
                if not data:
                    return out
                out += data

    def read_log(self):
        with open(self.log_path) as f:
            return f.read()

    def stop(self):
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
        self.log.close()
        shutil.rmtree(self.root, ignore_errors=True)
