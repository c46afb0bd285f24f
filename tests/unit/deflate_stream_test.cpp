// COMPRESS=DEFLATE's transform (net/deflate_stream.h) against zlib as the client's side:
// round trips, release and restore between bursts, input split at every byte, garbage,
// and a decompression bomb.

#include "net/deflate_stream.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include <string>

namespace maildex::net {
namespace {

// The client's end: its own raw deflate and inflate streams, as Thunderbird's or Python's.
class Peer {
  public:
    Peer() {
        EXPECT_EQ(deflateInit2(&out_, 6, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY), Z_OK);
        EXPECT_EQ(inflateInit2(&in_, -15), Z_OK);
    }
    ~Peer() {
        deflateEnd(&out_);
        inflateEnd(&in_);
    }
    std::string send(const std::string& text, int flush = Z_SYNC_FLUSH) {
        std::string out;
        out_.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(text.data()));
        out_.avail_in = static_cast<uInt>(text.size());
        char buf[4096];
        do {
            out_.next_out = reinterpret_cast<Bytef*>(buf);
            out_.avail_out = sizeof buf;
            int r = deflate(&out_, flush);
            EXPECT_TRUE(r == Z_OK || r == Z_BUF_ERROR || r == Z_STREAM_END);
            out.append(buf, sizeof buf - out_.avail_out);
        } while (out_.avail_out == 0);
        return out;
    }
    std::string receive(const std::string& data) {
        std::string out;
        in_.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
        in_.avail_in = static_cast<uInt>(data.size());
        char buf[4096];
        do {
            in_.next_out = reinterpret_cast<Bytef*>(buf);
            in_.avail_out = sizeof buf;
            int r = inflate(&in_, Z_SYNC_FLUSH);
            EXPECT_TRUE(r == Z_OK || r == Z_BUF_ERROR) << r;
            out.append(buf, sizeof buf - in_.avail_out);
        } while (in_.avail_out == 0 || in_.avail_in > 0);
        return out;
    }

  private:
    z_stream out_{};
    z_stream in_{};
};

constexpr std::size_t kLimit = 256 * 1024;

std::string inflateAll(DeflateStream& s, const std::string& data) {
    s.addInput(data);
    std::string out;
    EXPECT_TRUE(s.inflateInto(out, kLimit)) << s.error();
    return out;
}

TEST(DeflateStream, RoundTripsBothWays) {
    Peer client;
    DeflateStream server;
    std::string cmd = "a1 SELECT INBOX\r\n";
    EXPECT_EQ(inflateAll(server, client.send(cmd)), cmd);
    std::string response;
    for (int i = 1; i <= 500; ++i)
        response +=
            "* " + std::to_string(i) + " FETCH (FLAGS (\\Seen) UID " + std::to_string(i) + ")\r\n";
    std::string wire;
    server.compress(response, wire);
    EXPECT_LT(wire.size(), response.size() / 4);
    EXPECT_EQ(client.receive(wire), response);
}

TEST(DeflateStream, ReleasedBetweenBurstsAndContinuesBothWays) {
    Peer client;
    DeflateStream server;
    std::string cmd1 = "a1 LOGIN someone secret-password\r\n";
    EXPECT_EQ(inflateAll(server, client.send(cmd1)), cmd1);
    std::string wire;
    server.compress("a1 OK Logged in\r\n", wire);
    EXPECT_EQ(client.receive(wire), "a1 OK Logged in\r\n");
    EXPECT_TRUE(server.deflaterLive());
    EXPECT_GT(server.zlibBytes(), 200u * 1024);

    server.release();
    EXPECT_FALSE(server.deflaterLive());
    EXPECT_FALSE(server.inflaterLive());
    EXPECT_EQ(server.zlibBytes(), 0u);
    // Only what the client sent is kept: its stream may refer back into it.
    EXPECT_EQ(server.keptHistory(), cmd1.size());

    // The client's next command repeats the first: its deflater refers back to it.
    std::string cmd2 = "a2 LOGIN someone secret-password\r\n";
    std::string sent = client.send(cmd2);
    EXPECT_LT(sent.size(), cmd2.size() / 2);  // it did refer back
    EXPECT_EQ(inflateAll(server, sent), cmd2);
    EXPECT_EQ(server.keptHistory(), 0u);  // back in the live window

    // The server's new deflate stream continues the client's inflater's.
    wire.clear();
    server.compress("* 3 EXISTS\r\n", wire);
    server.release();
    server.compress("* 4 EXISTS\r\n", wire);
    EXPECT_EQ(client.receive(wire), "* 3 EXISTS\r\n* 4 EXISTS\r\n");

    server.release();
    EXPECT_EQ(server.keptHistory(), cmd1.size() + cmd2.size());
    EXPECT_EQ(inflateAll(server, client.send("DONE\r\n")), "DONE\r\n");
}

TEST(DeflateStream, KeepsAGaugeOfWhatZlibHolds) {
    std::atomic<std::int64_t> gauge{0};
    {
        Peer client;
        DeflateStream a(&gauge), b(&gauge);
        std::string wire;
        a.compress("* OK\r\n", wire);
        EXPECT_EQ(inflateAll(b, client.send("a1 NOOP\r\n")), "a1 NOOP\r\n");
        EXPECT_EQ(gauge.load(), static_cast<std::int64_t>(a.zlibBytes() + b.zlibBytes()));
        a.release();
        EXPECT_EQ(gauge.load(), static_cast<std::int64_t>(b.zlibBytes()));
    }
    EXPECT_EQ(gauge.load(), 0);
}

TEST(DeflateStream, HistoryKeptIsAtMostTheWindow) {
    Peer client;
    DeflateStream server;
    std::string big;
    for (int i = 0; big.size() < 100000; ++i)
        big += "a" + std::to_string(i) + " NOOP\r\n";
    EXPECT_EQ(inflateAll(server, client.send(big)), big);
    server.release();
    EXPECT_EQ(server.keptHistory(), 32768u);
    std::string again = big.substr(big.size() - 20000);
    EXPECT_EQ(inflateAll(server, client.send(again)), again);
}

TEST(DeflateStream, ClientStreamSplitAtEveryByte) {
    std::string commands[] = {"a1 SELECT INBOX\r\n", "a2 UID FETCH 1:* (FLAGS)\r\n", "a3 IDLE\r\n",
                              "DONE\r\n", "a4 SELECT INBOX\r\n"};
    Peer client;
    std::string wire, expected;
    for (const auto& c : commands) {
        wire += client.send(c);
        expected += c;
    }
    int released = 0;
    for (std::size_t cut = 0; cut <= wire.size(); ++cut) {
        DeflateStream server;
        std::string out = inflateAll(server, wire.substr(0, cut));
        server.release();  // wherever the cut fell
        released += !server.inflaterLive();
        out += inflateAll(server, wire.substr(cut));
        EXPECT_EQ(out, expected) << "cut at " << cut;
    }
    // Between the commands (each ends in a sync flush), and only there.
    EXPECT_GE(released, 5);
    EXPECT_LT(released, static_cast<int>(wire.size()) / 4);
    // One byte at a time, releasing after each.
    DeflateStream server;
    std::string out;
    for (char ch : wire) {
        out += inflateAll(server, std::string(1, ch));
        server.release();
    }
    EXPECT_EQ(out, expected);
}

TEST(DeflateStream, PartialFlushKeepsTheInflater) {
    // Z_PARTIAL_FLUSH leaves bits between blocks: nothing to release then, and still right.
    Peer client;
    DeflateStream server;
    std::string text = "a1 NOOP\r\n";
    EXPECT_EQ(inflateAll(server, client.send(text, Z_PARTIAL_FLUSH)), text);
    server.release();
    std::string more = "a2 NOOP\r\n";
    EXPECT_EQ(inflateAll(server, client.send(more)), more);
}

TEST(DeflateStream, GarbageIsAnErrorNotACrash) {
    DeflateStream server;
    server.addInput(std::string("\xff\xff\xff\xff garbage", 12));
    std::string out;
    EXPECT_FALSE(server.inflateInto(out, kLimit));
    EXPECT_FALSE(server.error().empty());
    EXPECT_FALSE(server.inflateInto(out, kLimit));  // stays failed
    server.release();                               // and harmless
}

TEST(DeflateStream, GarbageAfterGoodInput) {
    Peer client;
    DeflateStream server;
    EXPECT_EQ(inflateAll(server, client.send("a1 NOOP\r\n")), "a1 NOOP\r\n");
    server.addInput(std::string("\x07\xff\xfe", 3));  // reserved block type 3
    std::string out;
    EXPECT_FALSE(server.inflateInto(out, kLimit));
}

TEST(DeflateStream, InputAfterTheFinalBlockIsAnError) {
    Peer client;
    DeflateStream server;
    EXPECT_EQ(inflateAll(server, client.send("a1 LOGOUT\r\n", Z_FINISH)), "a1 LOGOUT\r\n");
    server.addInput("x");
    std::string out;
    EXPECT_FALSE(server.inflateInto(out, kLimit));
}

TEST(DeflateStream, BombIsInflatedInBoundedSteps) {
    Peer client;
    std::string zeros(64 * 1024 * 1024, 'A');
    std::string wire = client.send(zeros);
    EXPECT_LT(wire.size(), 100u * 1024);
    // Held back: 1 KB of it inflates to about 1 MB.
    wire += client.send("a1 NOOP\r\n");
    DeflateStream server;
    server.addInput(wire);
    std::size_t total = 0, peak = 0, steps = 0;
    while (server.hasPendingInput()) {
        std::string out;
        ASSERT_TRUE(server.inflateInto(out, kLimit));
        ASSERT_LE(out.size(), kLimit);
        ASSERT_LT(++steps, 300u);  // 256 full steps, and the last look
        total += out.size();
        peak = std::max(peak, server.zlibBytes());
    }
    EXPECT_EQ(total, zeros.size() + 9);
    EXPECT_LT(peak, 64u * 1024);  // the inflater's state and window, nothing more
}

TEST(DeflateStream, OutputLeftInsideZlibIsNotForgotten) {
    // Input that ends inside a long run of matches (the client's flush not here yet):
    // once zlib has taken all of it, it may still owe output when the room ran out.
    Peer client;
    std::string run;
    for (int i = 0; run.size() < 300000; ++i)
        run += std::string(static_cast<std::size_t>(200 + i % 97), static_cast<char>('A' + i % 7));
    std::string full = client.send(run);
    for (std::size_t cut = 5; cut < 60; ++cut) {
        std::string wire = full.substr(0, full.size() - cut);
        std::string whole;
        {
            DeflateStream server;
            server.addInput(wire);
            ASSERT_TRUE(server.inflateInto(whole, 1u << 30));
        }
        for (std::size_t limit : {1000u, 4095u, 65536u}) {
            DeflateStream server;
            server.addInput(wire);
            std::string all;
            for (int i = 0; server.hasPendingInput() && i < 1000; ++i) {
                std::string out;
                ASSERT_TRUE(server.inflateInto(out, limit));
                all += out;
            }
            EXPECT_EQ(all.size(), whole.size()) << "cut " << cut << ", room " << limit;
        }
    }
}

}  // namespace
}  // namespace maildex::net
