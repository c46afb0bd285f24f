// core/imap/arguments: typed reading of a command's tokens. The receiver splits words at
// "[" and "]" for FETCH's BODY[...]; where the grammar wants an astring or a list-mailbox
// the reader joins the pieces back ("[" is an ATOM-CHAR, "]" an ASTRING-CHAR: RFC 3501 and
// RFC 9051 section 9), whatever pieces the input arrived in.

#include "core/imap/arguments.h"

#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <vector>

#include "core/commands/fetch_items.h"
#include "core/imap/receiver.h"
#include "core/imap/response_writer.h"

namespace maildex::core {
namespace {

// The one command in `input`, received in pieces split at `split` and then byte by byte
// (split 0: all at once).
Request receive(const std::string& input, size_t split) {
    Receiver rx;
    std::vector<Request> requests;
    auto feed = [&](std::string_view piece) {
        while (true) {
            auto r = rx.parse(piece);
            if (r.kind == Receiver::Result::Kind::NeedMore) break;
            EXPECT_EQ(r.kind, Receiver::Result::Kind::Request) << r.message;
            requests.push_back(std::move(r.request));
        }
    };
    if (split == 0) {
        feed(input);
    } else {
        feed(std::string_view(input).substr(0, split));
        for (size_t i = split; i < input.size(); ++i)
            feed(std::string_view(input).substr(i, 1));
    }
    EXPECT_EQ(requests.size(), 1u) << input;
    return requests.empty() ? Request{} : requests.front();
}

// Reads `input`'s arguments with `read` for every way of receiving it; all must agree.
std::vector<std::string> readAllSplits(
    const std::string& input, const std::function<std::vector<std::string>(ArgReader&)>& read) {
    Request whole = receive(input, 0);
    ArgReader wholeArgs(whole.args);
    auto expected = read(wholeArgs);
    for (size_t split = 1; split < input.size(); ++split) {
        Request r = receive(input, split);
        ArgReader args(r.args);
        EXPECT_EQ(read(args), expected) << "split at " << split;
    }
    return expected;
}

std::vector<std::string> astrings(ArgReader& args) {
    std::vector<std::string> out;
    while (!args.atEnd())
        out.push_back(args.astring());
    return out;
}

TEST(ArgReader, AstringsHoldBrackets) {
    EXPECT_EQ(readAllSplits("a SELECT ab[cd\r\n", astrings), std::vector<std::string>{"ab[cd"});
    EXPECT_EQ(readAllSplits("a X [x] ]y[ [ ] a]b INBOX.[x]\r\n", astrings),
              (std::vector<std::string>{"[x]", "]y[", "[", "]", "a]b", "INBOX.[x]"}));
    EXPECT_EQ(readAllSplits("a X \"q[\" [[]]\r\n", astrings),
              (std::vector<std::string>{"q[", "[[]]"}));
}

TEST(ArgReader, ListMailboxesHoldBracketsAndWildcards) {
    auto lists = [](ArgReader& args) {
        std::vector<std::string> out;
        while (!args.atEnd())
            out.push_back(args.listMailbox());
        return out;
    };
    EXPECT_EQ(readAllSplits("a LIST \"\" INBOX.[x]\r\n", lists),
              (std::vector<std::string>{"", "INBOX.[x]"}));
    EXPECT_EQ(readAllSplits("a LIST *[% %]*\r\n", lists), (std::vector<std::string>{"*[%", "%]*"}));
}

TEST(ArgReader, AnAstringEndsAtASpaceOrAList) {
    Request r = receive("a STATUS a[b (MESSAGES)\r\n", 0);
    ArgReader args(r.args);
    EXPECT_EQ(args.astring(), "a[b");
    EXPECT_TRUE(args.accept(Token::Type::ListBegin));
    Request quoted = receive("a SELECT \"x\"[y\r\n", 0);
    ArgReader q(quoted.args);
    EXPECT_EQ(q.astring(), "x");
    EXPECT_THROW(q.expectEnd(), ParseError);
}

TEST(ArgReader, FetchSectionsStillParse) {
    using commands::FetchItem;
    auto fetch = [](ArgReader& args) {
        args.sequenceSet();
        auto req = commands::parseFetchItems(args);
        args.expectEnd();
        std::vector<std::string> out;
        for (const auto& item : req.items) {
            std::string s = item.kind == FetchItem::Kind::Section ? "section" : "other";
            for (auto n : item.section.part)
                s += " " + std::to_string(n);
            s += " text" + std::to_string(static_cast<int>(item.section.text));
            for (const auto& f : item.section.fields)
                s += " " + f;
            if (item.partialOrigin)
                s += " <" + std::to_string(*item.partialOrigin) + "." +
                     std::to_string(item.partialLength) + ">";
            out.push_back(s);
        }
        return out;
    };
    EXPECT_EQ(readAllSplits("a FETCH 1 (BODY.PEEK[HEADER.FIELDS (From \"X]Y\" a[b)]<0.10> FLAGS "
                            "BODY[1.2.TEXT] BODY[]<5.1>)\r\n",
                            fetch),
              (std::vector<std::string>{"section text2 FROM X]Y A[B <0.10>", "other text0",
                                        "section 1 2 text4", "section text0 <5.1>"}));
}

TEST(FetchItems, SectionNamesAreWrittenThroughTheSerializer) {
    commands::FetchItem item{commands::FetchItem::Kind::Section, {}, true, std::nullopt, 0};
    item.section.part = {2};
    item.section.text = commands::Section::Text::HeaderFieldsNot;
    item.section.fields = {"X\"Y", "NIL", "SUBJECT"};
    std::string out;
    ResponseWriter w(out);
    commands::writeSectionName(w, item);
    EXPECT_EQ(out, "BODY[2.HEADER.FIELDS.NOT (\"X\\\"Y\" \"NIL\" SUBJECT)]");
    item.section = {};
    item.section.text = commands::Section::Text::Mime;
    item.section.part = {1, 3};
    item.partialOrigin = 7;
    std::string again;
    ResponseWriter w2(again);
    commands::writeSectionName(w2, item);
    EXPECT_EQ(again, "BODY[1.3.MIME]<7>");
}

}  // namespace
}  // namespace maildex::core
