#pragma once
// What a FETCH asks for (RFC 3501 section 6.4.5 and the fetch-att grammar of section 9),
// parsed into typed items before anything is read.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/imap/arguments.h"
#include "core/imap/response_writer.h"

namespace maildex::core::commands {

struct Section {
    std::vector<std::uint32_t> part;  // "1.2" → {1, 2}; empty for the whole message
    enum class Text { Full, Header, HeaderFields, HeaderFieldsNot, Text, Mime };
    Text text = Text::Full;
    std::vector<std::string> fields;  // for HEADER.FIELDS[.NOT]
};

struct FetchItem {
    enum class Kind {
        Uid,
        Flags,
        InternalDate,
        Rfc822Size,
        Envelope,
        BodyStructure,
        Body,  // BODY without a section: BODYSTRUCTURE without extension data
        Section,
        Rfc822,
        Rfc822Header,
        Rfc822Text,
        ModSeq,  // RFC 7162 3.1.4
    };
    Kind kind;
    Section section;
    bool peek = false;
    std::optional<std::uint32_t> partialOrigin;
    std::uint32_t partialLength = 0;
};

struct FetchRequest {
    std::vector<FetchItem> items;
    // Modifiers (RFC 7162 3.1.4.1, 3.2.6): only messages changed after this modseq, and
    // VANISHED (EARLIER) for the UIDs expunged after it.
    std::optional<std::uint64_t> changedSince;
    bool vanished = false;
    // Whether any item sets \Seen (BODY[...] without PEEK, RFC822, RFC822.TEXT).
    bool setsSeen() const;
    bool wants(FetchItem::Kind kind) const;
};

// Parses the fetch attributes after the sequence set, and the modifiers after them.
FetchRequest parseFetchItems(ArgReader& args);

// Writes a Section item's name as the FETCH response gives it back, e.g.
// BODY[1.2.HEADER.FIELDS (DATE FROM)]<0>, through the writer: header field names are
// astrings (RFC 3501 section 9, header-fld-name), so one that is no atom goes quoted.
void writeSectionName(ResponseWriter& w, const FetchItem& item);

}  // namespace maildex::core::commands
