#include "core/mime/section.h"

#include <algorithm>
#include <cstdint>

#include "core/mime/header_fields.h"

namespace maildex::core::mime {

namespace {

std::string literalSafe(std::string_view bytes) {
    std::string out(bytes);
    std::replace(out.begin(), out.end(), '\0', '\x80');
    return out;
}

bool hasEmptyLine(std::string_view header) {
    return header == "\r\n" || header == "\n" || header.ends_with("\n\r\n") ||
           header.ends_with("\n\n");
}

// HEADER.FIELDS is a header of its own: complete lines, then the empty line that ends a
// header. HEADER.FIELDS.NOT is the message's header minus some fields: the lines as they
// are, and the empty line only if there was one. As Dovecot 2.3 answers once the header is
// in its cache (the state a client sees after asking for ENVELOPE):
// - a header whose last line has no line end (the message ends there) gets no empty line
//   after that line, which is what RFC 3501 section 6.4.5 asks ("the blank line is
//   included in all header fetches, except in the case of a message which has no body and
//   no blank line");
// - otherwise HEADER.FIELDS ends with the empty line, even when the header had none.
std::string filterFields(std::string_view header, const std::vector<std::string>& names,
                         bool keep) {
    std::string out;
    bool cutOff = false;  // the last field taken had no line end
    for (const auto& f : splitHeaderFields(header)) {
        bool listed = std::any_of(names.begin(), names.end(),
                                  [&](const std::string& n) { return sameFieldName(f.name, n); });
        if (listed != keep) continue;
        out += f.raw;
        cutOff = !f.raw.ends_with('\n');
        if (keep && cutOff) out += "\r\n";
    }
    if (keep ? !cutOff : hasEmptyLine(header)) out += "\r\n";
    return out;
}

}  // namespace

const Part* findPart(const Part& root, const std::vector<std::uint32_t>& path) {
    const Part* part = &root;
    for (std::size_t i = 0; i < path.size() && part; ++i) {
        std::uint32_t n = path[i];
        bool more = i + 1 < path.size();
        if (part->kind == Part::Kind::Multipart) {
            part = n >= 1 && n <= part->children.size() ? &part->children[n - 1] : nullptr;
        } else if (n != 1 || (more && part->kind != Part::Kind::Message)) {
            part = nullptr;
        }
        // Further numbers continue inside the embedded message.
        if (part && more && part->kind == Part::Kind::Message && !part->children.empty())
            part = &part->children.front();
    }
    return part;
}

SectionRange sectionRange(const Part& root, const SectionSpec& spec) {
    using Text = SectionSpec::Text;
    const Part* part = findPart(root, spec.part);
    if (!part) return {};
    bool whole = spec.part.empty();
    auto headerOf = [](const Part& p) { return SectionRange{p.headerOffset, p.headerSize}; };
    auto bodyOf = [](const Part& p) { return SectionRange{p.bodyOffset, p.bodySize}; };
    switch (spec.text) {
        case Text::Full:
            return whole ? SectionRange{0, SIZE_MAX} : bodyOf(*part);  // to the end
        case Text::Mime:
            return whole ? SectionRange{} : headerOf(*part);
        case Text::Header:
        case Text::HeaderFields:
        case Text::HeaderFieldsNot:
        case Text::Text:
            break;
    }
    // The rest is about a message: the whole one or an embedded message/rfc822.
    if (!whole) {
        if (part->kind != Part::Kind::Message || part->children.empty()) return {};
        part = &part->children.front();
    }
    switch (spec.text) {
        case Text::Header:
            return headerOf(*part);
        case Text::Text:
            return bodyOf(*part);
        case Text::HeaderFields:
        case Text::HeaderFieldsNot: {
            auto r = headerOf(*part);
            r.filtered = true;
            return r;
        }
        default:
            return {};
    }
}

std::string sectionFilter(std::string_view header, const SectionSpec& spec) {
    return filterFields(header, spec.fields, spec.text == SectionSpec::Text::HeaderFields);
}

std::string sectionBytes(std::string_view message, const Part& root, const SectionSpec& spec) {
    auto r = sectionRange(root, spec);
    std::string_view bytes =
        r.offset <= message.size() ? message.substr(r.offset, r.length) : std::string_view();
    return literalSafe(r.filtered ? sectionFilter(bytes, spec) : bytes);
}

}  // namespace maildex::core::mime
