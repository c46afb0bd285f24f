// Fuzz target: the files and small grammars Maildex reads but did not write - Courier's
// and Dovecot's metadata files (a migration meets damaged ones), Maildir file names (any
// program may drop a file into cur/), folder names in modified UTF-7, dates, sequence
// sets. Whatever the bytes: no crash, and where Maildex writes the format back, what it
// writes reads back the same.
//
// The first byte picks the reader (modulo their number); the rest is the file's text.

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "core/imap/dates.h"
#include "core/imap/mutf7.h"
#include "core/imap/sequence_set.h"
#include "core/message/date_header.h"
#include "core/mime/address.h"
#include "index/courier_acl.h"
#include "index/courier_keywords.h"
#include "index/courier_quota.h"
#include "index/courier_subscriptions.h"
#include "index/courier_uiddb.h"
#include "index/dovecot_keywords.h"
#include "index/dovecot_subscriptions.h"
#include "index/dovecot_uidlist.h"
#include "index/maildir_name.h"
#include "index/maildir_settings.h"
#include "tests/fuzz/finding.h"

namespace core = maildex::core;
namespace index = maildex::index;

namespace {

[[noreturn]] void fail(const std::string& what, std::string_view shown) {
    maildex::test::finding("metadata_fuzz", what, shown);
}

void maildirName(std::string_view text) {
    // Once normalized (flag letters in ASCII order), a name stays as it is.
    auto name = index::MaildirName::parse(text);
    std::string once = name.filename();
    std::string twice = index::MaildirName::parse(once).filename();
    if (once != twice)
        fail("a file name changes when parsed again: " + once + " -> " + twice, text);
    for (index::SystemFlags flags : {index::SystemFlags{0}, index::SystemFlags{0x1f}}) {
        auto renamed = index::MaildirName::parse(name.withFlags(flags));
        if (renamed.base() != name.base()) fail("changing the flags changed the base name", text);
    }
    (void)index::deliveryOrderKey(text);
    (void)index::sizeField(name.base(), 'S');
    (void)index::baseNameKey(name.base());
}

void folderName(std::string_view text) {
    if (auto decoded = core::decodeMutf7(text)) {
        std::string encoded = core::encodeMutf7(*decoded);
        auto again = core::decodeMutf7(encoded);
        if (!again || *again != *decoded)
            fail("a modified UTF-7 name does not survive encoding: " + encoded, text);
    }
    (void)core::encodeMutf7(text);
}

void sequenceSet(std::string_view text) {
    auto set = core::SequenceSet::parse(text);
    if (!set) return;
    auto again = core::SequenceSet::parse(set->toString());
    if (!again || again->toString() != set->toString())
        fail("a sequence set's text form does not parse back: " + set->toString(), text);
    std::vector<std::uint32_t> numbers;
    (void)set->resolveSequence(1000, numbers);
    (void)set->resolveUids({1, 2, 3, 10, 1000, 4000000000u});
}

void dates(std::string_view text) {
    if (auto t = core::parseDateTime(text)) {
        auto back = core::parseDateTime(core::formatDateTime(*t));
        if (!back || *back != *t) fail("an INTERNALDATE does not survive formatting", text);
    }
    (void)core::parseDate(text);
    (void)core::parseHeaderDate(text);
    (void)core::mime::parseAddressList(text);
}

void quota(std::string_view text) {
    auto quota = index::parseMaildirQuota(text);
    if (index::parseMaildirQuota(index::formatMaildirQuota(quota)) != quota)
        fail("a quota definition does not survive formatting: " + index::formatMaildirQuota(quota),
             text);
    (void)index::parseMaildirSize(text);
}

void settings(std::string_view text) {
    auto settings = index::parseMaildirSettings(text);
    if (index::parseMaildirSettings(index::formatMaildirSettings(settings)) != settings)
        fail("maildexsettings does not survive formatting", text);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
    std::vector<std::string> warnings;
    switch (data[0] % 14) {
        case 0:
            (void)index::parseCourierUidDb(text, &warnings);
            break;
        case 1:
            (void)index::parseCourierKeywordList(text, &warnings);
            break;
        case 2:
            (void)index::parseCourierKeywordUpdate(text, &warnings);
            break;
        case 3:
            (void)index::parseDovecotUidList(text, &warnings);
            break;
        case 4:
            (void)index::parseDovecotKeywords(text, &warnings);
            break;
        case 5:
            (void)index::parseCourierAcl(text, &warnings);
            break;
        case 6:
            quota(text);
            break;
        case 7:
            (void)index::parseCourierSubscriptions(text, &warnings);
            break;
        case 8:
            (void)index::parseDovecotSubscriptions(text, '.', &warnings);
            (void)index::parseDovecotSubscriptions(text, '/', &warnings);
            break;
        case 9:
            settings(text);
            break;
        case 10:
            maildirName(text);
            break;
        case 11:
            folderName(text);
            break;
        case 12:
            sequenceSet(text);
            break;
        case 13:
            dates(text);
            break;
    }
    return 0;
}
