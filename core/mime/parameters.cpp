#include "core/mime/parameters.h"

#include <algorithm>

#include "core/imap/ascii.h"
#include "core/mime/charset.h"
#include "core/mime/header_fields.h"

namespace maildex::core::mime {

namespace {

// One RFC 2231 piece: `attribute*section[*]=value`.
struct Section {
    std::string attribute;
    unsigned index = 0;
    bool extended = false;
    std::string value;
};

Scan parseOne(Rfc822Lexer& lx, std::string& key, std::string& value) {
    key.clear();
    value.clear();
    if (lx.atEnd()) return Scan::End;
    if (lx.peek() != ';') return Scan::Error;
    lx.advance();
    if (lx.skipCfws() != Scan::More) return Scan::Error;
    if (lx.mimeToken(key) != Scan::More) return Scan::Error;
    if (lx.peek() != '=') return Scan::Error;
    lx.advance();
    Scan s = lx.skipCfws();
    if (s != Scan::More) {
        // "name=" with nothing after it: an empty value.
    } else if (lx.peek() == '"') {
        s = lx.quotedString(value);
    } else if (lx.peek() == '=') {
        // Encoded-words where a token belongs (name==?utf-8?b?...?=), though RFC 2047
        // section 5 forbids them here: take the word up to the next delimiter.
        while (!lx.atEnd() && lx.peek() != ';' && lx.peek() != ' ' && lx.peek() != '\t' &&
               lx.peek() != '\r' && lx.peek() != '\n') {
            value += lx.peek();
            lx.advance();
        }
    } else {
        s = lx.mimeToken(value);
    }
    return s == Scan::Error ? Scan::Error : Scan::More;
}

// Splits "name*3*" into its RFC 2231 parts; false for a name that is not in that form.
bool parseSectionName(std::string_view key, Section& out) {
    std::size_t star = key.find('*');
    if (star == std::string_view::npos) return false;
    // "name*" alone is a single extended section (RFC 2231 section 4).
    std::size_t p = star;
    unsigned index = 0;
    if (star + 1 < key.size()) {
        p = star + 1;
        while (p < key.size() && key[p] >= '0' && key[p] <= '9') {
            index = index * 10 + static_cast<unsigned>(key[p] - '0');
            if (index > 100000) return false;
            ++p;
        }
    }
    bool extended = false;
    if (p < key.size() && key[p] == '*') {
        extended = true;
        ++p;
    }
    if (p != key.size()) return false;
    out.attribute = std::string(key.substr(0, star));
    out.index = index;
    out.extended = extended;
    return true;
}

using ascii::hexValue;

std::string percentDecode(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '%' && i + 2 < s.size()) {
            int hi = hexValue(s[i + 1]), lo = hexValue(s[i + 2]);
            if (hi >= 0 && lo >= 0) {
                out += static_cast<char>(hi * 16 + lo);
                i += 2;
                continue;
            }
        }
        out += s[i];
    }
    return out;
}

// RFC 2231 section 4: charset'language'%-encoded-octets.
std::string decodeExtendedValue(std::string_view value) {
    std::size_t q1 = value.find('\'');
    std::size_t q2 = q1 == std::string_view::npos ? q1 : value.find('\'', q1 + 1);
    if (q2 == std::string_view::npos) return percentDecode(value);
    std::string_view charset = value.substr(0, q1);
    return toUtf8(percentDecode(value.substr(q2 + 1)), charset);
}

bool lessByName(const Section& a, const Section& b) {
    if (a.attribute != b.attribute) return a.attribute < b.attribute;
    return a.index < b.index;
}

}  // namespace

std::vector<Parameter> parseParameters(Rfc822Lexer& lx) {
    std::vector<Parameter> result;
    std::vector<Section> sections;
    std::string key, value;
    for (;;) {
        Scan s = parseOne(lx, key, value);
        if (s == Scan::End) break;
        if (s == Scan::Error) {
            if (lx.atEnd()) break;
            lx.advance();
            continue;
        }
        Section section;
        if (parseSectionName(key, section)) {
            section.value = value;
            sections.push_back(std::move(section));
        } else {
            result.push_back({key, value, key, value});
        }
    }
    if (sections.empty()) return result;

    std::stable_sort(sections.begin(), sections.end(), lessByName);
    for (std::size_t i = 0, next = 0; i < sections.size(); i = next) {
        bool complete = true, anyExtended = false;
        unsigned expected = 0;
        for (next = i; next < sections.size() &&
                       sameFieldName(sections[next].attribute, sections[i].attribute);
             ++next, ++expected) {
            if (sections[next].index != expected) complete = false;
            if (sections[next].extended) anyExtended = true;
        }
        if (!complete) {
            for (std::size_t j = i; j < next; ++j) {
                const Section& p = sections[j];
                std::string name = p.attribute + "*" + std::to_string(p.index);
                if (p.extended) name += '*';
                result.push_back({name, p.value, p.attribute, p.value});
            }
            continue;
        }
        std::string merged;
        // RFC 2231 section 4.1: only the first section carries charset'language'; if only
        // later ones are encoded, give the whole value an empty prefix and escape the plain
        // pieces so that it still decodes as one value.
        if (anyExtended && !sections[i].extended) merged = "''";
        for (std::size_t j = i; j < next; ++j) {
            if (anyExtended && !sections[j].extended) {
                for (char c : sections[j].value)
                    merged += c == '%' ? std::string("%25") : std::string(1, c);
            } else {
                merged += sections[j].value;
            }
        }
        Parameter p;
        p.attribute = sections[i].attribute;
        p.name = anyExtended ? p.attribute + "*" : p.attribute;
        p.decoded = anyExtended ? decodeExtendedValue(merged) : merged;
        p.value = std::move(merged);
        result.push_back(std::move(p));
    }
    return result;
}

const Parameter* findParameter(const std::vector<Parameter>& params, std::string_view attribute) {
    const Parameter* plain = nullptr;
    for (const auto& p : params) {
        if (!sameFieldName(p.attribute, attribute)) continue;
        if (p.name.ends_with('*') && p.name.size() == p.attribute.size() + 1) return &p;
        if (!plain && p.name.size() == p.attribute.size()) plain = &p;
    }
    return plain;
}

}  // namespace maildex::core::mime
