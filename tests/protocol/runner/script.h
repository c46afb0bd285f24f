#pragma once
// A protocol transcript: what a test sets up in the Maildir, the lines clients send and
// the lines the server must answer. The format is described in tests/protocol/README.md.

#include <map>
#include <string>
#include <vector>

namespace maildex::test {

struct Step {
    enum class Kind {
        Send,     // a client line (CRLF added), literals expanded
        SendRaw,  // bytes exactly as given (escapes decoded), nothing added
        Expect,   // one server line matching a pattern
        Message,  // put a message file into the Maildir
        Folder,   // create a folder directory
        File,     // write a file (path in `folder`, relative to the Maildir root)
        Close,    // close the connection's input
        Sleep,    // wait (milliseconds in `text`)
    };
    Kind kind;
    std::string connection;  // "A" unless the line names another
    std::string text;        // line, pattern, folder name, or message content
    // For Message: folder (on-disk name, "" = INBOX), new/ or cur/, flag letters, mtime.
    std::string folder;
    bool inNew = false;
    std::string flags;
    long long date = 0;
    int line = 0;  // in the script file, for messages
};

struct Script {
    std::string path;
    std::vector<std::string> modes = {"inprocess", "stdio", "tcp"};  // @modes
    bool login = true;  // tcp: log each connection in first (@nologin: the script does)
    std::vector<Step> steps;
    std::map<std::string, std::string> literals;  // name → bytes (CRLF line ends)
};

// Throws std::runtime_error naming the file and line on a malformed script.
Script loadScript(const std::string& path);

}  // namespace maildex::test
