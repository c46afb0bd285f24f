#pragma once
// Running another program from a test: posix_spawn, wait, collect its stdout.

#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>
#include <vector>

extern char** environ;

namespace maildex::test {

struct Child {
    pid_t pid = -1;
    int out = -1;  // its stdout, when captured
};

inline Child spawn(const std::vector<std::string>& argv, bool captureStdout = true) {
    std::vector<char*> args;
    for (const auto& a : argv)
        args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    int pipefd[2] = {-1, -1};
    if (captureStdout && ::pipe(pipefd) == 0) {
        posix_spawn_file_actions_adddup2(&actions, pipefd[1], 1);
        posix_spawn_file_actions_addclose(&actions, pipefd[0]);
    }
    Child c;
    if (posix_spawn(&c.pid, args[0], &actions, nullptr, args.data(), environ) != 0) c.pid = -1;
    posix_spawn_file_actions_destroy(&actions);
    if (pipefd[1] >= 0) ::close(pipefd[1]);
    c.out = pipefd[0];
    return c;
}

// Waits for the child; returns its exit status (or 128 + signal), and its output.
inline int wait(Child& c, std::string* output = nullptr) {
    std::string data;
    if (c.out >= 0) {
        char buf[4096];
        ssize_t n;
        while ((n = ::read(c.out, buf, sizeof buf)) > 0)
            data.append(buf, static_cast<size_t>(n));
        ::close(c.out);
        c.out = -1;
    }
    int status = 0;
    ::waitpid(c.pid, &status, 0);
    if (output) *output = data;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

inline int run(const std::vector<std::string>& argv, std::string* output = nullptr) {
    Child c = spawn(argv, true);
    return wait(c, output);
}

}  // namespace maildex::test
