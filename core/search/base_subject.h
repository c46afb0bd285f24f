#pragma once
// The base subject (RFC 5256 section 2.1): what SORT SUBJECT compares and THREAD groups
// by, with the "Re:", "Fwd:", "[list]" and "(fwd)" decorations mailers add taken off.

#include <string>
#include <string_view>

namespace maildex::core::search {

struct BaseSubject {
    // In i;unicode-casemap form (collation.h): compare as bytes.
    std::string text;
    // The extraction removed a subj-refwd, a "(fwd)" subj-trailer or a subj-fwd-hdr and
    // subj-fwd-trl: the message is a reply or forward (RFC 5256 section 3, REFERENCES).
    bool replyOrForward = false;
};

// `subject` is the Subject field's value as in the message: encoded-words are decoded
// here (step 1).
BaseSubject baseSubject(std::string_view subject);

// Steps 1 (whitespace only) to 7 on text already decoded and in i;unicode-casemap form.
BaseSubject extractBaseSubject(std::string_view casemapped);

}  // namespace maildex::core::search
