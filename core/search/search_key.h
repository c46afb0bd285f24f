#pragma once
// A SEARCH program (RFC 3501 6.4.4, RFC 5032 WITHIN, RFC 4731 ESEARCH) as a tree of typed
// keys, so evaluation never looks at protocol text again.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/imap/sequence_set.h"

namespace maildex::core::search {

struct Key {
    enum class Kind {
        All,
        And,  // children
        Or,   // children[0], children[1]
        Not,  // children[0]
        SequenceSet,
        UidSet,
        // Flags (RFC 3501 system flags, \Recent, keywords)
        Answered,
        Deleted,
        Draft,
        Flagged,
        Seen,
        Recent,
        New,
        Old,
        Unanswered,
        Undeleted,
        Undraft,
        Unflagged,
        Unseen,
        Keyword,
        Unkeyword,  // text
        // Internal date and size
        Before,
        On,
        Since,  // date (days)
        Older,
        Younger,  // seconds (WITHIN)
        Larger,
        Smaller,  // number
        // Header date
        SentBefore,
        SentOn,
        SentSince,
        // Text
        Header,  // field + text
        Bcc,
        Cc,
        From,
        Subject,
        To,  // text
        Body,
        Text,
        ModSeq,  // number: messages with a mod-sequence at least this (RFC 7162 3.1.5)
    };
    Kind kind = Kind::All;
    std::vector<Key> children;
    std::string field;        // Header's field name
    std::string text;         // UTF-8
    std::int64_t number = 0;  // date (Unix time of the day, UTC), seconds, or size
    std::optional<SequenceSet> set;
};

// What SEARCH RETURN (...) asks for (RFC 4731); empty: a plain SEARCH response.
struct ReturnOptions {
    bool esearch = false;
    bool min = false, max = false, all = false, count = false;
};

struct Program {
    ReturnOptions ret;
    std::string charset = "UTF-8";
    Key root;  // an And of the top-level keys
};

// Whether evaluating `key` needs these things about a message.
bool needsFileInfo(const Key& key);  // INTERNALDATE or size
bool needsHeader(const Key& key);    // header fields (also SENT*)
bool needsBody(const Key& key);      // BODY / TEXT

}  // namespace maildex::core::search
