#include "index/folder_plan.h"

#include <algorithm>
#include <map>
#include <set>

#include "index/file_util.h"
#include "index/maildir_name.h"

namespace maildex::index {

namespace {

void listInto(const std::filesystem::path& dir, MessageFiles& files) {
    for (const auto& name : listDirectory(dir / "new", true)) {
        auto colon = name.find(':');
        auto [it, inserted] = files.try_emplace(name.substr(0, colon));
        if (!inserted && !it->second.inNew) continue;  // cur/ wins
        it->second = {true, colon == std::string::npos ? "" : name.substr(colon + 1),
                      colon != std::string::npos};
    }
    for (const auto& name : listDirectory(dir / "cur", true)) {
        auto colon = name.find(':');
        files[name.substr(0, colon)] = {false,
                                        colon == std::string::npos ? "" : name.substr(colon + 1),
                                        colon != std::string::npos};
    }
}

}  // namespace

MessageFiles listMessageFiles(const std::filesystem::path& folderDir) {
    MessageFiles files;
    listInto(folderDir, files);
    return files;
}

void addMessageFiles(const std::filesystem::path& folderDir, MessageFiles& files) {
    MessageFiles again;
    listInto(folderDir, again);
    for (auto& [base, seen] : again)
        files[base] = std::move(seen);
}

FolderPlan planFolder(const FolderPlanInput& in) {
    FolderPlan plan;
    // The index's UIDs count only under the UIDVALIDITY they were given in.
    bool indexUsable =
        in.indexUidValidity != 0 && (!in.uidDb || in.uidDb->uidValidity == in.indexUidValidity);
    plan.uidValidity = in.uidDb ? in.uidDb->uidValidity : in.indexUidValidity;

    // Files in Courier's order: who comes first keeps a UID two files claim.
    std::vector<std::pair<DeliveryOrderKey, const std::string*>> order;
    order.reserve(in.files.size());
    for (const auto& [base, seen] : in.files)
        order.emplace_back(deliveryOrderKey(base), &base);
    std::sort(order.begin(), order.end(),
              [](const auto& a, const auto& b) { return a.first < b.first; });

    std::unordered_map<std::uint32_t, const std::string*> taken;
    taken.reserve(in.files.size());
    std::unordered_map<const std::string*, std::pair<std::uint32_t, PlannedMessage::Source>> uidOf;
    uidOf.reserve(in.files.size());
    std::uint32_t maxUid = 0;
    auto claim = [&](const std::string* base, std::uint32_t uid, PlannedMessage::Source source) {
        auto [it, inserted] = taken.emplace(uid, base);
        if (!inserted) return false;
        uidOf[base] = {uid, source};
        maxUid = std::max(maxUid, uid);
        return true;
    };

    if (in.uidDb) {
        auto byBase = in.uidDb->byBase();
        for (const auto& [key, base] : order) {
            auto it = byBase.find(*base);
            if (it == byBase.end()) continue;
            if (!claim(base, it->second, PlannedMessage::Source::Mirror))
                plan.notes.push_back("courierimapuiddb gives UID " + std::to_string(it->second) +
                                     " to both " + *taken[it->second] + " and " + *base +
                                     "; the second is numbered anew");
        }
    }
    if (indexUsable) {
        for (const auto& [key, base] : order) {
            if (uidOf.count(base)) continue;
            auto it = in.indexUids.find(*base);
            if (it != in.indexUids.end()) claim(base, it->second, PlannedMessage::Source::Index);
        }
    }
    std::uint32_t next = std::max<std::uint32_t>(in.uidDb ? in.uidDb->nextUid : 1, maxUid + 1);
    if (indexUsable) next = std::max(next, in.indexUidNext);
    for (const auto& [key, base] : order)
        if (!uidOf.count(base)) claim(base, next++, PlannedMessage::Source::New);
    plan.uidNext = next;

    plan.messages.reserve(in.files.size());
    for (const auto& [base, assigned] : uidOf) {
        PlannedMessage m;
        m.uid = assigned.first;
        m.source = assigned.second;
        m.base = *base;
        m.seen = in.files.at(*base);
        m.flags = MaildirName::parse(m.base + (m.seen.hasInfo ? ":" + m.seen.info : "")).flags();
        plan.messages.push_back(std::move(m));
        switch (assigned.second) {
            case PlannedMessage::Source::Mirror:
                ++plan.fromMirror;
                break;
            case PlannedMessage::Source::Index:
                ++plan.fromIndex;
                break;
            case PlannedMessage::Source::New:
                ++plan.numbered;
                break;
        }
    }
    std::sort(plan.messages.begin(), plan.messages.end(),
              [](const auto& a, const auto& b) { return a.uid < b.uid; });

    if (in.keywords) {
        plan.keywordsKnown = true;
        std::vector<std::string> bases;
        bases.reserve(plan.messages.size());
        for (const auto& m : plan.messages)
            bases.push_back(m.base);
        auto folded = foldCourierKeywordCase(*in.keywords, bases);
        for (auto& m : plan.messages) {
            auto it = folded.find(m.base);
            if (it == folded.end() || it->second.empty()) continue;
            m.keywords.assign(it->second.begin(), it->second.end());
            ++plan.withKeywords;
        }
    }
    return plan;
}

}  // namespace maildex::index
