// Large messages read from their files in pieces (core/message/large_message.h) give the
// bytes the in-memory path gives, for every section, offset, piece size and line-end mix;
// and a message received into a file (index/staged_message.h) is stored as Folder::append
// stores one given in memory.

#include <gtest/gtest.h>

#include <fcntl.h>

#include <fstream>
#include <random>
#include <string>

#include "core/message/large_message.h"
#include "core/message/message_source.h"
#include "core/mime/section.h"
#include "index/staged_message.h"
#include "tests/support/temp_maildir.h"

namespace maildex::core {
namespace {

std::string literalSafe(std::string s) {
    for (char& c : s)
        if (c == '\0') c = '\x80';
    return s;
}

std::filesystem::path writeFile(const test::TempMaildir& md, const std::string& name,
                                const std::string& data) {
    auto path = md.path() / "cur" / name;
    std::FILE* f = std::fopen(path.c_str(), "wb");
    std::fwrite(data.data(), 1, data.size(), f);
    std::fclose(f);
    return path;
}

// Reads a stream to its end in pieces of `piece` bytes.
std::string readAll(LiteralStream stream, std::size_t piece) {
    std::string out;
    while (stream.remaining() > 0) {
        std::size_t before = out.size();
        EXPECT_TRUE(stream.read(out, piece));
        EXPECT_LE(out.size() - before, piece);
        if (out.size() == before) break;
    }
    return out;
}

const char kMixedText[] =
    "From: a@example.com\nSubject: mixed\r\nX-Nul: a\0b\n\nline one\nline two\r\n\r\n"
    "\n\rlone CR\r\r\nend\n";
const std::string kMixed(kMixedText, sizeof kMixedText - 1);

TEST(LiteralStreamTest, ConvertsBareLineFeedsAtEverySplitAndOffset) {
    test::TempMaildir md;
    const std::string& text = kMixed;
    auto path = writeFile(md, "mixed", text);
    std::string crlf = literalSafe(toCrlf(text));
    auto file = std::make_shared<OpenFile>(::open(path.c_str(), O_RDONLY));
    for (std::size_t piece : {1, 2, 3, 7, 64})
        for (std::size_t skip = 0; skip <= crlf.size(); ++skip) {
            std::size_t length = std::min<std::size_t>(13, crlf.size() - skip);
            LiteralStream s(file, 0, length, true, skip);
            EXPECT_EQ(readAll(std::move(s), piece), crlf.substr(skip, length))
                << "piece " << piece << " skip " << skip;
        }
}

TEST(LiteralStreamTest, ReportsAFileShorterThanTheLiteral) {
    test::TempMaildir md;
    auto path = writeFile(md, "short", "abc");
    LiteralStream s(std::make_shared<OpenFile>(::open(path.c_str(), O_RDONLY)), 0, 10, false);
    std::string out;
    EXPECT_FALSE(s.read(out, 100));
}

const std::string kMultipart =
    "From: a@example.com\nSubject: parts\nMIME-Version: 1.0\n"
    "Content-Type: multipart/mixed; boundary=b\n\npreamble\n--b\nContent-Type: text/plain\n\n"
    "first part\n--b\nContent-Type: message/rfc822\n\nSubject: inner\nX-A: 1\n\ninner body\n"
    "--b\nContent-Type: application/octet-stream\nContent-Transfer-Encoding: base64\n\n"
    "AAAA\nBBBB\n--b--\nepilogue\n";

// Every section the in-memory path answers, read from the file by LargeMessage.
void expectSameSections(const std::string& text) {
    test::TempMaildir md;
    auto path = writeFile(md, "m", text);
    std::string crlf = toCrlf(text);
    mime::Part root = mime::parseStructure(crlf);
    LargeMessage large(path, text.size(), crlf.size());
    using Text = mime::SectionSpec::Text;
    EXPECT_EQ(large.header(), crlf.substr(0, headerLength(crlf)));
    EXPECT_EQ(readAll(large.stream(0, crlf.size()), 5), crlf);
    std::size_t headerSize = large.header().size();
    EXPECT_EQ(readAll(large.stream(3, crlf.size() - headerSize - 3, true), 4),
              crlf.substr(headerSize + 3));
    for (std::vector<std::uint32_t> part :
         {std::vector<std::uint32_t>{1}, {2}, {2, 1}, {3}, {4}, {2, 2}}) {
        for (Text t : {Text::Full, Text::Mime, Text::Header, Text::Text}) {
            mime::SectionSpec spec;
            spec.part = part;
            spec.text = t;
            auto range = mime::sectionRange(large.structure(), spec);
            std::string_view mapped = large.crlfText();
            std::size_t start = std::min(range.offset, mapped.size());
            std::size_t size = std::min(range.length, mapped.size() - start);
            std::string got = size ? readAll(large.streamCrlfText(start, size), 3) : "";
            EXPECT_EQ(got, mime::sectionBytes(crlf, root, spec))
                << "part " << part.size() << "/" << part[0] << " text " << static_cast<int>(t);
        }
    }
    large.releasePages();
}

TEST(LargeMessageTest, SectionsFromAnLfFileMatchTheInMemoryAnswers) {
    expectSameSections(kMultipart);
}

TEST(LargeMessageTest, SectionsFromACrlfFileMatchTheInMemoryAnswers) {
    expectSameSections(toCrlf(kMultipart));
}

// What Folder::append does with a message in memory (index/folder_ops.cpp).
std::string storedForm(const std::string& data, std::uint64_t& vsize) {
    std::string out;
    std::uint64_t lines = 0;
    for (std::size_t i = 0; i < data.size(); ++i) {
        if (data[i] == '\r' && i + 1 < data.size() && data[i + 1] == '\n') continue;
        if (data[i] == '\n' && (out.empty() || out.back() != '\r')) ++lines;
        out.push_back(data[i]);
    }
    vsize = out.size() + lines;
    return out;
}

TEST(StagedMessageTest, StoresWhatAnAppendInMemoryStoresAtEverySplit) {
    test::TempMaildir md;
    std::mt19937 rnd(7);
    const char alphabet[] = {'a', '\r', '\n', '\0'};
    for (int round = 0; round < 200; ++round) {
        std::string data;
        for (int i = 0; i < 40; ++i)
            data.push_back(alphabet[rnd() % 4]);
        std::uint64_t vsize = 0;
        std::string expected = storedForm(data, vsize);
        std::size_t piece = 1 + rnd() % 7;
        std::filesystem::path path;
        {
            index::StagedMessage staged(md.path());
            for (std::size_t i = 0; i < data.size(); i += piece)
                staged.write(std::string_view(data).substr(i, piece));
            staged.finish();
            EXPECT_EQ(staged.size(), expected.size());
            EXPECT_EQ(staged.vsize(), vsize);
            std::ifstream in(staged.path(), std::ios::binary);
            std::string stored((std::istreambuf_iterator<char>(in)), {});
            EXPECT_EQ(stored, expected);
            path = staged.path();
        }
        EXPECT_FALSE(std::filesystem::exists(path)) << "dropped unplaced, its file goes";
    }
}

}  // namespace
}  // namespace maildex::core
