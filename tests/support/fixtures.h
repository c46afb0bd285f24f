#pragma once
// The real Maildirs of tests/fixtures/ (made by Courier-IMAP and Dovecot themselves),
// unpacked into a temporary directory, and what the server reported for them over IMAP
// (expected.json), as plain structs.

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include "tests/support/temp_maildir.h"

namespace maildex::test {

struct ExpectedMessage {
    std::uint32_t uid = 0;
    std::string file;  // name in cur/
    std::vector<std::string> flags;
    std::vector<std::string> keywords;
};

struct ExpectedFolder {
    std::string imapName;         // as the server showed it (modified UTF-7)
    std::string imapNameDecoded;  // UTF-8
    std::string dir;              // "." for INBOX, ".Sent", ...
    bool subscribed = false;
    bool selectable = true;
    std::uint32_t uidValidity = 0;
    std::uint32_t uidNext = 0;
    std::vector<std::string> selectFlags;                     // FLAGS at SELECT
    std::vector<std::pair<std::string, std::string>> getAcl;  // GETACL (Courier only)
    std::vector<ExpectedMessage> messages;                    // ascending UIDs
};

inline std::filesystem::path fixturesDir() {
    // This header is tests/support/fixtures.h; the fixtures live in tests/fixtures/.
    return std::filesystem::path(__FILE__).parent_path().parent_path() / "fixtures";
}

// One fixture ("courier-small", "dovecot-small") unpacked into a fresh temporary directory.
class Fixture {
  public:
    explicit Fixture(const std::string& name) : dir_(fixturesDir() / name) {
        std::filesystem::path archive;
        for (const auto& e : std::filesystem::directory_iterator(dir_))
            if (e.path().string().ends_with(".tar.gz")) archive = e.path();
        if (archive.empty()) throw std::runtime_error("no archive in " + dir_.string());
        // The archive unpacks to Maildir/, which is where TempMaildir's Maildir lives.
        std::filesystem::remove_all(tmp_.path());
        std::string cmd = "tar -xzf '" + archive.string() + "' -C '" + tmp_.root().string() + "'";
        if (std::system(cmd.c_str()) != 0) throw std::runtime_error("failed: " + cmd);

        std::ifstream in(dir_ / "expected.json", std::ios::binary);
        Poco::JSON::Parser parser;
        json_ = parser.parse(in).extract<Poco::JSON::Object::Ptr>();
        auto folders = json_->getArray("folders");
        for (size_t i = 0; i < folders->size(); ++i)
            folders_.push_back(parseFolder(folders->getObject(static_cast<unsigned>(i))));
    }

    const std::filesystem::path& maildir() const { return tmp_.path(); }
    std::filesystem::path folderDir(const ExpectedFolder& f) const {
        return f.dir == "." ? tmp_.path() : tmp_.path() / f.dir;
    }
    const std::vector<ExpectedFolder>& folders() const { return folders_; }
    const ExpectedFolder& folder(const std::string& imapName) const {
        for (const auto& f : folders_)
            if (f.imapName == imapName) return f;
        throw std::runtime_error("no folder " + imapName + " in expected.json");
    }
    std::vector<std::string> strings(const std::string& key) const {
        return toStrings(json_->getArray(key));
    }

  private:
    static std::vector<std::string> toStrings(const Poco::JSON::Array::Ptr& a) {
        std::vector<std::string> out;
        if (!a) return out;
        for (size_t i = 0; i < a->size(); ++i)
            out.push_back(a->getElement<std::string>(static_cast<unsigned>(i)));
        return out;
    }

    static ExpectedFolder parseFolder(const Poco::JSON::Object::Ptr& o) {
        ExpectedFolder f;
        f.imapName = o->getValue<std::string>("imap_name");
        f.imapNameDecoded = o->getValue<std::string>("imap_name_decoded");
        f.dir = o->getValue<std::string>("dir");
        f.subscribed = o->getValue<bool>("subscribed");
        f.selectable = !o->has("noselect");
        if (!f.selectable) return f;
        f.uidValidity = o->getValue<std::uint32_t>("uidvalidity");
        f.uidNext = o->getValue<std::uint32_t>("uidnext");
        f.selectFlags = toStrings(o->getObject("select")->getArray("flags"));
        if (auto acl = o->getArray("getacl"))
            for (size_t i = 0; i < acl->size(); ++i) {
                auto pair = toStrings(acl->getArray(static_cast<unsigned>(i)));
                f.getAcl.emplace_back(pair.at(0), pair.at(1));
            }
        auto messages = o->getArray("messages");
        for (size_t i = 0; messages && i < messages->size(); ++i) {
            auto m = messages->getObject(static_cast<unsigned>(i));
            ExpectedMessage e;
            e.uid = m->getValue<std::uint32_t>("uid");
            e.file = m->getValue<std::string>("file");
            e.flags = toStrings(m->getArray("flags"));
            e.keywords = toStrings(m->getArray("keywords"));
            f.messages.push_back(std::move(e));
        }
        return f;
    }

    std::filesystem::path dir_;
    TempMaildir tmp_;
    Poco::JSON::Object::Ptr json_;
    std::vector<ExpectedFolder> folders_;
};

// The base name of a message file name (up to the ':' of the info part).
inline std::string baseOf(const std::string& file) {
    return file.substr(0, file.find(':'));
}

}  // namespace maildex::test
