#pragma once
// The typed change events a folder publishes. The same events come out whether the change
// was made by a session in this process, by another process (seen through the index
// database), by an MDA delivering into new/ (seen through inotify) or found by a rescan.

#include <cstdint>
#include <functional>
#include <utility>
#include <vector>

#include "index/flags.h"

namespace maildex::index {

// A message's flags as the folder holds them in memory.
struct MessageState {
    SystemFlags flags = 0;
    std::uint32_t keywords = 0;  // an interned set of the folder's KeywordTable
    std::uint64_t modseq = 0;
};

struct ChangeEvent {
    enum class Kind {
        Added,         // uids: new messages, ascending
        Expunged,      // uids: removed messages, ascending
        FlagsChanged,  // uids: messages whose flags or keywords changed, ascending
        Reset,         // UIDVALIDITY changed or the folder was deleted: views must close
    };
    Kind kind;
    std::uint64_t modseq;  // the folder's HIGHESTMODSEQ once this change is applied
    std::vector<std::uint32_t> uids;
    // Expunged: each message's last state, parallel to `uids`. A session that still
    // numbers an expunged message answers FETCH FLAGS from it (RFC 2180 4.1).
    std::vector<MessageState> states{};
};

// Told of every change to a folder it listens to, from any thread, never under a lock.
// A session's wakeup is one; it listens for as long as its view of the folder lives.
class ChangeListener {
  public:
    virtual void folderChanged(const ChangeEvent& event) = 0;

  protected:
    ~ChangeListener() = default;
};

// A function as a listener (tests, tools).
class FunctionListener final : public ChangeListener {
  public:
    explicit FunctionListener(std::function<void(const ChangeEvent&)> fn) : fn_(std::move(fn)) {}
    void folderChanged(const ChangeEvent& event) override { fn_(event); }

  private:
    std::function<void(const ChangeEvent&)> fn_;
};

}  // namespace maildex::index
