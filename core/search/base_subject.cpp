// RFC 5256 section 2.1, step by step. The text is case-mapped before the steps run, so
// "re", "fwd" and "(fwd)" are matched as "RE", "FWD" and "(FWD)"; after step 1 every
// *WSP of the grammar is at most one space.
//
//   subj-trailer    = "(fwd)" / WSP
//   subj-leader     = (*subj-blob subj-refwd) / WSP
//   subj-refwd      = ("re" / ("fw" ["d"])) *WSP [subj-blob] ":"
//   subj-blob       = "[" *BLOBCHAR "]" *WSP
//   subj-fwd-hdr    = "[fwd:"
//   subj-fwd-trl    = "]"

#include "core/search/base_subject.h"

#include "core/mime/decode.h"
#include "core/search/collation.h"

namespace maildex::core::search {

namespace {

// Step 1's whitespace part: tabs, line breaks and runs of spaces become one space.
std::string packWhitespace(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    bool lastSpace = false;
    for (char c : s) {
        bool space = c == ' ' || c == '\t' || c == '\r' || c == '\n';
        if (space && lastSpace) continue;
        out += space ? ' ' : c;
        lastSpace = space;
    }
    return out;
}

class Extractor {
  public:
    explicit Extractor(std::string text) : s_(std::move(text)), end_(s_.size()) {}

    BaseSubject run() {
        do {
            removeTrailers();  // (2)
            // (3) and (4), repeated until neither matches (5).
            while (removeLeader() || removeBlobPrefix()) {
            }
        } while (removeForwardWrapper());                        // (6), then again from (2)
        return {s_.substr(pos_, end_ - pos_), replyOrForward_};  // (7)
    }

  private:
    bool at(size_t p, std::string_view word) const {
        return end_ - p >= word.size() && std::string_view(s_).substr(p, word.size()) == word;
    }

    // subj-blob at p: moves p past it (and its one space) when there is one.
    bool skipBlob(size_t& p) const {
        if (p >= end_ || s_[p] != '[') return false;
        size_t q = p + 1;
        while (q < end_ && s_[q] != '[' && s_[q] != ']')
            ++q;
        if (q >= end_ || s_[q] != ']') return false;
        ++q;
        if (q < end_ && s_[q] == ' ') ++q;
        p = q;
        return true;
    }

    // (2) Trailing subj-trailers, until none is left.
    void removeTrailers() {
        while (end_ > pos_) {
            if (s_[end_ - 1] == ' ') {
                --end_;
            } else if (end_ - pos_ >= 5 && at(end_ - 5, "(FWD)")) {
                end_ -= 5;
                replyOrForward_ = true;
            } else {
                break;
            }
        }
    }

    // (3) One subj-leader: a space, or blobs followed by a subj-refwd.
    bool removeLeader() {
        bool removed = false;
        if (pos_ < end_ && s_[pos_] == ' ') {
            ++pos_;
            removed = true;
        }
        size_t p = pos_;
        while (p < end_ && s_[p] == '[')
            if (!skipBlob(p)) return removed;
        if (at(p, "RE"))
            p += 2;
        else if (at(p, "FWD"))
            p += 3;
        else if (at(p, "FW"))
            p += 2;
        else
            return removed;
        if (p < end_ && s_[p] == ' ') ++p;
        if (p < end_ && s_[p] == '[' && !skipBlob(p)) return removed;
        if (p >= end_ || s_[p] != ':') return removed;
        pos_ = p + 1;
        replyOrForward_ = true;
        return true;
    }

    // (4) A leading subj-blob, when what follows is a non-empty subj-base.
    bool removeBlobPrefix() {
        size_t p = pos_;
        if (!skipBlob(p) || p >= end_) return false;
        pos_ = p;
        return true;
    }

    // (6) "[fwd:" ... "]" around the whole text.
    bool removeForwardWrapper() {
        if (end_ - pos_ < 6 || !at(pos_, "[FWD:") || s_[end_ - 1] != ']') return false;
        pos_ += 5;
        end_ -= 1;
        replyOrForward_ = true;
        return true;
    }

    std::string s_;
    size_t pos_ = 0;
    size_t end_;
    bool replyOrForward_ = false;
};

}  // namespace

BaseSubject extractBaseSubject(std::string_view casemapped) {
    return Extractor(packWhitespace(casemapped)).run();
}

BaseSubject baseSubject(std::string_view subject) {
    // (1) Encoded-words decoded to UTF-8; then the collation's form, so that the
    // comparisons of the later steps and of SORT ignore case.
    return extractBaseSubject(casemapKey(mime::decodeHeaderValue(subject)));
}

}  // namespace maildex::core::search
