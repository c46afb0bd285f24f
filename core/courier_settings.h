#pragma once
// Courier's settings that Maildex understands but does not apply, each with the reason.
//
// A Courier site gives Maildex its /etc/courier/imapd, imapd-ssl and authdaemonrc as they
// are. Every key in them (and every variable of imapd(8)) is one of three things: read by
// buildConfig() and honoured (core/server_config.h), listed here with why it does not
// apply, or unknown (warned about by name). Nothing is dropped without a word: a listed
// key that is present is logged once at start-up with its reason, as a warning when its
// value asks for something Maildex does not do, as information when the value describes
// what Maildex does anyway (IMAP_USELOCKS=1, TLS_VERIFYPEER-free TCPDOPTS...).

#include <string>
#include <vector>

#include "core/config_file.h"

namespace maildex::core {

struct InapplicableSetting {
    const char* key;
    // Values (after trimming, any case) that ask for nothing Maildex does not do anyway;
    // "*" for every value. Any other value makes the note a warning.
    std::vector<std::string> harmless;
    const char* reason;
};

// The table, for documentation and tests.
const std::vector<InapplicableSetting>& inapplicableSettings();

// One sentence about a key of the table that `source` sets and the server does not read.
struct SettingNote {
    std::string key;
    bool warning;  // the value asked for something that will not happen
    std::string text;
};
// `read`: the keys buildConfig() reads (knownConfigKeys()); a key read there is honoured
// even when it is in the table (another part of the server took it on).
std::vector<SettingNote> inapplicableSettingNotes(const ConfigSource& source,
                                                  const std::vector<std::string>& read);

// Whether `key` is in the table (then it is not "unknown").
bool isInapplicableSetting(const std::string& key);

}  // namespace maildex::core
