#include "tests/fuzz/response_syntax.h"

#include <cctype>

namespace maildex::test {

namespace {

class Scanner {
  public:
    explicit Scanner(std::string_view out) : s_(out) {}

    std::optional<std::string> run() {
        while (p_ < s_.size()) {
            std::size_t start = p_;
            bool complete = freeText(start) ? textLine() : dataLine();
            if (problem_) return problem_;
            if (!complete) return at(start, "the output ends inside this response");
        }
        return std::nullopt;
    }

  private:
    // Continuations and status responses (tagged, or "* OK/NO/BAD/BYE/PREAUTH") end in
    // human-readable text, which may hold anything but line ends and NUL. The rest are
    // data responses: "* WORD ..." and "* N WORD ...".
    bool freeText(std::size_t start) const {
        std::string_view rest = s_.substr(start);
        if (!rest.starts_with("* ")) return true;
        std::string_view word = rest.substr(2);
        for (std::string_view status : {"OK", "NO", "BAD", "BYE", "PREAUTH"}) {
            if (word.starts_with(status) &&
                (word.size() == status.size() || word[status.size()] == ' ' ||
                 word[status.size()] == '\r'))
                return true;
        }
        return false;
    }

    // Returns whether the line ended (CRLF) before the output did.
    bool textLine() {
        for (; p_ < s_.size(); ++p_) {
            char c = s_[p_];
            if (c == '\0') return fail("NUL in a response line");
            if (c == '\n') return fail("LF without CR");
            if (c == '\r') {
                if (p_ + 1 >= s_.size()) return advanceToEnd();
                if (s_[p_ + 1] != '\n') return fail("CR without LF");
                p_ += 2;
                return true;
            }
        }
        return false;
    }

    bool dataLine() {
        int depth = 0;
        while (p_ < s_.size()) {
            char c = s_[p_];
            switch (c) {
                case '\0':
                    return fail("NUL in a response line");
                case '\n':
                    return fail("LF without CR");
                case '\r':
                    if (p_ + 1 >= s_.size()) return advanceToEnd();
                    if (s_[p_ + 1] != '\n') return fail("CR without LF");
                    if (depth != 0) return fail("a response ends inside a parenthesized list");
                    p_ += 2;
                    return true;
                case '(':
                    ++depth;
                    ++p_;
                    break;
                case ')':
                    if (--depth < 0) return fail("')' without '('");
                    ++p_;
                    break;
                case '"':
                    if (!quoted()) return false;
                    break;
                case '{':
                    if (!literal()) return false;
                    break;
                default:
                    ++p_;
            }
            if (problem_) return false;
        }
        return false;
    }

    bool quoted() {
        std::size_t start = p_++;
        while (p_ < s_.size()) {
            char c = s_[p_];
            if (c == '"') {
                ++p_;
                return true;
            }
            if (c == '\\') {
                if (p_ + 1 >= s_.size()) return advanceToEnd();
                if (s_[p_ + 1] != '"' && s_[p_ + 1] != '\\')
                    return fail("a quoted string escapes something other than '\"' or '\\'");
                p_ += 2;
                continue;
            }
            if (c == '\r' || c == '\n' || c == '\0') {
                p_ = start;
                return fail("a quoted string holds CR, LF or NUL");
            }
            ++p_;
        }
        return false;
    }

    bool literal() {
        std::size_t start = p_++;
        std::size_t digits = p_;
        std::size_t n = 0;
        while (p_ < s_.size() && std::isdigit(static_cast<unsigned char>(s_[p_]))) {
            n = n * 10 + static_cast<std::size_t>(s_[p_] - '0');
            if (n > (std::size_t{1} << 40)) return fail("a literal's length is absurd");
            ++p_;
        }
        if (p_ >= s_.size()) return advanceToEnd();
        if (p_ == digits || s_[p_] != '}') {
            p_ = start;
            return fail("'{' that does not start a literal");
        }
        std::string_view after = s_.substr(p_ + 1, 2);
        if (after != "\r\n") {
            if (std::string_view("\r\n").starts_with(after)) return advanceToEnd();  // cut short
            p_ = start;
            return fail("a literal's length is not followed by CRLF");
        }
        p_ += 3;
        if (s_.size() - p_ < n) return advanceToEnd();
        if (s_.substr(p_, n).find('\0') != std::string_view::npos)
            return fail("NUL inside a literal");
        p_ += n;
        return true;
    }

    bool advanceToEnd() {
        p_ = s_.size();
        return false;
    }

    bool fail(const std::string& what) {
        problem_ = at(p_, what);
        p_ = s_.size();
        return false;
    }

    std::string at(std::size_t offset, const std::string& what) const {
        std::size_t from = offset > 60 ? offset - 60 : 0;
        std::string context;
        for (char c : s_.substr(from, 120)) {
            if (c == '\r')
                context += "\\r";
            else if (c == '\n')
                context += "\\n";
            else if (static_cast<unsigned char>(c) < 0x20)
                context += "\\x" + std::string(1, "0123456789abcdef"[(c >> 4) & 15]) +
                           std::string(1, "0123456789abcdef"[c & 15]);
            else
                context += c;
        }
        return what + " at byte " + std::to_string(offset) + ": ..." + context + "...";
    }

    std::string_view s_;
    std::size_t p_ = 0;
    std::optional<std::string> problem_;
};

}  // namespace

std::optional<std::string> responseProblem(std::string_view output) {
    return Scanner(output).run();
}

}  // namespace maildex::test
