// core: SEARCH and FETCH take many messages' paths from one query (Folder::lastKnownPaths)
// and must still read a message another program renamed since the index last saw it
// (a flag set by a mail client working on the files, say).

#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "core/engine.h"
#include "index/watcher.h"
#include "tests/support/temp_maildir.h"

namespace maildex::core {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

struct ReadManyMessagesTest : ::testing::Test {
    test::TempMaildir md;
    ImapConfig config;

    // The index must not learn of the rename before the command runs: no inotify, and
    // no periodic check within the test.
    void SetUp() override { index::Watcher::configure({false, 1h, 1h}); }
    void TearDown() override { index::Watcher::configure({}); }

    static std::string run(Engine& engine, const std::string& line) {
        engine.feed(line + "\r\n");
        auto status = engine.run();
        while (status == Engine::Next::Suspended)
            status = engine.resume();
        std::string out = engine.output();
        engine.output().clear();
        return out;
    }
};

TEST_F(ReadManyMessagesTest, AFileRenamedBehindTheIndexIsStillRead) {
    md.deliver("", "Subject: one\n\nnothing here\n", false, "S");
    auto name = md.deliver("", "Subject: two\n\nthe xylophone arrived\n", false, "S");
    md.deliver("", "Subject: three\n\nnothing here either\n", false, "S");

    Engine engine(config, nullptr, {});
    engine.session().preauthenticate({"test", md.path()});
    ASSERT_NE(run(engine, "a SELECT INBOX").find("a OK"), std::string::npos);

    // Another program flags message 2: its file gets a new name.
    auto base = name.substr(0, name.find(':'));
    fs::rename(md.path() / "cur" / name, md.path() / "cur" / (base + ":2,FS"));

    auto search = run(engine, "b UID SEARCH BODY xylophone");
    EXPECT_NE(search.find("* SEARCH 2\r\n"), std::string::npos) << search;
    auto fetch = run(engine, "c UID FETCH 1:3 (BODY.PEEK[TEXT])");
    EXPECT_NE(fetch.find("the xylophone arrived"), std::string::npos) << fetch;
    EXPECT_NE(fetch.find("c OK"), std::string::npos) << fetch;  // not NO [EXPUNGEISSUED]
    auto envelope = run(engine, "d UID FETCH 2 (ENVELOPE)");
    EXPECT_NE(envelope.find("\"two\""), std::string::npos) << envelope;
}

}  // namespace
}  // namespace maildex::core
