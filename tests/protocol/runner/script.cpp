#include "tests/protocol/runner/script.h"

#include <fstream>
#include <sstream>
#include <stdexcept>

namespace maildex::test {

namespace {

std::string decodeEscapes(const std::string& s) {
    std::string out;
    for (size_t i = 0; i < s.size(); ++i) {
        if (s[i] != '\\' || i + 1 == s.size()) {
            out += s[i];
            continue;
        }
        char c = s[++i];
        if (c == 'r')
            out += '\r';
        else if (c == 'n')
            out += '\n';
        else if (c == 't')
            out += '\t';
        else if (c == '0')
            out += '\0';
        else if (c == 'x' && i + 2 < s.size()) {
            out += static_cast<char>(std::stoi(s.substr(i + 1, 2), nullptr, 16));
            i += 2;
        } else
            out += c;
    }
    return out;
}

}  // namespace

Script loadScript(const std::string& path) {
    std::ifstream in(path);
    if (!in) throw std::runtime_error("cannot read " + path);
    Script script;
    script.path = path;
    std::string line;
    int lineNo = 0;
    auto fail = [&](const std::string& why) {
        throw std::runtime_error(path + ":" + std::to_string(lineNo) + ": " + why);
    };
    // Reads lines up to "@end" and joins them with CRLF (each line ends in CRLF).
    auto block = [&]() {
        std::string body;
        std::string l;
        while (std::getline(in, l)) {
            ++lineNo;
            if (l == "@end") return body;
            body += l + "\r\n";
        }
        fail("missing @end");
        return body;
    };
    while (std::getline(in, line)) {
        ++lineNo;
        if (line.empty() || line[0] == '#') continue;
        Step step;
        step.line = lineNo;
        step.connection = "A";
        if (line[0] == '@') {
            std::istringstream words(line.substr(1));
            std::string directive;
            words >> directive;
            if (directive == "folder") {
                step.kind = Step::Kind::Folder;
                words >> step.folder;
            } else if (directive == "message") {
                step.kind = Step::Kind::Message;
                words >> step.folder;
                if (step.folder == "INBOX") step.folder.clear();
                std::string opt;
                while (words >> opt) {
                    if (opt == "new")
                        step.inNew = true;
                    else if (opt.rfind("flags=", 0) == 0)
                        step.flags = opt.substr(6);
                    else if (opt.rfind("date=", 0) == 0)
                        step.date = std::stoll(opt.substr(5));
                    else
                        fail("unknown @message option " + opt);
                }
                // Message files use LF line ends, as an MDA writes them.
                std::string body = block(), lf;
                for (size_t i = 0; i < body.size(); ++i)
                    if (!(body[i] == '\r' && i + 1 < body.size() && body[i + 1] == '\n'))
                        lf += body[i];
                step.text = lf;
            } else if (directive == "file") {
                step.kind = Step::Kind::File;
                words >> step.folder;
                if (step.folder.empty() || step.folder.find("..") != std::string::npos)
                    fail("@file needs a path inside the Maildir");
                std::string body = block();  // LF line ends, as other programs write
                for (size_t i = 0; i < body.size(); ++i)
                    if (!(body[i] == '\r' && i + 1 < body.size() && body[i + 1] == '\n'))
                        step.text += body[i];
            } else if (directive == "literal") {
                std::string name;
                words >> name;
                script.literals[name] = block();
                continue;
            } else if (directive == "modes") {
                script.modes.clear();
                std::string m;
                while (words >> m)
                    script.modes.push_back(m);
                continue;
            } else if (directive == "nologin") {
                script.login = false;
                continue;
            } else if (directive == "close") {
                step.kind = Step::Kind::Close;
                words >> step.connection;
            } else if (directive == "sleep") {
                step.kind = Step::Kind::Sleep;
                words >> step.text;
            } else {
                fail("unknown directive @" + directive);
            }
            script.steps.push_back(step);
            continue;
        }
        // "[NAME ]C: text", "[NAME ]S: pattern", "[NAME ]R: raw bytes"
        std::string rest = line;
        size_t colon = line.find(": ");
        if (colon == std::string::npos && line.size() >= 2 && line.back() == ':')
            colon = line.size() - 1;
        if (colon == std::string::npos || colon == 0) fail("expected C:, S: or R: line");
        std::string head = line.substr(0, colon);
        std::string text = colon + 2 <= line.size() ? line.substr(colon + 2) : "";
        auto sp = head.find(' ');
        if (sp != std::string::npos) {
            step.connection = head.substr(0, sp);
            head = head.substr(sp + 1);
        }
        if (head == "C")
            step.kind = Step::Kind::Send;
        else if (head == "S")
            step.kind = Step::Kind::Expect;
        else if (head == "R")
            step.kind = Step::Kind::SendRaw, text = decodeEscapes(text);
        else
            fail("expected C:, S: or R: line");
        step.text = text;
        script.steps.push_back(step);
    }
    return script;
}

}  // namespace maildex::test
