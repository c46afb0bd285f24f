// core/commands/requests: the small commands' arguments parsed into typed requests
// before anything is done, and a BAD for anything the grammar does not allow.

#include "core/commands/requests.h"

#include <gtest/gtest.h>

#include <string>

#include "core/imap/receiver.h"

namespace maildex::core::commands {
namespace {

// The command line received whole; its arguments after the name (and after "UID X").
struct Received {
    Request request;
    ArgReader args() const { return ArgReader(request.args, request.name == "UID" ? 1 : 0); }
};

Received receive(const std::string& line) {
    Receiver rx;
    std::string input = line + "\r\n";
    std::string_view in = input;
    auto r = rx.parse(in);
    EXPECT_EQ(r.kind, Receiver::Result::Kind::Request) << line << ": " << r.message;
    return {std::move(r.request)};
}

template <class Parse>
auto parse(const std::string& line, Parse parseFn) {
    auto received = receive(line);
    ArgReader args = received.args();
    return parseFn(args);
}

template <class Parse>
void expectBad(const std::string& line, Parse parseFn) {
    auto received = receive(line);
    ArgReader args = received.args();
    EXPECT_THROW(parseFn(args), ParseError) << line;
}

TEST(CommandRequests, Store) {
    auto r = parse("a STORE 1:3,5 +FLAGS.SILENT (\\Seen $Forwarded)", parseStore);
    EXPECT_EQ(r.set.toString(), "1:3,5");
    EXPECT_EQ(r.change.mode, index::StoreMode::Add);
    EXPECT_TRUE(r.silent);
    EXPECT_EQ(r.change.flags, index::flag::Seen);
    EXPECT_EQ(r.change.keywords, std::vector<std::string>{"$Forwarded"});
    EXPECT_FALSE(r.change.unchangedSince);

    r = parse("a UID STORE 7 (UNCHANGEDSINCE 12345678901) flags \\Deleted \\Draft", parseStore);
    EXPECT_EQ(r.change.mode, index::StoreMode::Replace);
    EXPECT_FALSE(r.silent);
    EXPECT_EQ(r.change.unchangedSince, 12345678901u);
    EXPECT_EQ(r.change.flags, index::flag::Deleted | index::flag::Draft);

    r = parse("a STORE * -FLAGS ()", parseStore);
    EXPECT_EQ(r.change.mode, index::StoreMode::Remove);
    EXPECT_EQ(r.change.flags, 0);

    expectBad("a STORE 1 FLAGS", parseStore);                  // no flags
    expectBad("a STORE 1 +FLAGS.LOUD (\\Seen)", parseStore);   // no such item
    expectBad("a STORE 1 +FLAGS (\\Recent)", parseStore);      // RFC 3501 2.3.2
    expectBad("a STORE 1 +FLAGS (\\Seen) extra", parseStore);  // list, then more
    expectBad("a STORE 1 (CHANGEDSINCE 5) +FLAGS (\\Seen)", parseStore);
    expectBad("a STORE x +FLAGS (\\Seen)", parseStore);
}

TEST(CommandRequests, Transfer) {
    auto r = parse("a UID MOVE 4:* \"INBOX.Old mail\"", parseTransfer);
    EXPECT_EQ(r.set.toString(), "4:*");
    EXPECT_EQ(r.mailbox, "INBOX.Old mail");
    expectBad("a COPY 1", parseTransfer);
    expectBad("a COPY 1 INBOX extra", parseTransfer);
    expectBad("a COPY INBOX 1", parseTransfer);
}

TEST(CommandRequests, Select) {
    auto r = parse("a SELECT inbox", parseSelect);
    EXPECT_EQ(r.mailbox, "inbox");
    EXPECT_FALSE(r.condstore);
    EXPECT_FALSE(r.qresync);

    r = parse("a EXAMINE INBOX.Sent (condstore)", parseSelect);
    EXPECT_TRUE(r.condstore);

    r = parse("a SELECT INBOX (QRESYNC (67890007 20050715194045000 41,43:211,214:541))",
              parseSelect);
    ASSERT_TRUE(r.qresync);
    EXPECT_EQ(r.qresync->uidValidity, 67890007u);
    EXPECT_EQ(r.qresync->modseq, 20050715194045000u);
    ASSERT_TRUE(r.qresync->knownUids);
    EXPECT_EQ(r.qresync->knownUids->toString(), "41,43:211,214:541");

    // RFC 7162 3.2.5.2's example: sequence match data after the known UIDs.
    r = parse("a SELECT INBOX (QRESYNC (67890007 90060115194045000 1:29997 (5000,7500 1:1000)))",
              parseSelect);
    ASSERT_TRUE(r.qresync);
    EXPECT_EQ(r.qresync->knownUids->toString(), "1:29997");

    r = parse("a SELECT INBOX (QRESYNC (1 2))", parseSelect);
    ASSERT_TRUE(r.qresync);
    EXPECT_FALSE(r.qresync->knownUids);

    expectBad("a SELECT", parseSelect);
    expectBad("a SELECT INBOX (BOGUS)", parseSelect);
    expectBad("a SELECT INBOX (QRESYNC (1))", parseSelect);
    expectBad("a SELECT INBOX extra", parseSelect);
}

TEST(CommandRequests, UidExpunge) {
    EXPECT_EQ(parse("a UID EXPUNGE 3:5,9", parseUidExpunge).uids.toString(), "3:5,9");
    expectBad("a UID EXPUNGE", parseUidExpunge);
    expectBad("a UID EXPUNGE 1 2", parseUidExpunge);
}

TEST(CommandRequests, Enable) {
    auto r = parse("a ENABLE condstore X-UNKNOWN utf8=accept", parseEnable);
    EXPECT_EQ(r.capabilities, (std::vector<std::string>{"CONDSTORE", "X-UNKNOWN", "UTF8=ACCEPT"}));
    expectBad("a ENABLE", parseEnable);
    // Nothing is enabled when a later word is wrong: the whole line is parsed first.
    expectBad("a ENABLE CONDSTORE (QRESYNC)", parseEnable);
}

TEST(CommandRequests, Id) {
    EXPECT_TRUE(parse("a ID NIL", parseId).fields.empty());
    EXPECT_TRUE(parse("a ID ()", parseId).fields.empty());
    auto r = parse("a ID (\"name\" \"sodr\" \"os\" NIL)", parseId);
    ASSERT_EQ(r.fields.size(), 2u);
    EXPECT_EQ(r.fields[0].first, "name");
    EXPECT_EQ(r.fields[0].second, "sodr");
    EXPECT_EQ(r.fields[1].first, "os");
    EXPECT_FALSE(r.fields[1].second);

    // RFC 2971 3.3: at most 30 fields, names up to 30 bytes, values up to 1024.
    std::string thirty = "a ID (";
    for (int i = 0; i < 30; ++i)
        thirty += "\"f" + std::to_string(i) + "\" \"v\" ";
    EXPECT_EQ(parse(thirty + ")", parseId).fields.size(), 30u);
    expectBad(thirty + "\"f30\" \"v\")", parseId);
    expectBad("a ID (\"" + std::string(31, 'n') + "\" \"v\")", parseId);
    expectBad("a ID (\"name\" \"" + std::string(1025, 'v') + "\")", parseId);
    expectBad("a ID", parseId);
    expectBad("a ID (\"name\")", parseId);
    expectBad("a ID NIL extra", parseId);
}

TEST(CommandRequests, Create) {
    auto r = parse("a CREATE INBOX.Junk (USE (\\Junk))", parseCreate);
    EXPECT_EQ(r.mailbox, "INBOX.Junk");
    EXPECT_EQ(r.specialUse, std::vector<std::string>{"\\Junk"});
    // Unknown attributes are the handler's NO [USEATTR], not a syntax error.
    r = parse("a CREATE x (USE (\\Bogus \\Sent))", parseCreate);
    EXPECT_EQ(r.specialUse, (std::vector<std::string>{"\\Bogus", "\\Sent"}));
    EXPECT_TRUE(parse("a CREATE x", parseCreate).specialUse.empty());
    expectBad("a CREATE x (USES (\\Sent))", parseCreate);
    expectBad("a CREATE x (USE \\Sent)", parseCreate);
    expectBad("a CREATE x (USE (\\Sent)) extra", parseCreate);
}

}  // namespace
}  // namespace maildex::core::commands
