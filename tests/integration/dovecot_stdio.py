"""Dovecot's imap binary on stdin/stdout (PREAUTH), as the differential test and the
benchmarks run it beside maildexd: a configuration of its own under BASE (run/ and state/
there too, nothing of the system's), the Maildir in BASE/home/Maildir, and the process
as nobody through setpriv, since Dovecot refuses to run as root (so the caller needs
root). Debian's dovecot-imapd provides the binary (scripts/setup installs it)."""

import os
import subprocess

DOVECOT_IMAP = '/usr/lib/dovecot/imap'
NOBODY = 65534

_CONF = """protocols = imap
mail_location = maildir:~/Maildir
namespace inbox {
  inbox = yes
  separator = .
  prefix =
}
log_path = %(base)s/dovecot.log
info_log_path = %(base)s/dovecot.log
ssl = no
base_dir = %(base)s/run
state_dir = %(base)s/state
mail_plugins =
"""


def prepare(base):
    """Writes BASE/dovecot.conf and makes everything under BASE nobody's (the Maildir in
    BASE/home/Maildir included, when it is already there). Returns the home directory."""
    for d in ('run', 'state'):
        os.makedirs(os.path.join(base, d), exist_ok=True)
    with open(os.path.join(base, 'dovecot.conf'), 'w') as f:
        f.write(_CONF % {'base': base})
    subprocess.run(['chown', '-R', '%d:%d' % (NOBODY, NOBODY), base], check=True)
    return os.path.join(base, 'home')


def command(base):
    """The argv of one session on BASE's configuration."""
    return ['setpriv', '--reuid=%d' % NOBODY, '--regid=%d' % NOBODY, '--clear-groups',
            DOVECOT_IMAP, '-c', os.path.join(base, 'dovecot.conf')]


def environment(base, user):
    """The environment of one session: Dovecot finds the user's home in HOME."""
    return dict(os.environ, USER=user, HOME=os.path.join(base, 'home'))
