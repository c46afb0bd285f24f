#include "core/engine.h"

namespace maildex::core {

Engine::Engine(const ImapConfig& config, Authenticator* authenticator, TransportInfo transport)
    : receiver_(config.limits), session_(config, authenticator, std::move(transport)) {
    receiver_.setSinkFactory(sinkFactory());
}

Receiver::SinkFactory Engine::sinkFactory() {
    return [this](const Request& soFar, std::uint64_t size) {
        return session_.literalSink(soFar, size);
    };
}

void Engine::feed(std::string_view bytes) {
    // Compact before growing, so a long-lived connection does not keep old input.
    if (consumed_ > 0 && consumed_ >= input_.size() / 2) {
        input_.erase(0, consumed_);
        consumed_ = 0;
    }
    input_.append(bytes);
}

std::string Engine::takeInput() {
    std::string rest = input_.substr(consumed_);
    std::string().swap(input_);
    consumed_ = 0;
    return rest;
}

Engine::Next Engine::apply(Next next) {
    switch (next) {
        case Next::Command:
        case Next::Close:
        case Next::Suspended:
        case Next::Compress:
            return next;
        case Next::Line:
            receiver_.expectLine();
            return Next::Command;
        case Next::StartTls:
            // Anything the client sent after STARTTLS was sent in the clear and could have
            // been injected by a man in the middle: drop it (CVE-2011-0411 class).
            input_.clear();
            consumed_ = 0;
            receiver_ = Receiver(receiver_.limits());
            receiver_.setSinkFactory(sinkFactory());
            return Next::StartTls;
    }
    return Next::Command;
}

Engine::Next Engine::run() {
    while (true) {
        std::string_view in(input_.data() + consumed_, input_.size() - consumed_);
        size_t before = in.size();
        auto result = receiver_.parse(in);
        consumed_ += before - in.size();
        if (consumed_ == input_.size()) {
            std::string().swap(input_);  // a waiting connection keeps no buffer
            consumed_ = 0;
        }
        Next next = Next::Command;
        switch (result.kind) {
            case Receiver::Result::Kind::NeedMore:
                return Next::Command;
            case Receiver::Result::Kind::Continue:
                session_.writer().continuation().text("Ready for literal data").end();
                continue;
            case Receiver::Result::Kind::Request:
                next = apply(session_.execute(std::move(result.request)));
                break;
            case Receiver::Result::Kind::Line:
                next = apply(session_.line(result.line));
                break;
            case Receiver::Result::Kind::Error:
                session_.rejectInput(result.tag, result.code, result.message, result.no);
                if (result.close) {
                    // A line past the limit: its end may never come, so the connection
                    // ends here rather than wait for it (RFC 3501 7.1.5: BYE first).
                    session_.writer().untagged().bye().text("Line too long; closing").end();
                    return Next::Close;
                }
                break;
        }
        if (next != Next::Command) return next;
        // A client that sends commands without reading the answers gets no more answers
        // until it has read these: what waits for it stays within the output budget
        // whatever it pipelines.
        if (session_.outputFull() && hasInput()) return Next::Suspended;
    }
}

Engine::Next Engine::notifyChanges() {
    return apply(session_.notifyChanges());
}

Engine::Next Engine::resume() {
    Next next = apply(session_.resume());
    return next == Next::Command ? run() : next;
}

}  // namespace maildex::core
