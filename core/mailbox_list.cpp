#include "core/mailbox_list.h"

#include <vector>

#include "core/imap/ascii.h"

namespace maildex::core {

namespace {

// Simulates the pattern as an automaton over the name: the set of pattern positions
// reachable so far. O(pattern x name) at worst, with no backtracking a hostile pattern
// could make explode.
bool match(std::string_view p, std::string_view s, char delim) {
    std::vector<char> active(p.size() + 1, 0), next(p.size() + 1, 0);
    auto close = [&](std::vector<char>& set) {
        for (size_t i = 0; i < p.size(); ++i)
            if (set[i] && (p[i] == '*' || p[i] == '%')) set[i + 1] = 1;
    };
    active[0] = 1;
    close(active);
    for (char c : s) {
        std::fill(next.begin(), next.end(), 0);
        bool any = false;
        for (size_t i = 0; i < p.size(); ++i) {
            if (!active[i]) continue;
            if (p[i] == '*' || (p[i] == '%' && c != delim)) {
                next[i] = 1;
                any = true;
            } else if (p[i] == c) {
                next[i + 1] = 1;
                any = true;
            }
        }
        if (!any) return false;
        close(next);
        active.swap(next);
    }
    return active[p.size()] != 0;
}

}  // namespace

bool matchesListPattern(std::string_view pattern, std::string_view name, char delimiter) {
    // INBOX is case-insensitive, also as the first level of a longer name.
    auto inboxPrefix = [](std::string_view s) { return ascii::istartsWith(s, "INBOX") ? 5 : 0; };
    std::string p(pattern), n(name);
    if (inboxPrefix(n) && (n.size() == 5 || n[5] == delimiter)) {
        for (int i = 0; i < 5; ++i)
            n[static_cast<size_t>(i)] = "INBOX"[i];
        if (size_t k = inboxPrefix(p);
            k && (p.size() == 5 || p[5] == delimiter || p[5] == '*' || p[5] == '%'))
            for (size_t i = 0; i < k; ++i)
                p[i] = "INBOX"[i];
    }
    return match(p, n, delimiter);
}

std::optional<std::string> specialUseByName(std::string_view folder, std::string_view trashName) {
    if (folder.find('.') != std::string_view::npos) return std::nullopt;
    struct Name {
        const char* name;
        const char* use;
    };
    static const Name kNames[] = {
        {"Sent", "\\Sent"},
        {"Sent Items", "\\Sent"},
        {"Sent Messages", "\\Sent"},
        {"Sent Mail", "\\Sent"},
        {"Gesendet", "\\Sent"},
        {"Drafts", "\\Drafts"},
        {"Draft", "\\Drafts"},
        {"Entw\xc3\xbcrfe", "\\Drafts"},
        {"Trash", "\\Trash"},
        {"Deleted Items", "\\Trash"},
        {"Deleted Messages", "\\Trash"},
        {"Papierkorb", "\\Trash"},
        {"Junk", "\\Junk"},
        {"Spam", "\\Junk"},
        {"Junk E-mail", "\\Junk"},
        {"Archive", "\\Archive"},
        {"Archives", "\\Archive"},
    };
    if (!trashName.empty() && ascii::iequals(folder, trashName)) return std::string("\\Trash");
    for (const auto& n : kNames)
        if (ascii::iequals(folder, n.name)) return std::string(n.use);
    return std::nullopt;
}

bool isSpecialUse(std::string_view a) {
    for (const char* use :
         {"\\All", "\\Archive", "\\Drafts", "\\Flagged", "\\Junk", "\\Sent", "\\Trash"})
        if (ascii::iequals(a, use)) return true;
    return false;
}

}  // namespace maildex::core
