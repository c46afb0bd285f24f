#include "core/search/message_keys.h"

#include "core/message/date_header.h"
#include "core/mime/address.h"
#include "core/mime/decode.h"
#include "core/search/base_subject.h"
#include "core/search/collation.h"

namespace maildex::core::search {

namespace {

const mime::HeaderField* firstField(const std::vector<mime::HeaderField>& header,
                                    std::string_view name) {
    for (const auto& f : header)
        if (f.hasColon && mime::sameFieldName(f.name, name)) return &f;
    return nullptr;
}

std::optional<mime::Address> firstAddress(const std::vector<mime::HeaderField>& header,
                                          std::string_view name) {
    const auto* f = firstField(header, name);
    if (!f) return std::nullopt;
    auto list = mime::parseAddressList(f->structuredValue());
    if (list.empty()) return std::nullopt;
    return list.front();
}

// RFC 5256 section 3: "[IMAP] addr-mailbox of the first ... address" (for a group, the
// first address is the group's start, whose addr-mailbox is the group name).
std::string addrMailbox(const std::vector<mime::HeaderField>& header, std::string_view name) {
    auto a = firstAddress(header, name);
    return a && a->mailbox ? casemapKey(*a->mailbox) : std::string();
}

// RFC 5957 section 3: the display name of the first address, decoded (RFC 2047); when it
// has none, or an empty one, its addr-spec.
std::string displayName(const std::vector<mime::HeaderField>& header, std::string_view name) {
    auto a = firstAddress(header, name);
    if (!a) return {};
    if (a->name) {
        std::string decoded = mime::decodeHeaderValue(*a->name);
        if (!decoded.empty()) return casemapKey(decoded);
    }
    if (a->mailbox && a->host) return casemapKey(*a->mailbox + "@" + *a->host);
    return a->mailbox ? casemapKey(*a->mailbox) : std::string();
}

bool isSpace(char c) {
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

// The text between "<" and ">" as a normalized message-id: whitespace and comments
// dropped, quoted strings unquoted. Needs text on both sides of an "@".
std::optional<std::string> normalizeMessageId(std::string_view inner) {
    std::string id;
    std::size_t at = std::string::npos;
    for (std::size_t i = 0; i < inner.size(); ++i) {
        char c = inner[i];
        if (isSpace(c)) continue;
        if (c == '(') {  // a comment, perhaps nested (RFC 5322 CFWS)
            int depth = 1;
            while (++i < inner.size() && depth > 0) {
                if (inner[i] == '\\')
                    ++i;
                else if (inner[i] == '(')
                    ++depth;
                else if (inner[i] == ')')
                    --depth;
            }
            if (depth > 0) return std::nullopt;
            --i;
        } else if (c == '"') {
            for (++i; i < inner.size() && inner[i] != '"'; ++i) {
                if (inner[i] == '\\' && i + 1 < inner.size()) ++i;
                id += inner[i];
            }
            if (i >= inner.size()) return std::nullopt;
        } else {
            if (c == '@' && at == std::string::npos) at = id.size();
            id += c;
        }
    }
    if (at == std::string::npos || at == 0 || at + 1 == id.size()) return std::nullopt;
    return id;
}

}  // namespace

std::vector<std::string> messageIds(std::string_view value) {
    std::vector<std::string> ids;
    std::size_t pos = 0;
    while (pos < value.size()) {
        std::size_t lt = value.find('<', pos);
        if (lt == std::string_view::npos) break;
        std::size_t gt = value.find('>', lt + 1);
        if (gt == std::string_view::npos) break;
        // A "<" inside is a broken id followed by another: try from there.
        std::size_t inner = value.rfind('<', gt);
        if (auto id = normalizeMessageId(value.substr(inner + 1, gt - inner - 1)))
            ids.push_back(std::move(*id));
        pos = gt + 1;
    }
    return ids;
}

KeyValue computeKey(SortKey key, const std::vector<mime::HeaderField>& header) {
    KeyValue v;
    switch (key) {
        case SortKey::SentDate:
            // RFC 5256 section 2.2: the date and time converted to UTC. A missing or
            // unparsable date has no value here; the sort uses INTERNALDATE instead.
            if (const auto* f = firstField(header, "Date"))
                if (auto d = parseHeaderDate(f->value())) v.number = d->unixTime;
            break;
        case SortKey::Subject: {
            const auto* f = firstField(header, "Subject");
            BaseSubject s = f ? baseSubject(f->value()) : BaseSubject{};
            v.bytes = std::move(s.text);
            v.number = s.replyOrForward ? 1 : 0;
            break;
        }
        case SortKey::From:
            v.bytes = addrMailbox(header, "From");
            break;
        case SortKey::To:
            v.bytes = addrMailbox(header, "To");
            break;
        case SortKey::Cc:
            v.bytes = addrMailbox(header, "Cc");
            break;
        case SortKey::DisplayFrom:
            v.bytes = displayName(header, "From");
            break;
        case SortKey::DisplayTo:
            v.bytes = displayName(header, "To");
            break;
        case SortKey::ThreadIds: {
            // RFC 5256 section 3 (REFERENCES): the References field's ids; without any,
            // the first valid id of In-Reply-To.
            const auto* id = firstField(header, "Message-ID");
            auto ids = id ? messageIds(id->value()) : std::vector<std::string>{};
            if (!ids.empty()) v.bytes = ids.front();
            v.bytes += '\n';
            const auto* refs = firstField(header, "References");
            auto references = refs ? messageIds(refs->value()) : std::vector<std::string>{};
            if (references.empty()) {
                if (const auto* irt = firstField(header, "In-Reply-To")) {
                    auto parents = messageIds(irt->value());
                    if (!parents.empty()) references.push_back(parents.front());
                }
            }
            for (const auto& r : references)
                v.bytes.append(r).append("\n");
            break;
        }
    }
    return v;
}

ThreadIds decodeThreadIds(std::string_view bytes) {
    ThreadIds t;
    std::size_t pos = bytes.find('\n');
    if (pos == std::string_view::npos) return t;
    t.messageId = bytes.substr(0, pos);
    for (++pos; pos < bytes.size();) {
        std::size_t end = bytes.find('\n', pos);
        if (end == std::string_view::npos) break;
        t.references.emplace_back(bytes.substr(pos, end - pos));
        pos = end + 1;
    }
    return t;
}

}  // namespace maildex::core::search
