#include "core/auth/pam_backend.h"

#include <openssl/crypto.h>
#include <pwd.h>
#include <security/pam_appl.h>

#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <thread>
#include <vector>

#include "base/log.h"

namespace maildex::core::auth {

namespace {

// One login's transaction, shared by the worker and the thread running PAM: whichever
// finishes last frees it.
struct Transaction {
    std::string service, confdir, user, password, rhost;
    AccountDefaults accounts;
    std::mutex mu;
    std::condition_variable done;
    bool finished = false;
    AuthResult result;

    ~Transaction() {
        if (!password.empty()) OPENSSL_cleanse(password.data(), password.size());
    }
};

// Answers the modules' prompts: the name for an echoed prompt, the password for a hidden
// one, nothing for messages.
int converse(int count, const pam_message** messages, pam_response** responses, void* data) {
    auto* t = static_cast<Transaction*>(data);
    if (count <= 0 || count > PAM_MAX_NUM_MSG) return PAM_CONV_ERR;
    auto* out = static_cast<pam_response*>(
        std::calloc(static_cast<std::size_t>(count), sizeof(pam_response)));
    if (!out) return PAM_BUF_ERR;
    for (int i = 0; i < count; ++i) {
        const char* answer = nullptr;
        switch (messages[i]->msg_style) {
            case PAM_PROMPT_ECHO_OFF:
                answer = t->password.c_str();
                break;
            case PAM_PROMPT_ECHO_ON:
                answer = t->user.c_str();
                break;
            default:
                break;  // PAM_ERROR_MSG, PAM_TEXT_INFO: nobody to show them to
        }
        if (answer && !(out[i].resp = ::strdup(answer))) {
            for (int j = 0; j < i; ++j)
                if (out[j].resp) {
                    OPENSSL_cleanse(out[j].resp, std::strlen(out[j].resp));
                    std::free(out[j].resp);
                }
            std::free(out);
            return PAM_BUF_ERR;
        }
    }
    *responses = out;
    return PAM_SUCCESS;
}

// PAM_FAIL_DELAY's callback: no delay here; the throttle paces failures.
void noDelay(int, unsigned, void*) {}

// As Courier's authpam, a failed pam_authenticate is a refusal whatever the code (pam_exec,
// for one, says PAM_SYSTEM_ERR for a wrong password); only "the authentication service
// cannot be reached" and the library's own failures are no verdict.
AuthResult fromAuthenticate(int rc, pam_handle_t* h) {
    switch (rc) {
        case PAM_USER_UNKNOWN:
            return AuthResult::refused("unknown user (pam_authenticate)");
        case PAM_AUTHINFO_UNAVAIL:
        case PAM_ABORT:
        case PAM_BUF_ERR:
        case PAM_CONV_ERR:
            return AuthResult::unavailable(std::string("pam_authenticate: ") + pam_strerror(h, rc));
        default:
            return AuthResult::refused(std::string("pam_authenticate: ") + pam_strerror(h, rc));
    }
}

AuthResult fromAccount(int rc, pam_handle_t* h) {
    switch (rc) {
        case PAM_NEW_AUTHTOK_REQD:
            return AuthResult::refused("the password has expired and must be changed");
        case PAM_ACCT_EXPIRED:
            return AuthResult::refused("the account has expired");
        case PAM_PERM_DENIED:
        case PAM_USER_UNKNOWN:
        case PAM_AUTH_ERR:
            return AuthResult::refused(std::string("account disabled (pam_acct_mgmt: ") +
                                       pam_strerror(h, rc) + ")");
        default:
            return AuthResult::unavailable(std::string("pam_acct_mgmt: ") + pam_strerror(h, rc));
    }
}

// The account PAM ended up with (a module may have changed PAM_USER).
AuthResult systemAccount(const std::string& name, const AccountDefaults& accounts) {
    passwd pw{}, *found = nullptr;
    std::vector<char> buf(16384);
    if (::getpwnam_r(name.c_str(), &pw, buf.data(), buf.size(), &found) != 0 || !found)
        return AuthResult::refused("PAM accepted, but there is no system account \"" + name + "\"");
    if (!found->pw_dir || found->pw_dir[0] != '/')
        return AuthResult::refused("the system account has no absolute home directory");
    AuthResult r;
    r.verdict = AuthResult::Verdict::Accepted;
    r.identity.user = found->pw_name;
    r.identity.home = found->pw_dir;
    r.identity.maildir = r.identity.home / accounts.maildirPath;
    r.identity.uid = found->pw_uid;
    r.identity.gid = found->pw_gid;
    return r;
}

AuthResult runPam(Transaction& t) {
    pam_conv conv{converse, &t};
    pam_handle_t* h = nullptr;
    int rc = t.confdir.empty() ? pam_start(t.service.c_str(), t.user.c_str(), &conv, &h)
                               : pam_start_confdir(t.service.c_str(), t.user.c_str(), &conv,
                                                   t.confdir.c_str(), &h);
    if (rc != PAM_SUCCESS || !h)
        return AuthResult::unavailable(std::string("pam_start: ") + pam_strerror(h, rc));
    if (!t.rhost.empty()) pam_set_item(h, PAM_RHOST, t.rhost.c_str());
    pam_set_item(h, PAM_FAIL_DELAY, reinterpret_cast<const void*>(&noDelay));
    AuthResult result;
    rc = pam_authenticate(h, PAM_SILENT | PAM_DISALLOW_NULL_AUTHTOK);
    if (rc != PAM_SUCCESS) {
        result = fromAuthenticate(rc, h);
    } else if (rc = pam_acct_mgmt(h, PAM_SILENT | PAM_DISALLOW_NULL_AUTHTOK); rc != PAM_SUCCESS) {
        result = fromAccount(rc, h);
    } else {
        const void* item = nullptr;
        std::string name = t.user;
        if (pam_get_item(h, PAM_USER, &item) == PAM_SUCCESS && item)
            name = static_cast<const char*>(item);
        result = systemAccount(name, t.accounts);
    }
    pam_end(h, rc);
    return result;
}

}  // namespace

PamBackend::PamBackend(PamOptions options) : options_(std::move(options)) {}

AuthResult PamBackend::authenticate(std::string_view user, std::string_view password,
                                    std::string_view clientAddress) {
    if (user.find('\0') != user.npos || password.find('\0') != password.npos)
        return AuthResult::refused("the name or password holds a NUL");
    if (running_->load() >= options_.maxStuck)
        return AuthResult::unavailable(std::to_string(options_.maxStuck) +
                                       " PAM transactions still running past the time limit");
    auto t = std::make_shared<Transaction>();
    t->service = options_.service;
    t->confdir = options_.confdir.string();
    t->user = std::string(user);
    t->password = std::string(password);
    t->rhost = std::string(clientAddress);
    t->accounts = options_.accounts;
    ++*running_;
    try {
        std::thread([t, running = running_] {
            auto result = runPam(*t);
            std::lock_guard lock(t->mu);
            t->result = std::move(result);
            t->finished = true;
            --*running;
            t->done.notify_all();
        }).detach();
    } catch (const std::system_error& e) {
        --*running_;
        return AuthResult::unavailable(std::string("cannot start a thread: ") + e.what());
    }
    std::unique_lock lock(t->mu);
    if (!t->done.wait_for(lock, options_.timeout, [&] { return t->finished; })) {
        log::warn("pam: service " + options_.service + " gave no answer within " +
                  std::to_string(options_.timeout.count()) +
                  " ms; the transaction is left to finish on its own");
        return AuthResult::unavailable("no answer from PAM in time");
    }
    return std::move(t->result);
}

}  // namespace maildex::core::auth
