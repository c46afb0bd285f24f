// LIST (RFC 3501 6.3.8) with LIST-EXTENDED (RFC 5258), LIST-STATUS (RFC 5819),
// SPECIAL-USE (RFC 6154) and CHILDREN (RFC 3348); LSUB (RFC 3501 6.3.9).
//
// Names are matched in their wire form, so a client's pattern and the names it is sent
// use the same spelling (modified UTF-7, or UTF-8 after ENABLE UTF8=ACCEPT).

#include <algorithm>
#include <iterator>
#include <map>
#include <set>

#include "core/commands/folder_rights.h"
#include "core/commands/handlers.h"
#include "core/commands/list_shared.h"
#include "core/commands/mailbox_name.h"
#include "core/commands/status_items.h"
#include "core/mailbox_list.h"
#include "index/mailstore.h"

namespace maildex::core::commands {

namespace {

struct ListRequest {
    bool subscribedOnly = false;  // selection SUBSCRIBED
    bool specialUseOnly = false;  // selection SPECIAL-USE
    bool recursiveMatch = false;
    bool returnSubscribed = false;
    bool returnChildren = true;  // CHILDREN: \HasChildren / \HasNoChildren always given
    bool returnSpecialUse = true;
    bool returnMyRights = false;  // RFC 8440
    std::vector<StatusItem> status;
    std::string reference;
    std::vector<std::string> patterns;
};

struct Mailbox {
    std::string folder;        // index name ("" = INBOX)
    std::string imapName;      // wire name
    bool exists = false;       // a selectable folder
    bool placeholder = false;  // an intermediate level
    bool hasChildren = false;
    bool subscribed = false;
    std::optional<std::string> specialUse;
    bool childSubscribed = false;  // LSUB lists such a level as \Noselect
    // Another account's, through #shared (list_shared.h), with the user's rights.
    bool shared = false;
    acl::Rights sharedRights;
};

ListRequest parseList(ArgReader& args, bool extended) {
    ListRequest req;
    if (extended && args.accept(Token::Type::ListBegin)) {
        while (!args.accept(Token::Type::ListEnd)) {
            std::string opt = args.upperAtom("a selection option");
            if (opt == "SUBSCRIBED")
                req.subscribedOnly = req.returnSubscribed = true;
            else if (opt == "SPECIAL-USE")
                req.specialUseOnly = true;
            else if (opt == "RECURSIVEMATCH")
                req.recursiveMatch = true;
            else if (opt == "REMOTE")
                ;  // no remote mailboxes here
            else
                ArgReader::fail("Unknown LIST selection option " + opt);
        }
        if (req.recursiveMatch && !req.subscribedOnly)
            ArgReader::fail("RECURSIVEMATCH needs another selection option");
    }
    req.reference = args.listMailbox();
    if (args.accept(Token::Type::ListBegin)) {
        while (!args.accept(Token::Type::ListEnd))
            req.patterns.push_back(args.listMailbox());
    } else {
        req.patterns.push_back(args.listMailbox());
    }
    if (extended && args.acceptAtom("RETURN")) {
        args.expect(Token::Type::ListBegin, "a list of return options");
        while (!args.accept(Token::Type::ListEnd)) {
            std::string opt = args.upperAtom("a return option");
            if (opt == "SUBSCRIBED")
                req.returnSubscribed = true;
            else if (opt == "CHILDREN")
                req.returnChildren = true;
            else if (opt == "SPECIAL-USE")
                req.returnSpecialUse = true;
            else if (opt == "STATUS")
                req.status = parseStatusItems(args);
            else if (opt == "MYRIGHTS")
                req.returnMyRights = true;
            else
                ArgReader::fail("Unknown LIST return option " + opt);
        }
    }
    args.expectEnd();
    return req;
}

std::vector<Mailbox> collect(CommandContext& ctx) {
    auto& store = ctx.session.mailstore();
    const auto& names = ctx.session.names();
    bool utf8 = ctx.session.utf8();
    std::map<std::string, Mailbox> boxes;
    for (const auto& e : store.list()) {
        Mailbox m;
        m.folder = e.name;
        m.imapName = names.toImap(e.name, utf8);
        m.exists = e.selectable;
        m.placeholder = !e.selectable;
        m.hasChildren = e.hasChildren;
        boxes[e.name] = std::move(m);
    }
    for (const auto& s : store.subscriptions()) {
        auto it = boxes.find(s);
        if (it == boxes.end()) {
            // Subscribed but gone (Courier keeps such names; so do we).
            Mailbox m;
            m.folder = s;
            m.imapName = names.toImap(s, utf8);
            it = boxes.emplace(s, std::move(m)).first;
        }
        it->second.subscribed = true;
        for (auto p = index::parentName(s); !p.empty(); p = index::parentName(p)) {
            auto parent = boxes.find(std::string(p));
            if (parent != boxes.end()) parent->second.childSubscribed = true;
        }
    }
    // With Courier's namespace every folder lies below INBOX ("INBOX.Sent").
    std::string inboxLevel = std::string("INBOX") + names.delimiter();
    if (names.prefix().size() >= inboxLevel.size() && isInboxName(names.prefix().substr(0, 5)) &&
        boxes.size() > 1)
        boxes[""].hasChildren = true;
    for (auto& [folder, m] : boxes) {
        std::string use = store.setting("special-use:" + folder);
        if (!use.empty())
            m.specialUse = use;
        else if (m.exists)
            m.specialUse = specialUseByName(folder, ctx.session.config().trashFolder);
    }
    std::vector<Mailbox> out;
    for (auto& [_, m] : boxes)
        out.push_back(std::move(m));
    return out;
}

// The name pattern a client means: the reference, then the pattern (RFC 3501 6.3.8: a
// pattern that names the root level ignores the reference only when it starts from the
// top, which the "INBOX." prefix makes explicit).
std::string fullPattern(const std::string& reference, const std::string& pattern) {
    if (reference.empty()) return pattern;
    return reference + pattern;
}

}  // namespace

void list(CommandContext& ctx) {
    ListRequest req = parseList(ctx.args, true);
    const char delim = ctx.session.names().delimiter();
    auto& w = ctx.out();
    // LIST "" "": the hierarchy delimiter and root (RFC 3501 6.3.8).
    if (req.patterns.size() == 1 && req.patterns[0].empty()) {
        w.untagged()
            .atom("LIST")
            .open()
            .atom("\\Noselect")
            .close()
            .string(std::string(1, delim))
            .string(req.reference.empty() ? ""
                                          : req.reference.substr(0, req.reference.find(delim) + 1));
        w.end();
        return;
    }
    auto matches = [&](const std::string& imapName) {
        for (const auto& p : req.patterns)
            if (matchesListPattern(fullPattern(req.reference, p), imapName, delim)) return true;
        return false;
    };
    auto boxes = collect(ctx);
    // RFC 5258 3.5 and section 5, example 9: with RECURSIVEMATCH, a name the patterns match
    // gets CHILDINFO when a subscribed name below it is not listed itself (the patterns do
    // not match it); a name that is not subscribed is listed only then ("Servers SHOULD
    // ONLY return a non-matching mailbox name along with CHILDINFO if at least one matching
    // child is not also being returned"). Such a parent need not exist (\NonExistent).
    std::set<std::string> childInfoNames;
    if (req.recursiveMatch) {
        std::set<std::string> known;
        for (const auto& m : boxes)
            known.insert(m.imapName);
        std::vector<Mailbox> added;
        for (const auto& m : boxes) {
            if (!m.subscribed || matches(m.imapName)) continue;
            std::string_view name = m.imapName;
            for (auto cut = name.rfind(delim); cut != std::string_view::npos && cut > 0;
                 cut = name.rfind(delim)) {
                name = name.substr(0, cut);
                std::string parent(name);
                if (!matches(parent) || !childInfoNames.insert(parent).second) continue;
                if (known.count(parent)) continue;
                auto folder = ctx.session.names().toFolder(parent, ctx.session.utf8());
                if (!folder) continue;
                Mailbox gone;
                gone.folder = *folder;
                gone.imapName = parent;
                added.push_back(std::move(gone));
                known.insert(parent);
            }
        }
        if (!added.empty()) {
            boxes.insert(boxes.end(), std::make_move_iterator(added.begin()),
                         std::make_move_iterator(added.end()));
            std::sort(boxes.begin(), boxes.end(),
                      [](const Mailbox& a, const Mailbox& b) { return a.folder < b.folder; });
        }
    }
    // The shared namespace is listed when a pattern names it (as Courier: "*" stays in
    // the user's own folders, "#shared.*" lists the others').
    bool wantsShared = false;
    for (const auto& p : req.patterns)
        if (fullPattern(req.reference, p).starts_with('#')) wantsShared = true;
    if (wantsShared) {
        for (auto& l : listShared(ctx)) {
            Mailbox m;
            m.imapName = std::move(l.imapName);
            m.exists = l.selectable;
            m.placeholder = !l.selectable;
            m.hasChildren = l.hasChildren;
            m.shared = true;
            m.sharedRights = l.selectable ? l.rights : acl::kAllRights;
            boxes.push_back(std::move(m));
        }
    }
    // RFC 4314 4: a mailbox is listed only to a user with the "l" right on it (a level
    // without a directory has a list too, inherited or in courierimaphieracl/). One the
    // user may not look up but with a child they may is listed as a bare level
    // (\Noselect), as Courier lists it, so the child has a parent. A subscribed name that
    // no longer exists is the user's own record: no list.
    std::vector<acl::Rights> rights;
    index::CourierAclReader lists(ctx.session.mailstore().layout().root());
    for (const auto& m : boxes)
        rights.push_back(m.shared                    ? m.sharedRights
                         : m.exists || m.placeholder ? myRights(ctx.session, lists, m.folder)
                                                     : acl::kAllRights);
    auto visibleChild = [&](const std::string& folder) {
        for (std::size_t i = 0; i < boxes.size(); ++i)
            if (!boxes[i].shared && rights[i].has('l') &&
                index::isInside(boxes[i].folder, folder) && boxes[i].folder != folder)
                return true;
        return false;
    };
    for (std::size_t i = 0; i < boxes.size(); ++i) {
        const auto& m = boxes[i];
        if (!matches(m.imapName)) continue;
        bool hidden = !rights[i].has('l');
        if (hidden && !(m.hasChildren && !m.shared && !m.folder.empty() && visibleChild(m.folder)))
            continue;
        bool childInfo = childInfoNames.count(m.imapName) > 0;
        if (req.subscribedOnly && !m.subscribed && !childInfo) continue;
        if (!req.subscribedOnly && !m.exists && !m.placeholder) continue;  // only subscribed
        if (req.specialUseOnly && !m.specialUse) continue;

        w.untagged().atom("LIST").open();
        if (!m.exists && !m.placeholder)
            w.atom("\\NonExistent");
        else if (m.placeholder || hidden)
            w.atom("\\Noselect");
        if (req.returnChildren) w.atom(m.hasChildren ? "\\HasChildren" : "\\HasNoChildren");
        if (req.returnSubscribed && m.subscribed) w.atom("\\Subscribed");
        if (req.returnSpecialUse && m.specialUse) w.flag(*m.specialUse);
        w.close().string(std::string(1, delim)).astring(m.imapName);
        if (childInfo) w.open().string("CHILDINFO").open().string("SUBSCRIBED").close().close();
        w.end();
        // LIST-STATUS needs what STATUS needs ("r"); RFC 8440 3: MYRIGHTS for every
        // mailbox listed that exists.
        if (hidden) continue;
        if (!req.status.empty() && m.exists && rights[i].has('r'))
            writeStatus(ctx, m.imapName,
                        m.shared ? mailboxFor(ctx, m.imapName) : ownMailbox(ctx, m.folder),
                        req.status);
        if (req.returnMyRights && m.exists)
            w.untagged().atom("MYRIGHTS").astring(m.imapName).string(rights[i].shown()).end();
    }
    ctx.okText = "LIST completed";
}

void lsub(CommandContext& ctx) {
    ListRequest req = parseList(ctx.args, false);
    const char delim = ctx.session.names().delimiter();
    auto& w = ctx.out();
    if (req.patterns[0].empty()) {
        w.untagged()
            .atom("LSUB")
            .open()
            .atom("\\Noselect")
            .close()
            .string(std::string(1, delim))
            .string("");
        w.end();
        return;
    }
    std::string pattern = fullPattern(req.reference, req.patterns[0]);
    std::set<std::string> sent;
    index::CourierAclReader lists(ctx.session.mailstore().layout().root());
    for (const auto& m : collect(ctx)) {
        // Like LIST, only what the user may look up (RFC 4314 4; Courier leaves it out).
        if ((m.exists || m.placeholder) && !myRights(ctx.session, lists, m.folder).has('l'))
            continue;
        if (m.subscribed && matchesListPattern(pattern, m.imapName, delim)) {
            w.untagged().atom("LSUB").open();
            if (!m.exists) w.atom("\\Noselect");
            w.close().string(std::string(1, delim)).astring(m.imapName).end();
            sent.insert(m.imapName);
        } else if (!m.subscribed && m.childSubscribed && pattern.find('%') != std::string::npos &&
                   matchesListPattern(pattern, m.imapName, delim) && !sent.count(m.imapName)) {
            // "%" stops at a level whose child is subscribed: that level is listed as
            // \Noselect (RFC 3501 6.3.9).
            w.untagged()
                .atom("LSUB")
                .open()
                .atom("\\Noselect")
                .close()
                .string(std::string(1, delim))
                .astring(m.imapName);
            w.end();
        }
    }
    ctx.okText = "LSUB completed";
}

}  // namespace maildex::core::commands
