#pragma once
// A large APPEND message received straight into a tmp/ file of the target folder
// (index::StagedMessage) rather than into memory: the receiver's sink for APPEND
// literals (Session::literalSink). Whatever the message's size, an APPEND in flight holds
// a read buffer and a write buffer.

#include <memory>
#include <string>

#include "core/imap/request.h"
#include "index/staged_message.h"

namespace maildex::core::commands {

class StagedLiteral final : public LiteralSink {
  public:
    explicit StagedLiteral(std::unique_ptr<index::StagedMessage> message)
        : message_(std::move(message)) {}

    void write(std::string_view bytes) override;
    void finish() override;

    // The message, complete on disk; throws CommandError when writing it failed (a full
    // disk: the client is told, nothing is stored).
    std::shared_ptr<index::StagedMessage> take();

  private:
    std::shared_ptr<index::StagedMessage> message_;
    std::string error_;  // why writing failed; empty while it has not
};

}  // namespace maildex::core::commands
