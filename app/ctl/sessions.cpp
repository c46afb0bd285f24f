// maildexctl who | kick: the running server's sessions, through its admin endpoint
// (MAILDEX_ADMIN_ADDRESS: GET /who, POST /kick).

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/Net/HTMLForm.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/IPAddress.h>
#include <Poco/StreamCopier.h>

#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <sstream>

#include "app/ctl/commands.h"
#include "app/ctl/common.h"
#include "app/ctl/site_config.h"

namespace maildex::ctl {

namespace {

const char* const kAdminHelp =
    "The server is found through its admin endpoint: --admin HOST:PORT, or\n"
    "MAILDEX_ADMIN_ADDRESS from the environment or from the server's configuration\n"
    "(--config FILE, by default /etc/maildex/maildex.conf when it exists).\n";

// Exit codes of who and kick: they work on the server, not on Maildirs.
const char* const kSessionExitCodes =
    "Exit codes:\n"
    "  0  done\n"
    "  1  kick: no session matched\n"
    "  2  bad arguments, or no admin endpoint configured; nothing was done\n"
    "  3  the server's admin endpoint could not be reached or refused the request\n";

std::string adminAddress(Args& args) {
    if (auto a = args.value("--admin")) return *a;
    if (!site().adminAddress.empty()) return site().adminAddress;
    if (!site().files.empty())
        throw UsageError("where is the server? " + site().files.back() +
                         " sets no MAILDEX_ADMIN_ADDRESS; give --admin HOST:PORT");
    throw UsageError("where is the server? give --admin HOST:PORT or --config FILE");
}

// One request to the endpoint; the body of its answer. Throws with a sentence on failure.
std::string request(const std::string& address, const std::string& method, const std::string& path,
                    const std::string& form = {}) {
    auto colon = address.rfind(':');
    if (colon == std::string::npos)
        throw UsageError("admin address '" + address + "' is not HOST:PORT");
    try {
        Poco::Net::HTTPClientSession session(
            address.substr(0, colon),
            static_cast<Poco::UInt16>(std::stoi(address.substr(colon + 1))));
        session.setTimeout(Poco::Timespan(10, 0));
        Poco::Net::HTTPRequest req(method, path, Poco::Net::HTTPMessage::HTTP_1_1);
        if (!form.empty()) {
            req.setContentType("application/x-www-form-urlencoded");
            req.setContentLength(static_cast<std::streamsize>(form.size()));
            session.sendRequest(req) << form;
        } else {
            session.sendRequest(req);
        }
        Poco::Net::HTTPResponse res;
        std::istream& in = session.receiveResponse(res);
        std::string body;
        Poco::StreamCopier::copyToString(in, body);
        if (res.getStatus() != Poco::Net::HTTPResponse::HTTP_OK)
            throw std::runtime_error("the server answered " + std::to_string(res.getStatus()) +
                                     ": " + body);
        return body;
    } catch (const Poco::Exception& e) {
        throw std::runtime_error("cannot reach the server's admin endpoint at " + address + ": " +
                                 e.displayText());
    }
}

}  // namespace

int runWho(std::vector<std::string> raw) {
    Args args(std::move(raw));
    if (args.help()) {
        std::cout << "Usage: maildexctl who [--admin HOST:PORT | --config FILE]\n\n"
                     "Lists the running server's sessions: id, user, client address and whether\n"
                     "it is in IDLE.\n\n"
                  << kAdminHelp << "\n"
                  << kSessionExitCodes;
        return kExitOk;
    }
    try {
        std::string address = adminAddress(args);
        args.finish();
        auto list = Poco::JSON::Parser()
                        .parse(request(address, "GET", "/who"))
                        .extract<Poco::JSON::Array::Ptr>();
        std::size_t idle = 0, anonymous = 0;
        std::printf("%-8s %-24s %-40s %s\n", "SESSION", "USER", "CLIENT", "STATE");
        for (std::size_t i = 0; i < list->size(); ++i) {
            auto o = list->getObject(static_cast<unsigned>(i));
            std::string user = o->getValue<std::string>("user");
            bool isIdle = o->getValue<bool>("idle");
            idle += isIdle;
            anonymous += user.empty();
            std::printf("%-8llu %-24s %-40s %s\n",
                        static_cast<unsigned long long>(o->getValue<std::uint64_t>("id")),
                        user.empty() ? "-" : user.c_str(), o->getValue<std::string>("peer").c_str(),
                        isIdle ? "idle" : (user.empty() ? "not logged in" : "active"));
        }
        std::cout << "\n"
                  << list->size() << " session(s): " << idle << " in IDLE, " << anonymous
                  << " not logged in.\n";
        return kExitOk;
    } catch (const UsageError& e) {
        std::cerr << "maildexctl who: " << e.what() << "\n";
        return kExitUsage;
    } catch (const std::exception& e) {
        std::cerr << "maildexctl who: " << e.what() << "\n";
        return kExitFailed;
    }
}

int runKick(std::vector<std::string> raw) {
    Args args(std::move(raw));
    if (args.help()) {
        std::cout
            << "Usage: maildexctl kick USER|ADDRESS [--admin HOST:PORT | --config FILE]\n\n"
               "Ends every session of a user, or from a client IP address, after the command\n"
               "each is running (the client is told \"* BYE Disconnected by the\n"
               "administrator\").\n\n"
            << kAdminHelp << "\n"
            << kSessionExitCodes;
        return kExitOk;
    }
    try {
        std::string address = adminAddress(args);
        auto positional = args.finish();
        if (positional.size() != 1) throw UsageError("give one user name or IP address");
        const std::string& who = positional[0];
        Poco::Net::IPAddress ip;
        bool isIp = Poco::Net::IPAddress::tryParse(who, ip);
        Poco::Net::HTMLForm form;
        form.set(isIp ? "ip" : "user", who);
        std::ostringstream body;
        form.write(body);
        auto answer = Poco::JSON::Parser()
                          .parse(request(address, "POST", "/kick", body.str()))
                          .extract<Poco::JSON::Object::Ptr>();
        int n = answer->getValue<int>("kicked");
        std::cout << "Disconnected " << n << " session(s) of " << (isIp ? "address " : "user ")
                  << who << ".\n";
        return n > 0 ? kExitOk : kExitWarnings;
    } catch (const UsageError& e) {
        std::cerr << "maildexctl kick: " << e.what() << "\n";
        return kExitUsage;
    } catch (const std::exception& e) {
        std::cerr << "maildexctl kick: " << e.what() << "\n";
        return kExitFailed;
    }
}

}  // namespace maildex::ctl
