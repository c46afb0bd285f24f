// FETCH and UID FETCH (RFC 3501 6.4.5, 6.4.8).
//
// Flags come from memory; dates and sizes from the index (computed once per message);
// content from the file, read once per message however many sections are asked for.
// A message that vanished while the session still numbers it gets no FETCH response and
// the command ends NO [EXPUNGEISSUED] (RFC 5530), after the others were sent.

#include <algorithm>

#include "core/commands/fetch_items.h"
#include "core/commands/handlers.h"
#include "core/commands/message_set.h"
#include "core/flags_format.h"
#include "core/imap/dates.h"
#include "core/message/header.h"
#include "core/message/message_source.h"
#include "index/error.h"
#include "index/mailbox_view.h"

namespace maildex::core::commands {

namespace {

using Kind = FetchItem::Kind;

bool needsContentFor(const FetchItem& i) {
    return i.kind == Kind::Section || i.kind == Kind::Rfc822 || i.kind == Kind::Rfc822Header ||
           i.kind == Kind::Rfc822Text || i.kind == Kind::Envelope || i.kind == Kind::Body ||
           i.kind == Kind::BodyStructure;
}

bool needsFile(const FetchItem& i) {
    return i.kind == Kind::InternalDate || i.kind == Kind::Rfc822Size || needsContentFor(i);
}

std::string headerSubset(std::string_view header, const std::vector<std::string>& names,
                         bool keep) {
    std::string out;
    for (const auto& f : splitHeader(header)) {
        bool listed = std::any_of(names.begin(), names.end(),
                                  [&](const std::string& n) { return fieldNameEquals(f.name, n); });
        if (listed == keep) out += f.raw;
    }
    out += "\r\n";
    return out;
}

// The bytes of a section of the whole message (sections of body parts need the MIME
// structure; see core/message).
std::string sectionOf(const std::string& msg, const Section& s) {
    if (!s.part.empty()) throw CommandError("Body part sections are not supported yet", "", true);
    size_t hlen = headerLength(msg);
    switch (s.text) {
        case Section::Text::Full:
            return msg;
        case Section::Text::Header:
            return msg.substr(0, hlen);
        case Section::Text::Text:
            return msg.substr(hlen);
        case Section::Text::HeaderFields:
            return headerSubset(std::string_view(msg).substr(0, hlen), s.fields, true);
        case Section::Text::HeaderFieldsNot:
            return headerSubset(std::string_view(msg).substr(0, hlen), s.fields, false);
        case Section::Text::Mime:
            break;
    }
    throw CommandError("Invalid section", "", true);
}

void writeSection(ResponseWriter& w, const FetchItem& item, const std::string& data) {
    std::string name = "BODY[" + item.section.toString() + "]";
    if (item.partialOrigin) {
        name += "<" + std::to_string(*item.partialOrigin) + ">";
        size_t origin = std::min<size_t>(*item.partialOrigin, data.size());
        w.atom(name).literal(std::string_view(data).substr(origin, item.partialLength));
        return;
    }
    w.atom(name).literal(data);
}

}  // namespace

namespace {

// One FETCH in progress: the messages still to answer. It stops when the session's output
// budget is reached and goes on when resumed, so FETCH 1:* BODY[] of a large mailbox is
// sent in pieces as the client reads, never held in memory whole.
struct FetchRun {
    Session& session;
    index::MailboxView& view;
    FetchRequest req;
    bool uid;
    std::vector<index::MessageMeta> metas;
    std::vector<std::uint32_t> seenNow;
    bool wantsFile = false, wantsContent = false, expungeIssued = false;
    size_t next = 0;

    // True when every message was answered.
    bool step() {
        while (next < metas.size()) {
            if (session.outputFull()) return false;
            answer(metas[next++]);
        }
        if (expungeIssued)
            throw CommandError("Some messages were expunged meanwhile", "EXPUNGEISSUED");
        return true;
    }

    void answer(const index::MessageMeta& m) {
        auto& folder = view.folder();
        if (m.expunged) {
            expungeIssued = true;
            return;
        }
        index::MessageFile file;
        std::string content;
        if (wantsFile) {
            try {
                file = folder.file(m.uid);
                if (wantsContent) content = loadMessageCrlf(file.path);
            } catch (const index::Error& e) {
                if (e.kind() != index::ErrorKind::NotFound) throw;
                expungeIssued = true;
                return;
            }
        }
        auto seq = view.seqOf(m.uid);
        auto& w = session.writer();
        w.untagged().number(*seq).atom("FETCH").open();
        bool flagsSent = false;
        if (uid && !req.wants(Kind::Uid)) w.atom("UID").number(m.uid);
        for (const auto& item : req.items) {
            switch (item.kind) {
                case Kind::Uid:
                    w.atom("UID").number(m.uid);
                    break;
                case Kind::Flags:
                    w.atom("FLAGS");
                    writeFlagList(w, m, view.isRecent(m.uid), folder);
                    flagsSent = true;
                    break;
                case Kind::InternalDate:
                    w.atom("INTERNALDATE").string(formatDateTime(file.internalDate));
                    break;
                case Kind::Rfc822Size:
                    w.atom("RFC822.SIZE").number(file.vsize);
                    break;
                case Kind::Rfc822:
                    w.atom("RFC822").literal(content);
                    break;
                case Kind::Rfc822Header:
                    w.atom("RFC822.HEADER")
                        .literal(std::string_view(content).substr(0, headerLength(content)));
                    break;
                case Kind::Rfc822Text:
                    w.atom("RFC822.TEXT")
                        .literal(std::string_view(content).substr(headerLength(content)));
                    break;
                case Kind::Section:
                    writeSection(w, item, sectionOf(content, item.section));
                    break;
                case Kind::Envelope:
                case Kind::Body:
                case Kind::BodyStructure:
                    break;  // refused before the run started
            }
        }
        if (!flagsSent && std::binary_search(seenNow.begin(), seenNow.end(), m.uid)) {
            w.atom("FLAGS");
            writeFlagList(w, m, view.isRecent(m.uid), folder);
        }
        w.close().end();
    }
};

}  // namespace

void fetch(CommandContext& ctx) {
    auto& sel = std::get<Selected>(ctx.session.state());
    auto& view = *sel.view;
    SequenceSet set = ctx.args.sequenceSet();
    FetchRequest req = parseFetchItems(ctx.args);
    ctx.args.expectEnd();
    for (const auto& i : req.items)
        if (i.kind == Kind::Envelope || i.kind == Kind::Body || i.kind == Kind::BodyStructure)
            throw CommandError("ENVELOPE and BODYSTRUCTURE are not supported yet", "", true);
    auto uids = resolveMessageSet(view, set, ctx.uid);

    auto run =
        std::make_shared<FetchRun>(FetchRun{ctx.session, view, std::move(req), ctx.uid, {}, {}});
    // Reading a body sets \Seen (RFC 3501 6.4.5); the FETCH then includes the new FLAGS.
    if (run->req.setsSeen() && !sel.readOnly) {
        std::vector<std::uint32_t> unseen;
        for (const auto& m : view.meta(uids))
            if (!m.expunged && !(m.flags & index::flag::Seen)) unseen.push_back(m.uid);
        if (!unseen.empty()) {
            index::FlagChange change;
            change.mode = index::StoreMode::Add;
            change.flags = index::flag::Seen;
            auto result = view.folder().store(unseen, change);
            view.suppressOwnChange(result.modseq);
            run->seenNow = std::move(result.changed);
        }
    }
    run->wantsFile = std::any_of(run->req.items.begin(), run->req.items.end(), needsFile);
    run->wantsContent = std::any_of(run->req.items.begin(), run->req.items.end(), needsContentFor);
    run->metas = view.meta(uids);
    if (!run->step()) ctx.resume = [run] { return run->step(); };
}

}  // namespace maildex::core::commands
