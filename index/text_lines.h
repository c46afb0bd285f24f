#pragma once
// Line-by-line reading of the small text files other servers keep next to a Maildir
// (courierimapkeywords/:list, courierimapacl, maildirsize, dovecot-uidlist, ...), and the
// warning sink their lenient parsers report damaged lines to.
//
// Lines end at '\n'. A last line without its newline still counts: Courier and Dovecot
// always write the newline, so a missing one means a truncated write, and an importer
// keeps what is there (../shared/spec/courier-formats.md section 3, "Unterminated lines").

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace maildex::index {

class LineReader {
  public:
    explicit LineReader(std::string_view text) : text_(text) {}

    // The next line without its '\n'; false at the end of the text.
    bool next(std::string_view& line) {
        if (pos_ >= text_.size()) return false;
        size_t nl = text_.find('\n', pos_);
        size_t end = nl == std::string_view::npos ? text_.size() : nl;
        line = text_.substr(pos_, end - pos_);
        pos_ = nl == std::string_view::npos ? text_.size() : nl + 1;
        ++lineNumber_;
        return true;
    }

    // 1-based number of the line next() returned last.
    size_t lineNumber() const { return lineNumber_; }

  private:
    std::string_view text_;
    size_t pos_ = 0;
    size_t lineNumber_ = 0;
};

// Collects warnings when the caller asked for them (a null vector discards them).
class Warnings {
  public:
    explicit Warnings(std::vector<std::string>* out) : out_(out) {}
    void operator()(std::string warning) const {
        if (out_) out_->push_back(std::move(warning));
    }
    // "line 7 <what>", the shape every parser here uses.
    void line(size_t lineNumber, const std::string& what) const {
        if (out_) out_->push_back("line " + std::to_string(lineNumber) + " " + what);
    }

  private:
    std::vector<std::string>* out_;
};

// Text of a damaged line as a warning quotes it: at most 80 bytes, control bytes as '?'.
inline std::string quoteForWarning(std::string_view text) {
    std::string out;
    for (char c : text.substr(0, 80))
        out += static_cast<unsigned char>(c) < 0x20 ? '?' : c;
    if (text.size() > 80) out += "...";
    return "'" + out + "'";
}

}  // namespace maildex::index
