#pragma once
// ASCII character classes and case folding for the protocol's words. IMAP compares
// command names, atoms, flags, charsets, month names and "INBOX" without regard to case
// in ASCII only (RFC 3501 section 9: "case-insensitive" means ASCII letters), whatever
// locale the process runs in; <cctype>'s functions follow the locale, these do not.

#include <string>
#include <string_view>

namespace maildex::core::ascii {

constexpr char toUpper(char c) {
    return c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c;
}

constexpr char toLower(char c) {
    return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

// The value of a hexadecimal digit (either case), -1 for any other byte: QP, RFC 2231 and
// URL escapes.
constexpr int hexValue(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

inline std::string upper(std::string s) {
    for (char& c : s)
        c = toUpper(c);
    return s;
}

inline std::string lower(std::string s) {
    for (char& c : s)
        c = toLower(c);
    return s;
}

constexpr bool iequals(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i)
        if (toLower(a[i]) != toLower(b[i])) return false;
    return true;
}

constexpr bool istartsWith(std::string_view s, std::string_view prefix) {
    return s.size() >= prefix.size() && iequals(s.substr(0, prefix.size()), prefix);
}

// ATOM-CHAR (RFC 3501 and RFC 9051 section 9): any CHAR except atom-specials, that is
// not a control or space, and none of ( ) { % * " \ ].
constexpr bool isAtomChar(unsigned char c) {
    if (c <= 0x20 || c >= 0x7f) return false;
    switch (c) {
        case '(':
        case ')':
        case '{':
        case '%':
        case '*':
        case '"':
        case '\\':
        case ']':
            return false;
        default:
            return true;
    }
}

// ASTRING-CHAR: ATOM-CHAR or "]" (resp-specials).
constexpr bool isAstringChar(unsigned char c) {
    return isAtomChar(c) || c == ']';
}

}  // namespace maildex::core::ascii
