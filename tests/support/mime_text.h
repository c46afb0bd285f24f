#pragma once
// Helpers for the core/mime tests: messages are written with LF in the test source and
// turned into the CRLF text the library works on; results are rendered as IMAP text.

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>

#include "core/imap/response_writer.h"
#include "core/message/message_source.h"
#include "core/mime/bodystructure.h"
#include "core/mime/envelope.h"
#include "core/mime/section.h"
#include "core/mime/structure.h"

namespace maildex::test {

inline std::string crlf(std::string_view lfText) {
    return core::toCrlf(lfText);
}

inline std::filesystem::path corpusDir() {
    return std::filesystem::path(__FILE__).parent_path().parent_path() / "corpus";
}

inline std::string readFile(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream content;
    content << in.rdbuf();
    return content.str();
}

// A message of tests/corpus (LF line ends on disk) as the CRLF text IMAP counts.
inline std::string corpusMessage(std::string_view name) {
    return crlf(readFile(corpusDir() / name));
}

inline std::string bodyStructureOf(std::string_view message) {
    std::string out;
    core::ResponseWriter w(out);
    core::mime::writeBodyStructure(w, message, core::mime::parseStructure(message));
    return out;
}

inline std::string bodyOf(std::string_view message) {
    std::string out;
    core::ResponseWriter w(out);
    core::mime::writeBody(w, message, core::mime::parseStructure(message));
    return out;
}

inline std::string envelopeOf(std::string_view message) {
    std::string out;
    core::ResponseWriter w(out);
    auto root = core::mime::parseStructure(message);
    core::mime::writeEnvelope(w, core::mime::parseEnvelope(root.header(message)));
    return out;
}

}  // namespace maildex::test
