#pragma once
// THREAD (RFC 5256 section 3): the ORDEREDSUBJECT and REFERENCES algorithms, and the
// response's nested lists.
//
// The algorithms work on what they need of each message and know nothing of files or
// sessions; a thread tree is a flat array of nodes, because a thread can be as deep as a
// folder is large (a 100,000-message chain of replies), deeper than recursion may go.

#include <cstdint>
#include <string>
#include <vector>

#include "core/imap/response_writer.h"

namespace maildex::core::search {

struct ThreadMessage {
    std::uint32_t number = 0;   // what the response shows: sequence number or UID
    std::int64_t sentDate = 0;  // RFC 5256 section 2.2 (INTERNALDATE when there is no Date)
    std::string subject;        // the base subject (base_subject.h)
    bool replyOrForward = false;
    std::string messageId;  // normalized (message_keys.h); empty when the message has none
    std::vector<std::string> references;  // References, or the first id of In-Reply-To
};

struct ThreadTree {
    struct Node {
        std::uint32_t number = 0;             // 0: a dummy (a message referred to but not searched)
        std::vector<std::uint32_t> children;  // indexes into nodes
    };
    std::vector<Node> nodes;
    std::vector<std::uint32_t> roots;  // the threads, in response order
};

// `messages` are the searched messages in sequence order; equal sent dates are ordered by
// it ("the order in which the two messages appear in the mailbox", section 2.2).
ThreadTree threadOrderedSubject(const std::vector<ThreadMessage>& messages);
ThreadTree threadReferences(const std::vector<ThreadMessage>& messages);

// The thread-lists of the THREAD response (section 4), e.g. "(2)(3 6 (4 23)(44 7 96))":
// a message followed by its only child continues the list; several children are nested
// lists; a dummy is a list of its children's lists.
void writeThreads(ResponseWriter& w, const ThreadTree& tree);

}  // namespace maildex::core::search
