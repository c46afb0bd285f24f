// ACL2=UNION over Courier's identifiers; see access.h.

#include "core/acl/access.h"

#include <algorithm>

namespace maildex::core::acl {

namespace {
constexpr std::string_view kUser = "user=";
constexpr std::string_view kGroup = "group=";

// Identifiers that stand for themselves; any other bare word is a login name.
bool isSpecial(std::string_view id) {
    return id == "owner" || id == "anyone" || id == "anonymous" || id == "authuser" ||
           id == "administrators" || id.starts_with(kUser) || id.starts_with(kGroup);
}
}  // namespace

bool Accessor::inGroup(std::string_view group) const {
    return std::find(groups.begin(), groups.end(), group) != groups.end();
}

bool names(std::string_view id, const Accessor& who) {
    // As Courier's maildir_acl_computerights: "anonymous" names everyone as "anyone"
    // does, and "authuser" nobody (its list of the session's identifiers lacks it), so
    // that both servers grant the same rights from the same file.
    if (id == "anyone" || id == "anonymous") return true;
    if (id == "authuser") return false;
    if (id == "owner") return who.owner;
    if (id == "administrators") return who.administrator();
    if (id.starts_with(kUser)) return id.substr(kUser.size()) == who.user;
    if (id.starts_with(kGroup)) return who.inGroup(id.substr(kGroup.size()));
    return false;
}

Rights rightsOf(const index::CourierAcl& list, const Accessor& who) {
    Rights granted, denied;
    for (const auto& e : list.entries) {
        std::string_view id = e.identifier;
        bool negative = e.negative();
        if (negative) id.remove_prefix(1);
        if (!names(id, who)) continue;
        (negative ? denied : granted) |= Rights::of(e.rights);
    }
    // Administrators hold every right through the entry readCourierAcl forces into each
    // list (so negative entries for "anyone" still count against them, as in Courier);
    // the owner's "a" is added after the negative entries.
    Rights r = granted - denied;
    if (who.owner) r |= Rights::of("a");
    return r;
}

namespace {
// The rights the entries of these identifiers grant, minus their negative entries.
Rights rightsOfIdentifiers(const index::CourierAcl& list,
                           std::initializer_list<std::string_view> ids) {
    Rights granted, denied;
    for (const auto& e : list.entries) {
        std::string_view id = e.identifier;
        bool negative = e.negative();
        if (negative) id.remove_prefix(1);
        if (std::find(ids.begin(), ids.end(), id) == ids.end()) continue;
        (negative ? denied : granted) |= Rights::of(e.rights);
    }
    return granted - denied;
}
}  // namespace

bool ownerAndAdministratorsKeepTheirRights(const index::CourierAcl& list,
                                           std::string_view ownerLogin) {
    const Rights la = Rights::of("la");
    std::string ownerUser = std::string(kUser) + std::string(ownerLogin);
    return rightsOfIdentifiers(list, {"owner", "anyone", "anonymous"}).hasAll(la) &&
           rightsOfIdentifiers(list, {"owner", "anyone", "anonymous", ownerUser}).hasAll(la) &&
           rightsOfIdentifiers(list,
                               {"administrators", "group=administrators", "anyone", "anonymous"})
               .hasAll(kAllRights);
}

void giveOwnerLookupAndAdminister(index::CourierAcl& list, std::string_view ownerLogin) {
    if (ownerAndAdministratorsKeepTheirRights(list, ownerLogin)) return;
    const auto* owner = list.find("owner");
    list.set("owner", (Rights::of(owner ? owner->rights : "") | Rights::of("al")).stored());
}

std::string shownIdentifier(std::string_view stored) {
    std::string out;
    if (stored.starts_with('-')) {
        out = "-";
        stored.remove_prefix(1);
    }
    if (stored.starts_with(kUser)) stored.remove_prefix(kUser.size());
    out += stored;
    return out;
}

std::string storedIdentifier(std::string_view client) {
    std::string out;
    if (client.starts_with('-')) {
        out = "-";
        client.remove_prefix(1);
    }
    if (client.empty()) return {};
    for (unsigned char c : client)
        if (c <= 0x20 || c == 0x7f) return {};
    if (!isSpecial(client)) out += kUser;
    out += client;
    return out;
}

}  // namespace maildex::core::acl
