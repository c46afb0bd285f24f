// FETCH and UID FETCH (RFC 3501 6.4.5, 6.4.8).
//
// Flags come from memory; dates and sizes from the index (computed once per message);
// content from the file, read once per message however many sections are asked for;
// ENVELOPE, BODY and BODYSTRUCTURE from the index once they were answered (FetchCache).
// A message of kLargeFrom bytes or more is not read into memory: its literals are sent
// from the file in pieces as the client reads them (core/message/large_message.h), so a
// client reading at any rate gets a 50 MB attachment and the server holds a few hundred
// KB of it at a time.
//
// Messages another session expunged while this one still numbers them (RFC 2180 4.1):
// what the session knew of them (UID, FLAGS, MODSEQ) is still answered, their content,
// whose file is gone, is not (no FETCH response for that message). The command then ends
// OK [EXPUNGEISSUED] (RFC 5530), or NO [EXPUNGEISSUED] when nothing at all could be
// answered: clients take a NO as a failed fetch and may retry it forever.

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>

#include "core/commands/fetch_cache.h"
#include "core/commands/fetch_items.h"
#include "core/commands/handlers.h"
#include "core/commands/message_set.h"
#include "core/flags_format.h"
#include "core/imap/dates.h"
#include "core/message/large_message.h"
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

// Messages from this size on are read from their files in pieces (see the top); smaller
// ones are read whole, which is faster and holds at most this much per session.
constexpr std::uint64_t kLargeFrom = 1024 * 1024;

bool needsContentFor(const FetchItem& i) {
    return i.kind == Kind::Section || i.kind == Kind::Rfc822 || i.kind == Kind::Rfc822Header ||
           i.kind == Kind::Rfc822Text || i.kind == Kind::Envelope || i.kind == Kind::Body ||
           i.kind == Kind::BodyStructure;
}

bool needsFileFacts(const FetchItem& i) {
    return i.kind == Kind::InternalDate || i.kind == Kind::Rfc822Size;
}

// `data` cut to the item's partial range, if it has one.
std::string_view partial(const FetchItem& item, std::string_view data) {
    if (!item.partialOrigin) return data;
    std::size_t origin = std::min<std::size_t>(*item.partialOrigin, data.size());
    return data.substr(origin, item.partialLength);
}

// The section an item names (RFC822, RFC822.HEADER and RFC822.TEXT are sections too).
mime::SectionSpec specOf(const FetchItem& item) {
    mime::SectionSpec spec;
    switch (item.kind) {
        case Kind::Rfc822Header:
            spec.text = mime::SectionSpec::Text::Header;
            return spec;
        case Kind::Rfc822Text:
            spec.text = mime::SectionSpec::Text::Text;
            return spec;
        case Kind::Section:
            return mime::toSectionSpec(item.section);
        default:
            return spec;  // RFC822: the whole message
    }
}

// Writes how the response names a content item.
void writeContentName(ResponseWriter& w, const FetchItem& item) {
    switch (item.kind) {
        case Kind::Rfc822:
            w.atom("RFC822");
            return;
        case Kind::Rfc822Header:
            w.atom("RFC822.HEADER");
            return;
        case Kind::Rfc822Text:
            w.atom("RFC822.TEXT");
            return;
        default:
            writeSectionName(w, item);
    }
}

// The size of the file at `path`; throws index::Error(NotFound) when it is gone.
std::uint64_t fileSize(const std::filesystem::path& path) {
    struct stat st;
    if (::stat(path.c_str(), &st) != 0) {
        if (errno == ENOENT) throw index::Error(index::ErrorKind::NotFound, "Message was expunged");
        index::throwIo("Cannot read", path.string(), errno);
    }
    return static_cast<std::uint64_t>(st.st_size);
}

// One message being answered. A large message's literals may take several rounds.
struct Answer {
    std::size_t index = 0;  // in FetchRun::metas
    index::MessageFile file{};
    std::string content{};  // a small message's text (CRLF), or only its header (headerOnly)
    std::optional<mime::Part> structure{};
    std::unique_ptr<LargeMessage> large{};
    std::size_t nextItem = 0;
    std::optional<LiteralStream> stream{};  // a literal being sent
    bool flagsSent = false, modseqSent = false;

    const mime::Part& parsed() {
        if (!structure) structure = mime::parseStructure(content);
        return *structure;
    }
};

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
    bool wantsContent = false, expungeIssued = false, answeredAny = false;
    size_t next = 0;
    bool headerOnly = false;  // ENVELOPE is the only item read from the file
    // Where the index last saw each message's file, from one query, when nothing but the
    // content is wanted; empty otherwise.
    std::vector<std::optional<std::filesystem::path>> paths{};
    index::UidList recent{};  // \Recent at the start: it does not change within a session
    std::optional<FetchCache> cache{};
    std::uint32_t lastSeq = 0;
    std::unique_ptr<Answer> current{};  // the message whose response is being written

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
        for (;;) {
            if (session.outputFull()) {
                if (cache) cache->flush();
                return false;
            }
            if (current) {
                if (current->stream && !pump(*current)) continue;
                if (!writeItems(*current)) continue;  // a literal is to be sent first
                finishMessage(*current);
                current.reset();
                continue;
            }
            if (next >= metas.size()) break;
            begin(next++);
        }
        if (cache) cache->flush();
        return true;
    }

    // The tagged reply, once every message was answered.
    void finish(OkReply& ok) const {
        if (!expungeIssued) return;
        if (!answeredAny)
            throw CommandError("The messages were expunged meanwhile", "EXPUNGEISSUED");
        ok.code = [](ResponseWriter& w) { w.code("EXPUNGEISSUED"); };
        ok.text = "Some messages were expunged meanwhile";
    }

    bool needsContent(const FetchItem& item, std::size_t i) const {
        return cache ? cache->needsContent(item, i) : needsContentFor(item);
    }

    // Reads what message i needs and starts its response; sets `current` (or answers
    // nothing, for a message that is gone).
    void begin(std::size_t i) {
        const index::MessageMeta& m = metas[i];
        bool contentNeeded = wantsContent && std::any_of(req.items.begin(), req.items.end(),
                                                         [&](const FetchItem& item) {
                                                             return needsContent(item, i);
                                                         });
        bool fileNeeded =
            contentNeeded || std::any_of(req.items.begin(), req.items.end(), needsFileFacts);
        if (m.expunged) {
            expungeIssued = true;
            // Its file is gone: only what the session knew of it can be said.
            if (!m.lastStateKnown || fileNeeded) return;
        }
        auto a = std::make_unique<Answer>();
        a->index = i;
        if (fileNeeded && !m.expunged) {
            try {
                load(*a, contentNeeded);
            } catch (const index::Error& e) {
                if (e.kind() != index::ErrorKind::NotFound) throw;
                expungeIssued = true;
                return;
            }
        }
        auto& w = session.writer();
        w.untagged().number(seqOf(m.uid)).atom("FETCH").open();
        if (uid && !req.wants(Kind::Uid)) w.atom("UID").number(m.uid);
        current = std::move(a);
    }

    void load(Answer& a, bool contentNeeded) {
        const auto& m = metas[a.index];
        const std::optional<std::filesystem::path>* known =
            a.index < paths.size() ? &paths[a.index] : nullptr;
        auto read = [&](const std::filesystem::path& path) {
            if (!contentNeeded) return;
            if (headerOnly) {
                a.content = loadHeaderCrlf(path);
                return;
            }
            if (fileSize(path) >= kLargeFrom) {
                if (a.file.path.empty()) a.file = view.folder().file(m.uid);  // its sizes
                a.large = std::make_unique<LargeMessage>(a.file.path, a.file.size, a.file.vsize);
                return;
            }
            a.content = loadMessageCrlf(path);
        };
        if (known && *known) {
            try {
                read(**known);
                return;
            } catch (const index::Error& e) {
                // Renamed by another program since the index saw it: found below.
                if (e.kind() != index::ErrorKind::NotFound) throw;
            }
        }
        a.file = view.folder().file(m.uid);
        read(a.file.path);
    }

    // Sends as much of the current literal as the output budget takes; true when it is
    // all sent.
    bool pump(Answer& a) {
        auto& out = session.output();
        while (a.stream->remaining() > 0) {
            if (session.outputFull()) return false;
            std::size_t room = Session::kOutputBudget - out.size();
            if (!a.stream->read(out, room))
                throw BrokenResponse("the file of message " + std::to_string(metas[a.index].uid) +
                                     " ended before its literal did");
        }
        a.stream.reset();
        return true;
    }

    // Writes the items of a.nextItem on; false when it stopped to send a literal first.
    bool writeItems(Answer& a) {
        while (a.nextItem < req.items.size()) {
            const FetchItem& item = req.items[a.nextItem++];
            if (writeItem(a, item)) return false;
        }
        return true;
    }

    // True when the item started a literal that step() sends.
    bool writeItem(Answer& a, const FetchItem& item) {
        const index::MessageMeta& m = metas[a.index];
        auto& w = session.writer();
        auto& folder = view.folder();
        std::size_t i = a.index;
        // Written from the content, and kept for next time.
        auto computed = [&](Kind kind, auto write) {
            auto mark = w.mark();
            write();
            if (cache) cache->remember(kind, m.uid, w.since(mark));
        };
        auto kept = [&]() -> const std::string* {
            const auto* value = cache ? cache->find(item.kind, i) : nullptr;
            if (value) w.serialized(*value);
            return value;
        };
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
                a.flagsSent = true;
                break;
            case Kind::InternalDate:
                w.atom("INTERNALDATE").string(formatDateTime(a.file.internalDate));
                break;
            case Kind::Rfc822Size:
                w.atom("RFC822.SIZE").number(a.file.vsize);
                break;
            case Kind::Rfc822:
            case Kind::Rfc822Header:
            case Kind::Rfc822Text:
            case Kind::Section:
                writeContentName(w, item);
                if (a.large) return writeLargeContent(a, item);
                w.literal(partial(item, mime::sectionBytes(a.content, a.parsed(), specOf(item))));
                break;
            case Kind::Envelope:
                w.atom("ENVELOPE");
                if (kept()) break;
                computed(item.kind, [&] {
                    std::string_view header = a.large      ? std::string_view(a.large->header())
                                              : headerOnly ? std::string_view(a.content)
                                                           : a.parsed().header(a.content);
                    mime::writeEnvelope(w, mime::parseEnvelope(header));
                });
                break;
            case Kind::Body:
            case Kind::BodyStructure:
                w.atom(item.kind == Kind::Body ? "BODY" : "BODYSTRUCTURE");
                if (kept()) break;
                computed(item.kind, [&] {
                    std::string_view text = a.large ? a.large->crlfText() : a.content;
                    const mime::Part& root = a.large ? a.large->structure() : a.parsed();
                    if (item.kind == Kind::Body)
                        mime::writeBody(w, text, root);
                    else
                        mime::writeBodyStructure(w, text, root);
                    if (a.large) a.large->releasePages();
                });
                break;
            case Kind::ModSeq:
                w.atom("MODSEQ").open().number(m.modseq).close();
                a.modseqSent = true;
                break;
        }
        return false;
    }

    // A content item of a large message: a literal from memory when the bytes are made
    // rather than cut from the message (the header, HEADER.FIELDS), else the start of a
    // literal sent from the file. True when a literal was started.
    bool writeLargeContent(Answer& a, const FetchItem& item) {
        using Text = mime::SectionSpec::Text;
        auto& w = session.writer();
        LargeMessage& message = *a.large;
        mime::SectionSpec spec = specOf(item);
        enum class From { Whole, Text, CrlfText } from = From::Whole;
        std::uint64_t start = 0, size = 0;
        std::optional<std::string> made;
        if (spec.part.empty() && spec.text == Text::Full) {
            size = message.vsize();
        } else if (spec.part.empty() && spec.text == Text::Text) {
            from = From::Text;
            size =
                message.vsize() - std::min<std::uint64_t>(message.header().size(), message.vsize());
        } else if (spec.part.empty() && spec.text != Text::Mime) {
            const std::string& header = message.header();
            made = spec.text == Text::Header ? header : mime::sectionFilter(header, spec);
        } else {
            from = From::CrlfText;
            std::string_view text = message.crlfText();
            auto range = mime::sectionRange(message.structure(), spec);
            start = std::min<std::uint64_t>(range.offset, text.size());
            size = std::min<std::uint64_t>(range.length, text.size() - start);
            if (range.filtered) made = mime::sectionFilter(text.substr(start, size), spec);
            message.releasePages();
        }
        if (made) {
            w.literal(partial(item, *made));
            return false;
        }
        if (item.partialOrigin) {
            std::uint64_t origin = std::min<std::uint64_t>(*item.partialOrigin, size);
            start += origin;
            size = std::min<std::uint64_t>(size - origin, item.partialLength);
        }
        if (size == 0) {
            w.literal("");
            return false;
        }
        w.literalPrefix(size);
        switch (from) {
            case From::Whole:
                a.stream = message.stream(start, size);
                break;
            case From::Text:
                a.stream = message.stream(start, size, true);
                break;
            case From::CrlfText:
                a.stream = message.streamCrlfText(start, size);
                break;
        }
        return true;
    }

    void finishMessage(Answer& a) {
        const index::MessageMeta& m = metas[a.index];
        auto& w = session.writer();
        if (!a.flagsSent && std::binary_search(seenNow.begin(), seenNow.end(), m.uid)) {
            w.atom("FLAGS");
            writeFlagList(w, m, view.isRecent(m.uid), view.folder());
            a.flagsSent = true;
        }
        // With CONDSTORE on, every FETCH with flags carries the mod-sequence (RFC 7162 3.1.4).
        if (a.flagsSent && !a.modseqSent && session.condstore())
            w.atom("MODSEQ").open().number(m.modseq).close();
        w.close().end();
        answeredAny = true;
    }
};

}  // namespace

void fetch(CommandContext& ctx) {
    SequenceSet set = ctx.args.sequenceSet();
    FetchRequest req = parseFetchItems(ctx.args);
    ctx.args.expectEnd();
    auto& sel = ctx.selected();
    auto& view = *sel.view;
    auto uids = resolveMessageSet(view, set, ctx.uid);

    auto run =
        std::make_shared<FetchRun>(FetchRun{ctx.session, view, std::move(req), ctx.uid, {}, {}});
    // Reading a body sets \Seen (RFC 3501 6.4.5); the FETCH then includes the new FLAGS.
    // Only for a user who may keep \Seen (RFC 4314 4: "s").
    if (run->req.setsSeen() && !sel.readOnly && sel.rights.has('s')) {
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
    ctx.session.announceKeywords();  // before any FLAGS that name a new one
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
    if (!run->step()) {
        ctx.resume = [run](OkReply& ok) {
            if (!run->step()) return false;
            run->finish(ok);
            return true;
        };
        return;
    }
    OkReply ok{std::move(ctx.okCode), std::move(ctx.okText)};
    run->finish(ok);
    ctx.okCode = std::move(ok.code);
    ctx.okText = std::move(ok.text);
}

}  // namespace maildex::core::commands
