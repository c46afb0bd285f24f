// SCRAM-SHA-256's server side (core/auth/scram.h): RFC 7677's example exchange, Dovecot's
// stored form as `doveadm pw -s SCRAM-SHA-256` writes it, and every way a client can get
// the exchange wrong (bad proof, changed nonce, channel binding that does not match or is
// downgraded).

#include <gtest/gtest.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

#include "core/auth/scram.h"

namespace maildex::core::auth {
namespace {

// RFC 7677 section 3.
constexpr const char* kClientFirst = "n,,n=user,r=rOprNGfwEbeRWgbNEkqO";
constexpr const char* kServerNonce = "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0";
constexpr const char* kServerFirst =
    "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096";
constexpr const char* kClientFinal =
    "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
    "p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=";
constexpr const char* kServerFinal = "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=";

ScramKeys pencil() {
    return scramKeysFor("pencil", *base64Decode("W22ZaJ0SNY7soEsUEjb6gQ=="), 4096);
}

TEST(Scram, Rfc7677ExampleExchange) {
    ScramExchange x(false, false, nullptr);
    std::string error, final;
    ASSERT_TRUE(x.clientFirst(kClientFirst, error)) << error;
    EXPECT_EQ(x.user(), "user");
    EXPECT_EQ(x.serverFirst(pencil(), kServerNonce), kServerFirst);
    ASSERT_TRUE(x.clientFinal(kClientFinal, final, error)) << error;
    EXPECT_EQ(final, kServerFinal);
}

TEST(Scram, DovecotStoredFormFromDoveadm) {
    // doveadm pw -s SCRAM-SHA-256 -p secret (Dovecot 2.3.19)
    auto keys = parseDovecotScram(
        "4096,YrkvRrjzNTqfbA2DL1wLiQ==,fjgy6b+knb39CjnNQSzMtCVq/lC/XdfbPNA9trJw0wM=,"
        "hRDc4oA4aq9viyNkB1r7zcBlGnj1UmBTDHYZKuhgdYQ=");
    ASSERT_TRUE(keys);
    auto fromPassword = scramKeysFor("secret", keys->salt, 4096);
    EXPECT_EQ(fromPassword.storedKey, keys->storedKey);
    EXPECT_EQ(fromPassword.serverKey, keys->serverKey);
    EXPECT_EQ(formatDovecotScram(*keys),
              "4096,YrkvRrjzNTqfbA2DL1wLiQ==,fjgy6b+knb39CjnNQSzMtCVq/lC/XdfbPNA9trJw0wM=,"
              "hRDc4oA4aq9viyNkB1r7zcBlGnj1UmBTDHYZKuhgdYQ=");
    EXPECT_FALSE(parseDovecotScram("4096,YrkvRrjzNTqfbA2DL1wLiQ==,short,short"));
    EXPECT_FALSE(parseDovecotScram("many,YrkvRrjzNTqfbA2DL1wLiQ==,a,b"));
    EXPECT_FALSE(parseDovecotScram(""));
}

TEST(Scram, WrongProofChangedNonceAndMalformedMessagesFail) {
    std::string error, final;
    {
        ScramExchange x(false, false, nullptr);
        ASSERT_TRUE(x.clientFirst(kClientFirst, error));
        x.serverFirst(scramKeysFor("not pencil", *base64Decode("W22ZaJ0SNY7soEsUEjb6gQ=="), 4096),
                      kServerNonce);
        EXPECT_FALSE(x.clientFinal(kClientFinal, final, error));
        EXPECT_EQ(error, "invalid-proof");
        EXPECT_TRUE(final.empty());
    }
    {
        ScramExchange x(false, false, nullptr);
        ASSERT_TRUE(x.clientFirst(kClientFirst, error));
        x.serverFirst(pencil(), "another");
        EXPECT_FALSE(x.clientFinal(kClientFinal, final, error));
        EXPECT_EQ(error, "the nonce does not match");
    }
    for (const char* bad : {"", "n,", "x,,n=user,r=abc", "n,,r=abc", "n,,n=us=er,r=abc",
                            "n,,m=ext,n=user,r=abc", "n,,n=user,r=", "n,b=x,n=user,r=abc"}) {
        ScramExchange x(false, false, nullptr);
        EXPECT_FALSE(x.clientFirst(bad, error)) << bad;
    }
    ScramExchange x(false, false, nullptr);
    ASSERT_TRUE(x.clientFirst("n,a=us=2Cer,n=us=3Der,r=abc", error)) << error;
    EXPECT_EQ(x.user(), "us=er");
    EXPECT_EQ(x.authzid(), "us,er");
}

// A client-final for `gs2 + cbData` with the right proof for "pencil".
std::string clientFinalFor(const std::string& clientFirstBare, const std::string& serverFirst,
                           const std::string& gs2, const std::string& cbData) {
    std::string nonce = serverFirst.substr(2, serverFirst.find(',') - 2);
    std::string without = "c=" + base64Encode(gs2 + cbData) + ",r=" + nonce;
    std::string auth = clientFirstBare + "," + serverFirst + "," + without;
    unsigned char salted[32];
    auto salt = *base64Decode("W22ZaJ0SNY7soEsUEjb6gQ==");
    PKCS5_PBKDF2_HMAC("pencil", 6, reinterpret_cast<const unsigned char*>(salt.data()),
                      static_cast<int>(salt.size()), 4096, EVP_sha256(), 32, salted);
    unsigned char clientKey[32], stored[32], sig[32];
    unsigned int n = 0;
    HMAC(EVP_sha256(), salted, 32, reinterpret_cast<const unsigned char*>("Client Key"), 10,
         clientKey, &n);
    SHA256(clientKey, 32, stored);
    HMAC(EVP_sha256(), stored, 32, reinterpret_cast<const unsigned char*>(auth.data()), auth.size(),
         sig, &n);
    std::string proof(32, '\0');
    for (int i = 0; i < 32; ++i)
        proof[static_cast<std::size_t>(i)] = static_cast<char>(clientKey[i] ^ sig[i]);
    return without + ",p=" + base64Encode(proof);
}

TEST(Scram, ChannelBindingMustMatchAndCannotBeDowngraded) {
    ChannelBinding binding = [](std::string_view type) -> std::optional<std::string> {
        if (type == "tls-exporter") return std::string(32, 'x');
        return std::nullopt;
    };
    std::string error, final;
    {
        ScramExchange x(true, true, binding);
        ASSERT_TRUE(x.clientFirst("p=tls-exporter,,n=user,r=abc", error)) << error;
        auto sf = x.serverFirst(pencil());
        ASSERT_TRUE(x.clientFinal(
            clientFinalFor("n=user,r=abc", sf, "p=tls-exporter,,", std::string(32, 'x')), final,
            error))
            << error;
    }
    {
        // Another TLS session's data: a man in the middle.
        ScramExchange x(true, true, binding);
        ASSERT_TRUE(x.clientFirst("p=tls-exporter,,n=user,r=abc", error));
        auto sf = x.serverFirst(pencil());
        EXPECT_FALSE(x.clientFinal(
            clientFinalFor("n=user,r=abc", sf, "p=tls-exporter,,", std::string(32, 'y')), final,
            error));
        EXPECT_EQ(error, "channel-bindings-dont-match");
    }
    {
        ScramExchange x(true, true, binding);
        EXPECT_FALSE(x.clientFirst("p=tls-unique,,n=user,r=abc", error));
        EXPECT_EQ(error, "unsupported-channel-binding-type");
    }
    {
        // "y": the client can bind but saw no -PLUS, which this server offers.
        ScramExchange x(false, true, binding);
        EXPECT_FALSE(x.clientFirst("y,,n=user,r=abc", error));
        EXPECT_EQ(error, "server-does-support-channel-binding");
        ScramExchange y(false, false, binding);
        EXPECT_TRUE(y.clientFirst("y,,n=user,r=abc", error));
    }
    {
        ScramExchange x(true, true, binding);
        EXPECT_FALSE(x.clientFirst("n,,n=user,r=abc", error));
        ScramExchange y(false, true, binding);
        EXPECT_FALSE(y.clientFirst("p=tls-exporter,,n=user,r=abc", error));
    }
}

TEST(Scram, DecoyKeysAreStablePerName) {
    EXPECT_EQ(decoyScramKeys("nobody").salt, decoyScramKeys("nobody").salt);
    EXPECT_NE(decoyScramKeys("nobody").salt, decoyScramKeys("somebody").salt);
    EXPECT_EQ(decoyScramKeys("nobody").salt.size(), 16u);
}

TEST(Scram, Base64RoundTripAndRejects) {
    for (std::string s : {std::string(), std::string("a"), std::string("ab"), std::string("abc"),
                          std::string("abcd"), std::string("\0\xff\x10", 3)})
        EXPECT_EQ(*base64Decode(base64Encode(s)), s);
    EXPECT_FALSE(base64Decode("abc"));
    EXPECT_FALSE(base64Decode("ab=c"));
    EXPECT_FALSE(base64Decode("a,bc"));
}

}  // namespace
}  // namespace maildex::core::auth
