#include "core/commands/requests.h"

#include "core/flags_format.h"

namespace maildex::core::commands {

StoreRequest parseStore(ArgReader& args) {
    StoreRequest req{args.sequenceSet(), {}, false};
    if (args.accept(Token::Type::ListBegin)) {
        // RFC 7162 3.1.3: (UNCHANGEDSINCE mod-sequence)
        if (!args.acceptAtom("UNCHANGEDSINCE")) ArgReader::fail("Expected UNCHANGEDSINCE");
        req.change.unchangedSince = args.number64("a mod-sequence");
        args.expect(Token::Type::ListEnd, ")");
    }
    std::string item = args.upperAtom("FLAGS, +FLAGS or -FLAGS");
    if (item.size() > 7 && item.ends_with(".SILENT")) {
        req.silent = true;
        item.resize(item.size() - 7);
    }
    if (item == "FLAGS")
        req.change.mode = index::StoreMode::Replace;
    else if (item == "+FLAGS")
        req.change.mode = index::StoreMode::Add;
    else if (item == "-FLAGS")
        req.change.mode = index::StoreMode::Remove;
    else
        ArgReader::fail("Expected FLAGS, +FLAGS or -FLAGS");
    ParsedFlags flags;
    if (args.peekIs(Token::Type::ListBegin)) {
        flags = parseFlagList(args, false);
    } else {
        if (args.atEnd()) ArgReader::fail("Expected flags");
        while (!args.atEnd()) {
            ParsedFlags one = parseFlagList(args, true);
            flags.flags |= one.flags;
            flags.keywords.insert(flags.keywords.end(), one.keywords.begin(), one.keywords.end());
        }
    }
    args.expectEnd();
    req.change.flags = flags.flags;
    req.change.keywords = std::move(flags.keywords);
    return req;
}

TransferRequest parseTransfer(ArgReader& args) {
    // Braced initializers run in order: the set, then the mailbox.
    TransferRequest req{args.sequenceSet(), args.astring("a mailbox name")};
    args.expectEnd();
    return req;
}

namespace {

// "(uidvalidity mod-sequence [known-uids] [(seq-set uid-set)])" after QRESYNC.
QresyncParams parseQresync(ArgReader& args) {
    QresyncParams q;
    args.expect(Token::Type::ListBegin, "(uidvalidity modseq ...)");
    q.uidValidity = args.number("a UIDVALIDITY");
    q.modseq = args.number64("a mod-sequence");
    if (!args.peekIs(Token::Type::ListEnd) && !args.peekIs(Token::Type::ListBegin))
        q.knownUids = args.sequenceSet();
    if (args.accept(Token::Type::ListBegin)) {
        args.sequenceSet();  // known sequence numbers
        args.sequenceSet();  // their UIDs
        args.expect(Token::Type::ListEnd, ")");
    }
    args.expect(Token::Type::ListEnd, ")");
    return q;
}

}  // namespace

SelectRequest parseSelect(ArgReader& args) {
    SelectRequest req;
    req.mailbox = args.astring("a mailbox name");
    if (args.accept(Token::Type::ListBegin)) {
        while (!args.accept(Token::Type::ListEnd)) {
            std::string p = args.upperAtom("a SELECT parameter");
            if (p == "CONDSTORE")
                req.condstore = true;
            else if (p == "QRESYNC")
                req.qresync = parseQresync(args);
            else
                ArgReader::fail("Unknown SELECT parameter " + p);
        }
    }
    args.expectEnd();
    return req;
}

UidExpungeRequest parseUidExpunge(ArgReader& args) {
    UidExpungeRequest req{args.sequenceSet()};
    args.expectEnd();
    return req;
}

EnableRequest parseEnable(ArgReader& args) {
    EnableRequest req;
    if (args.atEnd()) ArgReader::fail("ENABLE needs at least one capability");
    while (!args.atEnd())
        req.capabilities.push_back(args.upperAtom("a capability"));
    return req;
}

IdRequest parseId(ArgReader& args) {
    IdRequest req;
    if (!args.acceptAtom("NIL")) {
        args.expect(Token::Type::ListBegin, "a list of ID fields or NIL");
        while (!args.accept(Token::Type::ListEnd)) {
            std::string key = args.string("a field name");
            auto value = args.nstring("a field value");
            if (req.fields.size() >= 30 || key.size() > 30 || (value && value->size() > 1024))
                ArgReader::fail("ID fields too many or too long (RFC 2971)");
            req.fields.emplace_back(std::move(key), std::move(value));
        }
    }
    args.expectEnd();
    return req;
}

CreateRequest parseCreate(ArgReader& args) {
    CreateRequest req;
    req.mailbox = args.astring("a mailbox name");
    if (args.accept(Token::Type::ListBegin)) {
        // RFC 6154 CREATE-SPECIAL-USE: CREATE name (USE (\Sent))
        if (!args.acceptAtom("USE")) ArgReader::fail("Expected USE");
        args.expect(Token::Type::ListBegin, "a list of special-use attributes");
        while (!args.accept(Token::Type::ListEnd))
            req.specialUse.push_back(args.atom("a special-use attribute"));
        args.expect(Token::Type::ListEnd, ")");
    }
    args.expectEnd();
    return req;
}

}  // namespace maildex::core::commands
