#include "core/config_file.h"

#include <cctype>
#include <cstdlib>
#include <fstream>

namespace maildex::core {

namespace {

bool validKey(const std::string& k) {
    if (k.empty() || std::isdigit(static_cast<unsigned char>(k[0]))) return false;
    for (char c : k)
        if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_')) return false;
    return true;
}

}  // namespace

std::string trimBlanks(std::string_view s) {
    size_t a = s.find_first_not_of(" \t\r");
    if (a == std::string_view::npos) return {};
    size_t b = s.find_last_not_of(" \t\r");
    return std::string(s.substr(a, b - a + 1));
}

std::string parseShellValue(const std::string& text,
                            const std::map<std::string, std::string>& vars) {
    std::string out;
    auto expand = [&](size_t& i) {
        // $NAME or ${NAME}; i is at '$'.
        size_t start = i + 1;
        bool braced = start < text.size() && text[start] == '{';
        if (braced) ++start;
        size_t end = start;
        while (end < text.size() &&
               (std::isalnum(static_cast<unsigned char>(text[end])) || text[end] == '_'))
            ++end;
        if (end == start || (braced && (end >= text.size() || text[end] != '}'))) {
            out += '$';
            return;
        }
        auto it = vars.find(text.substr(start, end - start));
        if (it != vars.end()) out += it->second;
        i = braced ? end : end - 1;
    };
    for (size_t i = 0; i < text.size(); ++i) {
        char c = text[i];
        if (c == '\'') {
            size_t close = text.find('\'', i + 1);
            if (close == std::string::npos) throw ConfigError("unterminated single quote");
            out += text.substr(i + 1, close - i - 1);
            i = close;
        } else if (c == '"') {
            for (++i;; ++i) {
                if (i >= text.size()) throw ConfigError("unterminated double quote");
                if (text[i] == '"') break;
                if (text[i] == '\\' && i + 1 < text.size() &&
                    std::string("\"\\$`").find(text[i + 1]) != std::string::npos) {
                    out += text[++i];
                } else if (text[i] == '$') {
                    expand(i);
                } else {
                    out += text[i];
                }
            }
        } else if (c == '\\' && i + 1 < text.size()) {
            out += text[++i];
        } else if (c == '$') {
            expand(i);
        } else if (c == ' ' || c == '\t') {
            // Unquoted white space ends the value; a comment may follow.
            std::string rest = trimBlanks(text.substr(i));
            if (!rest.empty() && rest[0] != '#') throw ConfigError("unquoted space in value");
            break;
        } else {
            out += c;
        }
    }
    return out;
}

void ConfigSource::readFile(const std::filesystem::path& file) {
    std::ifstream in(file);
    if (!in) throw ConfigError("cannot read configuration file " + file.string());
    std::string line;
    int lineNo = 0;
    while (std::getline(in, line)) {
        ++lineNo;
        std::string t = trimBlanks(line);
        if (t.empty() || t[0] == '#') continue;
        if (t.rfind("export ", 0) == 0) t = trimBlanks(t.substr(7));
        auto eq = t.find('=');
        std::string key = eq == std::string::npos ? t : t.substr(0, eq);
        if (eq == std::string::npos || !validKey(key))
            throw ConfigError(file.string() + ":" + std::to_string(lineNo) +
                              ": expected KEY=VALUE");
        try {
            assign(key, parseShellValue(t.substr(eq + 1), values_),
                   file.string() + ":" + std::to_string(lineNo));
        } catch (const ConfigError& e) {
            throw ConfigError(file.string() + ":" + std::to_string(lineNo) + ": " + key + ": " +
                              e.what());
        }
    }
}

void ConfigSource::set(const std::string& assignment) {
    auto eq = assignment.find('=');
    if (eq == std::string::npos || !validKey(assignment.substr(0, eq)))
        throw ConfigError("--set needs KEY=VALUE, got '" + assignment + "'");
    assign(assignment.substr(0, eq), assignment.substr(eq + 1), "--set");
}

void ConfigSource::setFromEnvironment(const std::string& key) {
    if (const char* value = std::getenv(key.c_str())) assign(key, value, "environment");
}

std::string ConfigSource::origin(const std::string& key) const {
    auto it = origins_.find(key);
    return it == origins_.end() ? std::string() : it->second;
}

}  // namespace maildex::core
