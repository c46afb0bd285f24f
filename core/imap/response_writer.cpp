#include "core/imap/response_writer.h"

#include <algorithm>
#include <atomic>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "base/log.h"
#include "core/imap/ascii.h"

namespace maildex::core {

namespace {
constexpr size_t kMaxQuoted = 1024;  // longer strings go as literals

// A handler gave atom() something that is no atom: sent as it is, it would break the
// response (RFC 3501 section 9) or let a client's bytes change its meaning. In test runs
// (MAILDEX_FATAL_CHECKS in the environment: ctest and scripts/fuzz set it) that stops the
// process, so the test that reaches it fails; a server in service says so in its log, once,
// and the caller sends the word as a string, which keeps the response well-formed.
void notAnAtom(std::string_view word) {
    std::string shown;
    for (unsigned char c : word) {
        if (c >= 0x20 && c < 0x7f) {
            shown += static_cast<char>(c);
        } else {
            char hex[5];
            std::snprintf(hex, sizeof hex, "\\x%02x", c);
            shown += hex;
        }
    }
    if (std::getenv("MAILDEX_FATAL_CHECKS")) {
        std::fprintf(stderr, "maildex invariant: ResponseWriter::atom() given a non-atom: %s\n",
                     shown.c_str());
        std::abort();
    }
    static std::atomic<bool> logged{false};
    if (!logged.exchange(true))
        log::error("invariant broken (a bug; sent quoted instead): ResponseWriter::atom() given " +
                   shown);
}
}  // namespace

bool ResponseWriter::isAtom(std::string_view s) {
    if (s.empty()) return false;
    for (unsigned char c : s)
        if (!ascii::isAtomChar(c)) return false;
    return true;
}

bool ResponseWriter::isAtomOrFlag(std::string_view s) {
    if (s == "\\*") return true;
    if (s.starts_with('\\')) s.remove_prefix(1);
    return isAtom(s);
}

void ResponseWriter::separate() {
    if (needSpace_) out_.push_back(' ');
    needSpace_ = true;
}

ResponseWriter& ResponseWriter::untagged() {
    out_ += "* ";
    needSpace_ = false;
    return *this;
}

ResponseWriter& ResponseWriter::tagged(std::string_view tag) {
    out_ += tag;
    out_ += ' ';
    needSpace_ = false;
    return *this;
}

ResponseWriter& ResponseWriter::continuation() {
    out_ += "+ ";
    needSpace_ = false;
    return *this;
}

ResponseWriter& ResponseWriter::code(std::string_view name) {
    separate();
    out_ += '[';
    out_ += name;
    inCode_ = true;
    return *this;
}

ResponseWriter& ResponseWriter::codeEnd() {
    out_ += ']';
    inCode_ = false;
    needSpace_ = true;
    return *this;
}

ResponseWriter& ResponseWriter::atom(std::string_view word) {
    if (!isAtomOrFlag(word)) {
        notAnAtom(word);
        return string(word);
    }
    separate();
    out_ += word;
    return *this;
}

ResponseWriter& ResponseWriter::atoms(std::string_view words) {
    while (!words.empty()) {
        auto space = words.find(' ');
        if (space != 0) atom(words.substr(0, space));
        if (space == std::string_view::npos) break;
        words.remove_prefix(space + 1);
    }
    return *this;
}

ResponseWriter& ResponseWriter::sectionEnd(std::optional<std::uint64_t> origin) {
    out_ += ']';
    if (origin) {
        out_ += '<';
        char digits[20];
        out_.append(digits, std::to_chars(digits, digits + sizeof digits, *origin).ptr);
        out_ += '>';
    }
    needSpace_ = true;
    return *this;
}

ResponseWriter& ResponseWriter::number(std::uint64_t n) {
    separate();
    char digits[20];
    auto end = std::to_chars(digits, digits + sizeof digits, n).ptr;
    out_.append(digits, end);
    return *this;
}

ResponseWriter& ResponseWriter::serialized(std::string_view value) {
    separate();
    out_ += value;
    return *this;
}

std::string_view ResponseWriter::since(std::size_t mark) const {
    std::string_view written = std::string_view(out_).substr(std::min(mark, out_.size()));
    if (written.starts_with(' ')) written.remove_prefix(1);
    return written;
}

ResponseWriter& ResponseWriter::literal(std::string_view bytes) {
    separate();
    if (bytes.empty()) {
        out_ += "\"\"";
        return *this;
    }
    out_ += '{';
    out_ += std::to_string(bytes.size());
    out_ += "}\r\n";
    std::size_t start = out_.size();
    out_ += bytes;
    // A literal is CHAR8, which excludes NUL (RFC 3501 section 9): a NUL in a header
    // parameter or an address would end the client's string early. Sent as 0x80, as
    // Dovecot does in message text, so the length stays what it says.
    if (std::memchr(bytes.data(), '\0', bytes.size()))
        std::replace(out_.begin() + static_cast<std::ptrdiff_t>(start), out_.end(), '\0', '\x80');
    return *this;
}

ResponseWriter& ResponseWriter::literalPrefix(std::uint64_t size) {
    separate();
    out_ += '{';
    out_ += std::to_string(size);
    out_ += "}\r\n";
    return *this;
}

ResponseWriter& ResponseWriter::string(std::string_view s) {
    bool quotable = s.size() <= kMaxQuoted;
    for (size_t i = 0; quotable && i < s.size(); ++i) {
        unsigned char c = static_cast<unsigned char>(s[i]);
        if (c == '\r' || c == '\n' || c == 0 || (c >= 0x80 && !utf8_)) quotable = false;
    }
    if (!quotable) return literal(s);
    separate();
    out_ += '"';
    for (char c : s) {
        if (c == '"' || c == '\\') out_ += '\\';
        out_ += c;
    }
    out_ += '"';
    return *this;
}

ResponseWriter& ResponseWriter::astring(std::string_view s) {
    if (isAtom(s) && s != "NIL" && s != "nil" && s != "Nil") return atom(s);
    return string(s);
}

ResponseWriter& ResponseWriter::nstring(const std::optional<std::string_view>& s) {
    return s ? string(*s) : nil();
}

ResponseWriter& ResponseWriter::flag(std::string_view name) {
    bool ok = !name.empty();
    for (size_t i = 0; ok && i < name.size(); ++i) {
        unsigned char c = static_cast<unsigned char>(name[i]);
        // A flag atom; the leading backslash of system flags is allowed.
        ok = ascii::isAtomChar(c) || (c == '*' && name == "\\*") || (c == '\\' && i == 0);
    }
    return ok ? atom(name) : string(name);
}

ResponseWriter& ResponseWriter::open() {
    separate();
    out_ += '(';
    needSpace_ = false;
    return *this;
}

ResponseWriter& ResponseWriter::close() {
    out_ += ')';
    needSpace_ = true;
    return *this;
}

ResponseWriter& ResponseWriter::text(std::string_view s) {
    if (inCode_) codeEnd();
    separate();
    for (char c : s)
        out_ += (c == '\r' || c == '\n' || c == '\0') ? ' ' : c;
    return *this;
}

void ResponseWriter::end() {
    if (inCode_) codeEnd();
    out_ += "\r\n";
    needSpace_ = false;
}

}  // namespace maildex::core
