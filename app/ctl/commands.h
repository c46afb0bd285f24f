#pragma once
// The maildexctl commands, one family per file under app/ctl/. Each takes the arguments
// after its name and returns the exit code (common.h).

#include <string>
#include <vector>

namespace maildex::ctl {

int runReindex(std::vector<std::string> args);   // reindex.cpp
int runCheck(std::vector<std::string> args);     // check.cpp
int runMigrate(std::vector<std::string> args);   // migrate.cpp
int runExport(std::vector<std::string> args);    // export.cpp
int runUser(std::vector<std::string> args);      // user.cpp
int runExpunge(std::vector<std::string> args);   // expunge.cpp
int runQuota(std::vector<std::string> args);     // quota.cpp
int runWho(std::vector<std::string> args);       // sessions.cpp
int runKick(std::vector<std::string> args);      // sessions.cpp
int runBulletin(std::vector<std::string> args);  // bulletin.cpp

}  // namespace maildex::ctl
