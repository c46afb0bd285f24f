#pragma once
// The command handlers, one family per file in core/commands/. The registry
// (core/command_registry.cpp) says which command calls which handler.

#include "core/command.h"

namespace maildex::core::commands {

// any_state.cpp (RFC 3501 6.1, RFC 2971 ID, RFC 5161 ENABLE)
void capability(CommandContext& ctx);
void noop(CommandContext& ctx);
void logout(CommandContext& ctx);
void id(CommandContext& ctx);
void enable(CommandContext& ctx);

// auth.cpp (RFC 3501 6.2, RFC 4616 PLAIN, RFC 4959 SASL-IR, draft-murchison-sasl-login)
void startTls(CommandContext& ctx);
void login(CommandContext& ctx);
void unauthenticate(CommandContext& ctx);
void authenticate(CommandContext& ctx);
bool parsePlainResponse(const std::string& base64, std::string& authzid, std::string& user,
                        std::string& password);
// A SASL response's base64 ("=" or empty: nothing); nullopt when it is not base64.
std::optional<std::string> decodeSaslResponse(const std::string& base64);

// mailbox.cpp (RFC 3501 6.3.3-7, 6.3.10; RFC 2342 NAMESPACE)
void create(CommandContext& ctx);
void deleteMailbox(CommandContext& ctx);
void rename(CommandContext& ctx);
void subscribe(CommandContext& ctx);
void unsubscribe(CommandContext& ctx);
void namespaceCommand(CommandContext& ctx);
void status(CommandContext& ctx);

// list.cpp (RFC 3501 6.3.8-9, RFC 5258, RFC 5819, RFC 6154)
void list(CommandContext& ctx);
void lsub(CommandContext& ctx);

// append.cpp (RFC 3501 6.3.11, RFC 3502, RFC 4315, RFC 7889)
void append(CommandContext& ctx);

// copy.cpp (RFC 3501 6.4.7, RFC 6851 MOVE, RFC 4315 COPYUID)
void replace(CommandContext& ctx);  // append.cpp (RFC 8508)
void copy(CommandContext& ctx);
void move(CommandContext& ctx);

// quota.cpp (RFC 9208 QUOTA)
void getQuotaRoot(CommandContext& ctx);
void getQuota(CommandContext& ctx);
void setQuota(CommandContext& ctx);

// acl.cpp (RFC 4314 ACL on Courier's courierimapacl)
void setAcl(CommandContext& ctx);
void deleteAcl(CommandContext& ctx);
void getAcl(CommandContext& ctx);
void listRights(CommandContext& ctx);
void myRightsCommand(CommandContext& ctx);

// idle.cpp (RFC 2177)
void idle(CommandContext& ctx);

// select.cpp (RFC 3501 6.3.1, 6.3.2, 6.4.1, 6.4.2; RFC 3691 UNSELECT)
void select(CommandContext& ctx);
void examine(CommandContext& ctx);
void check(CommandContext& ctx);
void close(CommandContext& ctx);
void unselect(CommandContext& ctx);

// fetch.cpp (RFC 3501 6.4.5, 6.4.8)
void fetch(CommandContext& ctx);

// search.cpp (RFC 3501 6.4.4, RFC 4731 ESEARCH, RFC 5032 WITHIN)
void search(CommandContext& ctx);

// sort.cpp (RFC 5256 SORT, RFC 5957 SORT=DISPLAY)
void sort(CommandContext& ctx);

// thread.cpp (RFC 5256 THREAD=ORDEREDSUBJECT, THREAD=REFERENCES)
void thread(CommandContext& ctx);

// store.cpp (RFC 3501 6.4.6)
void store(CommandContext& ctx);

// expunge.cpp (RFC 3501 6.4.3, RFC 4315 UID EXPUNGE)
void expunge(CommandContext& ctx);
void uidExpunge(CommandContext& ctx);

}  // namespace maildex::core::commands
