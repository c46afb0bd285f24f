#include "index/maildir_name.h"

#include <pthread.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>

namespace maildex::index {

MaildirName MaildirName::parse(std::string_view filename) {
    MaildirName n;
    auto colon = filename.find(':');
    n.base_ = std::string(filename.substr(0, colon));
    if (colon == std::string_view::npos) return n;
    n.hasInfo_ = true;
    std::string_view info = filename.substr(colon + 1);
    if (info.substr(0, 2) != "2,") {
        n.foreignInfo_ = true;
        n.rawInfo_ = std::string(info);
        return n;
    }
    std::string_view letters = info.substr(2);
    if (auto comma = letters.find(','); comma != std::string_view::npos) {
        n.tail_ = std::string(letters.substr(comma + 1));
        letters = letters.substr(0, comma);
    }
    InfoFlags parsed = parseInfoLetters(letters);
    n.flags_ = parsed.flags;
    n.otherLetters_ = std::move(parsed.otherLetters);
    return n;
}

SystemFlags flagsOfInfo(std::string_view info) {
    if (info.substr(0, 2) != "2,") return 0;
    std::string_view letters = info.substr(2);
    return parseInfoLetters(letters.substr(0, letters.find(','))).flags;
}

std::string MaildirName::infoText() const {
    if (!hasInfo_) return {};
    if (foreignInfo_) return rawInfo_;
    std::string text = "2," + infoLetters(flags_, otherLetters_);
    if (!tail_.empty()) text += "," + tail_;
    return text;
}

std::string MaildirName::withFlags(SystemFlags flags) const {
    if (foreignInfo_) return base_ + ":" + rawInfo_;
    if (!hasInfo_ && flags == 0 && otherLetters_.empty()) return base_;
    std::string name = base_ + ":2," + infoLetters(flags, otherLetters_);
    if (!tail_.empty()) name += "," + tail_;
    return name;
}

std::optional<std::uint64_t> sizeField(std::string_view base, char key) {
    const char pattern[] = {',', key, '='};
    std::string_view p(pattern, 3);
    for (size_t pos = base.find(p); pos != std::string_view::npos; pos = base.find(p, pos + 1)) {
        size_t i = pos + 3;
        std::uint64_t value = 0;
        size_t digits = 0;
        while (i < base.size() && base[i] >= '0' && base[i] <= '9' && digits < 19) {
            value = value * 10 + static_cast<std::uint64_t>(base[i] - '0');
            ++i;
            ++digits;
        }
        if (digits > 0 && (i == base.size() || base[i] == ',' || base[i] == ':')) return value;
    }
    return std::nullopt;
}

DeliveryOrderKey deliveryOrderKey(std::string_view name) {
    name = name.substr(0, name.find(':'));
    DeliveryOrderKey key{0, {}};
    size_t len = 0;
    while (len < name.size() && name[len] >= '0' && name[len] <= '9' && len < 19) {
        key.seconds = key.seconds * 10 + static_cast<std::uint64_t>(name[len] - '0');
        ++len;
    }
    key.rest = name.substr(len);
    return key;
}

int compareDeliveryOrder(std::string_view a, std::string_view b) {
    auto ka = deliveryOrderKey(a), kb = deliveryOrderKey(b);
    if (ka < kb) return -1;
    if (kb < ka) return 1;
    return 0;
}

std::int64_t baseNameKey(std::string_view base) {
    std::uint64_t h = 1469598103934665603ull;
    for (unsigned char c : base) {
        h ^= c;
        h *= 1099511628211ull;
    }
    std::uint64_t seconds = deliveryOrderKey(base).seconds & ((std::uint64_t{1} << 42) - 1);
    return static_cast<std::int64_t>((seconds << 20) | (h & 0xfffff));
}

const std::string& maildirHostname() {
    // Never destroyed: writers on other threads may still name files while the process
    // exits.
    static const std::string& host = *new std::string([] {
        char buf[256] = {};
        if (gethostname(buf, sizeof buf - 1) != 0 || buf[0] == 0) return std::string("localhost");
        std::string out;
        for (const char* p = buf; *p; ++p) {
            if (*p == '/')
                out += "\\057";
            else if (*p == ':')
                out += "\\072";
            else
                out += *p;
        }
        return out;
    }());
    return host;
}

namespace {

// getpid() is a system call each time (glibc stopped caching it); a COPY of 10,000
// messages made 10,000 of them. Kept here, and set again in a forked child.
std::atomic<long> cachedPid{0};

long processId() {
    static const bool registered = [] {
        cachedPid = static_cast<long>(::getpid());
        ::pthread_atfork(nullptr, nullptr, [] { cachedPid = static_cast<long>(::getpid()); });
        return true;
    }();
    (void)registered;
    return cachedPid.load(std::memory_order_relaxed);
}

}  // namespace

std::string newMessageBase(std::int64_t sec, std::int64_t usec, std::uint64_t dev,
                           std::uint64_t ino, std::uint64_t size) {
    // The counter keeps names from one process distinct even if dev/ino were reused
    // within the same microsecond (a tmp file unlinked and another created).
    static std::atomic<std::uint64_t> counter{0};
    char buf[160];
    std::snprintf(buf, sizeof buf, "%lld.M%lldP%ldV%016llXI%016llX_%llu.",
                  static_cast<long long>(sec), static_cast<long long>(usec), processId(),
                  static_cast<unsigned long long>(dev), static_cast<unsigned long long>(ino),
                  static_cast<unsigned long long>(++counter));
    return std::string(buf) + maildirHostname() + ",S=" + std::to_string(size);
}

}  // namespace maildex::index
