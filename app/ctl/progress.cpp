#include "app/ctl/progress.h"

#include <unistd.h>

#include <cstdio>
#include <iostream>

#include "app/ctl/common.h"

namespace maildex::ctl {

Progress::Progress(std::size_t maildirs)
    : enabled_(::isatty(STDOUT_FILENO) == 1),
      maildirs_(maildirs),
      start_(std::chrono::steady_clock::now()) {}

Progress::~Progress() {
    finish();
}

double Progress::seconds() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
}

void Progress::maildir(std::size_t index) {
    maildirIndex_ = index;
    foldersDone_ = foldersTotal_ = 0;
    draw(false);
}

void Progress::folder(std::size_t done, std::size_t total, std::size_t messages) {
    foldersDone_ = done;
    foldersTotal_ = total;
    messages_ += messages;
    // A Maildir's last folder is always drawn, however soon after the one before: the
    // last frame a user sees of it says N/N, not where the throttle last let it draw.
    draw(done == total);
}

void Progress::say(std::ostream& out, const std::string& line) {
    erase();
    out << line << "\n";
    out.flush();
    draw(true);
}

void Progress::finish() {
    erase();
    enabled_ = false;
}

void Progress::erase() {
    if (!enabled_ || !drawn_) return;
    std::cout << "\r\033[K" << std::flush;
    drawn_ = false;
}

void Progress::draw(bool force) {
    if (!enabled_) return;
    auto now = std::chrono::steady_clock::now();
    if (!force && drawn_ && now - lastDraw_ < std::chrono::milliseconds(100)) return;
    lastDraw_ = now;
    // The bar fills with Maildirs when there are several, else with folders.
    double fraction = 0;
    if (maildirs_ > 1)
        fraction = (static_cast<double>(maildirIndex_) +
                    (foldersTotal_ ? static_cast<double>(foldersDone_) / foldersTotal_ : 0)) /
                   static_cast<double>(maildirs_);
    else if (foldersTotal_)
        fraction = static_cast<double>(foldersDone_) / static_cast<double>(foldersTotal_);
    constexpr int kWidth = 20;
    int filled = static_cast<int>(fraction * kWidth + 0.5);
    std::string line = "[" + std::string(static_cast<size_t>(filled), '#') +
                       std::string(static_cast<size_t>(kWidth - filled), '-') + "] ";
    if (maildirs_ > 1)
        line += std::to_string(std::min(maildirIndex_ + 1, maildirs_)) + "/" +
                std::to_string(maildirs_) + " Maildirs  ";
    // Until the first folder is done the number of folders is not known: no "0/0".
    if (foldersTotal_ == 0)
        line += "listing folders";
    else
        line += (maildirs_ > 1 ? "folder " : "") + std::to_string(foldersDone_) + "/" +
                std::to_string(foldersTotal_) + (maildirs_ > 1 ? "" : " folders");
    double s = seconds();
    line += "  " + withCommas(messages_) + " messages";
    if (s > 0.05)
        line += "  " + withCommas(static_cast<std::size_t>(static_cast<double>(messages_) / s)) +
                " msg/s";
    std::cout << "\r\033[K" << line << std::flush;
    drawn_ = true;
}

}  // namespace maildex::ctl
