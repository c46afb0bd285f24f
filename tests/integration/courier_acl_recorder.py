"""Runs the ACL cases of courier_acl_cases.py against an IMAP server that speaks PREAUTH
IMAP on stdin/stdout (Courier's `imapd ./Maildir`, later Maildex's `maildexd ./Maildir`)
and returns what it answered plus the ACL files it left, normalized so that two servers
can be compared (tests/fixtures/courier-acl/README.md says how the data set was made).

A case builds one or more accounts (home/Maildir with folders, messages, courierimapacl
and courierimaphieracl/ contents), optionally a virtual shared-folder index listing them
all (Courier's IMAP_SHAREDINDEXFILE), logs in as one of them and sends its commands.

    python3 courier_acl_recorder.py --courier DIR --out FILE.json [--transcript FILE.txt]
                                    [--only NAME ...]

records every case with the Courier unpacked by scripts/fetch-courier-imap into DIR;
--maildexd PATH instead of --courier records Maildex; --show --out F.json --transcript
F.txt only turns a recording into text."""

import argparse
import json
import os
import re
import select
import shlex
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from courier_acl_cases import CASES  # noqa: E402

READ_TIMEOUT = 15  # seconds for one answer; a case is a few dozen commands

# Run as root, the server would pass every access(W_OK) check Courier makes (filesystem
# shared folders are read-only or writable by their mode bits): the recorder then gives
# the tree to nobody and starts the server as nobody, the way a mail server runs.
RUN_AS = (65534, 65534) if os.getuid() == 0 else None


# --- Building the accounts ------------------------------------------------------------

def folder_dir(maildir, folder):
    return maildir if folder == "INBOX" else os.path.join(maildir, "." + folder)


def make_account(home, spec):
    """spec: {"folders": {name: {"messages": [flags...], "acl": text or absent}},
    "hieracl": {name: text}, "subscribed": [imap names]}. INBOX always exists."""
    maildir = os.path.join(home, "Maildir")
    folders = dict(spec.get("folders", {}))
    folders.setdefault("INBOX", {})
    n = 0
    for name, f in folders.items():
        d = folder_dir(maildir, name)
        for sub in ("cur", "new", "tmp"):
            os.makedirs(os.path.join(d, sub), exist_ok=True)
        if name != "INBOX":
            open(os.path.join(d, "maildirfolder"), "w").close()
        for flags in f.get("messages", []):
            n += 1
            base = "%d.M%dP1.acltest" % (1700000000 + n, n)
            body = ("From: a@example.com\r\nSubject: message %d\r\n"
                    "Message-ID: <m%d@example.com>\r\n\r\nBody %d.\r\n" % (n, n, n))
            with open(os.path.join(d, "cur", base + ":2," + flags), "w") as fh:
                fh.write(body)
        if "acl" in f:
            with open(os.path.join(d, "courierimapacl"), "w") as fh:
                fh.write(f["acl"])
    for name, text in spec.get("hieracl", {}).items():
        os.makedirs(os.path.join(maildir, "courierimaphieracl"), exist_ok=True)
        with open(os.path.join(maildir, "courierimaphieracl", name), "w") as fh:
            fh.write(text)
    if "subscribed" in spec:
        with open(os.path.join(maildir, "courierimapsubscribed"), "w") as fh:
            fh.write("".join(s + "\n" for s in spec["subscribed"]))
    return maildir


def run_step(step, root):
    """A shell step of a case, with $ROOT the case's directory; files it writes are
    given to the server's user."""
    subprocess.run(["bash", "-c", step.replace("$ROOT", shlex.quote(root))], check=True,
                   capture_output=True, timeout=60)
    if RUN_AS and os.path.isdir(root):
        subprocess.run(["chown", "-R", "--from=0:0", "%d:%d" % RUN_AS] +
                       [os.path.join(root, n) for n in os.listdir(root)
                        if n not in ("pub", "shared")], check=True, timeout=60)


def build(root, case):
    """Creates the case's accounts under root/<name>/ and, when asked, root/shared/index
    (name TAB uid TAB gid TAB home; Courier rejects uid or gid 0 as a syntax error)."""
    homes = {}
    for name, spec in case["accounts"].items():
        homes[name] = os.path.join(root, name)
        make_account(homes[name], spec)
    index = ""
    if case.get("shared_index"):
        # True: one flat index listing every account; a dict: {file name: text} with
        # $ROOT, $UID and $GID replaced (account groups: "name<TAB>*<TAB>file").
        os.makedirs(os.path.join(root, "shared"))
        index = os.path.join(root, "shared", "index")
        uid, gid = RUN_AS or (os.getuid(), os.getgid())
        files = case["shared_index"]
        if files is True:
            files = {"index": "".join("%s\t$UID\t$GID\t$ROOT/%s\n" % (n, n)
                                      for n in sorted(homes))}
        for fname, text in files.items():
            with open(os.path.join(root, "shared", fname), "w") as fh:
                fh.write(text.replace("$ROOT", root).replace("$UID", str(uid))
                         .replace("$GID", str(gid)))
    for step in case.get("pre", []):
        # Shell steps for states only a tool makes (maildirmake -S / --add).
        run_step(step, root)
    if RUN_AS:
        for d, subdirs, files in os.walk(root):
            for n in [d] + [os.path.join(d, f) for f in subdirs + files]:
                os.lchown(n, *RUN_AS)
        for step in case.get("post_as_root", []):
            # E.g. give a sharable Maildir back to root, so that its mode bits decide.
            run_step(step, root)
    return homes, index


def read_text(path):
    with open(path, encoding="utf-8", errors="replace") as fh:
        return fh.read()


def snapshot(homes):
    """What the server left: every ACL file, hieracl entry, folder and message flags."""
    out = {}
    for name, home in sorted(homes.items()):
        maildir = os.path.join(home, "Maildir")
        acl, flags, folders = {}, {}, []
        names = ["INBOX"] + sorted(e[1:] for e in os.listdir(maildir)
                                   if e.startswith(".") and e not in (".", "..")
                                   and os.path.isdir(os.path.join(maildir, e)))
        for folder in names:
            d = folder_dir(maildir, folder)
            folders.append(folder)
            path = os.path.join(d, "courierimapacl")
            if os.path.exists(path):
                acl[folder] = read_text(path)
            got = []
            for sub in ("new", "cur"):
                for f in sorted(os.listdir(os.path.join(d, sub))):
                    got.append(f.split(":2,", 1)[1] if ":2," in f else "(new)")
            flags[folder] = sorted(got)
        hier = {}
        hdir = os.path.join(maildir, "courierimaphieracl")
        if os.path.isdir(hdir):
            for f in sorted(os.listdir(hdir)):
                hier[f] = read_text(os.path.join(hdir, f))
        subscribed = None
        spath = os.path.join(maildir, "courierimapsubscribed")
        if os.path.exists(spath):
            subscribed = [s for s in read_text(spath).split("\n") if s]
        out[name] = {"folders": folders, "acl": acl, "hieracl": hier, "flags": flags,
                     "subscribed": subscribed}
    return out


# --- Talking IMAP over a pipe ---------------------------------------------------------

class StdioSession:
    def __init__(self, argv, env, cwd):
        self.proc = subprocess.Popen(argv, env=env, cwd=cwd, stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.buf = b""

    def _fill(self, timeout=READ_TIMEOUT):
        deadline = time.time() + timeout
        while True:
            left = deadline - time.time()
            if left <= 0:
                raise TimeoutError("no answer within %ds" % READ_TIMEOUT)
            r, _, _ = select.select([self.proc.stdout], [], [], left)
            if r:
                data = os.read(self.proc.stdout.fileno(), 65536)
                if not data:
                    raise EOFError("server closed its output")
                self.buf += data
                return

    def readline(self):
        """One response line; a literal {n} is read into the line (CRLF kept inside)."""
        line = b""
        while True:
            while b"\r\n" not in self.buf:
                self._fill()
            part, self.buf = self.buf.split(b"\r\n", 1)
            line += part
            m = re.search(rb"\{(\d+)\}$", part)
            if not m:
                return line.decode("utf-8", "replace")
            n = int(m.group(1))
            while len(self.buf) < n:
                self._fill()
            line += b"\r\n" + self.buf[:n]
            self.buf = self.buf[n:]

    def lines_within(self, seconds):
        """Whatever complete lines arrive within `seconds` (unsolicited updates)."""
        out, deadline = [], time.time() + seconds
        while True:
            while b"\r\n" in self.buf:
                out.append(self.readline())
            left = deadline - time.time()
            if left <= 0:
                return out
            try:
                self._fill(left)
            except TimeoutError:
                return out

    def send(self, data):
        self.proc.stdin.write(data)
        self.proc.stdin.flush()

    def command(self, tag, cmd):
        """Sends one command (str, or {"cmd": str, "literal": str} for APPEND) and returns
        every line up to and including the tagged one. When the server closes or stalls,
        the lines so far stay in self.partial for the caller."""
        lines = self.partial = []
        if isinstance(cmd, dict):
            lit = cmd["literal"].encode()
            self.send(("%s %s {%d}\r\n" % (tag, cmd["cmd"], len(lit))).encode())
            while True:
                line = self.readline()
                if line.startswith("+"):
                    self.send(lit + b"\r\n")
                    break
                lines.append(line)
                if line.startswith(tag + " "):
                    return lines
        else:
            self.send(("%s %s\r\n" % (tag, cmd)).encode())
        while True:
            line = self.readline()
            lines.append(line)
            if line.startswith(tag + " "):
                return lines

    def close(self):
        try:
            self.proc.stdin.close()
        except OSError:
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        err = self.proc.stderr.read().decode("utf-8", "replace")
        self.proc.stdout.close()
        self.proc.stderr.close()
        return err


# --- Servers --------------------------------------------------------------------------

def courier_base_env(courier_dir):
    """The variables of the package's etc/courier/imapd, as its init script exports them."""
    conf = os.path.join(courier_dir, "etc/courier/imapd")
    out = subprocess.run(["bash", "-c", "set -a && . %s && env -0" % shlex.quote(conf)],
                         env={"PATH": "/usr/bin:/bin"}, capture_output=True, check=True).stdout
    env = dict(kv.split("=", 1) for kv in out.decode().split("\0") if "=" in kv)
    for k in ("PWD", "SHLVL", "_", "OLDPWD"):
        env.pop(k, None)
    return env


def courier_server(courier_dir):
    """Courier's imapd: cwd = the account's home, `imapd ./Maildir`; the identity used in
    every ACL check is $AUTHENTICATED, group membership comes from $OPTIONS (group=...),
    the virtual shared-folder index from $IMAP_SHAREDINDEXFILE."""
    courier_dir = os.path.abspath(courier_dir)
    base = courier_base_env(courier_dir)
    imapd = os.path.join(courier_dir, "usr/bin/imapd")

    def start(home, login, options, index):
        env = dict(base)
        env.update({"PATH": "/usr/bin:/bin", "HOSTNAME": "acltest", "AUTHENTICATED": login,
                    "IMAP_SHAREDINDEXFILE": index or ""})
        if options is not None:
            env["OPTIONS"] = options
        return [imapd, "./Maildir"], env, home
    return start


def maildexd_server(maildexd):
    """Maildex's stdio mode with the same variables (identity from AUTHENTICATED and
    OPTIONS the way Courier takes them; adjust when Maildex reads them elsewhere)."""
    def start(home, login, options, index):
        env = {"PATH": "/usr/bin:/bin", "HOME": home, "AUTHENTICATED": login,
               "IMAP_SHAREDINDEXFILE": index or ""}
        if options is not None:
            env["OPTIONS"] = options
        return [os.path.abspath(maildexd), "./Maildir"], env, home
    return start


# --- Normalizing ----------------------------------------------------------------------

def normalize(line, root):
    line = line.replace(root, "$ROOT")
    line = re.sub(r"\[UIDVALIDITY \d+\]", "[UIDVALIDITY N]", line)
    line = re.sub(r"\[APPENDUID \d+ ", "[APPENDUID N ", line)
    line = re.sub(r"\[COPYUID \d+ ", "[COPYUID N ", line)
    line = re.sub(r"\(UIDVALIDITY \d+", "(UIDVALIDITY N", line)
    line = re.sub(r" UIDVALIDITY \d+", " UIDVALIDITY N", line)
    return line


def acl_files(homes):
    """{account: {"acl": ..., "hieracl": ...}}: compared after every command."""
    return {k: {"acl": v["acl"], "hieracl": v["hieracl"]} for k, v in snapshot(homes).items()}


def message_flags(homes):
    """{account: {folder: sorted flag suffixes}}: compared after every command."""
    return {k: v["flags"] for k, v in snapshot(homes).items()}


def sort_listings(lines):
    """LIST/LSUB answers come in directory order, which no two file systems share: runs
    of consecutive "* LIST"/"* LSUB" lines are sorted."""
    out, run = [], []
    for line in lines + [None]:
        if line is not None and (line.startswith("* LIST ") or line.startswith("* LSUB ")):
            run.append(line)
            continue
        out.extend(sorted(run))
        run = []
        if line is not None:
            out.append(line)
    return out


def open_session(start_server, homes, login, options, index):
    argv, env, cwd = start_server(homes[login], login, options, index)
    if RUN_AS:
        argv = ["setpriv", "--reuid=%d" % RUN_AS[0], "--regid=%d" % RUN_AS[1],
                "--clear-groups", "--"] + argv
    return StdioSession(argv, env, cwd)


def other_session(step, start_server, homes, index, root):
    """{"session": login, "commands": [...]}: a whole second session (greeting, commands,
    LOGOUT) while the case's session waits; its lines, each command as "> command"."""
    s = open_session(start_server, homes, step["session"], step.get("options"), index)
    out = [normalize(s.readline(), root)]
    try:
        for i, cmd in enumerate(step["commands"] + ["LOGOUT"]):
            out.append("> " + (cmd if isinstance(cmd, str) else cmd["cmd"]))
            out.extend(normalize(x, root) for x in s.command("B%03d" % (i + 1), cmd))
    finally:
        s.close()
    return out


def run_case(case, start_server, keep_root=None):
    """Runs one case; returns {"before": the built state's ACL files and flags,
    "answers": [{"c": command, "r": [lines]}], "files": everything left at the end}.
    The greeting is answers[0] with "c": null. An answer after which an ACL file changed
    carries "acl_files", the new ACL and hieracl files of every account; one after which
    a message's flags on disk changed carries "flags" (every folder's flag suffixes)."""
    root = tempfile.mkdtemp(prefix="courier-acl-")
    os.chmod(root, 0o755)
    try:
        homes, index = build(root, case)
        files, flags = acl_files(homes), message_flags(homes)
        before = {"acl_files": files, "flags": flags}
        s = open_session(start_server, homes, case["login"], case.get("options"), index)
        answers = [{"c": None, "r": [normalize(s.readline(), root)]}]
        now = acl_files(homes)
        if now != files:
            answers[-1]["acl_files"] = files = now
        try:
            for i, cmd in enumerate(case["commands"] + ["LOGOUT"]):
                try:
                    if isinstance(cmd, dict) and "shell" in cmd:
                        # Someone else changes the files meanwhile (another session's
                        # SETACL rewrites courierimapacl the same way); the server says
                        # nothing until the next command.
                        run_step(cmd["shell"], root)
                        lines = []
                    elif isinstance(cmd, dict) and "session" in cmd:
                        # Another account (or the same) does something meanwhile, in its
                        # own session; this session's next command shows the effect.
                        lines = other_session(cmd, start_server, homes, index, root)
                    elif isinstance(cmd, dict) and "idle_during" in cmd:
                        # IDLE in this session while another session acts: the untagged
                        # updates that arrive within "wait" seconds, then DONE.
                        tag = "A%03d" % (i + 1)
                        s.send(("%s IDLE\r\n" % tag).encode())
                        lines = [s.readline()]
                        lines += ["[other] " + x for x in other_session(
                            cmd["idle_during"], start_server, homes, index, root)]
                        lines += s.lines_within(cmd.get("wait", 3))
                        s.send(b"DONE\r\n")
                        while not lines[-1].startswith(tag + " "):
                            lines.append(s.readline())
                    else:
                        lines = s.command("A%03d" % (i + 1), cmd)
                except (EOFError, TimeoutError) as e:
                    # A server that drops the connection is an answer too; the case ends.
                    answers.append({"c": cmd, "r": [normalize(x, root) for x in s.partial],
                                    "ended": str(e)})
                    break
                answers.append({"c": cmd, "r": sort_listings([normalize(x, root) for x in lines])})
                now = acl_files(homes)
                if now != files:
                    answers[-1]["acl_files"] = files = now
                now = message_flags(homes)
                if now != flags:
                    answers[-1]["flags"] = flags = now
        finally:
            log = s.close()
        errors = [normalize(x, root) for x in log.splitlines() if x.startswith("ERR")]
        result = {"before": before, "answers": answers, "files": snapshot(homes)}
        if errors:
            result["log_errors"] = errors
        return result
    finally:
        if keep_root:
            shutil.copytree(root, keep_root, dirs_exist_ok=True)
        shutil.rmtree(root, ignore_errors=True)


# What a differential test compares: the data, not Courier's prose. Data responses are
# kept as they are (normalized); OK/NO/BAD lines are reduced to status and the response
# codes that carry ACL meaning; other codes (UIDNEXT, UNSEEN, CAPABILITY...) and texts
# are servers' own business.
_KEEP = re.compile(r"^\* (ACL|MYRIGHTS|LISTRIGHTS|LIST|LSUB|STATUS|NAMESPACE|\d+ (FETCH|EXPUNGE|"
                   r"EXISTS))\b")
_STATUS = re.compile(r"^(\*|\S+) (OK|NO|BAD)(?: \[([^\]]*)\])?")
_CODES = ("MYRIGHTS", "READ-ONLY", "READ-WRITE", "PERMANENTFLAGS", "APPENDUID", "COPYUID",
          "TRYCREATE")


def essentials(answer):
    """An answer's lines reduced to what two servers must agree on: data responses,
    FETCH/EXPUNGE/EXISTS, the tagged status, and the codes in _CODES (PERMANENTFLAGS as
    a sorted set, APPENDUID/COPYUID by name only)."""
    out = []
    for line in answer["r"]:
        if _KEEP.match(line):
            out.append(line)
            continue
        m = _STATUS.match(line)
        if not m:
            continue
        untagged = m.group(1) == "*"
        code = m.group(3) or ""
        name = code.split(" ")[0]
        if name not in _CODES:
            code = name = ""
        if name in ("APPENDUID", "COPYUID"):
            code = name
        elif name == "PERMANENTFLAGS":
            flags = code[len(name):].strip().strip("()").split()
            code = "PERMANENTFLAGS (%s)" % " ".join(sorted(flags))
        if untagged and not code:
            continue
        out.append(("* " if untagged else "") + m.group(2) + (" [%s]" % code if code else ""))
    return out


def compare(recorded, got):
    """(commands whose essentials agree, commands compared, first disagreement or None,
    whether the ACL files and flags left at the end agree)."""
    agree, first = 0, None
    pairs = list(zip(recorded["answers"], got["answers"]))
    for a, b in pairs:
        if essentials(a) == essentials(b):
            agree += 1
        elif first is None:
            first = {"c": a["c"], "recorded": essentials(a), "got": essentials(b)}
    files_agree = all(recorded["files"].get(k, {}).get(x) == got["files"].get(k, {}).get(x)
                      for k in recorded["files"] for x in ("acl", "hieracl", "flags"))
    return agree, len(pairs), first, files_agree


def courier_version(courier_dir):
    p = subprocess.run([os.path.join(courier_dir, "usr/bin/imapd"), "--version"],
                       capture_output=True, text=True)
    return p.stdout.strip()


def transcript(data):
    """The recording as text for people: commands, answers, and the ACL files and flags
    each command changed (only the changed ones)."""
    out = ["server: %s" % data["server"]]
    for name, c in data["cases"].items():
        out.append("")
        out.append("===== %s" % name)
        case = next((x for x in CASES if x["name"] == name), None)
        if case:
            out.append("# " + case["why"])
            out.append("# login %s%s%s" % (case["login"],
                                           ", OPTIONS=" + case["options"] if case["options"] else "",
                                           ", shared index" if case["shared_index"] else ""))
        prev_acl, prev_flags = {}, {}
        for acct, st in c.get("before", {}).get("acl_files", {}).items():
            for kind, files in st.items():
                prev_acl[(acct, kind)] = files
        for acct, st in c.get("before", {}).get("flags", {}).items():
            prev_flags[(acct, "")] = st
        for a in c["answers"]:
            cmd = a["c"]
            if isinstance(cmd, dict) and "shell" in cmd:
                cmd = "(meanwhile, outside the session: %s)" % cmd["shell"]
            elif isinstance(cmd, dict) and "session" in cmd:
                cmd = "(meanwhile, %s in a session of its own:)" % cmd["session"]
            elif isinstance(cmd, dict) and "idle_during" in cmd:
                cmd = "IDLE (while %s acts in a session of its own; then DONE)" % (
                    cmd["idle_during"]["session"])
            elif isinstance(cmd, dict):
                cmd = "%s {literal %d}" % (cmd["cmd"], len(cmd["literal"]))
            if cmd is not None:
                out.append("C: " + cmd)
            for line in a["r"]:
                out.append("S: " + line.replace("\r\n", "\\r\\n"))
            for key, prev in (("acl_files", prev_acl), ("flags", prev_flags)):
                if key not in a:
                    continue
                for acct, st in a[key].items():
                    for kind, files in (st.items() if key == "acl_files" else [("", st)]):
                        old = prev.get((acct, kind), {})
                        for f in sorted(set(files) | set(old)):
                            if files.get(f) != old.get(f):
                                out.append("   %s %s/%s%s: %s" % (
                                    "acl" if key == "acl_files" else "flags", acct,
                                    kind + "/" if kind else "", f,
                                    json.dumps(files.get(f, "(removed)"))))
                        prev[(acct, kind)] = files
            if "ended" in a:
                out.append("   (server ended the session: %s)" % a["ended"])
    return "\n".join(out) + "\n"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--courier", help="dir with usr/bin/imapd (scripts/fetch-courier-imap)")
    ap.add_argument("--maildexd", help="path of maildexd instead of Courier")
    ap.add_argument("--out", required=True)
    ap.add_argument("--only", nargs="*")
    ap.add_argument("--transcript", help="also write the recording as text to this file")
    ap.add_argument("--show", action="store_true",
                    help="do not record: turn the JSON in --out into --transcript")
    ap.add_argument("--compare", metavar="RECORDED.json",
                    help="after recording, compare with this recording (essentials only)")
    a = ap.parse_args()
    if a.show:
        with open(a.out) as fh, open(a.transcript, "w") as t:
            t.write(transcript(json.load(fh)))
        return
    if a.maildexd:
        start, server = maildexd_server(a.maildexd), "maildexd"
    else:
        start, server = courier_server(a.courier), courier_version(a.courier)
    cases = {}
    for case in CASES:
        if a.only and case["name"] not in a.only:
            continue
        cases[case["name"]] = run_case(case, start)
    with open(a.out, "w") as fh:
        json.dump({"server": server, "cases": cases}, fh, indent=1, ensure_ascii=False,
                  sort_keys=False)
        fh.write("\n")
    if a.transcript:
        with open(a.transcript, "w") as t:
            t.write(transcript({"server": server, "cases": cases}))
    if a.compare:
        with open(a.compare) as fh:
            recorded = json.load(fh)["cases"]
        total = [0, 0, 0]
        for name, got in cases.items():
            agree, n, first, files = compare(recorded[name], got)
            total[0] += agree
            total[1] += n
            total[2] += files
            print("%-36s %3d/%-3d commands agree, files %s%s" % (
                name, agree, n, "agree" if files else "DIFFER",
                "; first: %s" % json.dumps(first) if first else ""))
        print("total: %d/%d commands agree; files agree in %d/%d cases"
              % (total[0], total[1], total[2], len(cases)))


if __name__ == "__main__":
    main()
