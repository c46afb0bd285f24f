// Fuzz target: a message file, taken apart the ways FETCH, SEARCH, SORT and THREAD take
// it apart. Whatever the bytes, nothing crashes, ENVELOPE, BODY and BODYSTRUCTURE are
// well-formed IMAP, every section's bytes are a literal a client can read, and the
// sort and thread keys of a message are what the same message gives when asked again
// (they are cached in the index and must not depend on anything but the bytes).
//
// The input is the file as an MDA wrote it; like the server, the target reads it with
// CRLF line ends.

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "core/imap/response_writer.h"
#include "core/message/message_source.h"
#include "core/mime/bodystructure.h"
#include "core/mime/decode.h"
#include "core/mime/envelope.h"
#include "core/mime/header_fields.h"
#include "core/mime/section.h"
#include "core/search/message_keys.h"
#include "core/search/text_match.h"
#include "tests/fuzz/finding.h"
#include "tests/fuzz/response_syntax.h"

namespace mime = maildex::core::mime;
namespace search = maildex::core::search;
using maildex::core::ResponseWriter;

namespace {

[[noreturn]] void fail(const std::string& what, std::string_view shown) {
    maildex::test::finding("mime_fuzz", what, shown);
}

void expectWellFormed(const std::string& response) {
    if (auto problem = maildex::test::responseProblem(response)) fail(*problem, response);
}

// Every section of every part (at most `budget` parts, so one input stays fast).
void fetchSections(std::string_view message, const mime::Part& root, const mime::Part& part,
                   std::vector<std::uint32_t>& path, int& budget) {
    if (--budget < 0) return;
    using Text = mime::SectionSpec::Text;
    for (Text text : {Text::Full, Text::Header, Text::Text, Text::Mime, Text::HeaderFields,
                      Text::HeaderFieldsNot}) {
        mime::SectionSpec spec;
        spec.part = path;
        spec.text = text;
        if (text == Text::HeaderFields || text == Text::HeaderFieldsNot)
            spec.fields = {"Subject", "FROM", "content-type"};
        std::string bytes = mime::sectionBytes(message, root, spec);
        std::string response;
        ResponseWriter(response)
            .untagged()
            .number(1)
            .atom("FETCH")
            .open()
            .atom("BODY[")
            .sectionEnd()
            .literal(bytes)
            .close()
            .end();
        expectWellFormed(response);
    }
    if (part.isText()) (void)mime::decodedBodyText(message, part);
    std::uint32_t n = 0;
    for (const auto& child : part.children) {
        path.push_back(++n);
        fetchSections(message, root, child, path, budget);
        path.pop_back();
    }
}

std::vector<search::KeyValue> sortKeys(std::string_view header) {
    auto fields = mime::splitHeaderFields(header);
    std::vector<search::KeyValue> keys;
    for (auto key : {search::SortKey::SentDate, search::SortKey::Subject, search::SortKey::From,
                     search::SortKey::To, search::SortKey::Cc, search::SortKey::DisplayFrom,
                     search::SortKey::DisplayTo, search::SortKey::ThreadIds})
        keys.push_back(search::computeKey(key, fields));
    return keys;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string message =
        maildex::core::toCrlf(std::string_view(reinterpret_cast<const char*>(data), size));
    mime::Part root = mime::parseStructure(message);

    for (bool structure : {false, true}) {
        std::string response;
        ResponseWriter w(response);
        w.untagged().number(1).atom("FETCH").open().atom(structure ? "BODYSTRUCTURE" : "BODY");
        structure ? mime::writeBodyStructure(w, message, root) : mime::writeBody(w, message, root);
        w.close().end();
        expectWellFormed(response);
    }
    {
        std::string response;
        ResponseWriter w(response);
        w.untagged().number(1).atom("FETCH").open().atom("ENVELOPE");
        mime::writeEnvelope(w, mime::parseEnvelope(root.header(message)));
        w.close().end();
        expectWellFormed(response);
    }

    std::vector<std::uint32_t> path;
    int budget = 200;
    fetchSections(message, root, root, path, budget);

    auto keys = sortKeys(root.header(message));
    auto again = sortKeys(mime::parseStructure(message).header(message));
    for (std::size_t i = 0; i < keys.size(); ++i)
        if (keys[i].number != again[i].number || keys[i].bytes != again[i].bytes)
            fail("a sort key differs when computed twice", keys[i].bytes);
    (void)search::decodeThreadIds(keys.back().bytes);

    for (std::string_view needle : {"hello", "Gr\xc3\xbc\xc3\x9f", "\xe2\x84\xaa"})
        for (bool withHeader : {false, true})
            (void)search::messageContains(message, std::string(needle), withHeader);
    return 0;
}
