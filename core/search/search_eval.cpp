#include "core/search/search_eval.h"

#include <algorithm>
#include <optional>

#include "core/imap/ascii.h"
#include "core/imap/dates.h"
#include "core/message/date_header.h"
#include "core/message/message_source.h"
#include "core/mime/address.h"
#include "core/mime/header_fields.h"
#include "core/search/text_match.h"
#include "index/error.h"

namespace maildex::core::search {

namespace {

using K = Key::Kind;

int cost(const Key& k) {
    if (needsBody(k)) return 3;
    if (needsHeader(k)) return 2;
    if (needsFileInfo(k)) return 1;
    return 0;
}

// One message while it is being evaluated: what has been loaded so far.
class Candidate {
  public:
    // `knownPath`: where the index last saw the file, when the caller fetched that for many
    // messages at once; the file is looked for only if it is no longer there.
    Candidate(index::MailboxView& view, const index::MessageMeta& meta, std::uint32_t seq,
              const std::filesystem::path* knownPath = nullptr)
        : view_(view), meta_(meta), seq_(seq), knownPath_(knownPath) {}

    const index::MessageMeta& meta() const { return meta_; }
    std::uint32_t seq() const { return seq_; }
    bool recent() { return view_.isRecent(meta_.uid); }

    // False when the message is gone (it then matches nothing that needs its file).
    const index::MessageFile* file() {
        if (!fileLoaded_) {
            fileLoaded_ = true;
            try {
                file_ = view_.folder().file(meta_.uid);
            } catch (const index::Error&) {
                file_.reset();
            }
        }
        return file_ ? &*file_ : nullptr;
    }
    const std::string* content() {
        if (contentLoaded_) return content_ ? &*content_ : nullptr;
        if (knownPath_) {
            try {
                content_ = loadMessageCrlf(*knownPath_);
                contentLoaded_ = true;
                return &*content_;
            } catch (const index::Error&) {
                // renamed by another program since, or expunged: file() finds out which
            }
        }
        contentLoaded_ = true;
        if (file()) {
            try {
                content_ = loadMessageCrlf(file_->path);
            } catch (const index::Error&) {
                content_.reset();
            }
        }
        return content_ ? &*content_ : nullptr;
    }
    const std::vector<mime::HeaderField>* header() {
        if (!headerLoaded_ && content()) {
            headerLoaded_ = true;
            // The top-level header: up to the first empty line (no need to parse the
            // MIME structure for it).
            header_ = mime::splitHeaderFields(
                std::string_view(*content_).substr(0, headerLength(*content_)));
        }
        return headerLoaded_ ? &header_ : nullptr;
    }

  private:
    index::MailboxView& view_;
    const index::MessageMeta& meta_;
    std::uint32_t seq_;
    const std::filesystem::path* knownPath_;
    bool fileLoaded_ = false, contentLoaded_ = false, headerLoaded_ = false;
    std::optional<index::MessageFile> file_;
    std::optional<std::string> content_;
    std::vector<mime::HeaderField> header_;
};

struct Context {
    index::MailboxView& view;
    std::int64_t now;
    std::uint32_t exists;
    std::uint32_t maxUid;
};

bool headerContains(Candidate& c, std::string_view field, const std::string& needle) {
    const auto* fields = c.header();
    if (!fields) return false;
    for (const auto& f : *fields) {
        if (!f.hasColon || !mime::sameFieldName(f.name, field)) continue;
        // HEADER field "" matches every message that has the field (RFC 3501 6.4.4).
        if (needle.empty() || containsIgnoringCase(decodeHeaderForSearch(f.value()), needle))
            return true;
    }
    return false;
}

// An address header's addresses as text to search in, the way Dovecot normalizes them
// before matching: each "name <mailbox@host>" (or "mailbox@host"), the name decoded,
// comments and folding gone, groups as "name: ...;". Placeholders the parser puts in for
// a missing mailbox or host (core/mime/address.h) are left out: they are not in the
// message.
std::string searchableAddresses(const std::string& value) {
    auto real = [](const std::optional<std::string>& part, std::string_view placeholder) {
        return part && *part != placeholder && *part != "SYNTAX_ERROR";
    };
    std::string out;
    bool separate = false;
    for (const auto& a : mime::parseAddressList(value)) {
        if (a.isGroupEnd()) {
            out += ';';
            separate = true;
            continue;
        }
        if (separate) out += ", ";
        separate = !a.isGroupStart();
        if (a.isGroupStart()) {
            out += decodeHeaderForSearch(*a.mailbox) + ": ";
            continue;
        }
        std::string spec;
        if (real(a.mailbox, "MISSING_MAILBOX")) spec = *a.mailbox;
        if (real(a.host, "MISSING_DOMAIN")) spec += "@" + *a.host;
        if (a.name) {
            out += decodeHeaderForSearch(*a.name);
            if (!spec.empty()) out += " <" + spec + ">";
        } else {
            out += spec;
        }
    }
    return out;
}

// FROM, TO, CC, BCC: RFC 3501 6.4.4 matches "the envelope structure's" field, so the
// addresses as parsed count as well as the header's text: "user@domain.org" finds
// "<user (comment)@ (comment) domain.org>", whose text does not contain it. The text
// still counts too ("comment" finds it; Dovecot matches the parsed form only).
bool addressHeaderContains(Candidate& c, std::string_view field, const std::string& needle) {
    const auto* fields = c.header();
    if (!fields) return false;
    for (const auto& f : *fields) {
        if (!f.hasColon || !mime::sameFieldName(f.name, field)) continue;
        if (needle.empty()) return true;
        std::string value = f.value();
        if (containsIgnoringCase(decodeHeaderForSearch(value), needle) ||
            containsIgnoringCase(searchableAddresses(value), needle))
            return true;
    }
    return false;
}

std::optional<HeaderDate> sentDate(Candidate& c) {
    const auto* fields = c.header();
    if (!fields) return std::nullopt;
    for (const auto& f : *fields)
        if (f.hasColon && mime::sameFieldName(f.name, "Date")) return parseHeaderDate(f.value());
    return std::nullopt;
}

bool hasKeyword(const index::MailboxView& view, const index::MessageMeta& m,
                const std::string& name) {
    if (m.keywords == 0) return false;
    for (const auto& k : view.folder().keywordNames(m.keywords))
        if (ascii::iequals(k, name)) return true;
    return false;
}

bool eval(const Key& k, Candidate& c, const Context& ctx) {
    const auto& m = c.meta();
    auto flag = [&](index::SystemFlags f) { return (m.flags & f) != 0; };
    switch (k.kind) {
        case K::All:
            return true;
        case K::And:
            for (const auto& child : k.children)
                if (!eval(child, c, ctx)) return false;
            return true;
        case K::Or:
            return eval(k.children[0], c, ctx) || eval(k.children[1], c, ctx);
        case K::Not:
            return !eval(k.children[0], c, ctx);
        case K::SequenceSet:
            return k.set->contains(c.seq(), ctx.exists);
        case K::UidSet:
            return k.set->contains(m.uid, ctx.maxUid);
        case K::Answered:
            return flag(index::flag::Answered);
        case K::Deleted:
            return flag(index::flag::Deleted);
        case K::Draft:
            return flag(index::flag::Draft);
        case K::Flagged:
            return flag(index::flag::Flagged);
        case K::Seen:
            return flag(index::flag::Seen);
        case K::Unanswered:
            return !flag(index::flag::Answered);
        case K::Undeleted:
            return !flag(index::flag::Deleted);
        case K::Undraft:
            return !flag(index::flag::Draft);
        case K::Unflagged:
            return !flag(index::flag::Flagged);
        case K::Unseen:
            return !flag(index::flag::Seen);
        case K::Recent:
            return c.recent();
        case K::Old:
            return !c.recent();
        case K::New:
            return c.recent() && !flag(index::flag::Seen);
        case K::ModSeq:
            return m.modseq >= static_cast<std::uint64_t>(k.number);
        case K::Keyword:
            return hasKeyword(ctx.view, m, k.text);
        case K::Unkeyword:
            return !hasKeyword(ctx.view, m, k.text);
        case K::Before:
        case K::On:
        case K::Since: {
            const auto* f = c.file();
            if (!f) return false;
            std::int64_t day = dayOf(f->internalDate, localOffset(f->internalDate));
            return k.kind == K::Before ? day < k.number
                   : k.kind == K::On   ? day == k.number
                                       : day >= k.number;
        }
        case K::Older:
        case K::Younger: {
            const auto* f = c.file();
            if (!f) return false;
            std::int64_t age = ctx.now - f->internalDate;
            return k.kind == K::Older ? age >= k.number : age <= k.number;
        }
        case K::Larger:
        case K::Smaller: {
            const auto* f = c.file();
            if (!f) return false;
            auto size = static_cast<std::int64_t>(f->vsize);
            return k.kind == K::Larger ? size > k.number : size < k.number;
        }
        case K::SentBefore:
        case K::SentOn:
        case K::SentSince: {
            auto d = sentDate(c);
            if (!d) return false;
            std::int64_t day = dayOf(d->unixTime, d->offsetSeconds);
            return k.kind == K::SentBefore ? day < k.number
                   : k.kind == K::SentOn   ? day == k.number
                                           : day >= k.number;
        }
        case K::Header:
            return headerContains(c, k.field, k.text);
        case K::Bcc:
            return addressHeaderContains(c, "Bcc", k.text);
        case K::Cc:
            return addressHeaderContains(c, "Cc", k.text);
        case K::From:
            return addressHeaderContains(c, "From", k.text);
        case K::Subject:
            return headerContains(c, "Subject", k.text);
        case K::To:
            return addressHeaderContains(c, "To", k.text);
        case K::Body:
        case K::Text: {
            const auto* content = c.content();
            if (!content) return false;
            return messageContains(*content, k.text, k.kind == K::Text);
        }
    }
    return false;
}

}  // namespace

bool usesModseq(const Key& key) {
    if (key.kind == K::ModSeq) return true;
    return std::any_of(key.children.begin(), key.children.end(),
                       [](const Key& c) { return usesModseq(c); });
}

void orderByCost(Key& key) {
    for (auto& c : key.children)
        orderByCost(c);
    if (key.kind == K::And)
        std::stable_sort(key.children.begin(), key.children.end(),
                         [](const Key& a, const Key& b) { return cost(a) < cost(b); });
}

std::vector<Match> evaluate(const Program& program, index::MailboxView& view, std::int64_t now) {
    Key root = program.root;
    orderByCost(root);
    Context ctx{view, now, view.exists(), view.uids().empty() ? 0 : view.uids().back()};
    std::vector<Match> out;
    auto metas = view.meta(view.uids());
    // Reading many messages' content: their paths from one query rather than one each.
    std::vector<std::optional<std::filesystem::path>> paths;
    if (cost(root) >= 2) paths = view.folder().lastKnownPaths(view.uids());
    for (std::uint32_t i = 0; i < metas.size(); ++i) {
        if (metas[i].expunged) continue;  // gone: matches nothing (RFC 2180 4.1.3)
        const std::filesystem::path* known = i < paths.size() && paths[i] ? &*paths[i] : nullptr;
        Candidate c(view, metas[i], i + 1, known);
        if (eval(root, c, ctx)) out.push_back({i + 1, metas[i].uid, metas[i].modseq});
    }
    return out;
}

}  // namespace maildex::core::search
