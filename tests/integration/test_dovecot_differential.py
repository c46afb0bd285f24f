"""Differential test against a live Dovecot 2.3.19 (issue 4, "Differential tests against
Dovecot"): the corpus of tests/corpus goes into two Maildirs; Dovecot's stdin/stdout imap
binary serves one, `maildexd PATH` the other; both get the same commands, and the answers
must mean the same: ENVELOPE, BODYSTRUCTURE, BODY, BODY[] and the sections of
tests/corpus/dovecot/sections.txt for every message; SEARCH over header, body and text
keys, sizes, dates, flags, NOT/OR and sets; SORT by every criterion; THREAD with both
algorithms. Two more folders are made here: conversations (broken References, dummies,
duplicate ids) for THREAD, and text in several scripts and RFC 2231 parameters for SEARCH,
SORT (SUBJECT) and BODYSTRUCTURE.

Only what the RFCs leave open is normalized: quoted string or literal (imap_values.py), the
order of untagged responses where it carries no meaning (FETCH items are compared by name).
Where the servers differ and the RFC says Dovecot is wrong, the difference is listed in
EXCEPTIONS with the RFC's words, and the test checks that it is still exactly that
difference, so a change on either side is noticed.

Dovecot comes from Debian (scripts/setup installs dovecot-imapd); it refuses to run as root,
so it runs as nobody through setpriv, which needs root: run as another user, the test fails
and says so. It never skips."""

import os
import shutil
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from imap_values import ImapProcess, fetch_items, literal, parse_values  # noqa: E402
from maildex_testlib import MAILDEXD  # noqa: E402
from dovecot_stdio import DOVECOT_IMAP, command, environment, prepare  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
CORPUS = os.path.join(ROOT, 'tests', 'corpus')
BASE_TIME = 1704067200  # 1 Jan 2024 00:00:00 UTC: the corpus gets INTERNALDATEs from here


# Flags by position in the corpus, so that flag searches have something to find. The
# letters are Maildir's (RFC 3501 flags: D draft, F flagged, R answered, S seen, T deleted).
FLAG_CYCLE = ['S', '', 'FS', 'RS', 'S', 'DS', 'ST', 'F']

# Conversations for THREAD, in a folder of their own: replies by References and by
# In-Reply-To, truncated and looping References, replies to messages that are not there,
# duplicate and missing Message-IDs, subjects with every kind of reply and forward marker.
# (Message-ID, References, In-Reply-To, Subject, Date)
CONVERSATIONS = [
    ('<a1@x>', None, None, 'Project kickoff', 'Mon, 1 Jan 2024 09:00:00 +0000'),
    ('<a2@x>', '<a1@x>', None, 'Re: Project kickoff', 'Mon, 1 Jan 2024 10:00:00 +0000'),
    ('<a3@x>', '<a1@x> <a2@x>', None, 'RE: Re: Project kickoff',
     'Mon, 1 Jan 2024 11:00:00 +0100'),
    ('<a4@x>', None, '<a2@x>', 'Re: [team] Project kickoff', 'Mon, 1 Jan 2024 12:00:00 +0000'),
    ('<a5@x>', '<a2@x>', '<a1@x>', 'Fwd: Project kickoff (fwd)', 'Tue, 2 Jan 2024 08:00:00 +0000'),
    ('<b1@x>', '<gone@x>', None, 'Re: Lost thread', 'Tue, 2 Jan 2024 09:00:00 +0000'),
    ('<b2@x>', '<gone@x>', None, 'Re: Lost thread', 'Tue, 2 Jan 2024 09:30:00 +0000'),
    ('<b3@x>', '<gone@x> <b1@x>', None, 'Re: Lost thread', 'Tue, 2 Jan 2024 10:00:00 +0000'),
    ('<c1@x>', '<c2@x>', None, 'Loop one', 'Wed, 3 Jan 2024 09:00:00 +0000'),
    ('<c2@x>', '<c1@x>', None, 'Loop two', 'Wed, 3 Jan 2024 09:05:00 +0000'),
    ('<c3@x>', '<c3@x>', None, 'Self reference', 'Wed, 3 Jan 2024 09:10:00 +0000'),
    ('<a1@x>', None, None, 'Duplicate of kickoff id', 'Wed, 3 Jan 2024 10:00:00 +0000'),
    (None, '<a1@x>', None, 'Re: Project kickoff', 'Wed, 3 Jan 2024 11:00:00 +0000'),
    ('<d1@x>', None, None, 'Lunch', 'Thu, 4 Jan 2024 12:00:00 +0000'),
    ('<d2@x>', None, None, 'lunch', 'Thu, 4 Jan 2024 12:05:00 +0000'),
    ('<d3@x>', None, None, 'Re: LUNCH', 'Thu, 4 Jan 2024 12:10:00 +0000'),
    ('<e1@x>', None, None, '[Fwd: Re: Budget]', 'Fri, 5 Jan 2024 08:00:00 +0000'),
    ('<e2@x>', None, None, 'Budget', 'Fri, 5 Jan 2024 09:00:00 +0000'),
    ('<"f1"@x>', None, None, 'Quoted id', 'Fri, 5 Jan 2024 10:00:00 +0000'),
    ('<f2@x>', '<f1@x>', None, 'Re: Quoted id', 'Fri, 5 Jan 2024 11:00:00 +0000'),
    ('<g1@x>', 'junk', '<a1@x> <b1@x>', 'Re: Project kickoff', 'Sat, 6 Jan 2024 08:00:00 +0000'),
    ('<h1@x>', None, None, 'No date here', None),
    ('<h2@x>', '<x1@x> <x2@x> <x3@x>', None, 'Deep dummies', 'Sat, 6 Jan 2024 09:00:00 +0000'),
    ('<h3@x>', '<x1@x> <x2@x>', None, 'Deep dummies', 'Sat, 6 Jan 2024 09:00:00 +0000'),
    ('<i1@x>', None, None, '=?UTF-8?Q?Gr=C3=BC=C3=9Fe?=', 'Sun, 7 Jan 2024 08:00:00 +0000'),
    ('<i2@x>', '<i1@x>', None, 'Re: =?ISO-8859-1?Q?gr=FC=DFe?=', 'Sun, 7 Jan 2024 09:00:00 +0000'),
    ('<j1@x>', None, None, '', 'Sun, 7 Jan 2024 10:00:00 +0000'),
    ('<j2@x>', None, None, 'Re:', 'Sun, 7 Jan 2024 11:00:00 +0000'),
]

# Text in several scripts, for SEARCH's case-insensitive matching, and RFC 2231 parameters,
# in a folder of their own. (Subject, body, extra header lines)
TEXTS = [
    ('Caf\u00e9 menu', 'The caf\u00e9 opens at noon.', ''),
    ('\u0130stanbul trip', 'Flights to \u0130stanbul and IZMIR.', ''),
    ('Stra\u00dfe', 'Die Stra\u00dfe ist gro\u00df.', ''),
    ('\ufb01nal report', 'The \ufb01nal numbers.', ''),
    ('\u03a3\u038a\u03a3\u03a5\u03a6\u039f\u03a3', '\u03c3\u03af\u03c3\u03c5\u03c6\u03bf\u03c2 rolls', ''),
    ('\u041f\u0420\u0418\u0412\u0415\u0422', '\u043f\u0440\u0438\u0432\u0435\u0442 \u043c\u0438\u0440', ''),
    ('Parameters', 'RFC 2231 continuations.',
     'Content-Type: text/plain; charset=utf-8;\n'
     " title*0*=us-ascii'en'This%20is%20even%20more%20;\n"
     ' title*1*=%2A%2A%2Afun%2A%2A%2A%20;\n'
     ' title*2="isn\'t it!"; name*1=b; name*0=a; gap*0=a; gap*2=c\n'
     "Content-Disposition: attachment; filename*=utf-8''%C3%A9t%C3%A9.txt;\n"
     " x*0*=utf-8''a; x*0*=utf-8''b; y*1*=z; Z*0=a; z*1=b\n"),
    # For SORT (SUBJECT): the collation's decompositions decide where these go.
    ('Cafe bar', 'x', ''),
    ('Cafz', 'x', ''),
    ('\u01c5ungla', 'x', ''),
    ('Dzz', 'x', ''),
    ('\u00c9clair', 'x', ''),
    ('Eclair', 'x', ''),
    ('\uff46\uff55\uff4c\uff4c width', 'x', ''),
    ('Full', 'x', ''),
]
TEXT_SEARCHES = ['cafe', 'CAF\u00c9', 'istanbul', '\u0130STANBUL', 'izmir', 'strasse',
                 'STRA\u00dfE', 'final', '\ufb01nal', '\u03c3\u03af\u03c3\u03c5\u03c6\u03bf\u03c3',
                 '\u03a3\u038a\u03a3\u03a5\u03a6\u039f\u03c2', '\u041f\u0440\u0438\u0432\u0435\u0442',
                 'ROLLS']

SEARCHES = [
    'ALL', 'SEEN', 'UNSEEN', 'FLAGGED', 'UNFLAGGED', 'ANSWERED', 'DELETED', 'UNDELETED',
    'DRAFT', 'NEW', 'OLD', 'RECENT', '1:5', '10:*', '*', 'UID 3,7,20:25',
    'FROM erik', 'FROM "example.com"', 'TO bob', 'CC carol', 'BCC x', 'SUBJECT report',
    'SUBJECT "re:"', 'HEADER Message-ID example', 'HEADER X-Mailer ""',
    'HEADER Content-Type multipart', 'BODY attachment', 'BODY "the"', 'TEXT "example.org"',
    'TEXT boundary', 'BODY ' + 'dummy-no-match',
    'LARGER 2000', 'SMALLER 600', 'LARGER 500 SMALLER 1500',
    'SENTBEFORE 1-Jan-2024', 'SENTSINCE 1-Jan-2024', 'SENTON 5-Jan-2024',
    'BEFORE 2-Jan-2024', 'SINCE 2-Jan-2024', 'ON 1-Jan-2024',
    'NOT SEEN', 'OR FLAGGED DRAFT', 'NOT (FROM "example.com" OR SUBJECT hello BODY the)',
    'OR (SEEN FLAGGED) (UNSEEN SMALLER 1000)', '(SEEN)', 'NOT NOT SEEN',
]
UTF8_SEARCHES = [('SUBJECT', 'åäö'), ('BODY', 'Grüße'), ('TEXT', 'привет'),
                 ('SUBJECT', 'Über'), ('FROM', 'Jörg'), ('BODY', 'öre')]

SORT_CRITERIA = ['ARRIVAL', 'CC', 'DATE', 'FROM', 'SIZE', 'SUBJECT', 'TO', 'DISPLAYFROM',
                 'DISPLAYTO', 'REVERSE ARRIVAL', 'REVERSE DATE', 'REVERSE SUBJECT',
                 'SUBJECT DATE', 'REVERSE SUBJECT REVERSE DATE', 'FROM REVERSE SIZE',
                 'TO CC DATE', 'DISPLAYFROM DISPLAYTO SUBJECT']

# Where the answers differ, and why it is so. Key: "folder: command"; value: (why,
# Dovecot's untagged responses, Maildex's). The test fails if such an answer changes on
# either side, so that the list stays true.
SENT_WITHOUT_DATE = (
    'RFC 3501 section 6.4.4: "SENTBEFORE <date>: Messages whose [RFC-2822] Date: header '
    '(disregarding time and timezone) is earlier than the specified date." Dovecot also '
    'returns messages that have no Date: header at all (19 24 30 36), by their INTERNALDATE.')
BODY_OF_UNPARSABLE_PARTS = (
    'RFC 3501 section 6.4.4: "BODY <string>: Messages that contain the specified string in '
    'the body of the message." Dovecot does not look into body parts whose Content-Type it '
    'cannot parse ("text/plain garbage" in message 11, "message/rfc822 junk" in 15); their '
    'text is part of the body all the same.')
CASE_FOLDING = (
    'RFC 3501 section 6.4.4: "In all search keys that use strings, a message matches the key '
    'if the string is a substring of the field. The matching is case-insensitive." Which '
    'case-insensitive comparison is the server\'s choice unless it announces I18NLEVEL (RFC '
    '5255 section 4 then asks for i;unicode-casemap). Dovecot announces I18NLEVEL=1 and '
    'decomposes characters (RFC 5051): "cafe" is found in "Caf\u00e9", "istanbul" not in '
    '"\u0130stanbul" (I with a dot above stays apart). Maildex does not announce I18NLEVEL and '
    'folds case character by character (mime/text_search.h), so the answers are the other '
    'way round. (SORT and THREAD do use i;unicode-casemap, as RFC 5256 asks.)')
EXCEPTIONS = {}
for uid in ('', 'UID '):
    EXCEPTIONS['INBOX: %sSEARCH SENTBEFORE 1-Jan-2024' % uid] = (
        SENT_WITHOUT_DATE, [b'* SEARCH 19 24 30 36'], [b'* SEARCH'])
    EXCEPTIONS['INBOX: %sSEARCH BODY "the"' % uid] = (
        BODY_OF_UNPARSABLE_PARTS, [b'* SEARCH 1 2 4 6 8 10 16 29 30 32 40 43'],
        [b'* SEARCH 1 2 4 6 8 10 11 15 16 29 30 32 40 43'])
    EXCEPTIONS['INBOX: %sSEARCH NOT (FROM "example.com" OR SUBJECT hello BODY the)' % uid] = (
        BODY_OF_UNPARSABLE_PARTS,
        [b'* SEARCH 3 5 7 9 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27 28 29 31 32 33 '
         b'34 35 36 37 38 39 41 42'],
        [b'* SEARCH 3 5 7 9 12 13 14 16 17 18 19 20 21 22 23 24 25 26 27 28 29 31 32 33 34 35 '
         b'36 37 38 39 41 42'])
for key in ('SUBJECT', 'BODY', 'TEXT'):
    EXCEPTIONS['Text: SEARCH CHARSET UTF-8 %s "cafe"' % key] = (
        (CASE_FOLDING, [b'* SEARCH 1'], [b'* SEARCH']) if key == 'BODY' else
        (CASE_FOLDING, [b'* SEARCH 1 8'], [b'* SEARCH 8']))
    EXCEPTIONS['Text: SEARCH CHARSET UTF-8 %s "istanbul"' % key] = (
        CASE_FOLDING, [b'* SEARCH'], [b'* SEARCH 2'])
TITLECASE_DECOMPOSITION = (
    'RFC 5256 section 7 (SORT compares with i;unicode-casemap) and RFC 5051 section 2, whose '
    'own example this is: "codepoint U+01C4 (LATIN CAPITAL LETTER DZ WITH CARON) has a '
    'titlecase property of U+01C5 (LATIN CAPITAL LETTER D WITH SMALL LETTER Z WITH CARON). '
    'Codepoint U+01C5 has a decomposition property of U+0044 (LATIN CAPITAL LETTER D) U+017E '
    '(LATIN SMALL LETTER Z WITH CARON). U+017E has a decomposition property of U+007A (LATIN '
    'SMALL LETTER Z) U+030c (COMBINING CARON)." Dovecot leaves U+01C5 (message 10, '
    '"\u01c5ungla") undecomposed, so it sorts after every Latin subject; Maildex sorts it as '
    '"Dz\u030cUNGLA", after "DZZ" (11).')
EXCEPTIONS['Text: SORT (SUBJECT) UTF-8 ALL'] = (
    TITLECASE_DECOMPOSITION, [b'* SORT 8 1 9 11 13 12 15 14 2 7 3 4 10 5 6'],
    [b'* SORT 8 1 9 11 10 13 12 15 14 2 7 3 4 5 6'])
EXCEPTIONS['Text: SORT (REVERSE SUBJECT) UTF-8 ALL'] = (
    TITLECASE_DECOMPOSITION, [b'* SORT 6 5 10 4 3 7 2 14 15 12 13 11 9 1 8'],
    [b'* SORT 6 5 4 3 7 2 14 15 12 13 10 11 9 1 8'])


def run(argv, **kw):
    return subprocess.run(argv, check=True, capture_output=True, **kw)


def fail_setup(message):
    raise AssertionError('Dovecot differential test cannot run: ' + message)


def ensure_dovecot():
    if not os.path.exists(DOVECOT_IMAP):
        setup = subprocess.run(['bash', os.path.join(ROOT, 'scripts', 'setup')],
                               capture_output=True, text=True)
        if setup.returncode != 0 or not os.path.exists(DOVECOT_IMAP):
            fail_setup('%s is missing and scripts/setup could not install dovecot-imapd: %s'
                       % (DOVECOT_IMAP, (setup.stderr or setup.stdout).strip()))
    if os.geteuid() != 0:
        fail_setup('Dovecot refuses to run as root, and starting it as nobody takes '
                   '`setpriv --reuid=65534`, which needs root; this test runs as uid %d. '
                   'Run it as root (CI does).' % os.geteuid())
    if not shutil.which('setpriv'):
        fail_setup('setpriv (util-linux) is missing')


def corpus_files():
    return sorted(f for f in os.listdir(CORPUS) if f.endswith('.eml'))


def conversation_message(n, message_id, references, in_reply_to, subject, date):
    lines = ['From: Person %d <p%d@example.net>' % (n, n), 'To: list@example.net']
    if message_id:
        lines.append('Message-ID: ' + message_id)
    if references:
        lines.append('References: ' + references)
    if in_reply_to:
        lines.append('In-Reply-To: ' + in_reply_to)
    lines.append('Subject: ' + subject)
    if date:
        lines.append('Date: ' + date)
    lines += ['', 'Message %d of the conversations.' % n, '']
    return '\n'.join(lines).encode()


def fill_maildir(path):
    """The corpus in the Maildir's INBOX (cur/, one hour apart), the conversations in
    .Threads; file names sort in delivery order, so both servers number alike."""
    for folder in (path, os.path.join(path, '.Threads')):
        for sub in ('cur', 'new', 'tmp'):
            os.makedirs(os.path.join(folder, sub))
    open(os.path.join(path, '.Threads', 'maildirfolder'), 'w').close()
    text_dir = os.path.join(path, '.Text')
    for sub in ('cur', 'new', 'tmp'):
        os.makedirs(os.path.join(text_dir, sub))
    open(os.path.join(text_dir, 'maildirfolder'), 'w').close()

    def put(folder, n, data, flags):
        when = BASE_TIME - 3 * 86400 + n * 3600
        name = '%d.M%05dP1.difftest:2,%s' % (when, n, flags)
        target = os.path.join(folder, 'cur', name)
        with open(target, 'wb') as f:
            f.write(data)
        os.utime(target, (when, when))

    for n, name in enumerate(corpus_files()):
        with open(os.path.join(CORPUS, name), 'rb') as f:
            put(path, n, f.read(), FLAG_CYCLE[n % len(FLAG_CYCLE)])
    for n, conversation in enumerate(CONVERSATIONS):
        put(os.path.join(path, '.Threads'), n, conversation_message(n, *conversation), 'S')
    for n, (subject, body, extra) in enumerate(TEXTS):
        header = 'From: t%d@example.org\nSubject: %s\nDate: Mon, 1 Jan 2024 10:00:00 +0000\n' % (
            n, subject)
        header += extra or 'Content-Type: text/plain; charset=utf-8\n'
        put(text_dir, n, (header + '\n' + body + '\n').encode(), 'S')


class Servers:
    """A Dovecot and a Maildex session over copies of one Maildir."""

    def __init__(self, work):
        self.work = work
        source = os.path.join(work, 'source')
        fill_maildir(source)
        self.maildex_dir = os.path.join(work, 'maildex', 'Maildir')
        shutil.copytree(source, self.maildex_dir)
        self.dovecot_base = os.path.join(work, 'dovecot')
        home = os.path.join(self.dovecot_base, 'home')
        shutil.copytree(source, os.path.join(home, 'Maildir'))
        os.chmod(work, 0o755)
        prepare(self.dovecot_base)
        try:
            self.dovecot = ImapProcess(command(self.dovecot_base),
                                       env=environment(self.dovecot_base, 'difftest'), cwd=home)
        except (EOFError, TimeoutError, OSError) as e:
            log = os.path.join(self.dovecot_base, 'dovecot.log')
            detail = open(log).read() if os.path.exists(log) else ''
            fail_setup('Dovecot did not start: %s %s' % (e, detail))
        if not self.dovecot.greeting.startswith(b'* PREAUTH'):
            fail_setup('Dovecot greeted with %r' % self.dovecot.greeting)
        self.maildex = ImapProcess([MAILDEXD, self.maildex_dir])

    def both(self, dovecot_command, maildex_command=None):
        d = self.dovecot.command(dovecot_command)
        m = self.maildex.command(maildex_command or dovecot_command)
        return d, m

    def close(self):
        self.dovecot.close()
        self.maildex.close()


class DovecotDifferential(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        ensure_dovecot()
        cls.work = tempfile.mkdtemp(prefix='maildex-difftest-')
        try:
            cls.servers = Servers(cls.work)
        except BaseException:
            shutil.rmtree(cls.work, ignore_errors=True)
            raise

    @classmethod
    def tearDownClass(cls):
        cls.servers.close()
        shutil.rmtree(cls.work, ignore_errors=True)

    def setUp(self):
        self.differences = []

    def select(self, folder):
        self.folder = folder
        d, m = self.servers.both(b'SELECT ' + folder.encode(),
                                 b'SELECT ' + (b'INBOX' if folder == 'INBOX'
                                               else b'INBOX.' + folder.encode()))
        self.assertTrue(d[1].split()[1] == b'OK', d)
        self.assertTrue(m[1].split()[1] == b'OK', m)

    def compare(self, label, dovecot, maildex, normalize=lambda r: r):
        """Records a difference unless it is a listed exception, exactly as listed."""
        dv, mv = normalize(dovecot), normalize(maildex)
        key = '%s: %s' % (self.folder, label if isinstance(label, str) else label.decode())
        if key in EXCEPTIONS:
            why, want_dovecot, want_maildex = EXCEPTIONS[key]
            if (dv, mv) != (want_dovecot, want_maildex):
                self.differences.append('%s: the documented exception (%s) changed:\n'
                                        '  Dovecot: %r\n  Maildex: %r' % (key, why, dv, mv))
            return
        if dv != mv:
            self.differences.append('%s:\n  Dovecot: %r\n  Maildex: %r' % (key, dv, mv))

    def assertNoDifferences(self):
        if self.differences:
            self.fail('%d difference(s) from Dovecot:\n%s'
                      % (len(self.differences), '\n'.join(self.differences)))

    def result(self, command):
        """Both servers' untagged responses to `command`, after checking both said OK."""
        (d, dt), (m, mt) = self.servers.both(command)
        self.assertEqual(dt.split()[1], b'OK', (command, dt))
        self.assertEqual(mt.split()[1], b'OK', (command, mt))
        return d, m

    def test_fetch_structure_and_sections(self):
        self.select('INBOX')
        count = len(corpus_files())
        with open(os.path.join(CORPUS, 'dovecot', 'sections.txt')) as f:
            sections = [s for s in f.read().splitlines() if s]
        d, m = self.result(b'FETCH 1:* (UID RFC822.SIZE INTERNALDATE FLAGS)')
        self.compare(b'FETCH 1:* (UID RFC822.SIZE INTERNALDATE FLAGS)', d, m,
                     lambda r: sorted(r))
        self.assertEqual(len(d), count)
        names = corpus_files()
        for n in range(1, count + 1):
            for items in (b'ENVELOPE BODYSTRUCTURE BODY',
                          b'BODY.PEEK[] ' + b' '.join(b'BODY.PEEK[%s]' % s.encode()
                                                       for s in sections)):
                command = b'FETCH %d (%s)' % (n, items)
                d, m = self.result(command)
                label = ('FETCH %s (%s)' % (names[n - 1], items.decode()[:40])).encode()
                self.compare(label, d, m, lambda r: [fetch_items(x) for x in r])
        self.assertNoDifferences()

    def test_search(self):
        self.select('INBOX')
        for criteria in SEARCHES:
            for command in (b'SEARCH ' + criteria.encode(), b'UID SEARCH ' + criteria.encode()):
                d, m = self.result(command)
                self.compare(command, d, m)
        for key, text in UTF8_SEARCHES:
            command = b'SEARCH CHARSET UTF-8 ' + key.encode() + b' ' + literal(text)
            d, m = self.result(command)
            self.compare('SEARCH CHARSET UTF-8 %s "%s"' % (key, text), d, m)
        self.assertNoDifferences()

    def test_text_in_scripts_and_parameters(self):
        self.select('Text')
        d, m = self.result(b'FETCH 1:* (BODYSTRUCTURE)')
        self.compare(b'FETCH 1:* (BODYSTRUCTURE)', d, m, lambda r: [fetch_items(x) for x in r])
        for text in TEXT_SEARCHES:
            for key in ('SUBJECT', 'BODY', 'TEXT'):
                command = b'SEARCH CHARSET UTF-8 ' + key.encode() + b' ' + literal(text)
                d, m = self.result(command)
                self.compare('SEARCH CHARSET UTF-8 %s "%s"' % (key, text), d, m)
        for command in (b'SORT (SUBJECT) UTF-8 ALL', b'SORT (REVERSE SUBJECT) UTF-8 ALL',
                        b'THREAD ORDEREDSUBJECT UTF-8 ALL', b'THREAD REFERENCES UTF-8 ALL'):
            d, m = self.result(command)
            self.compare(command, d, m)
        self.assertNoDifferences()

    def sort_and_thread(self, folder, searches):
        self.select(folder)
        for criteria in SORT_CRITERIA:
            for search in searches:
                for uid in (b'', b'UID '):
                    command = uid + b'SORT (%s) UTF-8 %s' % (criteria.encode(), search.encode())
                    d, m = self.result(command)
                    self.compare(command, d, m)
        for algorithm in (b'ORDEREDSUBJECT', b'REFERENCES'):
            for search in searches:
                for uid in (b'', b'UID '):
                    command = uid + b'THREAD ' + algorithm + b' UTF-8 ' + search.encode()
                    d, m = self.result(command)
                    self.compare(command, d, m, lambda r: [parse_values(x[9:]) for x in r])
        self.assertNoDifferences()

    def test_sort_and_thread_corpus(self):
        self.sort_and_thread('INBOX', ['ALL', 'UNSEEN', 'SINCE 2-Jan-2024'])

    def test_sort_and_thread_conversations(self):
        self.sort_and_thread('Threads', ['ALL', 'NOT SUBJECT lunch'])


if __name__ == '__main__':
    unittest.main()
