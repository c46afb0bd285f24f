"""maildexctl's progress bar (app/ctl/progress.h) on a real terminal: `maildexctl reindex
--force` runs in a tmux pane on a Maildir with many folders. Every byte the pane receives
is recorded (pipe-pane), so each frame the bar drew can be read back: the first says
"listing folders", not "0/0 folders"; the folder count only grows; the last says N/N; and
once the work is done the bar is gone from the screen (capture-pane), leaving the summary.

Skipped, saying so, where tmux is not installed (scripts/setup installs it). The tmux
server runs on a socket of its own in a temporary directory, and is ended by its PID."""

import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
import unittest

from maildex_testlib import MAILDEXCTL, Maildir

TMUX = shutil.which("tmux")
FOLDERS = 300
MESSAGE = "From: a@example.com\nSubject: s\n\nbody\n"


@unittest.skipIf(TMUX is None, "tmux is not installed (scripts/setup installs it): "
                                "the progress bar needs a real terminal to be tested")
class ProgressBarInTmux(unittest.TestCase):
    def setUp(self):
        self.md = Maildir()
        self.addCleanup(self.md.cleanup)
        for i in range(FOLDERS):
            name = "Folder%03d" % i
            self.md.make_folder(name)
            for _ in range(5):
                self.md.deliver(MESSAGE, folder=name)
        self.dir = tempfile.mkdtemp(prefix="maildex-tmux-")
        self.addCleanup(shutil.rmtree, self.dir, True)
        self.socket = os.path.join(self.dir, "tmux.sock")
        self.stream = os.path.join(self.dir, "pane.out")
        self.server_pid = None
        self.addCleanup(self.stop_tmux)

    def tmux(self, *args):
        return subprocess.run([TMUX, "-S", self.socket] + list(args), check=True,
                              capture_output=True, text=True, timeout=20).stdout

    def stop_tmux(self):
        if self.server_pid:
            try:
                os.kill(self.server_pid, signal.SIGTERM)
            except ProcessLookupError:
                pass

    def test_first_frame_is_not_0_of_0_and_the_last_is_n_of_n(self):
        # The pane waits for a key, so the recording is in place before the tool starts.
        command = ("read go; %s reindex --force %s; echo \"exit=$?\"; sleep 120"
                   % (MAILDEXCTL, self.md.path))
        env = dict(os.environ, TERM="xterm")
        env.pop("TMUX", None)
        subprocess.run([TMUX, "-S", self.socket, "-f", "/dev/null", "new-session", "-d",
                        "-x", "150", "-y", "20", "-s", "bar", command],
                       check=True, env=env, timeout=20)
        self.server_pid = int(self.tmux("display-message", "-p", "-t", "bar", "#{pid}").strip())
        self.tmux("pipe-pane", "-o", "-t", "bar", "cat >> %s" % self.stream)
        self.tmux("send-keys", "-t", "bar", "Enter")
        deadline = time.time() + 180
        screen = ""
        while time.time() < deadline:
            screen = self.tmux("capture-pane", "-p", "-t", "bar")
            if "exit=" in screen:
                break
            time.sleep(0.1)
        self.assertIn("exit=0", screen)
        time.sleep(0.3)  # pipe-pane's cat writes what it has read
        with open(self.stream, "rb") as f:
            raw = f.read().decode("utf-8", "replace")

        frames = [f for f in re.split(r"[\r\n]", raw.replace("\x1b[K", "")) if f.startswith("[")]
        self.assertGreaterEqual(len(frames), 2, raw)
        total = FOLDERS + 1  # and INBOX
        self.assertIn("listing folders", frames[0])
        self.assertNotIn("0/0", frames[0])
        counts = []
        for f in frames:
            self.assertRegex(f, r"^\[[#-]{20}\] ")
            m = re.search(r"(\d+)/(\d+) folders", f)
            if m:
                self.assertEqual(int(m.group(2)), total, f)
                counts.append(int(m.group(1)))
        self.assertEqual(counts, sorted(counts), "the bar went backwards")
        self.assertIn("%d/%d folders" % (total, total), frames[-1])
        self.assertTrue(frames[-1].startswith("[" + "#" * 20 + "]"), frames[-1])
        # Done: the bar is erased, the summary stays.
        self.assertNotIn("[#", screen)
        self.assertIn("Rebuilt the index of 1 of 1 Maildir (%d folders" % total,
                      " ".join(screen.split()))


if __name__ == "__main__":
    unittest.main()
