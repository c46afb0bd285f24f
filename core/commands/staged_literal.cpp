#include "core/commands/staged_literal.h"

#include "base/log.h"
#include "core/command.h"

namespace maildex::core::commands {

void StagedLiteral::write(std::string_view bytes) {
    if (!error_.empty()) return;  // the rest of the literal is read and dropped
    try {
        message_->write(bytes);
    } catch (const std::exception& e) {
        error_ = e.what();
    }
}

void StagedLiteral::finish() {
    if (!error_.empty()) return;
    try {
        message_->finish();
    } catch (const std::exception& e) {
        error_ = e.what();
    }
}

std::shared_ptr<index::StagedMessage> StagedLiteral::take() {
    if (!error_.empty()) {
        log::error("APPEND: storing the message failed: " + error_);
        throw CommandError(
            "The message could not be stored; the administrator can find details "
            "in the log",
            "SERVERBUG");
    }
    return std::move(message_);
}

}  // namespace maildex::core::commands
