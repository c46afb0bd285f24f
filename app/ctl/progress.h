#pragma once
// The progress bar of long maildexctl work, shown only when stdout is a terminal (so
// scripts and logs get the summary alone):
//
//   [##########----------] 2/3 Maildirs  folder 12/20  61,234 messages  20,345 msg/s
//
// It redraws one line (at most ten times a second) and erases it before anything else is
// printed (say()) and when the work is done.

#include <chrono>
#include <cstddef>
#include <iosfwd>
#include <string>

namespace maildex::ctl {

class Progress {
  public:
    // `maildirs`: how many Maildirs the command works on.
    explicit Progress(std::size_t maildirs);
    ~Progress();
    Progress(const Progress&) = delete;
    Progress& operator=(const Progress&) = delete;

    bool shown() const { return enabled_; }

    // Starting on Maildir number `index` (0-based).
    void maildir(std::size_t index);
    // After each folder: folders done and in all in this Maildir, messages in the folder.
    void folder(std::size_t done, std::size_t total, std::size_t messages);
    // Prints a line (to `out`) without tearing the bar.
    void say(std::ostream& out, const std::string& line);
    // Erases the bar for good.
    void finish();

    std::size_t messages() const { return messages_; }
    double seconds() const;

  private:
    void draw(bool force);
    void erase();

    bool enabled_;
    bool drawn_ = false;
    std::size_t maildirs_;
    std::size_t maildirIndex_ = 0;
    std::size_t foldersDone_ = 0, foldersTotal_ = 0;
    std::size_t messages_ = 0;
    std::chrono::steady_clock::time_point start_, lastDraw_;
};

}  // namespace maildex::ctl
