#pragma once
// What every maildexctl command shares: argument reading, the exit codes, and finding the
// Maildirs a command works on (paths, --user NAME or --all from the user database).

#include <cstddef>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "app/ctl/paragraph.h"

namespace maildex::ctl {

// Exit codes; every command's --help repeats the ones it uses.
inline constexpr int kExitOk = 0;        // done, nothing to report
inline constexpr int kExitWarnings = 1;  // done, with warnings or differences (listed)
inline constexpr int kExitUsage = 2;     // bad arguments; nothing was done
inline constexpr int kExitFailed = 3;    // failed for at least one Maildir (named on stderr)

// The exit-code paragraph of --help texts.
extern const char* const kExitCodeHelp;
// The paragraph on PATH... | --user NAME | --all.
extern const char* const kTargetHelp;

class UsageError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

// Options in any order: "--name", "--name VALUE" or "--name=VALUE"; "--" ends them.
// Every option must be taken; finish() refuses what is left.
class Args {
  public:
    explicit Args(std::vector<std::string> args) : args_(std::move(args)) {}

    bool help();                                                // --help or -h anywhere
    bool flag(const std::string& name);                         // present (and removed)
    std::optional<std::string> value(const std::string& name);  // last one wins
    std::vector<std::string> values(const std::string& name);   // every one
    // What is left, once no option is: the positional arguments.
    std::vector<std::string> finish();

  private:
    std::vector<std::string> args_;
};

struct Target {
    std::string label;  // what messages call it: the path, or "user alice (path)"
    std::filesystem::path maildir;
};

// The Maildirs named by PATH..., --user NAME (repeatable) or --all, the last two from the
// user database (--userdb FILE, else MAILDEX_USERDB, site_config.h). Takes those options from
// `args`; call before args.finish() and pass the positional arguments. Throws UsageError when
// nothing or too much is named.
std::vector<Target> resolveTargets(Args& args, const std::vector<std::string>& paths);
// Takes the options resolveTargets reads, for commands that check them first.
struct TargetOptions {
    std::vector<std::string> users;
    bool all = false;
    std::optional<std::string> userdb;
};
TargetOptions takeTargetOptions(Args& args);
std::vector<Target> resolveTargets(const TargetOptions& options,
                                   const std::vector<std::string>& paths);

// While alive, the process works with the identity of the Maildir's owner when it runs as
// root (effective uid and gid, supplementary groups dropped), so the files it makes (the
// index, courierimapuiddb, ...) belong to the user the server and Courier run as, and
// permissions are those that user has. Does nothing for a non-root process or a Maildir
// root owns. Throws std::runtime_error when the switch fails.
class AsMaildirOwner {
  public:
    explicit AsMaildirOwner(const std::filesystem::path& maildir);
    ~AsMaildirOwner();
    AsMaildirOwner(const AsMaildirOwner&) = delete;
    AsMaildirOwner& operator=(const AsMaildirOwner&) = delete;

  private:
    bool switched_ = false;
};

// --index-dir DIR, else MAILDEX_INDEX_DIR from the environment or the configuration
// (site_config.h), else empty (the index lives in the Maildir).
std::filesystem::path takeIndexDir(Args& args);

// "1 Maildir", "2 Maildirs", "1,234 folders".
std::string plural(std::size_t n, const std::string& one, const std::string& many);
// An error about a target, prefixed with its label unless the error names it already.
std::string failure(const Target& t, const std::string& what);

// "1,234,567"
std::string withCommas(std::size_t n);
// "1.2 s", "340 ms"
std::string duration(double seconds);
}  // namespace maildex::ctl
