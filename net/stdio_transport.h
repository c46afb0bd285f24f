#pragma once
// One IMAP session over a pair of file descriptors: stdin/stdout mode, as Courier's
// "imapd ./Maildir" and Dovecot's imap binary offer, for clients that run the server as a
// tunnel (mbsync's Tunnel, offlineimap's preauthtunnel, imaplib.IMAP4_stream).
//
// Waits in poll() on the input and on a wakeup pipe the selected folder's changes write
// to, so IDLE reports changes the moment they happen.

#include "core/engine.h"

namespace maildex::net {

// Runs until the client logs out or closes its input. Returns a process exit code.
int runStdioSession(core::Engine& engine, int in, int out);

}  // namespace maildex::net
