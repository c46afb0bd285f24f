#include "core/mime/structure.h"

#include <algorithm>
#include <cstring>

#include "core/mime/content_fields.h"
#include "core/mime/header_fields.h"

namespace maildex::core::mime {

namespace {

constexpr std::size_t kBoundaryCompareLength = 80;

bool equalsIgnoreCase(std::string_view a, std::string_view b) {
    return sameFieldName(a, b);
}

// Where the scan of some content stopped: at a delimiter line or at the end of the text.
struct Stop {
    std::size_t contentEnd = 0;  // end of the content before the delimiter (its CRLF excluded)
    std::size_t lineStart = 0;   // where the delimiter line starts
    int boundary = -1;           // index into the boundary stack; -1 at the end of the text
    bool close = false;          // "--boundary--"
    std::size_t next = 0;        // first byte after the delimiter line
};

struct ActiveBoundary {
    std::string_view value;  // at most kBoundaryCompareLength bytes
};

class StructureParser {
  public:
    explicit StructureParser(std::string_view text) : text_(text) {
        lineFeedsBefore_.reserve(text.size() / kLineBlock + 2);
        std::size_t total = 0;
        for (std::size_t block = 0; block <= text.size(); block += kLineBlock) {
            lineFeedsBefore_.push_back(total);
            total += lineFeedsIn(block, std::min(block + kLineBlock, text.size()));
        }
    }

    Part parse() {
        Part root;
        partCount_ = 1;
        parseEntity(root, 0, false, false, 0);
        return root;
    }

  private:
    std::size_t lineEnd(std::size_t pos) const {
        const void* lf = std::memchr(text_.data() + pos, '\n', text_.size() - pos);
        if (!lf) return text_.size();
        return static_cast<std::size_t>(static_cast<const char*>(lf) - text_.data()) + 1;
    }

    std::size_t lineFeedsIn(std::size_t from, std::size_t to) const {
        return static_cast<std::size_t>(
            std::count(text_.begin() + static_cast<std::ptrdiff_t>(from),
                       text_.begin() + static_cast<std::ptrdiff_t>(to), '\n'));
    }

    // Line feeds in [from, to): counted at the ends, looked up for whole blocks between.
    std::size_t countLines(std::size_t from, std::size_t to) const {
        if (to <= from) return 0;
        std::size_t firstBlock = from / kLineBlock + 1, lastBlock = to / kLineBlock;
        if (firstBlock > lastBlock) return lineFeedsIn(from, to);
        return lineFeedsIn(from, firstBlock * kLineBlock) +
               (lineFeedsBefore_[lastBlock] - lineFeedsBefore_[firstBlock]) +
               lineFeedsIn(lastBlock * kLineBlock, to);
    }

    // The boundary a delimiter line at `pos` opens with, or -1. The line only has to start
    // with the boundary, and the longest match wins (the innermost on ties). A final "--" is
    // not part of the line for that comparison, but a boundary equal to the whole line with
    // its "--" wins outright: "--a--" closes "a" even when "a--" is open too, and opens a
    // part of "ab--" even when "a" is open too. That is Dovecot 2.3's reading, found by
    // differential fuzzing.
    int matchBoundary(std::size_t pos) const {
        if (boundaries_.empty() || partCount_ >= kMaxParts) return -1;
        if (pos + 2 > text_.size() || text_[pos] != '-' || text_[pos + 1] != '-') return -1;
        std::string_view whole = text_.substr(pos + 2);
        std::size_t lf = whole.find('\n');
        std::string_view line;
        bool dashes = false;
        if (lf != std::string_view::npos) {
            whole = whole.substr(0, lf);
            if (whole.ends_with('\r')) whole.remove_suffix(1);
            dashes = whole.size() > 2 && whole.ends_with("--");
            line = dashes ? whole.substr(0, whole.size() - 2) : whole;
        } else {
            line = whole = whole.substr(0, kBoundaryCompareLength + 4);
        }
        int best = -1;
        for (int i = static_cast<int>(boundaries_.size()) - 1; i >= 0; --i) {
            std::string_view b = boundaries_[static_cast<std::size_t>(i)].value;
            if (dashes && b == whole) return i;
            if (line.starts_with(b) &&
                (best < 0 || boundaries_[static_cast<std::size_t>(best)].value.size() < b.size())) {
                best = i;
                if (b.size() == line.size()) break;
            }
        }
        return best;
    }

    Stop delimiterAt(std::size_t lineStart, std::size_t contentEnd, int boundary) const {
        Stop s;
        s.contentEnd = contentEnd;
        s.lineStart = lineStart;
        s.boundary = boundary;
        std::size_t after =
            lineStart + 2 + boundaries_[static_cast<std::size_t>(boundary)].value.size();
        s.close = text_.substr(after).starts_with("--");
        s.next = lineEnd(lineStart);
        return s;
    }

    Stop endOfText() const {
        Stop end;
        end.contentEnd = end.lineStart = end.next = text_.size();
        return end;
    }

    // Scans content from `from` (at a line start) to the next delimiter line of any active
    // boundary. A delimiter on the very first line has no CRLF of the content before it.
    Stop scanContent(std::size_t from) const {
        Stop end = endOfText();
        if (boundaries_.empty() || partCount_ >= kMaxParts) return end;
        if (int b = matchBoundary(from); b >= 0) return delimiterAt(from, from, b);
        std::size_t pos = from;
        for (;;) {
            const void* found = std::memchr(text_.data() + pos, '\n', text_.size() - pos);
            if (!found) return end;
            std::size_t nl =
                static_cast<std::size_t>(static_cast<const char*>(found) - text_.data());
            std::size_t lineStart = nl + 1;
            if (int b = matchBoundary(lineStart); b >= 0) {
                std::size_t contentEnd = nl;
                if (contentEnd > from && text_[contentEnd - 1] == '\r') --contentEnd;
                return delimiterAt(lineStart, contentEnd, b);
            }
            pos = lineStart;
        }
    }

    // A container that is not looked into (past the limits, or a multipart without subtype)
    // is application/octet-stream, as in Dovecot, so that no client expects parts inside it.
    static void makeOpaque(Part& part) {
        part.kind = Part::Kind::Single;
        part.type = "application";
        part.subtype = "octet-stream";
    }

    void readMimeFields(Part& part, const std::vector<HeaderField>& fields) {
        for (const auto& f : fields) {
            if (!f.hasColon) continue;
            if (f.name.size() < 8 || !equalsIgnoreCase(f.name.substr(0, 8), "Content-")) continue;
            std::string_view what = f.name.substr(8);
            if (equalsIgnoreCase(what, "Type")) {
                if (part.hasContentType) continue;  // the first one counts
                part.hasContentType = true;
                ContentType ct = parseContentType(f.structuredValue());
                part.type = std::move(ct.type);
                part.subtype = std::move(ct.subtype);
                part.parameters = std::move(ct.parameters);
            } else if (equalsIgnoreCase(what, "Transfer-Encoding")) {
                if (!part.transferEncoding)
                    part.transferEncoding = parseTransferEncoding(f.structuredValue());
            } else if (equalsIgnoreCase(what, "ID")) {
                if (!part.id) part.id = f.value();
            } else if (equalsIgnoreCase(what, "Description")) {
                if (!part.description) part.description = f.value();
            } else if (equalsIgnoreCase(what, "MD5")) {
                if (!part.md5) part.md5 = f.value();
            } else if (equalsIgnoreCase(what, "Location")) {
                if (!part.location) part.location = f.value();
            } else if (equalsIgnoreCase(what, "Language")) {
                if (part.languages.empty())
                    part.languages = parseContentLanguage(f.structuredValue());
            } else if (equalsIgnoreCase(what, "Disposition")) {
                // A later field replaces one without parameters (Dovecot's rule).
                if (!part.dispositionParameters.empty()) continue;
                if (auto cd = parseContentDisposition(f.structuredValue())) {
                    part.disposition = std::move(cd->type);
                    part.dispositionParameters = std::move(cd->parameters);
                }
            }
        }
    }

    // Reads one entity (header and body) starting at `start`, returns where it stopped.
    Stop parseEntity(Part& part, std::size_t start, bool inMultipart, bool inDigest, int depth) {
        part.headerOffset = start;

        // The header ends at an empty line, at a delimiter of an enclosing multipart, or at
        // the end of the text.
        std::size_t pos = start;
        bool endedByEmptyLine = false;
        int cutBy = -1;
        std::size_t headerEnd = text_.size();
        while (pos < text_.size()) {
            if (int b = matchBoundary(pos); b >= 0) {
                cutBy = b;
                headerEnd = pos;
                break;
            }
            std::size_t next = lineEnd(pos);
            std::string_view line = text_.substr(pos, next - pos);
            if (line == "\r\n" || line == "\n") {
                endedByEmptyLine = true;
                headerEnd = next;
                break;
            }
            pos = next;
        }
        Stop cutStop;
        if (cutBy >= 0) {
            // The CRLF before the delimiter belongs to the delimiter, not to the header.
            cutStop = delimiterAt(headerEnd, headerEnd, cutBy);
            if (headerEnd > start && text_[headerEnd - 1] == '\n') --headerEnd;
            if (headerEnd > start && text_[headerEnd - 1] == '\r') --headerEnd;
        }
        part.headerSize = headerEnd - start;
        part.bodyOffset = headerEnd;

        auto fields = splitHeaderFields(part.header(text_));
        bool mime = inMultipart;
        for (const auto& f : fields)
            if (f.hasColon && (equalsIgnoreCase(f.name, "MIME-Version") ||
                               equalsIgnoreCase(f.name, "Content-Type")))
                mime = true;
        if (mime) readMimeFields(part, fields);

        if (part.hasContentType) {
            if (equalsIgnoreCase(part.type, "multipart") && !part.subtype.empty())
                part.kind = Part::Kind::Multipart;
            else if (equalsIgnoreCase(part.type, "multipart"))
                makeOpaque(part);  // "Content-Type: multipart" alone
            else if (equalsIgnoreCase(part.type, "message") &&
                     equalsIgnoreCase(part.subtype, "rfc822"))
                part.kind = Part::Kind::Message;
        } else if (inDigest) {
            part.kind = Part::Kind::Message;
            part.type = "message";
            part.subtype = "rfc822";
        }

        if (part.kind == Part::Kind::Message &&
            (depth + 1 >= kMaxNesting || partCount_ >= kMaxParts))
            makeOpaque(part);

        Stop stop;
        if (cutBy >= 0) {
            stop = cutStop;
            if (part.kind == Part::Kind::Message) {
                // The embedded message is there, but empty.
                Part& child = part.children.emplace_back();
                ++partCount_;
                child.headerOffset = child.bodyOffset = part.bodyOffset;
            }
        } else if (part.kind == Part::Kind::Message) {
            Part& child = part.children.emplace_back();
            ++partCount_;
            stop = parseEntity(child, part.bodyOffset, false, false, depth + 1);
        } else if (part.kind == Part::Kind::Multipart && endedByEmptyLine) {
            stop = parseMultipartBody(part, depth);
        } else {
            stop = scanContent(part.bodyOffset);
        }
        // A header cut by a delimiter leaves an empty body; its CRLF counts for the parent.
        std::size_t bodyEnd = cutBy >= 0 ? part.bodyOffset : stop.contentEnd;
        if (endedByEmptyLine && stop.boundary >= 0 && stop.lineStart == part.bodyOffset) {
            // A delimiter right after the empty line: RFC 2046 section 5.1.1 attaches the CRLF
            // before a delimiter to the delimiter, and here that CRLF is the empty line. So the
            // header has no empty line and the body is empty (Dovecot 2.3 agrees).
            std::size_t eol = part.headerSize >= 2 && text_[part.bodyOffset - 2] == '\r' ? 2 : 1;
            part.headerSize -= eol;
            part.bodyOffset -= eol;
            bodyEnd = part.bodyOffset;
        }
        part.bodySize = bodyEnd - part.bodyOffset;
        part.bodyLines = countLines(part.bodyOffset, bodyEnd);
        return stop;
    }

    Stop parseMultipartBody(Part& part, int depth) {
        const Parameter* boundary = nullptr;
        for (const auto& p : part.parameters)
            if (equalsIgnoreCase(p.name, "boundary")) {
                boundary = &p;
                break;
            }
        if (!boundary) return scanContent(part.bodyOffset);
        if (depth + 1 >= kMaxNesting) {
            makeOpaque(part);
            return scanContent(part.bodyOffset);
        }
        std::string_view value = boundary->value;
        boundaries_.push_back({value.substr(0, kBoundaryCompareLength)});
        int mine = static_cast<int>(boundaries_.size()) - 1;
        bool inDigest = equalsIgnoreCase(part.subtype, "digest");

        Stop s = scanContent(part.bodyOffset);  // the preamble
        while (s.boundary == mine && !s.close) {
            if (!text_.substr(0, s.next).ends_with('\n')) {
                // A delimiter cut off by the end of the text starts no part.
                boundaries_.resize(static_cast<std::size_t>(mine));
                return endOfText();
            }
            Part& child = part.children.emplace_back();
            ++partCount_;
            s = parseEntity(child, s.next, true, inDigest, depth + 1);
        }
        boundaries_.resize(static_cast<std::size_t>(mine));
        if (s.boundary == mine) s = scanContent(s.next);  // the epilogue
        return s;
    }

    std::string_view text_;
    // Line feeds before each kLineBlock-th byte, for body-fld-lines: a 50 MB message's
    // table is a few KB, where one entry per line was 7 MB (core/message/large_message.h).
    static constexpr std::size_t kLineBlock = 64 * 1024;
    std::vector<std::size_t> lineFeedsBefore_;
    std::vector<ActiveBoundary> boundaries_;
    std::size_t partCount_ = 0;
};

}  // namespace

bool Part::isText() const {
    return kind == Kind::Single && equalsIgnoreCase(type, "text");
}

std::string Part::charset() const {
    if (const Parameter* p = findParameter(parameters, "charset")) return p->decoded;
    return "us-ascii";
}

Part parseStructure(std::string_view message) {
    try {
        return StructureParser(message).parse();
    } catch (const std::bad_alloc&) {
        // Out of memory on an absurd message: report it as one opaque text part.
        Part p;
        p.bodySize = message.size();
        return p;
    }
}

}  // namespace maildex::core::mime
