// Index-level benchmark (scripts/bench-index runs it and prints medians).
//
//   index_bench make DIR COUNT           a Maildir with COUNT realistic small messages
//   index_bench first-index DIR          time a first full index (no index yet)
//   index_bench first-index-pending DIR  the same as the server does it: until the folder
//                                        answers (rows pending), and until they are in
//   index_bench open DIR                 fresh process: open the indexed folder, read
//                                        the UID/flag list, then again while open; RSS
//   index_bench read DIR                 every UID and flags; the unseen UIDs
//   index_bench copy DIR COUNT           copy COUNT messages to another folder
//   index_bench move DIR COUNT           move COUNT messages to another folder (and back)
//   index_bench store DIR COUNT          STORE a flag, then a keyword, on COUNT messages in
//                                        one command; then 200 commands of one message each
//   index_bench deliver DIR COUNT        delivery into new/ → change event latency
// Each prints "name value unit" lines.

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <mutex>
#include <random>
#include <string>
#include <vector>

#include "index/background.h"
#include "index/mailbox_view.h"
#include "index/mailstore.h"

namespace fs = std::filesystem;
using namespace maildex::index;
using Clock = std::chrono::steady_clock;

namespace {

double ms(Clock::duration d) {
    return std::chrono::duration<double, std::milli>(d).count();
}

long rssKb() {
    std::ifstream in("/proc/self/status");
    std::string line;
    while (std::getline(in, line))
        if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
    return 0;
}

void print(const char* name, double value, const char* unit) {
    std::printf("%s %.3f %s\n", name, value, unit);
}

int make(const fs::path& dir, int count) {
    for (const char* sub : {"cur", "new", "tmp"})
        fs::create_directories(dir / sub);
    std::mt19937 rng(42);
    const char* words[] = {"meeting", "report",   "lunch",  "invoice", "travel", "project",
                           "update",  "question", "review", "draft",   "budget", "release"};
    for (int i = 0; i < count; ++i) {
        std::string subject =
            std::string(words[rng() % 12]) + " " + words[rng() % 12] + " #" + std::to_string(i);
        std::string body;
        int lines = 3 + static_cast<int>(rng() % 20);
        for (int l = 0; l < lines; ++l)
            body += std::string(words[rng() % 12]) + " " + words[rng() % 12] +
                    " and more text on this line.\n";
        // One message in a hundred has a word no other has, for SEARCH BODY benchmarks.
        if (i % 100 == 0) body += "The xylophone arrived today.\n";
        std::string msg = "From: Sender " + std::to_string(rng() % 500) + " <sender" +
                          std::to_string(rng() % 500) +
                          "@example.com>\nTo: user@example.org\nSubject: " + subject +
                          "\nDate: Mon, 1 Jan 2024 10:00:00 +0000\nMessage-ID: <" +
                          std::to_string(i) +
                          "@bench.example.com>\nContent-Type: text/plain; charset=utf-8\n\n" + body;
        long t = 1600000000 + i * 60;
        std::string base = std::to_string(t) + ".M" + std::to_string(i) +
                           "P1.bench,S=" + std::to_string(msg.size());
        // Most mail is read; some flagged or answered.
        std::string flags = (rng() % 10) ? "S" : "";
        if (rng() % 20 == 0) flags = "F" + flags;
        if (rng() % 15 == 0) flags = "R" + flags;
        std::ofstream(dir / "cur" / (base + ":2," + flags)) << msg;
    }
    return 0;
}

void removeIndex(const fs::path& dir) {
    for (const char* f :
         {"maildex.sqlite", "maildex.sqlite-wal", "maildex.sqlite-shm", "courierimapuiddb"})
        fs::remove(dir / f);
    for (const auto& e : fs::directory_iterator(dir))
        if (e.path().filename().string().rfind(".", 0) == 0 && e.is_directory())
            fs::remove_all(e.path());
}

int firstIndex(const fs::path& dir) {
    removeIndex(dir);
    auto t0 = Clock::now();
    auto store = Mailstore::open({dir, {}});
    auto inbox = store->folder("");
    auto t1 = Clock::now();
    print("first_index_ms", ms(t1 - t0), "ms");
    print("messages", inbox->messageCount(), "");
    return 0;
}

int firstIndexPending(const fs::path& dir) {
    removeIndex(dir);
    auto t0 = Clock::now();
    {
        auto store = Mailstore::open({dir, {}, 10'000});
        auto inbox = store->folder("");
        print("first_index_answering_ms", ms(Clock::now() - t0), "ms");
    }
    waitForBackgroundWork();
    print("first_index_pending_done_ms", ms(Clock::now() - t0), "ms");
    return 0;
}

int open(const fs::path& dir) {
    long before = rssKb();
    auto t0 = Clock::now();
    auto store = Mailstore::open({dir, {}});
    auto inbox = store->folder("");
    auto view = inbox->open(false);
    auto meta = view->meta(view->uids());
    auto t1 = Clock::now();
    long after = rssKb();
    auto t2 = Clock::now();
    auto again = store->folder("");
    auto view2 = again->open(false);
    auto t3 = Clock::now();
    print("open_fresh_process_ms", ms(t1 - t0), "ms");
    print("open_again_ms", ms(t3 - t2), "ms");
    print("rss_open_folder_mb", (after - before) / 1024.0, "MB");
    print("messages", static_cast<double>(meta.size()), "");
    return 0;
}

int read(const fs::path& dir) {
    auto store = Mailstore::open({dir, {}});
    auto inbox = store->folder("");
    auto view = inbox->open(false);
    auto t0 = Clock::now();
    auto meta = view->meta(view->uids());
    auto t1 = Clock::now();
    std::vector<std::uint32_t> unseen;
    auto all = view->meta(view->uids());
    auto t2 = Clock::now();
    unseen = inbox->uidsWithout(flag::Seen);
    auto t3 = Clock::now();
    (void)all;
    print("uid_flags_all_ms", ms(t1 - t0), "ms");
    print("unseen_uids_ms", ms(t3 - t2), "ms");
    print("unseen", static_cast<double>(unseen.size()), "");
    return 0;
}

int copy(const fs::path& dir, int count) {
    auto store = Mailstore::open({dir, {}});
    if (store->exists("BenchCopy")) store->remove("BenchCopy");
    store->create("BenchCopy");
    auto inbox = store->folder("");
    auto dest = store->folder("BenchCopy");
    auto uids = inbox->uids();
    uids.resize(std::min<size_t>(uids.size(), static_cast<size_t>(count)));
    auto t0 = Clock::now();
    auto r = inbox->copyTo(uids, *dest, false);
    auto t1 = Clock::now();
    print("copy_ms", ms(t1 - t0), "ms");
    print("copied", static_cast<double>(r.destUids.size()), "");
    store->remove("BenchCopy");
    return 0;
}

int move(const fs::path& dir, int count) {
    auto store = Mailstore::open({dir, {}});
    if (store->exists("BenchMove")) store->remove("BenchMove");
    store->create("BenchMove");
    auto inbox = store->folder("");
    auto dest = store->folder("BenchMove");
    auto uids = inbox->uids();
    uids.resize(std::min<size_t>(uids.size(), static_cast<size_t>(count)));
    auto t0 = Clock::now();
    auto r = inbox->copyTo(uids, *dest, true);
    auto t1 = Clock::now();
    print("move_ms", ms(t1 - t0), "ms");
    print("moved", static_cast<double>(r.destUids.size()), "");
    dest->copyTo(dest->uids(), *inbox, true);  // back, for the next run
    store->remove("BenchMove");
    return 0;
}

int storeFlags(const fs::path& dir, int count) {
    auto store = Mailstore::open({dir, {}});
    auto inbox = store->folder("");
    auto uids = inbox->uids();
    uids.resize(std::min<size_t>(uids.size(), static_cast<size_t>(count)));
    auto timed = [&](const char* name, const UidList& which, FlagChange change) {
        auto t0 = Clock::now();
        inbox->store(which, change);
        print(name, ms(Clock::now() - t0), "ms");
        change.mode = StoreMode::Remove;  // as it was, for the next run
        inbox->store(which, change);
    };
    timed("store_flag_many_ms", uids, FlagChange{StoreMode::Add, flag::Flagged, {}, {}});
    timed("store_keyword_many_ms", uids, FlagChange{StoreMode::Add, 0, {"$Bench"}, {}});
    // One message per command: what a client marking messages one by one costs.
    auto perCommand = [&](const char* name, FlagChange change) {
        std::vector<double> each;
        for (size_t i = 0; i < std::min<size_t>(uids.size(), 200); ++i) {
            auto t0 = Clock::now();
            inbox->store({uids[i]}, change);
            each.push_back(ms(Clock::now() - t0));
        }
        std::sort(each.begin(), each.end());
        print((std::string(name) + "_p50_ms").c_str(), each[each.size() / 2], "ms");
        print((std::string(name) + "_p99_ms").c_str(), each[each.size() * 99 / 100], "ms");
        change.mode = StoreMode::Remove;
        inbox->store(UidList(uids.begin(), uids.begin() + static_cast<std::ptrdiff_t>(
                                                              std::min<size_t>(uids.size(), 200))),
                     change);
    };
    perCommand("store_flag_one", FlagChange{StoreMode::Add, flag::Flagged, {}, {}});
    perCommand("store_keyword_one", FlagChange{StoreMode::Add, 0, {"$Bench"}, {}});
    return 0;
}

int deliver(const fs::path& dir, int count) {
    auto store = Mailstore::open({dir, {}});
    auto inbox = store->folder("");
    std::mutex mu;
    std::condition_variable cv;
    std::uint64_t added = 0;
    auto sub = inbox->subscribe([&](const ChangeEvent& e) {
        if (e.kind != ChangeEvent::Kind::Added) return;
        std::lock_guard lock(mu);
        added += e.uids.size();
        cv.notify_all();
    });
    std::vector<double> latencies;
    for (int i = 0; i < count; ++i) {
        std::string base = std::to_string(1700000000 + i) + ".M" + std::to_string(i) + "P" +
                           std::to_string(getpid()) + ".delivery";
        std::ofstream(dir / "tmp" / base) << "Subject: delivery " << i << "\n\nbody\n";
        std::uint64_t want;
        {
            std::lock_guard lock(mu);
            want = added + 1;
        }
        auto t0 = Clock::now();
        fs::rename(dir / "tmp" / base, dir / "new" / base);
        std::unique_lock lock(mu);
        if (!cv.wait_for(lock, std::chrono::seconds(10), [&] { return added >= want; })) {
            std::cerr << "delivery " << i << " was not seen\n";
            return 1;
        }
        latencies.push_back(ms(Clock::now() - t0));
    }
    std::sort(latencies.begin(), latencies.end());
    print("delivery_event_p50_ms", latencies[latencies.size() / 2], "ms");
    print("delivery_event_p99_ms", latencies[latencies.size() * 99 / 100], "ms");
    print("delivery_event_max_ms", latencies.back(), "ms");
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 3) {
        std::cerr
            << "usage: index_bench make|first-index|first-index-pending|open|read|copy|move|store|"
               "deliver "
               "DIR [COUNT]\n";
        return 2;
    }
    std::string cmd = argv[1];
    fs::path dir = argv[2];
    int count = argc > 3 ? std::stoi(argv[3]) : 0;
    if (cmd == "make") return make(dir, count);
    if (cmd == "first-index") return firstIndex(dir);
    if (cmd == "first-index-pending") return firstIndexPending(dir);
    if (cmd == "open") return open(dir);
    if (cmd == "read") return read(dir);
    if (cmd == "copy") return copy(dir, count);
    if (cmd == "move") return move(dir, count);
    if (cmd == "store") return storeFlags(dir, count);
    if (cmd == "deliver") return deliver(dir, count);
    std::cerr << "unknown command " << cmd << "\n";
    return 2;
}
