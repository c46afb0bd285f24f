#include "core/commands/copy_across.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <memory>

#include "index/error.h"
#include "index/flags.h"
#include "index/staged_message.h"

namespace maildex::core::commands {

namespace {

// The message's bytes into a new file in `destDir`'s tmp/, in pieces: a message may be
// larger than what a session should hold in memory. nullptr when it is gone.
std::shared_ptr<index::StagedMessage> stageCopy(const std::filesystem::path& from,
                                                const std::filesystem::path& destDir) {
    int fd = ::open(from.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT) return nullptr;
        throw index::Error(index::ErrorKind::Io, "Cannot read " + from.string());
    }
    struct Closer {
        int fd;
        ~Closer() { ::close(fd); }
    } closer{fd};
    auto staged = std::make_shared<index::StagedMessage>(destDir);
    char buf[64 * 1024];
    for (;;) {
        ssize_t n = ::read(fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) throw index::Error(index::ErrorKind::Io, "Cannot read " + from.string());
        if (n == 0) break;
        staged->write(std::string_view(buf, static_cast<std::size_t>(n)));
    }
    staged->finish();
    return staged;
}

}  // namespace

index::CopyResult copyAcrossMaildirs(index::MailboxView& source, const index::UidList& uids,
                                     index::Folder& dest, const index::CopyFlagFilter& filter) {
    auto& from = source.folder();
    std::vector<index::NewMessage> messages;
    index::CopyResult result;
    for (const auto& meta : source.meta(uids)) {
        if (meta.expunged) continue;
        index::MessageFile file;
        try {
            file = from.file(meta.uid);
        } catch (const index::Error& e) {
            if (e.kind() == index::ErrorKind::NotFound) continue;
            throw;
        }
        auto staged = stageCopy(file.path, dest.dir());
        if (!staged) continue;
        index::NewMessage m;
        m.staged = std::move(staged);
        m.flags = meta.flags & index::flag::ImapMask & ~filter.drop;
        if (!filter.dropKeywords) m.keywords = from.keywordNames(meta.keywords);
        m.internalDate = file.internalDate;
        messages.push_back(std::move(m));
        result.sourceUids.push_back(meta.uid);
    }
    if (messages.empty()) return result;
    result.destUids = dest.append(messages);
    result.destUidValidity = dest.uidValidity();
    return result;
}

void removeMoved(index::MailboxView& source, const index::UidList& uids) {
    if (uids.empty()) return;
    auto& folder = source.folder();
    index::FlagChange mark;
    mark.mode = index::StoreMode::Add;
    mark.flags = index::flag::Deleted;
    folder.store(uids, mark);
    folder.expungeDeleted(&uids);
}

}  // namespace maildex::core::commands
