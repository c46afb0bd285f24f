#include "tests/protocol/runner/pattern.h"

#include <cctype>
#include <stdexcept>
#include <vector>

namespace maildex::test {

namespace {

struct Piece {
    enum class Kind { Text, Any, Number, OtherNumber } kind;
    std::string text;  // literal text, or capture name for Number and OtherNumber
};

std::vector<Piece> compile(const std::string& pattern) {
    std::vector<Piece> pieces;
    size_t pos = 0;
    while (pos < pattern.size()) {
        size_t open = pattern.find("{{", pos);
        if (open == std::string::npos) {
            pieces.push_back({Piece::Kind::Text, pattern.substr(pos)});
            break;
        }
        if (open > pos) pieces.push_back({Piece::Kind::Text, pattern.substr(pos, open - pos)});
        size_t close = pattern.find("}}", open);
        if (close == std::string::npos) throw std::runtime_error("unclosed {{ in pattern");
        std::string inner = pattern.substr(open + 2, close - open - 2);
        if (inner == "*")
            pieces.push_back({Piece::Kind::Any, ""});
        else if (!inner.empty() && inner[0] == '#')
            pieces.push_back({Piece::Kind::Number, inner.substr(1)});
        else if (inner.size() > 1 && inner[0] == '!')
            pieces.push_back({Piece::Kind::OtherNumber, inner.substr(1)});
        else
            throw std::runtime_error("unknown placeholder {{" + inner + "}}");
        pos = close + 2;
    }
    return pieces;
}

bool match(const std::vector<Piece>& pieces, size_t pi, const std::string& line, size_t li,
           Captures& captures) {
    if (pi == pieces.size()) return li == line.size();
    const Piece& p = pieces[pi];
    switch (p.kind) {
        case Piece::Kind::Text:
            return line.compare(li, p.text.size(), p.text) == 0 &&
                   match(pieces, pi + 1, line, li + p.text.size(), captures);
        case Piece::Kind::Any:
            for (size_t k = li; k <= line.size(); ++k)
                if (match(pieces, pi + 1, line, k, captures)) return true;
            return false;
        case Piece::Kind::OtherNumber: {
            auto it = captures.find(p.text);
            if (it == captures.end())
                throw std::runtime_error("{{!" + p.text + "}} before {{#" + p.text + "}}");
            size_t end = li;
            while (end < line.size() && std::isdigit(static_cast<unsigned char>(line[end])))
                ++end;
            if (end == li || line.compare(li, end - li, it->second) == 0) return false;
            return match(pieces, pi + 1, line, end, captures);
        }
        case Piece::Kind::Number: {
            size_t end = li;
            while (end < line.size() && std::isdigit(static_cast<unsigned char>(line[end])))
                ++end;
            if (end == li) return false;
            std::string value = line.substr(li, end - li);
            if (!p.text.empty()) {
                auto it = captures.find(p.text);
                if (it != captures.end()) {
                    if (it->second != value) return false;
                    return match(pieces, pi + 1, line, end, captures);
                }
                captures[p.text] = value;
                if (match(pieces, pi + 1, line, end, captures)) return true;
                captures.erase(p.text);
                return false;
            }
            return match(pieces, pi + 1, line, end, captures);
        }
    }
    return false;
}

}  // namespace

bool matchLine(const std::string& pattern, const std::string& line, Captures& captures) {
    return match(compile(pattern), 0, line, 0, captures);
}

std::string substitute(const std::string& text, const Captures& captures) {
    std::string out;
    size_t pos = 0;
    while (true) {
        size_t open = text.find("{{#", pos);
        if (open == std::string::npos) break;
        size_t close = text.find("}}", open);
        if (close == std::string::npos) break;
        std::string name = text.substr(open + 3, close - open - 3);
        auto it = captures.find(name);
        if (it == captures.end()) throw std::runtime_error("no captured value {{#" + name + "}}");
        out += text.substr(pos, open - pos) + it->second;
        pos = close + 2;
    }
    return out + text.substr(pos);
}

}  // namespace maildex::test
