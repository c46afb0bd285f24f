#include "core/search/collation.h"

#include <unicode/normalizer2.h>
#include <unicode/uchar.h>
#include <unicode/unistr.h>
#include <unicode/utf8.h>

#include <stdexcept>

#include "core/imap/ascii.h"

namespace maildex::core::search {

namespace {

const icu::Normalizer2& nfkd() {
    static const icu::Normalizer2* instance = [] {
        UErrorCode status = U_ZERO_ERROR;
        const icu::Normalizer2* n = icu::Normalizer2::getNFKDInstance(status);
        if (U_FAILURE(status) || !n) throw std::runtime_error("ICU has no NFKD data");
        return n;
    }();
    return *instance;
}

void appendUtf8(std::string& out, UChar32 c) {
    char buf[U8_MAX_LENGTH];
    int32_t len = 0;
    UBool error = false;
    U8_APPEND(reinterpret_cast<uint8_t*>(buf), len, U8_MAX_LENGTH, c, error);
    if (!error) out.append(buf, static_cast<size_t>(len));
}

bool isAscii(std::string_view s) {
    for (unsigned char c : s)
        if (c >= 0x80) return false;
    return true;
}

}  // namespace

std::string casemapKey(std::string_view utf8) {
    std::string out;
    out.reserve(utf8.size());
    if (isAscii(utf8)) {
        // ASCII has no decompositions, and its titlecase is its uppercase.
        return ascii::upper(std::string(utf8));
    }
    const auto* s = reinterpret_cast<const uint8_t*>(utf8.data());
    auto length = static_cast<int32_t>(utf8.size());
    const icu::Normalizer2& decompose = nfkd();
    bool lastInvalid = false;
    icu::UnicodeString decomposition;
    for (int32_t i = 0; i < length;) {
        UChar32 c;
        U8_NEXT(s, i, length, c);
        if (c < 0) {
            if (!lastInvalid) appendUtf8(out, 0xFFFD);
            lastInvalid = true;
            continue;
        }
        lastInvalid = false;
        // One titlecase mapping, then the full decomposition of its result (RFC 5051
        // section 2, step 2: U+01C4 → U+01C5 → "D" "z" U+030C).
        UChar32 title = u_totitle(c);
        if (!decompose.getDecomposition(title, decomposition)) {
            appendUtf8(out, title);
            continue;
        }
        for (int32_t j = 0; j < decomposition.length();) {
            UChar32 d = decomposition.char32At(j);
            appendUtf8(out, d);
            j += U16_LENGTH(d);
        }
    }
    return out;
}

}  // namespace maildex::core::search
