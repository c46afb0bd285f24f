#pragma once
// How a fuzz target reports what it found beyond a crash: what is wrong and the text that
// shows it, then abort(), which libFuzzer (and the replayer) treat as a finding.

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

namespace maildex::test {

[[noreturn]] inline void finding(std::string_view target, const std::string& what,
                                 std::string_view shown) {
    std::fprintf(stderr, "%.*s: %s\n--- shown ---\n%.*s\n--- end ---\n",
                 static_cast<int>(target.size()), target.data(), what.c_str(),
                 static_cast<int>(std::min<std::size_t>(shown.size(), 4000)), shown.data());
    std::abort();
}

}  // namespace maildex::test
