#pragma once
// A Maildir in a fresh temporary directory, removed with the object, plus the ways tests
// put messages into it (as an MDA would: tmp/ then rename).

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>

namespace maildex::test {

class TempMaildir {
  public:
    TempMaildir() {
        char tmpl[] = "/tmp/maildex-unit-XXXXXX";
        if (!::mkdtemp(tmpl)) throw std::runtime_error("mkdtemp failed");
        root_ = tmpl;
        path_ = root_ / "Maildir";
        makeDirs(path_);
    }
    ~TempMaildir() {
        // Retried: SQLite may still be removing its -wal/-shm files as a handle closes.
        std::error_code ec;
        for (int i = 0; i < 50 && std::filesystem::exists(root_, ec); ++i) {
            std::filesystem::remove_all(root_, ec);
            if (std::filesystem::exists(root_, ec)) ::usleep(20000);
        }
    }
    TempMaildir(const TempMaildir&) = delete;
    TempMaildir& operator=(const TempMaildir&) = delete;

    const std::filesystem::path& path() const { return path_; }
    const std::filesystem::path& root() const { return root_; }

    std::filesystem::path folderDir(const std::string& folder) const {
        return folder.empty() ? path_ : path_ / ("." + folder);
    }

    void makeFolder(const std::string& folder) {
        makeDirs(folderDir(folder));
        std::ofstream(folderDir(folder) / "maildirfolder");
    }

    // Delivers into new/ (inNew) or cur/ with ":2,<flags>"; returns the file name.
    std::string deliver(const std::string& folder, const std::string& body, bool inNew = true,
                        const std::string& flags = "", long long mtime = 0) {
        static int counter = 0;
        long long t = mtime ? mtime : 1700000000 + counter;
        std::string base = std::to_string(t) + ".M" + std::to_string(++counter) + "P" +
                           std::to_string(::getpid()) + ".unittest";
        auto dir = folderDir(folder);
        auto tmp = dir / "tmp" / base;
        {
            std::ofstream out(tmp, std::ios::binary);
            out << body;
        }
        struct timespec times[2] = {{t, 0}, {t, 0}};
        ::utimensat(AT_FDCWD, tmp.c_str(), times, 0);
        std::string name = inNew ? base : base + ":2," + flags;
        std::filesystem::rename(tmp, dir / (inNew ? "new" : "cur") / name);
        return name;
    }

  private:
    static void makeDirs(const std::filesystem::path& dir) {
        for (const char* sub : {"cur", "new", "tmp"})
            std::filesystem::create_directories(dir / sub);
    }
    std::filesystem::path root_, path_;
};

}  // namespace maildex::test
