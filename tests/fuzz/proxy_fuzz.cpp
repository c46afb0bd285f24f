// Fuzz target: the PROXY protocol header (core/proxy_header.h), which a proxy sends but any
// peer a misconfigured network lets through could forge. Whatever the bytes: no crash, and
// the parser keeps the promises the connection's reader relies on - it never asks for
// more than the longest header, it takes no byte past the header, its verdict on a header
// does not depend on the client's bytes behind it, and every prefix of an accepted header
// asks for more (so every byte the reader took off the socket was the header's).

#include <arpa/inet.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "core/proxy_header.h"
#include "tests/fuzz/finding.h"

namespace core = maildex::core;
using Status = core::ProxyParse::Status;

namespace {

[[noreturn]] void fail(const std::string& what, std::string_view shown) {
    maildex::test::finding("proxy_fuzz", what, shown);
}

bool isAddress(const std::string& text) {
    unsigned char buf[16];
    return ::inet_pton(AF_INET, text.c_str(), buf) == 1 ||
           ::inet_pton(AF_INET6, text.c_str(), buf) == 1;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view input(reinterpret_cast<const char*>(data), size);
    auto p = core::parseProxyHeader(input);
    switch (p.status) {
        case Status::NeedMore:
            if (size >= core::kProxyHeaderMax) fail("needs more than the longest header", input);
            return 0;
        case Status::Invalid:
            if (p.error.empty()) fail("refused without a reason", input);
            return 0;
        case Status::Done:
            break;
    }
    if (p.consumed == 0 || p.consumed > size || p.consumed > core::kProxyHeaderMax)
        fail("took " + std::to_string(p.consumed) + " bytes", input);
    if (p.header.version == 1 && p.consumed > core::kProxyV1Max) fail("v1 over 107 bytes", input);
    const auto& h = p.header;
    if (!h.local && (!isAddress(h.sourceAddress) || !isAddress(h.destinationAddress)))
        fail("a client address that is not one: " + h.sourceAddress, input);
    auto alone = core::parseProxyHeader(input.substr(0, p.consumed));
    if (alone.status != Status::Done || alone.consumed != p.consumed ||
        alone.header.sourceAddress != h.sourceAddress || alone.header.sourcePort != h.sourcePort ||
        alone.header.local != h.local || alone.header.clientTls != h.clientTls)
        fail("the verdict depends on the bytes after the header", input);
    for (std::size_t i = 0; i < p.consumed; ++i)
        if (core::parseProxyHeader(input.substr(0, i)).status != Status::NeedMore)
            fail("a prefix of " + std::to_string(i) +
                     " bytes of an accepted header is not "
                     "waited on",
                 input);
    return 0;
}
