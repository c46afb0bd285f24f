#include "core/search/thread.h"

#include <algorithm>
#include <numeric>
#include <string_view>
#include <unordered_map>

namespace maildex::core::search {

namespace {

constexpr int kNone = -1;

// A message's place in the sort of siblings: sent date, then mailbox order.
struct DateKey {
    std::int64_t date;
    std::size_t position;
    bool operator<(const DateKey& o) const {
        return date != o.date ? date < o.date : position < o.position;
    }
};

// The REFERENCES algorithm's working tree: a container per message and per message-id
// that is only referred to (a dummy).
class ReferencesThreader {
  public:
    explicit ReferencesThreader(const std::vector<ThreadMessage>& messages) : messages_(messages) {
        containers_.reserve(messages.size() * 2);
        byId_.reserve(messages.size() * 2);
    }

    ThreadTree run() {
        for (std::size_t i = 0; i < messages_.size(); ++i)
            link(i);  // (1)
        std::vector<int> roots;
        for (std::size_t c = 0; c < containers_.size(); ++c)
            if (containers_[c].parent == kNone) roots.push_back(static_cast<int>(c));  // (2)
        roots = pruneDummies(roots);                                                   // (3)
        for (int r : roots)                                                            // (4)
            if (isDummy(r)) sortChildren(r);
        sortSiblings(roots);
        roots = mergeBySubject(roots);  // (5)
        for (std::size_t c = 0; c < containers_.size(); ++c)
            sortChildren(static_cast<int>(c));  // (6): dummies are only at the top,
        sortSiblings(roots);                    // so every key is final before it is used
        return tree(roots);
    }

  private:
    struct Container {
        int message = kNone;  // index into messages_; kNone for a dummy
        int parent = kNone;
        std::vector<int> children;
    };

    bool isDummy(int c) const { return containers_[c].message == kNone; }

    int newContainer() {
        containers_.emplace_back();
        return static_cast<int>(containers_.size() - 1);
    }

    // The container of a referenced message-id: its message's, or a dummy, made once.
    int containerFor(std::string_view id) {
        auto [it, inserted] = byId_.try_emplace(id, 0);
        if (inserted) it->second = newContainer();
        return it->second;
    }

    // Whether `a` is `b` or one of its ancestors.
    bool isAncestorOrSelf(int a, int b) const {
        for (int x = b; x != kNone; x = containers_[x].parent)
            if (x == a) return true;
        return false;
    }

    void setParent(int child, int parent) {
        containers_[child].parent = parent;
        containers_[parent].children.push_back(child);
    }

    void unlink(int child) {
        auto& siblings = containers_[containers_[child].parent].children;
        siblings.erase(std::find(siblings.begin(), siblings.end(), child));
        containers_[child].parent = kNone;
    }

    // "Do not create a parent/child link if creating that link would introduce a loop":
    // the parent must not be the child or one of its descendants. A child without
    // children (the usual case: a message seen for the first time) has no descendants, so
    // a reply chain 100,000 messages deep is not walked once per message.
    bool wouldLoop(int parent, int child) const {
        if (containers_[child].children.empty()) return parent == child;
        return isAncestorOrSelf(child, parent);
    }

    // Step (1) for message i.
    void link(std::size_t i) {
        const ThreadMessage& m = messages_[i];
        // (A) The message's own id: a missing one, or one that an earlier message has
        // (a duplicate), is replaced by a unique id (a container no id leads to).
        int self;
        auto found = m.messageId.empty() ? byId_.end() : byId_.find(m.messageId);
        if (m.messageId.empty()) {
            self = newContainer();
        } else if (found == byId_.end()) {
            self = newContainer();
            byId_.emplace(m.messageId, self);
        } else if (isDummy(found->second)) {
            self = found->second;  // referred to by an earlier message
        } else {
            self = newContainer();
        }
        containers_[self].message = static_cast<int>(i);

        // Each reference the parent of the next; a link that exists is kept (the
        // References field may have been cut short by a mailer).
        int previous = kNone;
        for (const auto& ref : m.references) {
            int current = containerFor(ref);
            if (previous != kNone && containers_[current].parent == kNone &&
                !wouldLoop(previous, current))
                setParent(current, previous);
            previous = current;
        }
        // (B) The last reference is the parent of this message, replacing any parent an
        // earlier (truncated) References field gave it; no reference, no parent.
        if (containers_[self].parent != kNone && containers_[self].parent != previous) unlink(self);
        if (previous != kNone && containers_[self].parent == kNone && !wouldLoop(previous, self))
            setParent(self, previous);
    }

    // Step (3): dummies go, their children take their place; at the top only a dummy
    // with a single child goes (the child becomes a thread of its own), so that siblings
    // under a dummy stay together.
    std::vector<int> pruneDummies(const std::vector<int>& roots) {
        // Children before parents: the reverse of a pre-order walk.
        std::vector<int> preorder, stack(roots.rbegin(), roots.rend());
        while (!stack.empty()) {
            int x = stack.back();
            stack.pop_back();
            preorder.push_back(x);
            for (int child : containers_[x].children)
                stack.push_back(child);
        }
        for (auto it = preorder.rbegin(); it != preorder.rend(); ++it) {
            std::vector<int> kept;
            for (int child : containers_[*it].children) {
                if (!isDummy(child)) {
                    kept.push_back(child);
                    continue;
                }
                for (int grandchild : containers_[child].children) {  // already pruned
                    containers_[grandchild].parent = *it;
                    kept.push_back(grandchild);
                }
            }
            containers_[*it].children = std::move(kept);
        }
        std::vector<int> top;
        for (int r : roots) {
            auto& children = containers_[r].children;
            if (!isDummy(r) || children.size() > 1) {
                top.push_back(r);
            } else if (children.size() == 1) {
                containers_[children.front()].parent = kNone;
                top.push_back(children.front());
                children.clear();
            }
        }
        return top;
    }

    // A container's place among its siblings; a dummy's is its first child's.
    DateKey sortKey(int c) const {
        while (isDummy(c) && !containers_[c].children.empty())
            c = containers_[c].children.front();
        if (isDummy(c)) return {0, 0};
        auto i = static_cast<std::size_t>(containers_[c].message);
        return {messages_[i].sentDate, i};
    }

    void sortSiblings(std::vector<int>& siblings) const {
        std::vector<std::pair<DateKey, int>> keyed;
        keyed.reserve(siblings.size());
        for (int s : siblings)
            keyed.emplace_back(sortKey(s), s);
        std::stable_sort(keyed.begin(), keyed.end(),
                         [](const auto& a, const auto& b) { return a.first < b.first; });
        for (std::size_t n = 0; n < keyed.size(); ++n)
            siblings[n] = keyed[n].second;
    }

    void sortChildren(int c) {
        if (containers_[c].children.size() > 1) sortSiblings(containers_[c].children);
    }

    // The thread subject of a top-level container: its message's base subject, or its
    // first child's for a dummy (5.B.i).
    const std::string& threadSubject(int c) const {
        if (isDummy(c)) c = containers_[c].children.front();
        return messages_[static_cast<std::size_t>(containers_[c].message)].subject;
    }

    bool isReplyOrForward(int c) const {
        return !isDummy(c) &&
               messages_[static_cast<std::size_t>(containers_[c].message)].replyOrForward;
    }

    // Step (5): threads whose subjects are the same become one.
    std::vector<int> mergeBySubject(const std::vector<int>& roots) {
        // (B) One container per subject: a dummy if there is one, else a message that is
        // not a reply or forward if there is one, else the first.
        std::unordered_map<std::string_view, int> table;
        table.reserve(roots.size());
        for (int r : roots) {
            const std::string& subject = threadSubject(r);
            if (subject.empty()) continue;
            auto [it, inserted] = table.try_emplace(subject, r);
            if (inserted) continue;
            int t = it->second;
            if (!isDummy(t) && (isDummy(r) || (isReplyOrForward(t) && !isReplyOrForward(r))))
                it->second = r;
        }
        // (C) Every other thread with that subject joins the one in the table.
        std::vector<char> gone(containers_.size(), 0);
        std::vector<int> added;
        for (int r : roots) {
            const std::string& subject = threadSubject(r);
            if (subject.empty() || gone[static_cast<std::size_t>(r)]) continue;
            int& t = table.find(subject)->second;
            if (t == r) continue;
            if (isDummy(r) && isDummy(t)) {
                for (int child : containers_[r].children)
                    setParent(child, t);
                containers_[r].children.clear();
            } else if (isDummy(t) || (isReplyOrForward(r) && !isReplyOrForward(t))) {
                setParent(r, t);
            } else {
                int dummy = newContainer();
                gone.resize(containers_.size(), 0);
                setParent(t, dummy);
                setParent(r, dummy);
                gone[static_cast<std::size_t>(t)] = 1;
                added.push_back(dummy);
                t = dummy;
            }
            gone[static_cast<std::size_t>(r)] = 1;
        }
        std::vector<int> top;
        for (int r : roots)
            if (!gone[static_cast<std::size_t>(r)]) top.push_back(r);
        top.insert(top.end(), added.begin(), added.end());
        return top;
    }

    ThreadTree tree(const std::vector<int>& roots) const {
        ThreadTree out;
        std::vector<std::uint32_t> nodeOf(containers_.size());
        std::vector<int> stack(roots.rbegin(), roots.rend());
        std::vector<int> order;
        while (!stack.empty()) {
            int x = stack.back();
            stack.pop_back();
            order.push_back(x);
            const auto& children = containers_[x].children;
            stack.insert(stack.end(), children.rbegin(), children.rend());
        }
        out.nodes.resize(order.size());
        for (std::size_t n = 0; n < order.size(); ++n)
            nodeOf[static_cast<std::size_t>(order[n])] = static_cast<std::uint32_t>(n);
        for (std::size_t n = 0; n < order.size(); ++n) {
            const Container& c = containers_[static_cast<std::size_t>(order[n])];
            auto& node = out.nodes[n];
            if (c.message != kNone)
                node.number = messages_[static_cast<std::size_t>(c.message)].number;
            for (int child : c.children)
                node.children.push_back(nodeOf[static_cast<std::size_t>(child)]);
        }
        for (int r : roots)
            out.roots.push_back(nodeOf[static_cast<std::size_t>(r)]);
        return out;
    }

    const std::vector<ThreadMessage>& messages_;
    std::vector<Container> containers_;
    // Keys are views of messages_' strings, which outlive the threader.
    std::unordered_map<std::string_view, int> byId_;
};

}  // namespace

ThreadTree threadReferences(const std::vector<ThreadMessage>& messages) {
    return ReferencesThreader(messages).run();
}

ThreadTree threadOrderedSubject(const std::vector<ThreadMessage>& messages) {
    // Sorted by base subject, then sent date; each run of one subject is a thread whose
    // first message is its root and the others its children (no grandchildren).
    std::vector<std::size_t> order(messages.size());
    std::iota(order.begin(), order.end(), 0);
    auto dateKey = [&](std::size_t i) { return DateKey{messages[i].sentDate, i}; };
    std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
        int c = messages[a].subject.compare(messages[b].subject);
        return c != 0 ? c < 0 : dateKey(a) < dateKey(b);
    });
    ThreadTree tree;
    tree.nodes.resize(messages.size());
    std::vector<std::size_t> firsts;  // message index of each thread's root
    for (std::size_t n = 0; n < order.size(); ++n) {
        std::size_t i = order[n];
        tree.nodes[i].number = messages[i].number;
        if (n > 0 && messages[order[n - 1]].subject == messages[i].subject)
            tree.nodes[firsts.back()].children.push_back(static_cast<std::uint32_t>(i));
        else
            firsts.push_back(i);
    }
    // "The threads are sorted by the sent date of the first message in the thread."
    std::sort(firsts.begin(), firsts.end(),
              [&](std::size_t a, std::size_t b) { return dateKey(a) < dateKey(b); });
    for (auto f : firsts)
        tree.roots.push_back(static_cast<std::uint32_t>(f));
    return tree;
}

void writeThreads(ResponseWriter& w, const ThreadTree& tree) {
    // Opens a thread-list for `node`, writes the message and its chain of only children,
    // and returns the children that must be nested lists (null when there are none).
    auto head = [&](std::uint32_t node) -> const std::vector<std::uint32_t>* {
        w.open();
        const auto* n = &tree.nodes[node];
        if (n->number == 0) return n->children.empty() ? nullptr : &n->children;
        w.number(n->number);
        while (n->children.size() == 1) {
            n = &tree.nodes[n->children.front()];
            w.number(n->number);
        }
        return n->children.empty() ? nullptr : &n->children;
    };
    struct Frame {
        const std::vector<std::uint32_t>* children;
        std::size_t next;
    };
    std::vector<Frame> stack;
    for (std::size_t r = 0; r < tree.roots.size(); ++r) {
        if (r > 0) w.adjacent();  // thread-lists follow each other without a space
        if (const auto* nested = head(tree.roots[r]))
            stack.push_back({nested, 0});
        else
            w.close();
        while (!stack.empty()) {
            Frame& f = stack.back();
            if (f.next == f.children->size()) {
                w.close();
                stack.pop_back();
                continue;
            }
            if (f.next > 0) w.adjacent();
            std::uint32_t child = (*f.children)[f.next++];
            if (const auto* nested = head(child))
                stack.push_back({nested, 0});
            else
                w.close();
        }
    }
}

}  // namespace maildex::core::search
