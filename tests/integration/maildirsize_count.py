"""Maildir++ quota arithmetic for the quota tests, independent of every program under test:
the usage as Courier's recalculation counts it (maildirquota.c: every folder but Trash,
messages marked deleted (T) left out, a message's size from ",S=" in its name or else the
file's), and the sum maildirsize's lines say."""

import os
import re


def fresh_count(maildir):
    """(bytes, messages) as a recalculation would find them now."""
    bytes_, messages = 0, 0
    dirs = [maildir] + [os.path.join(maildir, d) for d in os.listdir(maildir)
                        if d.startswith(".") and d not in (".", "..", ".Trash")
                        and os.path.isdir(os.path.join(maildir, d, "cur"))]
    for d in dirs:
        for sub in ("cur", "new"):
            for name in os.listdir(os.path.join(d, sub)):
                info = name.split(":2,", 1)[1] if ":2," in name else ""
                if "T" in info:
                    continue
                m = re.search(r",S=(\d+)", name.split(":", 1)[0])
                try:
                    size = int(m.group(1)) if m else os.stat(os.path.join(d, sub, name)).st_size
                except FileNotFoundError:  # moved from new/ to cur/ meanwhile
                    continue
                bytes_ += size
                messages += 1
    return bytes_, messages


def file_sum(maildir):
    """(quota line, bytes, messages): maildirsize's first line and the sum of the others."""
    with open(os.path.join(maildir, "maildirsize")) as f:
        lines = f.read().splitlines()
    quota, usage = lines[0], [l.split() for l in lines[1:] if l.strip()]
    return quota, sum(int(b) for b, _ in usage), sum(int(c) for _, c in usage)


def message(i, size):
    """A message of exactly `size` bytes with LF line ends, as an MDA stores it."""
    head = "From: mda@example.com\nSubject: message %d\n\n" % i
    return head + "x" * (size - len(head) - 1) + "\n"
