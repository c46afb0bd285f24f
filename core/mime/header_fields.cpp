#include "core/mime/header_fields.h"

#include <cstring>

#include "core/imap/ascii.h"

namespace maildex::core::mime {

namespace {

constexpr std::string_view kReplacementChar = "\xEF\xBF\xBD";

bool isWsp(char c) {
    return c == ' ' || c == '\t';
}

// Length of the line starting at `pos`, including its LF (or up to the end).
std::size_t lineLength(std::string_view text, std::size_t pos) {
    const void* lf = std::memchr(text.data() + pos, '\n', text.size() - pos);
    if (!lf) return text.size() - pos;
    return static_cast<std::size_t>(static_cast<const char*>(lf) - text.data()) + 1 - pos;
}

bool isEmptyLine(std::string_view line) {
    return line == "\r\n" || line == "\n";
}

}  // namespace

bool sameFieldName(std::string_view a, std::string_view b) {
    return ascii::iequals(a, b);
}

std::string unfold(std::string_view value) {
    std::string out;
    out.reserve(value.size());
    for (std::size_t i = 0; i < value.size(); ++i) {
        char c = value[i];
        if (c == '\r' || c == '\n') {
            char next = i + 1 < value.size() ? value[i + 1] : ' ';
            if (next != ' ' && next != '\t' && next != '\r' && next != '\n') out += ' ';
        } else if (c == '\0') {
            out += kReplacementChar;
        } else {
            out += c;
        }
    }
    return out;
}

std::string HeaderField::value() const {
    return unfold(structuredValue());
}

std::string HeaderField::structuredValue() const {
    std::string_view v = rawValue;
    // The final line end belongs to the field, not to the value.
    if (v.ends_with("\r\n"))
        v.remove_suffix(2);
    else if (v.ends_with('\n'))
        v.remove_suffix(1);
    // Whitespace after the colon is not part of the value, except that a value made only of
    // whitespace keeps all but the first byte (Dovecot's rule; RFC 5322 is silent).
    std::string_view first = v.substr(0, v.find('\n'));
    if (first.ends_with('\r')) first.remove_suffix(1);
    std::size_t skip = 0;
    while (skip < first.size() && isWsp(first[skip]))
        ++skip;
    if (skip == first.size() && skip > 0) skip = 1;
    v.remove_prefix(skip);
    return std::string(v);
}

std::vector<HeaderField> splitHeaderFields(std::string_view header) {
    std::vector<HeaderField> fields;
    std::size_t pos = 0;
    while (pos < header.size()) {
        std::size_t len = lineLength(header, pos);
        std::string_view line = header.substr(pos, len);
        if (isEmptyLine(line)) break;
        std::size_t start = pos;
        pos += len;
        // Continuation lines belong to this field.
        while (pos < header.size() && isWsp(header[pos])) {
            std::size_t more = lineLength(header, pos);
            pos += more;
        }
        HeaderField f;
        f.raw = header.substr(start, pos - start);
        std::string_view content = line;
        if (content.ends_with('\n')) content.remove_suffix(1);
        if (content.ends_with('\r')) content.remove_suffix(1);
        std::size_t colon = content.find(':');
        if (colon == std::string_view::npos) {
            f.name = content;
        } else {
            std::string_view name = content.substr(0, colon);
            while (!name.empty() && isWsp(name.back()))
                name.remove_suffix(1);
            f.name = name;
            f.rawValue = f.raw.substr(colon + 1);
            f.hasColon = true;
        }
        // Names end at a NUL byte, as they do for Dovecot's C string comparisons.
        f.name = f.name.substr(0, f.name.find('\0'));
        fields.push_back(f);
    }
    return fields;
}

}  // namespace maildex::core::mime
