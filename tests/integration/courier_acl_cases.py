"""The ACL cases, as data: each is a starting state (accounts, folders, messages,
courierimapacl and courierimaphieracl/ contents), who is logged in (Courier's
$AUTHENTICATED, groups from $OPTIONS) and the IMAP commands to send. courier_acl_recorder.py
runs them against a stdio IMAP server; tests/fixtures/courier-acl/ holds what the real
Courier answered (README there).

Courier computes rights for $AUTHENTICATED: its identifiers are user=<AUTHENTICATED>,
"owner" when user=<AUTHENTICATED> is the folder's owner (always so in one's own Maildir),
and every group=<x> listed in $OPTIONS. So an owner's own folders test the effect of each
right (an "owner alr" file restricts the owner), and another identity is only reachable
through virtual shared folders (#shared.<account>.<folder>, IMAP_SHAREDINDEXFILE)."""

ALL = "aceilrstwx"
FULL = "owner aceilrstwx\nadministrators aceilrstwx\n"
MSGS = ["", "", "S", "F"]
MSG = ("From: a@example.com\r\nSubject: appended\r\nMessage-ID: <ap@example.com>\r\n"
       "\r\nAppended.\r\n")


def without(right):
    return "".join(c for c in ALL if c != right)


# The identifiers LISTRIGHTS is asked about.
IDENTIFIERS = ["owner", "anyone", "anonymous", "authuser", "administrators", "alice", "bob",
               "-bob", "-carol", "-alice", "-anyone", "user=bob", "group=staff",
               "-group=staff", "group=administrators"]

CASES = []


def case(name, why, commands, accounts=None, login="alice", options=None,
         shared_index=False):
    CASES.append({"name": name, "why": why, "accounts": accounts or {"alice": {}},
                  "login": login, "options": options, "shared_index": shared_index,
                  "commands": commands})


# --- Defaults, inheritance, CREATE ----------------------------------------------------

case("defaults",
     "No ACL file anywhere: INBOX's built-in default, what a folder inherits and writes, "
     "the wire forms, LISTRIGHTS for every identifier form, LIST-MYRIGHTS attempts.",
     ["CAPABILITY", "NAMESPACE", "MYRIGHTS INBOX", "GETACL INBOX", "MYRIGHTS INBOX.Work",
      "GETACL INBOX.Work", "GETACL INBOX.Work.Sub"]
     + ['LISTRIGHTS INBOX.Work "%s"' % i for i in IDENTIFIERS]
     + ['LISTRIGHTS INBOX "%s"' % i for i in ("alice", "-alice", "owner")]
     + ['LIST "" "*"', 'LIST (MYRIGHTS) "" "*"', 'LIST (ACL) "" "*"',
        'LIST "" "*" RETURN (MYRIGHTS)', 'LIST (MYRIGHTS ACL POSTADDRESS) "" "INBOX.Work"',
        'SELECT INBOX.Work', 'EXAMINE INBOX', 'MYRIGHTS INBOX.Nonexistent',
        'GETACL INBOX.Nonexistent', 'LISTRIGHTS INBOX.Nonexistent bob',
        'SETACL INBOX.Nonexistent bob lr', 'MYRIGHTS ""', 'MYRIGHTS inbox'],
     accounts={"alice": {"folders": {"INBOX": {"messages": MSGS}, "Work": {}, "Work.Sub": {}}}})

case("inheritance",
     "A custom INBOX list and a chain of folders without files: what each folder inherits "
     "on first read, which files that read writes, and what CREATE gives a new folder.",
     ["GETACL INBOX.A.B", "GETACL INBOX.A", "MYRIGHTS INBOX.C", "CREATE INBOX.New",
      "GETACL INBOX.New", "CREATE INBOX.A.B.Deeper", "GETACL INBOX.A.B.Deeper",
      "CREATE INBOX.Custom.Child", "GETACL INBOX.Custom.Child", "CREATE INBOX.Fresh.Parent.Kid",
      "GETACL INBOX.Fresh.Parent", "GETACL INBOX.Fresh.Parent.Kid", 'LIST "" "*"'],
     accounts={"alice": {"folders": {
         "INBOX": {"acl": "owner aceilrstwx\nadministrators aceilrstwx\nanyone lr\n"
                          "user=bob lrs\n-user=carol w\ngroup=staff lrw\n"},
         "A": {}, "A.B": {}, "C": {},
         "Custom": {"acl": "owner acilrswx\nadministrators aceilrstwx\nuser=dave lr\n"}}}})

case("hieracl",
     "A hierarchy node without a directory (INBOX.Projects) with a courierimaphieracl entry: "
     "its rights, SETACL on it, what its children inherit, CREATE below it, and the "
     "stale-entry cleanup.",
     ['LIST "" "*"', "GETACL INBOX.Projects", "MYRIGHTS INBOX.Projects",
      "GETACL INBOX.Projects.Alpha", "SETACL INBOX.Projects bob lr", "GETACL INBOX.Projects",
      "CREATE INBOX.Projects.Beta", "GETACL INBOX.Projects.Beta", "GETACL INBOX.Nodir",
      "SETACL INBOX.Nodir bob r", "MYRIGHTS INBOX.Old"],
     accounts={"alice": {"folders": {"Projects.Alpha": {}},
                         "hieracl": {"Projects": "owner aceilrstwx\nadministrators aceilrstwx\n"
                                                 "user=eve lr\n",
                                     "Old": "owner lr\n"}}})

# --- SETACL / DELETEACL: identifiers, rights, modifiers -------------------------------

IDENT_SETS = ["bob", "user=bob", "-bob", "-user=bob", "anyone", "-anyone", "anonymous",
              "authuser", "owner", "administrators", "-administrators", "group=staff",
              "group=administrators", "-group=staff", "Bob", "bob@example.com", "\"\"",
              "\"with space\"", "user", "-", "=bob", "vendor=x"]
case("setacl_identifiers",
     "SETACL with every identifier form (RFC 2086/4314 bare names, Courier's ACL2 forms, "
     "invalid ones), GETACL after each; the files show what was stored.",
     [c for i in IDENT_SETS for c in ("SETACL INBOX.Work %s lr" % i, "GETACL INBOX.Work")]
     + ["MYRIGHTS INBOX.Work"],
     accounts={"alice": {"folders": {"Work": {"acl": FULL}}}})

RIGHT_SETS = ["lrswipkxte", "lrswipcda", "d", "c", "lrd", "acdilrsw", "lrxte", "lrte",
              "lrx", "lrt", "lre", "lrp", "lrk", "lrk9Z#", "LR", "\"\"", "+w", "+d", "-d",
              "-r", "+c", "-c", "+", "-", "-lrswipkxtecda", "\"l r\"", "+lrp", "-x"]
case("setacl_rights",
     "SETACL bob with every right letter, the obsolete c/d, unknown letters and RFC 4314 "
     "+/- modifiers, GETACL and LISTRIGHTS after each: how letters are stored and shown.",
     [c for r in RIGHT_SETS for c in ("SETACL INBOX.Work bob %s" % r, "GETACL INBOX.Work")]
     + ["SETACL INBOX.Work bob lrxte", "MYRIGHTS INBOX.Work", "SETACL INBOX.Work owner lrte",
        "MYRIGHTS INBOX.Work", 'LIST (MYRIGHTS) "" "INBOX.Work"', "SELECT INBOX.Work"],
     accounts={"alice": {"folders": {"Work": {"acl": FULL}}}})

case("setacl_owner_admin",
     "SETACL and DELETEACL that would take l or a from the owner or rights from "
     "administrators: what is refused, the error text, what stays on disk.",
     ["SETACL INBOX.Work owner lr", "GETACL INBOX.Work", "SETACL INBOX.Work owner r",
      "SETACL INBOX.Work owner -l", "SETACL INBOX.Work owner -a", "SETACL INBOX.Work owner \"\"",
      "DELETEACL INBOX.Work owner", "GETACL INBOX.Work", "SETACL INBOX.Work owner al",
      "GETACL INBOX.Work", "SETACL INBOX.Work -owner w", "GETACL INBOX.Work",
      "SETACL INBOX.Work -owner l", "SETACL INBOX.Work -alice a", "SETACL INBOX.Work alice lr",
      "GETACL INBOX.Work", "SETACL INBOX.Work administrators lr", "GETACL INBOX.Work",
      "DELETEACL INBOX.Work administrators", "GETACL INBOX.Work",
      "SETACL INBOX.Work -administrators l", "GETACL INBOX.Work",
      "SETACL INBOX owner lr", "DELETEACL INBOX owner", "GETACL INBOX",
      "DELETEACL INBOX.Work bob", "DELETEACL INBOX.Work user=bob", "DELETEACL INBOX.Work anyone",
      "DELETEACL INBOX.Work group=staff", "SETACL INBOX.Work bob lr", "DELETEACL INBOX.Work bob",
      "GETACL INBOX.Work", "SETACL INBOX.Work", "SETACL INBOX.Work bob", "DELETEACL INBOX.Work",
      "GETACL", "MYRIGHTS", "LISTRIGHTS INBOX.Work"],
     accounts={"alice": {"folders": {"Work": {"acl": FULL + "anyone lr\n"}}}})

# --- What the logged-in user holds: MYRIGHTS and GETACL for many lists ----------------

MYRIGHTS_FOLDERS = {
    "OwnerLR": "owner lr\n",
    "OwnerL": "owner l\n",
    "OwnerR": "owner r\n",
    "OwnerNone": "administrators aceilrstwx\n",
    "UserOnly": "user=alice lrs\n",
    "AnyoneOnly": "anyone lrw\n",
    "AnonymousOnly": "anonymous lr\n",
    "AuthuserOnly": "authuser lrs\n",
    "NegUser": "owner aceilrstwx\n-user=alice w\n",
    "NegOwner": "owner aceilrstwx\n-owner wl\n",
    "NegAnyone": "owner aceilrstwx\n-anyone r\n",
    "Group": "owner l\ngroup=staff lrsw\n",
    "NegGroup": "owner aceilrstwx\n-group=staff i\n",
    "OtherGroup": "owner l\ngroup=sales lrsw\n",
    "AdminGroup": "owner l\ngroup=administrators l\n",
    "Admins": "owner l\nadministrators l\n",
    "NoD": "owner acilrsw\n",
    "OnlyXTE": "owner lxte\n",
    "OnlyTE": "owner lte\n",
    "Unknown": "owner lrpk9\n",
    "Messy": "owner  rl  \n\nbad line\nuser=bob\n owner x\nuser=bob lr\nuser=bob rw\n",
    "Empty": "",
}
case("myrights_matrix",
     "One folder per ACL file: MYRIGHTS, GETACL, SELECT's [MYRIGHTS] and LIST (MYRIGHTS) "
     "for the owner, who also is in group staff ($OPTIONS=group=staff).",
     [c for f in MYRIGHTS_FOLDERS for c in ("MYRIGHTS INBOX.%s" % f, "GETACL INBOX.%s" % f,
                                            "EXAMINE INBOX.%s" % f)]
     + ['LIST (MYRIGHTS) "" "*"', 'LIST (ACL) "" "INBOX.NegGroup"',
        'LIST (ACL) "" "INBOX.AdminGroup"', 'LIST (ACL) "" "INBOX.Messy"'],
     accounts={"alice": {"folders": {f: {"acl": a} for f, a in MYRIGHTS_FOLDERS.items()}}},
     options="group=staff")

case("myrights_administrator",
     "The same lists for an administrator ($OPTIONS=group=administrators).",
     [c for f in ("OwnerLR", "OwnerNone", "Admins", "AdminGroup", "NegAnyone")
      for c in ("MYRIGHTS INBOX.%s" % f, "GETACL INBOX.%s" % f)],
     accounts={"alice": {"folders": {f: {"acl": a} for f, a in MYRIGHTS_FOLDERS.items()}}},
     options="disableshared=0,group=administrators")

# --- The effect of each right on the owner's own folders ------------------------------


def effect_commands(f):
    """Everything a right can gate, on folder INBOX.<f> (4 messages, the 3rd \\Seen)."""
    m = "INBOX." + f
    return [
        'LIST "" "%s"' % m, 'LIST "" "%s.*"' % m, 'LSUB "" "%s"' % m, "STATUS %s (MESSAGES UNSEEN)" % m,
        "SUBSCRIBE %s" % m, 'LSUB "" "%s"' % m, "UNSUBSCRIBE %s" % m, "MYRIGHTS %s" % m,
        "GETACL %s" % m, "LISTRIGHTS %s bob" % m, "SETACL %s bob r" % m,
        "SELECT %s" % m, "FETCH 1:* (FLAGS)", "STORE 1 +FLAGS (\\Seen)",
        "STORE 1 +FLAGS (\\Deleted)", "STORE 1 +FLAGS (\\Flagged)", "STORE 1 +FLAGS (Keyw)",
        # NOOP: Courier hangs up after 10 BADs in a row (commands while not selected).
        "NOOP", "STORE 2 +FLAGS (\\Seen \\Flagged)", "STORE 3 -FLAGS (\\Seen)",
        "STORE 4 FLAGS (\\Answered)", "FETCH 2 (BODY[])", "FETCH 1:* (FLAGS)", "NOOP",
        "UID STORE 1 +FLAGS.SILENT (\\Draft)", "FETCH 1:* (FLAGS)", "EXPUNGE", "CLOSE",
        "EXAMINE %s" % m, "CLOSE",
        {"cmd": "APPEND %s (\\Seen \\Deleted Kw)" % m, "literal": MSG},
        {"cmd": "APPEND %s" % m, "literal": MSG},
        "SELECT INBOX", "COPY 1 %s" % m, "UID COPY 1:* %s" % m, "CLOSE",
        "CREATE %s.Sub" % m, "CREATE %s.Sub2." % m, "RENAME %s INBOX.%sRenamed" % (m, f),
        "RENAME INBOX.%sRenamed %s" % (f, m), "DELETE %s" % m, "DELETE INBOX.%sRenamed" % f,
        'LIST "" "INBOX.%s*"' % f]


EFFECT_RIGHTS = ["l", "r", "s", "w", "i", "c", "x", "t", "e"]
for right in EFFECT_RIGHTS:
    case("effect_without_%s" % right,
         "The owner lacks only %r on INBOX.No (owner %s): what every command answers and "
         "what changes on disk." % (right, without(right)),
         effect_commands("No"),
         accounts={"alice": {"folders": {"INBOX": {"messages": ["", "DFRST"]},
                                         "No": {"messages": MSGS,
                                                "acl": "owner %s\nadministrators %s\n"
                                                       % (without(right), ALL)}}}})

case("effect_lookup_only",
     "The owner holds only l (and the forced a): a read-only, invisible-content folder.",
     effect_commands("No"),
     accounts={"alice": {"folders": {"INBOX": {"messages": ["", "DFRST"]},
                                     "No": {"messages": MSGS, "acl": "owner l\n"}}}})

case("effect_read_only",
     "The issue's example: owner lr, which Courier reports as alr.",
     effect_commands("No"),
     accounts={"alice": {"folders": {"INBOX": {"messages": ["", "DFRST"]},
                                     "No": {"messages": MSGS, "acl": "owner lr\n"}}}})

case("effect_parent_without_c",
     "CREATE and RENAME need c on the parent: INBOX without c, a folder without c.",
     ["CREATE INBOX.Top", "CREATE INBOX.P.Kid", "RENAME INBOX.Q INBOX.P.Q", "RENAME INBOX.P.Old INBOX.Moved",
      "RENAME INBOX.Q INBOX.QQ", "CREATE Top2", 'LIST "" "*"'],
     accounts={"alice": {"folders": {
         "INBOX": {"acl": "owner aeilrstwx\nadministrators aceilrstwx\n"},
         "P": {"acl": "owner aeilrstwx\n"}, "P.Old": {"acl": FULL}, "Q": {"acl": FULL}}}})

case("rename_delete_acl_files",
     "What RENAME and DELETE do to the ACL files (folder, children, hieracl) and what a "
     "folder re-created under an old name gets.",
     ["RENAME INBOX.Keep INBOX.Moved", "GETACL INBOX.Moved", "GETACL INBOX.Moved.Child",
      "DELETE INBOX.Moved.Child", "CREATE INBOX.Moved.Child", "GETACL INBOX.Moved.Child",
      "DELETE INBOX.Gone", "CREATE INBOX.Gone", "GETACL INBOX.Gone", "DELETE INBOX.Moved",
      'LIST "" "*"', "RENAME INBOX INBOX.Old", "DELETE INBOX"],
     accounts={"alice": {"folders": {
         "INBOX": {"messages": [""]},
         "Keep": {"acl": FULL + "user=bob lr\n"},
         "Keep.Child": {"acl": FULL + "user=carol lrs\n"},
         "Gone": {"acl": FULL + "user=bob lrswi\n"}},
         "hieracl": {"Keep": "owner lr\n"}}})

# --- Virtual shared folders: another account through #shared ---------------------------

ALICE_SHARED = {"folders": {
    "INBOX": {"messages": ["", "S"]},
    "Read": {"messages": MSGS, "acl": FULL + "user=bob lr\n"},
    "ReadSeen": {"messages": MSGS, "acl": FULL + "user=bob lrs\n"},
    "Write": {"messages": MSGS, "acl": FULL + "user=bob lrswi\n"},
    "All": {"messages": MSGS, "acl": FULL + "user=bob aceiklprstwx\n"},
    "Admin": {"messages": MSGS, "acl": FULL + "user=bob alr\n"},
    "Anyone": {"messages": MSGS, "acl": FULL + "anyone lr\n"},
    "Denied": {"messages": MSGS, "acl": FULL + "anyone lr\n-user=bob r\n"},
    "Staff": {"messages": MSGS, "acl": FULL + "group=staff lrs\n"},
    "LookupOnly": {"messages": MSGS, "acl": FULL + "user=bob l\n"},
    "InsertOnly": {"messages": MSGS, "acl": FULL + "user=bob i\n"},
    "Secret": {"messages": MSGS, "acl": FULL},
    "Secret.Open": {"messages": MSGS, "acl": FULL + "user=bob lr\n"},
    "NoFile": {"messages": MSGS}}}
BOB = {"folders": {"INBOX": {"messages": [""]}}}
SHARED_ACCOUNTS = {"alice": ALICE_SHARED, "bob": BOB, "carol": {}}


def shared_commands(f):
    m = "#shared.alice." + f
    return ['LIST "" "%s"' % m, "STATUS %s (MESSAGES UNSEEN)" % m, "MYRIGHTS %s" % m,
            "GETACL %s" % m, "LISTRIGHTS %s bob" % m, "SELECT %s" % m, "FETCH 1:* (FLAGS)",
            "STORE 1 +FLAGS (\\Seen)", "STORE 1 +FLAGS (\\Flagged)",
            "STORE 1 +FLAGS (\\Deleted)", "NOOP", "FETCH 1:* (FLAGS)", "EXPUNGE", "CLOSE",
            {"cmd": "APPEND %s" % m, "literal": MSG}, "SELECT INBOX", "COPY 1 %s" % m,
            "CLOSE", "CREATE %s.Sub" % m, "SETACL %s carol lr" % m, "GETACL %s" % m,
            "SUBSCRIBE %s" % m]


case("shared_overview",
     "bob logs in ($AUTHENTICATED=bob, group staff) with alice's, bob's and carol's "
     "Maildirs in the shared index: NAMESPACE, what LIST and LSUB show under #shared.",
     ["NAMESPACE", 'LIST "" "*"', 'LIST "" "#shared.*"', 'LIST "" "#shared.%"',
      'LIST "#shared." "%"', 'LIST "" "#shared.alice.%"', 'LIST (MYRIGHTS) "" "#shared.alice.*"',
      'LSUB "" "*"', "MYRIGHTS #shared", "MYRIGHTS #shared.alice", "GETACL #shared.alice",
      "SELECT #shared.alice", "SELECT #shared.alice.INBOX", "SELECT #shared.bob.INBOX",
      'LIST "" "#shared.bob*"', "SUBSCRIBE #shared.alice.Read", 'LSUB "" "*"',
      "CREATE #shared.alice.New", "CREATE #shared.dave.New", "DELETE #shared.alice.Secret",
      "RENAME #shared.alice.All #shared.alice.All2", "RENAME #shared.alice.All INBOX.Stolen",
      "RENAME INBOX.Mine #shared.alice.Mine"],
     accounts=SHARED_ACCOUNTS, login="bob", options="group=staff", shared_index=True)

for f in ["Read", "ReadSeen", "Write", "All", "Admin", "Anyone", "Denied", "Staff",
          "LookupOnly", "InsertOnly", "Secret", "Secret.Open", "NoFile"]:
    case("shared_%s" % f.replace(".", "_"),
         "bob (group staff) on alice's INBOX.%s through #shared.alice.%s." % (f, f),
         shared_commands(f), accounts=SHARED_ACCOUNTS, login="bob", options="group=staff",
         shared_index=True)

case("shared_admin_rights",
     "bob holds a on alice's folder: what he may change, whether he can take l/a from the "
     "owner or give himself more.",
     ["GETACL #shared.alice.Admin", "SETACL #shared.alice.Admin owner l",
      "DELETEACL #shared.alice.Admin owner", "SETACL #shared.alice.Admin alice l",
      "SETACL #shared.alice.Admin -alice a", "SETACL #shared.alice.Admin -anyone l",
      "SETACL #shared.alice.Admin bob +lrswiacxte", "MYRIGHTS #shared.alice.Admin",
      "SETACL #shared.alice.Admin anyone l", "SETACL #shared.alice.Admin carol lrs",
      "GETACL #shared.alice.Admin", "SETACL #shared.alice.Admin bob lrswi",
      "MYRIGHTS #shared.alice.Admin", "GETACL #shared.alice.Admin",
      "DELETEACL #shared.alice.Admin bob", "MYRIGHTS #shared.alice.Admin",
      'LISTRIGHTS #shared.alice.Admin alice',
      'LISTRIGHTS #shared.alice.Admin -alice', 'LISTRIGHTS #shared.alice.Admin bob'],
     accounts=SHARED_ACCOUNTS, login="bob", shared_index=True)

case("shared_revoke_while_selected",
     "alice's ACL changes while bob has the folder selected (another session's SETACL "
     "rewrites courierimapacl; here the file is rewritten between two commands): what bob "
     "is told and what he can still do, first after losing w, then after losing everything, "
     "then after being granted w back on another folder.",
     ["SELECT #shared.alice.Write", "FETCH 1:* (FLAGS)",
      {"shell": "printf 'owner aceilrstwx\\nadministrators aceilrstwx\\nuser=bob lrs\\n' "
                "> $ROOT/alice/Maildir/.Write/courierimapacl"},
      "NOOP", "STORE 1 +FLAGS (\\Flagged)", "STORE 1 +FLAGS (\\Seen)", "MYRIGHTS #shared.alice.Write",
      "STORE 2 +FLAGS (\\Flagged)",
      {"shell": "printf 'owner aceilrstwx\\nadministrators aceilrstwx\\n' "
                "> $ROOT/alice/Maildir/.Write/courierimapacl"},
      "NOOP", "FETCH 1:* (FLAGS)", "STORE 2 +FLAGS (\\Seen)", "FETCH 2 (BODY[])",
      "MYRIGHTS #shared.alice.Write", "FETCH 1:* (FLAGS)", "CLOSE", "SELECT #shared.alice.Write",
      'LIST "" "#shared.alice.Write"', "SELECT #shared.alice.Read", "STORE 1 +FLAGS (\\Flagged)",
      {"shell": "printf 'owner aceilrstwx\\nadministrators aceilrstwx\\nuser=bob lrw\\n' "
                "> $ROOT/alice/Maildir/.Read/courierimapacl"},
      "STORE 1 +FLAGS (\\Flagged)", "NOOP", "STORE 1 +FLAGS (\\Flagged)", "FETCH 1 (FLAGS)"],
     accounts=SHARED_ACCOUNTS, login="bob", shared_index=True)

case("shared_two_sessions",
     "alice changes bob's rights with SETACL/DELETEACL in her own session while bob has "
     "#shared.alice.Write selected, and changes flags bob sees; what bob's session shows.",
     ["SELECT #shared.alice.Write",
      {"session": "alice", "commands": ["SETACL INBOX.Write bob lr", "GETACL INBOX.Write"]},
      "NOOP", "STORE 1 +FLAGS (\\Flagged)", "MYRIGHTS #shared.alice.Write",
      "STORE 1 +FLAGS (\\Flagged)",
      {"session": "alice", "commands": ["SELECT INBOX.Write", "STORE 2 +FLAGS (\\Answered)",
                                        "STORE 3 -FLAGS (\\Seen)"]},
      "NOOP", "FETCH 1:* (FLAGS)",
      {"session": "alice", "commands": ["DELETEACL INBOX.Write bob"]},
      "NOOP", "FETCH 1 (FLAGS)", 'LIST "" "#shared.alice.*"', "FETCH 1 (FLAGS)",
      "CLOSE", "SELECT #shared.alice.Write"],
     accounts=SHARED_ACCOUNTS, login="bob", shared_index=True)

case("shared_idle",
     "bob IDLEs on #shared.alice.Read while alice changes flags, appends, expunges in her "
     "INBOX.Read, then while she revokes bob's rights: the untagged updates bob gets "
     "within 3 seconds.",
     ["SELECT #shared.alice.Read",
      {"idle_during": {"session": "alice", "commands": [
          "SELECT INBOX.Read", "STORE 1 +FLAGS (\\Flagged)", "STORE 2 +FLAGS (\\Seen)",
          {"cmd": "APPEND INBOX.Read", "literal": MSG}, "STORE 4 +FLAGS (\\Deleted)",
          "EXPUNGE"]}, "wait": 3},
      "FETCH 1:* (FLAGS)",
      {"idle_during": {"session": "alice", "commands": ["SETACL INBOX.Read bob \"\""]},
       "wait": 3},
      "FETCH 1:* (FLAGS)", "MYRIGHTS #shared.alice.Read"],
     accounts=SHARED_ACCOUNTS, login="bob", shared_index=True)

case("owner_rights_change_while_selected",
     "The owner's own entry changes to owner lr while INBOX.Work is selected.",
     ["SELECT INBOX.Work", "STORE 1 +FLAGS (\\Flagged)",
      {"shell": "printf 'owner lr\\nadministrators aceilrstwx\\n' "
                "> $ROOT/alice/Maildir/.Work/courierimapacl"},
      "NOOP", "STORE 2 +FLAGS (\\Flagged)", "FETCH 1:* (FLAGS)", "STORE 1 +FLAGS (\\Deleted)",
      "EXPUNGE", "MYRIGHTS INBOX.Work", "STORE 3 +FLAGS (\\Flagged)", "CLOSE", "SELECT INBOX.Work"],
     accounts={"alice": {"folders": {"Work": {"messages": MSGS, "acl": FULL}}}})

case("shared_hostile",
     "Every trick for bob to reach alice's unshared INBOX.Secret or INBOX.",
     ["SELECT #shared.alice.Secret", "EXAMINE #shared.alice.Secret", "STATUS #shared.alice.Secret (MESSAGES)",
      "GETACL #shared.alice.Secret", "MYRIGHTS #shared.alice.Secret", "LISTRIGHTS #shared.alice.Secret bob",
      "SETACL #shared.alice.Secret bob lr", "DELETEACL #shared.alice.Secret owner",
      "SELECT #shared.alice.Secret.Open", "SELECT #shared.alice.INBOX", "SELECT #shared.alice",
      "SELECT \"#shared.alice..Secret\"", "SELECT \"#shared.alice.Secret/../Read\"",
      "SELECT \"#shared.alice/Maildir/.Secret\"", "SELECT \"#shared.ALICE.Secret\"",
      "SELECT \"#SHARED.alice.Secret\"", "SELECT \"#shared.alice.secret\"",
      "SELECT \"INBOX/../../alice/Maildir/.Secret\"", "SELECT \"../alice/Maildir/.Secret\"",
      {"cmd": "APPEND #shared.alice.Secret", "literal": MSG}, "SELECT INBOX",
      "COPY 1 #shared.alice.Secret", "CREATE #shared.alice.Secret.Mine",
      "DELETE #shared.alice.Secret", "RENAME #shared.alice.Secret INBOX.Got",
      'LIST "" "#shared.alice.Secret*"', "SUBSCRIBE #shared.alice.Secret",
      "GETACL #shared.alice.Secret.Open", "SETACL INBOX bob lr", 'LSUB "" "*"',
      'LSUB "" "#shared.*"', 'LSUB "#shared." "*"'],
     accounts=SHARED_ACCOUNTS, login="bob", shared_index=True)

case("shared_no_index",
     "Without IMAP_SHAREDINDEXFILE: #shared is empty and alice's folders unreachable.",
     ["NAMESPACE", 'LIST "" "#shared.*"', "SELECT #shared.alice.Read", "MYRIGHTS #shared.alice.Read"],
     accounts=SHARED_ACCOUNTS, login="bob", shared_index=False)

case("shared_owner_view",
     "alice herself with the index: does she see her own account under #shared, and her "
     "folders' ACLs as bob's grants left them.",
     ['LIST "" "#shared.*"', "GETACL INBOX.Read", "SELECT #shared.alice.Read",
      "MYRIGHTS INBOX.Denied", "LISTRIGHTS INBOX.Read bob", "LISTRIGHTS INBOX.Read alice"],
     accounts=SHARED_ACCOUNTS, login="alice", shared_index=True)

case("shared_grouped_index",
     "The shared index split into account groups (index: \"team<TAB>*<TAB>team\"): the "
     "names become #shared.team.alice.*, and the owner Courier then assigns.",
     ['LIST "" "#shared.*"', "MYRIGHTS #shared.team.alice.Read", "GETACL #shared.team.alice.Admin",
      "LISTRIGHTS #shared.team.alice.Admin alice", "LISTRIGHTS #shared.team.alice.Admin team",
      "SETACL #shared.team.alice.Admin owner l", "SETACL #shared.team.alice.Admin -alice a",
      "GETACL #shared.team.alice.Admin", "SELECT #shared.team.alice.Read",
      "SELECT #shared.alice.Read"],
     accounts=SHARED_ACCOUNTS, login="bob", shared_index={
         "index": "team\t*\tteam\n",
         "team": "alice\t$UID\t$GID\t$ROOT/alice\nbob\t$UID\t$GID\t$ROOT/bob\n"})

# --- Courier's filesystem shared folders (maildirmake -S, the shared. namespace) ------
# Built by the recorder's "pre" shell steps: maildirmake -S makes a sharable Maildir,
# maildirmake --add links it into alice's Maildir (shared-maildirs).
case("filesystem_shared",
     "alice's Maildir lists a sharable Maildir (maildirmake -S / --add): the shared. "
     "namespace, subscribing, selecting, and the ACLs Courier reports for it.",
     ["NAMESPACE", 'LIST "" "shared.*"', 'LIST "" "shared.%"', 'LIST "shared." "*"',
      "MYRIGHTS shared", "MYRIGHTS shared.pub", "MYRIGHTS shared.pub.News", "GETACL shared.pub.News",
      "SELECT shared.pub.News", "SUBSCRIBE shared.pub.News", 'LSUB "" "*"', 'LIST "" "shared.*"',
      "SELECT shared.pub.News", "FETCH 1:* (FLAGS)", "STORE 1 +FLAGS (\\Seen)",
      "STORE 1 +FLAGS (\\Deleted)", "EXPUNGE", "CLOSE", "SETACL shared.pub.News bob lr",
      "CREATE shared.pub.News.Sub", "DELETE shared.pub.News", "UNSUBSCRIBE shared.pub.News",
      'LSUB "" "*"', "MYRIGHTS shared.pub.Bulletin", "SELECT shared.pub.Bulletin",
      "STORE 1 +FLAGS (\\Seen \\Flagged)", "STORE 1 +FLAGS (\\Deleted)", "EXPUNGE",
      {"cmd": "APPEND shared.pub.Bulletin", "literal": MSG}, "CLOSE", 'LSUB "" "*"',
      'LIST (MYRIGHTS) "" "shared.*"'],
     accounts={"alice": {}})
CASES[-1]["pre"] = [
    "maildirmake -S $ROOT/pub",
    "maildirmake -s write -f News $ROOT/pub",
    "maildirmake -s read -f Bulletin $ROOT/pub",
    "printf 'Subject: b\\r\\n\\r\\nbulletin\\r\\n' > $ROOT/pub/.Bulletin/cur/1700000009.M9P1.pub:2,",
    "for i in 1 2 3; do printf 'Subject: n%s\\r\\n\\r\\nnews\\r\\n' $i > $ROOT/pub/.News/cur/17000000$i.M${i}P1.pub:2,; done",
    "maildirmake --add pub=$ROOT/pub $ROOT/alice/Maildir",
]
# The sharable Maildir belongs to another user (root) when the recorder runs the server
# as nobody: then "read" and "write" (maildirmake -s) decide what alice may do. Its
# messages are in cur/: sharers see only cur/ (Courier symlinks shareddir/cur/<file>).
CASES[-1]["post_as_root"] = ["chown -R 0:0 $ROOT/pub"]
