#include "core/flags_format.h"

#include "core/acl/flag_rights.h"
#include "core/imap/ascii.h"

namespace maildex::core {

namespace {
struct SystemFlagName {
    index::SystemFlags flag;
    const char* name;
};
constexpr SystemFlagName kSystemFlags[] = {
    {index::flag::Answered, "\\Answered"}, {index::flag::Flagged, "\\Flagged"},
    {index::flag::Deleted, "\\Deleted"},   {index::flag::Seen, "\\Seen"},
    {index::flag::Draft, "\\Draft"},
};
}  // namespace

void writeFlagList(ResponseWriter& w, const index::MessageMeta& m, bool recent,
                   const index::Folder& folder) {
    w.open();
    for (const auto& f : kSystemFlags)
        if (m.flags & f.flag) w.atom(f.name);
    if (recent) w.atom("\\Recent");
    if (m.keywords != 0)
        for (const auto& k : folder.keywordNames(m.keywords))
            w.flag(k);
    w.close();
}

std::size_t writeFlagsResponses(ResponseWriter& w, const index::Folder& folder, bool readOnly,
                                acl::Rights rights) {
    // One list for both, so they cannot differ when a keyword is added meanwhile.
    const auto keywords = folder.keywordNames();
    acl::FlagPermission may = readOnly ? acl::FlagPermission{} : acl::flagPermission(rights);
    w.untagged().atom("FLAGS").open();
    for (const auto& f : kSystemFlags)
        w.atom(f.name);
    for (const auto& k : keywords)
        w.flag(k);
    w.atom("\\Recent").close().end();

    w.untagged().ok().code("PERMANENTFLAGS").open();
    for (const auto& f : kSystemFlags)
        if (may.systemFlags & f.flag) w.atom(f.name);
    if (may.keywords) {
        for (const auto& k : keywords)
            w.flag(k);
        w.atom("\\*");
    }
    w.close();
    w.text(may.all()   ? "Flags permitted"
           : may.any() ? "Limited flags permitted"
                       : "No permanent flags permitted")
        .end();
    return keywords.size();
}

ParsedFlags parseFlagList(ArgReader& args, bool allowBare) {
    ParsedFlags out;
    bool list = args.accept(Token::Type::ListBegin);
    if (!list && !allowBare) ArgReader::fail("Expected a flag list");
    while (true) {
        if (list && args.accept(Token::Type::ListEnd)) break;
        const Token& t = args.next("a flag");
        if (t.type != Token::Type::Atom) ArgReader::fail("Expected a flag");
        const std::string& f = t.value;
        if (f[0] == '\\') {
            bool known = false;
            for (const auto& s : kSystemFlags) {
                if (ascii::iequals(f, s.name)) {
                    out.flags |= s.flag;
                    known = true;
                }
            }
            if (!known) {
                if (ascii::iequals(f, "\\Recent"))
                    ArgReader::fail("\\Recent cannot be changed by a client");
                ArgReader::fail("Unknown system flag " + f);
            }
        } else {
            // flag-keyword = atom (RFC 3501 section 9)
            if (!ResponseWriter::isAtom(f)) ArgReader::fail("Invalid keyword");
            out.keywords.push_back(f);
        }
        if (!list) break;
    }
    return out;
}

}  // namespace maildex::core
