#include "core/message/header.h"

#include <cctype>

namespace maildex::core {

bool fieldNameEquals(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i)
        if (std::tolower(static_cast<unsigned char>(a[i])) !=
            std::tolower(static_cast<unsigned char>(b[i])))
            return false;
    return true;
}

std::string HeaderField::value() const {
    std::string_view v = raw.substr(raw.find(':') + 1);
    std::string out;
    out.reserve(v.size());
    for (size_t i = 0; i < v.size(); ++i) {
        if (v[i] == '\r' && i + 1 < v.size() && v[i + 1] == '\n') {
            ++i;
            continue;
        }
        if (v[i] == '\n') continue;
        out += v[i];
    }
    size_t a = out.find_first_not_of(" \t");
    if (a == std::string::npos) return {};
    size_t b = out.find_last_not_of(" \t");
    return out.substr(a, b - a + 1);
}

std::vector<HeaderField> splitHeader(std::string_view header) {
    std::vector<HeaderField> fields;
    size_t pos = 0;
    while (pos < header.size()) {
        size_t eol = header.find('\n', pos);
        size_t next = eol == std::string_view::npos ? header.size() : eol + 1;
        std::string_view line = header.substr(pos, next - pos);
        if (line == "\r\n" || line == "\n") break;  // end of header
        if (line[0] == ' ' || line[0] == '\t') {
            if (!fields.empty()) {
                auto& last = fields.back();
                last.raw = std::string_view(last.raw.data(), last.raw.size() + line.size());
            }
            pos = next;
            continue;
        }
        size_t colon = line.find(':');
        if (colon != std::string_view::npos && colon > 0) {
            std::string_view name = line.substr(0, colon);
            while (!name.empty() && (name.back() == ' ' || name.back() == '\t'))
                name.remove_suffix(1);
            bool ok = !name.empty();
            for (unsigned char c : name)
                ok = ok && c > 0x20 && c < 0x7f;
            if (ok) fields.push_back({line.substr(0, name.size()), line});
        }
        pos = next;
    }
    return fields;
}

}  // namespace maildex::core
