#pragma once
// The protocol engine of one connection: bytes in, bytes out. It joins the receiver (the
// grammar) to the session (the commands), so every transport drives IMAP the same way:
// stdin/stdout mode, the network server's event loop and the in-process tests.
//
// The transport appends what it reads with feed(), calls run(), and sends what output()
// holds. run() parses and executes commands until the input is used up; it writes "+"
// continuations for synchronizing literals itself. Commands are executed one at a time,
// in order, and parsing of the next command waits for the previous one to finish (so
// IDLE and AUTHENTICATE can switch the receiver to line mode, and STARTTLS can drop any
// input the client pipelined behind it).

#include <memory>
#include <string>
#include <string_view>

#include "core/imap/receiver.h"
#include "core/session.h"

namespace maildex::core {

class Engine {
  public:
    Engine(const ImapConfig& config, Authenticator* authenticator, TransportInfo transport);
    // The receiver calls back into this engine's session: it stays where it was made.
    Engine(const Engine&) = delete;
    Engine& operator=(const Engine&) = delete;

    Session& session() { return session_; }
    std::string& output() { return session_.output(); }

    void start() { session_.greet(); }
    void feed(std::string_view bytes);
    bool hasInput() const { return consumed_ < input_.size(); }
    // The input received but not parsed yet, which the engine then forgets: after
    // COMPRESS (Next::Compress) it is compressed, and comes back through feed() inflated.
    std::string takeInput();

    // What the transport does next is the session's answer (Session::Next), with Line
    // taken care of here: the engine switches its receiver to line mode and answers
    // Command, so a transport sees Command (read more input: the next command, or the
    // line the session waits for), Close, StartTls (the input has been discarded),
    // Compress (takeInput() has the rest of the input, still compressed) or
    // Suspended (call resume() when the client has read the output: a command has more
    // to say, or more commands wait behind full output).
    using Next = Session::Next;
    Next run();
    // Continues a suspended command, then goes on with buffered input.
    Next resume();

    // The selected folder changed (the session's wakeup fired): report if idling.
    Next notifyChanges();

  private:
    Next apply(Next next);
    Receiver::SinkFactory sinkFactory();

    Receiver receiver_;
    Session session_;
    std::string input_;
    std::size_t consumed_ = 0;
};

}  // namespace maildex::core
