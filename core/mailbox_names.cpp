#include "core/mailbox_names.h"

#include "core/imap/ascii.h"
#include "core/imap/mutf7.h"

namespace maildex::core {

bool isInboxName(std::string_view name) {
    return ascii::iequals(name, "INBOX");
}

std::optional<std::string> MailboxNames::toFolder(std::string_view imapName, bool utf8) const {
    if (isInboxName(imapName)) return std::string();
    std::string_view rest = imapName;
    if (!prefix_.empty()) {
        // "INBOX." in any case: the INBOX part of the prefix is case-insensitive.
        if (!ascii::istartsWith(rest, prefix_)) return std::nullopt;
        rest.remove_prefix(prefix_.size());
    }
    if (rest.empty()) return std::nullopt;
    std::string name;
    if (mutf7Folders_) {
        // The directory is the modified-UTF-7 spelling, in its one canonical form.
        std::string utf8Name;
        if (utf8) {
            utf8Name = std::string(rest);
        } else {
            auto decoded = decodeMutf7(rest);
            if (!decoded) return std::nullopt;
            utf8Name = std::move(*decoded);
        }
        name = encodeMutf7(utf8Name);
        if (decodeMutf7(name) != utf8Name) return std::nullopt;  // not valid UTF-8
    } else if (utf8) {
        name = std::string(rest);
    } else {
        auto decoded = decodeMutf7(rest);
        if (!decoded) return std::nullopt;
        name = std::move(*decoded);
    }
    if (delimiter_ != '.') {
        // The index always separates levels with '.'; another delimiter maps onto it, and
        // a '.' inside a level cannot be stored.
        for (char& c : name) {
            if (c == '.') return std::nullopt;
            if (c == delimiter_) c = '.';
        }
    }
    return name;
}

std::string MailboxNames::toImap(std::string_view folder, bool utf8) const {
    if (folder.empty()) return "INBOX";
    std::string name;
    if (mutf7Folders_) {
        auto decoded = decodeMutf7(folder);
        if (!decoded)
            name = utf8 ? std::string(folder) : encodeMutf7(folder);
        else
            name = utf8 ? std::move(*decoded) : std::string(folder);
    } else {
        name = utf8 ? std::string(folder) : encodeMutf7(folder);
    }
    if (delimiter_ != '.')
        for (char& c : name)
            if (c == '.') c = delimiter_;
    return prefix_ + name;
}

}  // namespace maildex::core
