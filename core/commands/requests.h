#pragma once
// The typed arguments of the commands with a small grammar. FETCH, SEARCH/SORT/THREAD,
// STATUS and LIST have parsers of their own (fetch_items.h, core/search/search_parser.h,
// status_items.h, list.cpp).
//
// Each parse function reads the command's arguments to the end, or throws ParseError (a
// tagged BAD, RFC 3501 7.1.3) having looked at nothing but the tokens: handlers parse
// first and act after, so a BAD never follows part of the work. What needs the session
// to judge (a QRESYNC parameter before ENABLE QRESYNC, an unknown special-use attribute)
// is checked by the handler, still before it acts.

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/imap/arguments.h"
#include "core/imap/sequence_set.h"
#include "index/folder.h"

namespace maildex::core::commands {

// STORE and UID STORE (RFC 3501 6.4.6, RFC 7162 3.1.3):
//   store = "STORE" SP sequence-set [SP "(" "UNCHANGEDSINCE" SP mod-sequence ")"]
//           SP ["+" / "-"] "FLAGS" [".SILENT"] SP (flag-list / (flag *(SP flag)))
struct StoreRequest {
    SequenceSet set;
    index::FlagChange change;  // mode, flags, keywords, unchangedSince
    bool silent = false;
};
StoreRequest parseStore(ArgReader& args);

// COPY, MOVE and their UID forms (RFC 3501 6.4.7, RFC 6851 3):
//   copy = "COPY" SP sequence-set SP mailbox
struct TransferRequest {
    SequenceSet set;
    std::string mailbox;  // as the client wrote it
};
TransferRequest parseTransfer(ArgReader& args);

// SELECT and EXAMINE (RFC 3501 6.3.1-2) with their parameters (RFC 7162 3.1.8, 3.2.5):
//   select = "SELECT" SP mailbox [SP "(" select-param *(SP select-param) ")"]
//   select-param = "CONDSTORE" / "QRESYNC" SP "(" uidvalidity SP mod-sequence
//                  [SP known-uids] [SP seq-match-data] ")"
struct QresyncParams {
    std::uint32_t uidValidity = 0;
    std::uint64_t modseq = 0;
    std::optional<SequenceSet> knownUids;
    // The sequence match data only saves work; it does not change the answer, so it is
    // checked for syntax and not kept.
};
struct SelectRequest {
    std::string mailbox;
    bool condstore = false;
    std::optional<QresyncParams> qresync;
};
SelectRequest parseSelect(ArgReader& args);

// UID EXPUNGE (RFC 4315 2.1): "UID EXPUNGE" SP sequence-set (of UIDs).
struct UidExpungeRequest {
    SequenceSet uids;
};
UidExpungeRequest parseUidExpunge(ArgReader& args);

// ENABLE (RFC 5161 3.1): "ENABLE" 1*(SP capability), names in upper case.
struct EnableRequest {
    std::vector<std::string> capabilities;
};
EnableRequest parseEnable(ArgReader& args);

// ID (RFC 2971 4): "ID" SP ("(" string SP nstring *(SP string SP nstring) ")" / NIL).
// At most 30 fields, names of at most 30 bytes and values of at most 1024 (RFC 2971 3.3).
struct IdRequest {
    std::vector<std::pair<std::string, std::optional<std::string>>> fields;
};
IdRequest parseId(ArgReader& args);

// CREATE (RFC 3501 6.3.3) with CREATE-SPECIAL-USE (RFC 6154 3):
//   create = "CREATE" SP mailbox [SP "(" "USE" SP "(" [use-attr *(SP use-attr)] ")" ")"]
struct CreateRequest {
    std::string mailbox;
    std::vector<std::string> specialUse;  // as written; the handler checks them
};
CreateRequest parseCreate(ArgReader& args);

}  // namespace maildex::core::commands
