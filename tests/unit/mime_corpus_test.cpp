// Differential test of core/mime against Dovecot 2.3.19 over tests/corpus: for every message,
// ENVELOPE, BODY, BODYSTRUCTURE and each BODY[section] of tests/corpus/dovecot/sections.txt
// must mean the same as what Dovecot answered (recorded in tests/corpus/dovecot/NAME.fetch by
// tests/corpus/make-dovecot-expected). Values are compared by meaning: Dovecot sends some
// strings as literals where Maildex's response writer quotes them.

#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <sstream>

#include "core/mime/bodystructure.h"
#include "core/mime/envelope.h"
#include "core/mime/section.h"
#include "core/mime/structure.h"
#include "tests/support/imap_values.h"
#include "tests/support/mime_text.h"

namespace maildex::core::mime {
namespace {

using test::ImapValue;
using test::ImapValueReader;

std::vector<std::string> sectionNames() {
    std::vector<std::string> names;
    std::istringstream in(test::readFile(test::corpusDir() / "dovecot" / "sections.txt"));
    for (std::string line; std::getline(in, line);)
        if (!line.empty()) names.push_back(line);
    return names;
}

// "2.HEADER.FIELDS (SUBJECT FROM)" → part {2}, HeaderFields, {"SUBJECT", "FROM"}.
SectionSpec parseSectionName(const std::string& name) {
    SectionSpec spec;
    std::size_t pos = 0;
    while (pos < name.size() && std::isdigit(static_cast<unsigned char>(name[pos]))) {
        std::size_t end = name.find('.', pos);
        if (end == std::string::npos) end = name.size();
        spec.part.push_back(static_cast<std::uint32_t>(std::stoul(name.substr(pos, end - pos))));
        pos = end + 1;
    }
    std::string text = pos < name.size() ? name.substr(pos) : "";
    using Text = SectionSpec::Text;
    if (text.empty()) {
        spec.text = Text::Full;
    } else if (text == "HEADER") {
        spec.text = Text::Header;
    } else if (text == "TEXT") {
        spec.text = Text::Text;
    } else if (text == "MIME") {
        spec.text = Text::Mime;
    } else {
        spec.text =
            text.starts_with("HEADER.FIELDS.NOT") ? Text::HeaderFieldsNot : Text::HeaderFields;
        std::string list = text.substr(text.find('(') + 1);
        list.resize(list.find(')'));
        std::istringstream words(list);
        for (std::string w; words >> w;)
            spec.fields.push_back(w);
    }
    return spec;
}

std::map<std::string, ImapValue> maildexAnswer(const std::string& msg,
                                               const std::vector<std::string>& sections) {
    Part root = parseStructure(msg);
    std::string out;
    ResponseWriter w(out);
    w.untagged().number(1).atom("FETCH").open().atom("ENVELOPE");
    writeEnvelope(w, parseEnvelope(root.header(msg)));
    w.atom("BODYSTRUCTURE");
    writeBodyStructure(w, msg, root);
    w.atom("BODY");
    writeBody(w, msg, root);
    for (const auto& s : sections) {
        // "1.HEADER.FIELDS (A B)": the name up to the list is an atom, the list's names too.
        auto list = s.find(" (");
        w.atom("BODY[" + s.substr(0, list));
        if (list != std::string::npos) {
            w.open().atoms(s.substr(list + 2, s.size() - list - 3)).close();
        }
        w.sectionEnd().literal(sectionBytes(msg, root, parseSectionName(s)));
    }
    w.close().end();
    return ImapValueReader::fetchItems(out);
}

std::vector<std::string> corpusNames() {
    std::vector<std::string> names;
    for (const auto& entry : std::filesystem::directory_iterator(test::corpusDir()))
        if (entry.path().extension() == ".eml") names.push_back(entry.path().stem().string());
    std::sort(names.begin(), names.end());
    return names;
}

// One test over the whole directory, so that a message added to tests/corpus (with its
// recorded answer) is checked without rebuilding.
TEST(MimeCorpus, SameAnswersAsDovecot) {
    auto sections = sectionNames();
    for (const auto& name : corpusNames()) {
        SCOPED_TRACE(name);
        std::string msg = test::corpusMessage(name + ".eml");
        auto recorded = test::corpusDir() / "dovecot" / (name + ".fetch");
        if (!std::filesystem::exists(recorded)) {
            ADD_FAILURE() << "no recorded answer: run tests/corpus/make-dovecot-expected " << name
                          << ".eml";
            continue;
        }
        auto dovecot = ImapValueReader::fetchItems(test::readFile(recorded));
        auto ours = maildexAnswer(msg, sections);
        EXPECT_EQ(dovecot.size(), sections.size() + 3);
        for (const auto& [item, value] : dovecot)
            EXPECT_EQ(ours[item], value) << name << " " << item;
    }
}

TEST(MimeCorpusFiles, AtLeastTwentyFiveMessagesInLfForm) {
    auto names = corpusNames();
    EXPECT_GE(names.size(), 25u);
    for (const auto& name : names) {
        std::string raw = test::readFile(test::corpusDir() / (name + ".eml"));
        // Maildir files use LF; a CR before an LF would be an editor accident.
        EXPECT_EQ(raw.find("\r\n"), std::string::npos) << name;
    }
}

}  // namespace
}  // namespace maildex::core::mime
