// maildexctl: the administrator's tool.
//
//   maildexctl reindex PATH...   bring each Maildir's index in line with its files

#include <iostream>
#include <string>
#include <vector>

#include "index/error.h"
#include "index/folder.h"
#include "index/mailstore.h"

namespace {

void usage(std::ostream& out) {
    out << "Usage: maildexctl COMMAND [ARGS]\n"
           "\n"
           "Commands:\n"
           "  reindex PATH...   scan every folder of each Maildir and update its index\n"
           "\n"
           "Run 'maildexctl COMMAND --help' for a command's options.\n";
}

int reindex(const std::vector<std::string>& args) {
    if (args.empty() || args[0] == "--help") {
        std::cout << "Usage: maildexctl reindex PATH...\n\n"
                     "Scans every folder of each Maildir and brings its index in line with the\n"
                     "files, keeping every UID the index or courierimapuiddb already holds.\n";
        return args.empty() ? 2 : 0;
    }
    int failures = 0;
    std::size_t folders = 0, messages = 0;
    for (const auto& path : args) {
        try {
            auto store = maildex::index::Mailstore::open({path, {}});
            for (const auto& entry : store->list()) {
                if (!entry.selectable) continue;
                auto folder = store->folder(entry.name);
                folder->sync(maildex::index::Folder::SyncMode::Full);
                ++folders;
                messages += folder->messageCount();
            }
        } catch (const maildex::index::Error& e) {
            std::cerr << "maildexctl: " << path << ": " << e.what() << "\n";
            ++failures;
        }
    }
    std::cout << "Reindexed " << folders << " folders with " << messages << " messages in "
              << args.size() - static_cast<std::size_t>(failures) << " of " << args.size()
              << " Maildirs.\n";
    return failures ? 1 : 0;
}

}  // namespace

int main(int argc, char** argv) {
    std::vector<std::string> args(argv + 1, argv + argc);
    if (args.empty() || args[0] == "--help" || args[0] == "-h") {
        usage(args.empty() ? std::cerr : std::cout);
        return args.empty() ? 2 : 0;
    }
    std::string command = args[0];
    args.erase(args.begin());
    if (command == "reindex") return reindex(args);
    std::cerr << "maildexctl: unknown command '" << command << "'\n";
    usage(std::cerr);
    return 2;
}
