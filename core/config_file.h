#pragma once
// The configuration file format: KEY=VALUE lines read with shell quoting rules (double
// quotes with backslash escapes and $VAR expansion, single quotes literal, '#' comments,
// an optional "export "), so Courier's /etc/courier/imapd and imapd-ssl can be read as
// they are. Later files and --set KEY=VALUE win. This is only the format, the raw
// KEY -> VALUE map: which keys mean what is core/server_config.h. Pure parsing, so the
// admin tool can read the server's files without the network library.

#include <filesystem>
#include <map>
#include <stdexcept>
#include <string>
#include <string_view>

namespace maildex::core {

// What reading or interpreting the configuration throws: a sentence naming the file and
// line, or the key.
class ConfigError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

// The raw KEY -> VALUE map of files and overrides, after quoting and expansion.
class ConfigSource {
  public:
    // Reads a file; throws ConfigError naming file and line.
    void readFile(const std::filesystem::path& file);
    // "KEY=VALUE" from the command line.
    void set(const std::string& assignment);
    // KEY from the process environment when it is set there (maildexctl honours
    // $MAILDEX_USERDB and $MAILDEX_INDEX_DIR over the file, as it always has).
    void setFromEnvironment(const std::string& key);
    const std::map<std::string, std::string>& values() const { return values_; }
    // Where KEY's value came from, for --check-config: "FILE:LINE", "--set" or
    // "environment"; empty when no file, --set or environment gave it.
    std::string origin(const std::string& key) const;

  private:
    void assign(const std::string& key, const std::string& value, std::string origin) {
        values_[key] = value;
        origins_[key] = std::move(origin);
    }
    std::map<std::string, std::string> values_;
    std::map<std::string, std::string> origins_;
};

// Parses one shell-style value ("a b", 'x', "$OTHER y", plain) with `vars` for expansion.
std::string parseShellValue(const std::string& text,
                            const std::map<std::string, std::string>& vars);

// `s` without the spaces, tabs and carriage returns around it.
std::string trimBlanks(std::string_view s);

}  // namespace maildex::core
