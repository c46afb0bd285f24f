// FETCH and UID FETCH (RFC 3501 6.4.5, 6.4.8).
//
// Flags come from memory; dates and sizes from the index (computed once per message);
// content from the file, read once per message however many sections are asked for;
// ENVELOPE, BODY and BODYSTRUCTURE from the index once they were answered (FetchCache).
// A message that vanished while the session still numbers it gets no FETCH response and
// the command ends NO [EXPUNGEISSUED] (RFC 5530), after the others were sent.

#include <algorithm>

#include "core/commands/fetch_cache.h"
#include "core/commands/fetch_items.h"
#include "core/commands/handlers.h"
#include "core/commands/message_set.h"
#include "core/flags_format.h"
#include "core/imap/dates.h"
#include "core/message/message_source.h"
#include "core/mime/bodystructure.h"
#include "core/mime/envelope.h"
#include "core/mime/fetch_adapter.h"
#include "core/mime/section.h"
#include "core/mime/structure.h"
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

bool needsFileFacts(const FetchItem& i) {
    return i.kind == Kind::InternalDate || i.kind == Kind::Rfc822Size;
}

void writeSection(ResponseWriter& w, const FetchItem& item, const std::string& data) {
    writeSectionName(w, item);
    if (item.partialOrigin) {
        size_t origin = std::min<size_t>(*item.partialOrigin, data.size());
        w.literal(std::string_view(data).substr(origin, item.partialLength));
        return;
    }
    w.literal(data);
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
    bool wantsContent = false, expungeIssued = false;
    size_t next = 0;
    bool headerOnly = false;  // ENVELOPE is the only item read from the file
    // Where the index last saw each message's file, from one query, when nothing but the
    // content is wanted; empty otherwise.
    std::vector<std::optional<std::filesystem::path>> paths{};
    index::UidList recent{};  // \Recent at the start: it does not change within a session
    std::optional<FetchCache> cache{};
    std::uint32_t lastSeq = 0;

    // Messages come in UID order, mostly one sequence number after the last.
    std::uint32_t seqOf(std::uint32_t uid) {
        const auto& uids = view.uids();
        if (lastSeq < uids.size() && uids[lastSeq] == uid) return ++lastSeq;
        auto seq = view.seqOf(uid);
        lastSeq = seq.value_or(0);
        return lastSeq;
    }

    // True when every message was answered.
    bool step() {
        while (next < metas.size()) {
            if (session.outputFull()) {
                if (cache) cache->flush();
                return false;
            }
            ++next;
            answer(next - 1);
        }
        if (cache) cache->flush();
        if (expungeIssued)
            throw CommandError("Some messages were expunged meanwhile", "EXPUNGEISSUED");
        return true;
    }

    bool needsContent(const FetchItem& item, std::size_t i) const {
        return cache ? cache->needsContent(item, i) : needsContentFor(item);
    }

    void answer(std::size_t i) {
        const index::MessageMeta& m = metas[i];
        const std::optional<std::filesystem::path>* known = i < paths.size() ? &paths[i] : nullptr;
        auto& folder = view.folder();
        if (m.expunged) {
            expungeIssued = true;
            return;
        }
        index::MessageFile file;
        std::string content;
        std::optional<mime::Part> structure;
        auto parsed = [&]() -> const mime::Part& {
            if (!structure) structure = mime::parseStructure(content);
            return *structure;
        };
        auto section = [&](mime::SectionSpec::Text text) {
            mime::SectionSpec spec;
            spec.text = text;
            return mime::sectionBytes(content, parsed(), spec);
        };
        bool contentNeeded = wantsContent && std::any_of(req.items.begin(), req.items.end(),
                                                         [&](const FetchItem& item) {
                                                             return needsContent(item, i);
                                                         });
        auto load = [&](const std::filesystem::path& path) {
            if (contentNeeded) content = headerOnly ? loadHeaderCrlf(path) : loadMessageCrlf(path);
        };
        bool fileNeeded =
            contentNeeded || std::any_of(req.items.begin(), req.items.end(), needsFileFacts);
        // Written from the content, and kept for next time.
        auto computed = [&](Kind kind, auto write) {
            auto mark = session.writer().mark();
            write();
            if (cache) cache->remember(kind, m.uid, session.writer().since(mark));
        };
        if (fileNeeded) {
            try {
                bool loaded = false;
                if (known && *known) {
                    try {
                        load(**known);
                        loaded = true;
                    } catch (const index::Error& e) {
                        // Renamed by another program since the index saw it: found below.
                        if (e.kind() != index::ErrorKind::NotFound) throw;
                    }
                }
                if (!loaded) {
                    file = folder.file(m.uid);
                    load(file.path);
                }
            } catch (const index::Error& e) {
                if (e.kind() != index::ErrorKind::NotFound) throw;
                expungeIssued = true;
                return;
            }
        }
        auto& w = session.writer();
        w.untagged().number(seqOf(m.uid)).atom("FETCH").open();
        bool flagsSent = false, modseqSent = false;
        if (uid && !req.wants(Kind::Uid)) w.atom("UID").number(m.uid);
        for (const auto& item : req.items) {
            switch (item.kind) {
                case Kind::Uid:
                    w.atom("UID").number(m.uid);
                    break;
                case Kind::Flags:
                    w.atom("FLAGS");
                    writeFlagList(
                        w, m,
                        !recent.empty() && std::binary_search(recent.begin(), recent.end(), m.uid),
                        folder);
                    flagsSent = true;
                    break;
                case Kind::InternalDate:
                    w.atom("INTERNALDATE").string(formatDateTime(file.internalDate));
                    break;
                case Kind::Rfc822Size:
                    w.atom("RFC822.SIZE").number(file.vsize);
                    break;
                case Kind::Rfc822:
                    w.atom("RFC822").literal(section(mime::SectionSpec::Text::Full));
                    break;
                case Kind::Rfc822Header:
                    w.atom("RFC822.HEADER").literal(section(mime::SectionSpec::Text::Header));
                    break;
                case Kind::Rfc822Text:
                    w.atom("RFC822.TEXT").literal(section(mime::SectionSpec::Text::Text));
                    break;
                case Kind::Section:
                    writeSection(
                        w, item,
                        mime::sectionBytes(content, parsed(), mime::toSectionSpec(item.section)));
                    break;
                case Kind::Envelope:
                    w.atom("ENVELOPE");
                    if (const auto* kept = cache ? cache->find(item.kind, i) : nullptr) {
                        w.serialized(*kept);
                        break;
                    }
                    computed(item.kind, [&] {
                        mime::writeEnvelope(
                            w, mime::parseEnvelope(headerOnly ? std::string_view(content)
                                                              : parsed().header(content)));
                    });
                    break;
                case Kind::Body:
                    w.atom("BODY");
                    if (const auto* kept = cache ? cache->find(item.kind, i) : nullptr) {
                        w.serialized(*kept);
                        break;
                    }
                    computed(item.kind, [&] { mime::writeBody(w, content, parsed()); });
                    break;
                case Kind::BodyStructure:
                    w.atom("BODYSTRUCTURE");
                    if (const auto* kept = cache ? cache->find(item.kind, i) : nullptr) {
                        w.serialized(*kept);
                        break;
                    }
                    computed(item.kind, [&] { mime::writeBodyStructure(w, content, parsed()); });
                    break;
                case Kind::ModSeq:
                    w.atom("MODSEQ").open().number(m.modseq).close();
                    modseqSent = true;
                    break;
            }
        }
        if (!flagsSent && std::binary_search(seenNow.begin(), seenNow.end(), m.uid)) {
            w.atom("FLAGS");
            writeFlagList(w, m, view.isRecent(m.uid), folder);
            flagsSent = true;
        }
        // With CONDSTORE on, every FETCH with flags carries the mod-sequence (RFC 7162 3.1.4).
        if (flagsSent && !modseqSent && session.condstore())
            w.atom("MODSEQ").open().number(m.modseq).close();
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
    run->wantsContent = std::any_of(run->req.items.begin(), run->req.items.end(), needsContentFor);
    run->headerOnly = std::all_of(run->req.items.begin(), run->req.items.end(), [](const auto& i) {
        return !needsContentFor(i) || i.kind == Kind::Envelope;
    });
    if (run->req.wants(Kind::ModSeq)) ctx.session.enableCondstore();
    if (run->req.vanished) {
        if (!ctx.uid || !ctx.session.qresync())
            throw CommandError("VANISHED needs UID FETCH and ENABLE QRESYNC", "", true);
        // RFC 7162 3.2.6: the UIDs of the set expunged after CHANGEDSINCE, first.
        auto gone = view.folder().expungedSince(*run->req.changedSince);
        std::vector<std::uint32_t> inSet;
        std::uint32_t star = view.uids().empty() ? 0 : view.uids().back();
        for (auto u : gone)
            if (set.contains(u, star)) inSet.push_back(u);
        if (!inSet.empty())
            ctx.out()
                .untagged()
                .atom("VANISHED")
                .open()
                .atom("EARLIER")
                .close()
                .atom(SequenceSet::fromSorted(inSet).toString())
                .end();
    }
    run->metas = view.meta(uids);
    run->recent = view.recentUids();
    if (run->req.changedSince) {
        std::erase_if(run->metas, [&](const index::MessageMeta& m) {
            return m.modseq <= *run->req.changedSince;
        });
    }
    if (run->wantsContent) {
        index::UidList all;
        all.reserve(run->metas.size());
        for (const auto& m : run->metas)
            all.push_back(m.uid);
        if (std::any_of(run->req.items.begin(), run->req.items.end(), [](const FetchItem& i) {
                return i.kind == Kind::Envelope || i.kind == Kind::Body ||
                       i.kind == Kind::BodyStructure;
            }))
            run->cache.emplace(view.folder(), run->req.items, all, ctx.session.writer().utf8());
        // The paths of the messages whose content is read, from one query.
        if (std::none_of(run->req.items.begin(), run->req.items.end(), needsFileFacts)) {
            index::UidList wanted;
            std::vector<std::size_t> at;
            for (std::size_t i = 0; i < run->metas.size(); ++i) {
                if (std::any_of(
                        run->req.items.begin(), run->req.items.end(),
                        [&](const FetchItem& item) { return run->needsContent(item, i); })) {
                    wanted.push_back(all[i]);
                    at.push_back(i);
                }
            }
            auto found = view.folder().lastKnownPaths(wanted);
            run->paths.resize(run->metas.size());
            for (std::size_t j = 0; j < at.size(); ++j)
                run->paths[at[j]] = std::move(found[j]);
        }
    }
    if (!run->step()) ctx.resume = [run] { return run->step(); };
}

}  // namespace maildex::core::commands
