#include "api/digest_auth.h"

#include <gtest/gtest.h>

#include <string>

namespace quanyu::api {
namespace {

constexpr UnixMicros kT0 = 1'780'000'000 * kMicrosPerSecond;

// The value of `name` in a header produced by DigestAuthorizationHeader (via the parser).
DigestParams MustParse(const std::string& header) {
  auto p = ParseDigestAuthorization(header);
  EXPECT_TRUE(p.ok()) << p.status().ToString() << " in " << header;
  return p.ok() ? *p : DigestParams{};
}

TEST(DigestAuthTest, Rfc2617Example) {
  // RFC 2617 §3.5, with the server's challenge as given there.
  const std::string challenge =
      "Digest realm=\"testrealm@host.com\", qop=\"auth,auth-int\", "
      "nonce=\"dcd98b7102dd2f0e8b11d0f600bfb0c093\", opaque=\"5ccc069c403ebaf9f0171e9517f40e41\"";
  std::string header = DigestAuthorizationHeader(challenge, "Mufasa", "Circle Of Life", "GET",
                                                 "/dir/index.html", "0a4f113b", 1);
  DigestParams p = MustParse(header);
  EXPECT_EQ(p.response, "6629fae49393a05397450978507c4ef1");
  EXPECT_EQ(p.username, "Mufasa");
  EXPECT_EQ(p.realm, "testrealm@host.com");
  EXPECT_EQ(p.qop, "auth");
  EXPECT_EQ(p.nc, "00000001");
  EXPECT_EQ(p.cnonce, "0a4f113b");
  EXPECT_EQ(p.opaque, "5ccc069c403ebaf9f0171e9517f40e41");
  EXPECT_EQ(DigestHa1("Mufasa", "testrealm@host.com", "Circle Of Life"),
            "939e7578ed9e3c518a452acee763bce9");

  // The RFC's Authorization header itself, line breaks folded to spaces.
  auto rfc = ParseDigestAuthorization(
      "Digest username=\"Mufasa\", realm=\"testrealm@host.com\", "
      "nonce=\"dcd98b7102dd2f0e8b11d0f600bfb0c093\", uri=\"/dir/index.html\", qop=auth, "
      "nc=00000001, cnonce=\"0a4f113b\", response=\"6629fae49393a05397450978507c4ef1\", "
      "opaque=\"5ccc069c403ebaf9f0171e9517f40e41\"");
  ASSERT_TRUE(rfc.ok()) << rfc.status().ToString();
  EXPECT_EQ(rfc->uri, "/dir/index.html");
  EXPECT_EQ(rfc->nonce, "dcd98b7102dd2f0e8b11d0f600bfb0c093");
  EXPECT_EQ(rfc->algorithm, "");
}

TEST(DigestAuthTest, Rfc7616Example) {
  // RFC 7616 §3.9.1: the server offers SHA-256 and MD5 (one header value here); the client
  // picks SHA-256. Note the password's lower-case "of".
  const std::string sha256 =
      "Digest realm=\"http-auth@example.org\", qop=\"auth, auth-int\", algorithm=SHA-256, "
      "nonce=\"7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v\", "
      "opaque=\"FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS\"";
  const std::string md5 =
      "Digest realm=\"http-auth@example.org\", qop=\"auth, auth-int\", algorithm=MD5, "
      "nonce=\"7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v\", "
      "opaque=\"FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS\"";
  const std::string cnonce = "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ";

  DigestParams m = MustParse(DigestAuthorizationHeader(md5, "Mufasa", "Circle of Life", "GET",
                                                       "/dir/index.html", cnonce, 1));
  EXPECT_EQ(m.algorithm, "MD5");
  EXPECT_EQ(m.response, "8ca523f5e9506fed4657c9700eebdbec");

  DigestParams s = MustParse(DigestAuthorizationHeader(
      md5 + ", " + sha256, "Mufasa", "Circle of Life", "GET", "/dir/index.html", cnonce, 1));
  EXPECT_EQ(s.algorithm, "SHA-256");
  EXPECT_EQ(s.response, "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1");
  EXPECT_EQ(s.opaque, "FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS");
}

class VerifierTest : public ::testing::Test {
 protected:
  static constexpr char kRealm[] = "quanyu@51170200";
  static constexpr char kUser[] = "51170200001320000001";
  static constexpr char kPassword[] = "s3cret 密码";
  static constexpr char kUri[] = "/VIID/System/Register";

  DigestVerifier verifier_{kRealm, DigestVerifier::NewSecret()};
  std::string ha1_ = DigestHa1(kUser, kRealm, kPassword);

  DigestParams Answer(const std::string& challenge, const std::string& password = kPassword,
                      uint32_t nc = 1, const std::string& uri = kUri) {
    std::string header =
        DigestAuthorizationHeader(challenge, kUser, password, "POST", uri, "c0ffee01", nc);
    EXPECT_FALSE(header.empty()) << challenge;
    return MustParse(header);
  }
};

TEST_F(VerifierTest, ChallengeHasTheParametersDevicesExpect) {
  std::string c = verifier_.Challenge(kT0);
  EXPECT_EQ(c.rfind("Digest realm=\"quanyu@51170200\", qop=\"auth\", algorithm=MD5, nonce=\"", 0),
            0u)
      << c;
  EXPECT_NE(c.find(", opaque=\""), std::string::npos);
  EXPECT_EQ(c.find("stale"), std::string::npos);
  EXPECT_NE(verifier_.Challenge(kT0, true).find(", stale=true"), std::string::npos);
  // Two challenges in the same microsecond still differ.
  EXPECT_NE(ParseDigestChallenge(c)->nonce, ParseDigestChallenge(verifier_.Challenge(kT0))->nonce);
}

TEST_F(VerifierTest, PeerExchange) {
  // First request without credentials -> 401 with this challenge.
  std::string challenge = verifier_.Challenge(kT0);
  DigestParams p = Answer(challenge);
  EXPECT_EQ(verifier_.Verify(p, "POST", kUri, ha1_, kT0 + kMicrosPerSecond), DigestResult::kOk);

  // The device's next request under the same nonce counts up.
  DigestParams next = Answer(challenge, kPassword, 2);
  EXPECT_EQ(verifier_.Verify(next, "POST", kUri, ha1_, kT0 + 2 * kMicrosPerSecond),
            DigestResult::kOk);

  EXPECT_EQ(verifier_.Verify(Answer(challenge, "wrong", 3), "POST", kUri, ha1_, kT0),
            DigestResult::kBadResponse);
  // Another method than the one the digest covers.
  EXPECT_EQ(verifier_.Verify(Answer(challenge, kPassword, 4), "GET", kUri, ha1_, kT0),
            DigestResult::kBadResponse);
}

TEST_F(VerifierTest, ExpiredNonceIsStaleOnlyWithTheRightPassword) {
  std::string challenge = verifier_.Challenge(kT0);
  UnixMicros later = kT0 + 5 * kMicrosPerMinute + 1;
  EXPECT_EQ(verifier_.Verify(Answer(challenge), "POST", kUri, ha1_, kT0 + 5 * kMicrosPerMinute),
            DigestResult::kOk);
  EXPECT_EQ(verifier_.Verify(Answer(challenge, kPassword, 2), "POST", kUri, ha1_, later),
            DigestResult::kStale);
  EXPECT_EQ(verifier_.Verify(Answer(challenge, "wrong", 3), "POST", kUri, ha1_, later),
            DigestResult::kBadResponse);

  // The lifetime is configurable.
  DigestVerifierOptions options;
  options.nonce_lifetime = kMicrosPerSecond;
  DigestVerifier short_lived(kRealm, DigestVerifier::NewSecret(), options);
  DigestParams p = Answer(short_lived.Challenge(kT0));
  EXPECT_EQ(short_lived.Verify(p, "POST", kUri, ha1_, kT0 + 2 * kMicrosPerSecond),
            DigestResult::kStale);
}

TEST_F(VerifierTest, TamperedRequestsAreRefused) {
  std::string challenge = verifier_.Challenge(kT0);

  // The digest covers /VIID/System/Register but the request went elsewhere.
  EXPECT_EQ(verifier_.Verify(Answer(challenge), "POST", "/VIID/System/UnRegister", ha1_, kT0),
            DigestResult::kUriMismatch);
  // The uri parameter was edited after the digest was computed.
  DigestParams edited = Answer(challenge, kPassword, 2);
  edited.uri = "/VIID/MotorVehicles";
  EXPECT_EQ(verifier_.Verify(edited, "POST", "/VIID/MotorVehicles", ha1_, kT0),
            DigestResult::kBadResponse);

  DigestParams realm = Answer(challenge, kPassword, 3);
  realm.realm = "other";
  EXPECT_EQ(verifier_.Verify(realm, "POST", kUri, ha1_, kT0), DigestResult::kRealmMismatch);

  // A nonce with a forged timestamp, and one from another server's secret.
  DigestParams forged = Answer(challenge, kPassword, 4);
  forged.nonce[15] = forged.nonce[15] == '0' ? '1' : '0';
  EXPECT_EQ(verifier_.Verify(forged, "POST", kUri, ha1_, kT0), DigestResult::kBadNonce);
  DigestVerifier other(kRealm, DigestVerifier::NewSecret());
  EXPECT_EQ(verifier_.Verify(Answer(other.Challenge(kT0)), "POST", kUri, ha1_, kT0),
            DigestResult::kBadNonce);
  DigestParams opaque = Answer(challenge, kPassword, 5);
  opaque.opaque = "00";
  EXPECT_EQ(verifier_.Verify(opaque, "POST", kUri, ha1_, kT0), DigestResult::kBadNonce);
}

TEST_F(VerifierTest, RepeatedNonceCountIsAReplay) {
  std::string challenge = verifier_.Challenge(kT0);
  DigestParams p = Answer(challenge);
  EXPECT_EQ(verifier_.Verify(p, "POST", kUri, ha1_, kT0), DigestResult::kOk);
  EXPECT_EQ(verifier_.Verify(p, "POST", kUri, ha1_, kT0), DigestResult::kReplay);

  // With the cache disabled the same request passes twice.
  DigestVerifierOptions options;
  options.replay_cache_size = 0;
  DigestVerifier lenient(kRealm, DigestVerifier::NewSecret(), options);
  DigestParams q = Answer(lenient.Challenge(kT0));
  EXPECT_EQ(lenient.Verify(q, "POST", kUri, ha1_, kT0), DigestResult::kOk);
  EXPECT_EQ(lenient.Verify(q, "POST", kUri, ha1_, kT0), DigestResult::kOk);

  // A bounded cache forgets the oldest pairs.
  options.replay_cache_size = 2;
  DigestVerifier small(kRealm, DigestVerifier::NewSecret(), options);
  std::string c = small.Challenge(kT0);
  DigestParams first = Answer(c, kPassword, 1);
  EXPECT_EQ(small.Verify(first, "POST", kUri, ha1_, kT0), DigestResult::kOk);
  EXPECT_EQ(small.Verify(Answer(c, kPassword, 2), "POST", kUri, ha1_, kT0), DigestResult::kOk);
  EXPECT_EQ(small.Verify(Answer(c, kPassword, 3), "POST", kUri, ha1_, kT0), DigestResult::kOk);
  EXPECT_EQ(small.Verify(first, "POST", kUri, ha1_, kT0), DigestResult::kOk);
}

TEST_F(VerifierTest, DevicesWithoutQop) {
  // An RFC 2069 device: the challenge it understands has no qop; it answers without nc/cnonce.
  std::string challenge = verifier_.Challenge(kT0);
  std::string no_qop = challenge;
  no_qop.erase(no_qop.find(" qop=\"auth\","), 12);
  std::string header = DigestAuthorizationHeader(no_qop, kUser, kPassword, "POST", kUri, "x", 1);
  EXPECT_EQ(header.find("qop"), std::string::npos) << header;
  EXPECT_EQ(header.find("cnonce"), std::string::npos) << header;
  DigestParams p = MustParse(header);
  EXPECT_EQ(verifier_.Verify(p, "POST", kUri, ha1_, kT0), DigestResult::kOk);
  EXPECT_EQ(verifier_.Verify(p, "POST", kUri, ha1_, kT0), DigestResult::kOk);  // no nc to track
  EXPECT_EQ(verifier_.Verify(
                MustParse(DigestAuthorizationHeader(no_qop, kUser, "wrong", "POST", kUri, "x", 1)),
                "POST", kUri, ha1_, kT0),
            DigestResult::kBadResponse);
}

TEST_F(VerifierTest, Sha256AndAbsoluteUris) {
  DigestVerifierOptions options;
  options.challenge_algorithm = DigestAlgorithm::kSha256;
  DigestVerifier v(kRealm, DigestVerifier::NewSecret(), options);
  std::string challenge = v.Challenge(kT0);
  EXPECT_NE(challenge.find("algorithm=SHA-256"), std::string::npos);
  DigestParams p = Answer(challenge);
  EXPECT_EQ(p.algorithm, "SHA-256");
  std::string ha1_sha = DigestHa1(kUser, kRealm, kPassword, DigestAlgorithm::kSha256);
  EXPECT_EQ(v.Verify(p, "POST", kUri, ha1_, kT0), DigestResult::kBadResponse);  // MD5 HA1
  EXPECT_EQ(v.Verify(p, "POST", kUri, ha1_sha, kT0), DigestResult::kOk);

  // Some devices put the absolute URI in the digest.
  DigestParams abs =
      Answer(verifier_.Challenge(kT0), kPassword, 1, "http://10.1.2.3:8080/VIID/System/Register");
  EXPECT_EQ(verifier_.Verify(abs, "POST", kUri, ha1_, kT0), DigestResult::kOk);
}

TEST(DigestParseTest, SyntaxVariants) {
  // Mixed case scheme and names, no spaces, extra commas, escapes, unquoted values and tabs.
  auto p = ParseDigestAuthorization(
      "dIgEsT USERNAME=\"a\\\"b\\\\c\",,realm=\"r\" ,\tnonce = n1, uri=/VIID/System/Register,"
      "Response=\"0123456789ABCDEF0123456789abcdef\", qop=\"AUTH\", nc=0000000a, cnonce=\"c\", "
      "algorithm=md5, unknown=\"ignored\"");
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_EQ(p->username, "a\"b\\c");
  EXPECT_EQ(p->realm, "r");
  EXPECT_EQ(p->nonce, "n1");
  EXPECT_EQ(p->uri, "/VIID/System/Register");
  EXPECT_EQ(p->response, "0123456789abcdef0123456789abcdef");
  EXPECT_EQ(p->qop, "auth");
  EXPECT_EQ(p->nc, "0000000a");
  EXPECT_EQ(p->algorithm, "MD5");

  // A quoted value keeps commas and '=' inside it.
  auto q = ParseDigestAuthorization(
      "Digest username=\"x,y=z\", realm=\"\", nonce=\"n\", uri=\"/a?b=1,2\", "
      "response=\"0123456789abcdef0123456789abcdef\"");
  ASSERT_TRUE(q.ok()) << q.status().ToString();
  EXPECT_EQ(q->username, "x,y=z");
  EXPECT_EQ(q->realm, "");
  EXPECT_EQ(q->uri, "/a?b=1,2");
  EXPECT_EQ(q->qop, "");
}

TEST(DigestParseTest, ErrorsNameTheParameter) {
  const std::string ok_tail =
      "realm=\"r\", nonce=\"n\", uri=\"/\", response=\"0123456789abcdef0123456789abcdef\"";
  struct Case {
    std::string header;
    std::string field;
  };
  const Case cases[] = {
      {"", "authorization"},
      {"Basic dXNlcjpwYXNz", "authorization"},
      {"Digest " + ok_tail, "username"},
      {"Digest username=\"u\", realm=\"r\", uri=\"/\", "
       "response=\"0123456789abcdef0123456789abcdef\"",
       "nonce"},
      {"Digest username=\"u\", realm=\"r\", nonce=\"n\", uri=\"/\"", "response"},
      {"Digest username=\"u\", username=\"v\", " + ok_tail, "username"},
      {"Digest username=\"u, " + ok_tail, "username"},    // an unbalanced quote
      {"Digest username=\"u\" realm=\"r\"", "username"},  // missing comma
      {"Digest username=, " + ok_tail, "username"},
      {"Digest username=\"u\", " + ok_tail + ", qop=auth-int, nc=00000001, cnonce=\"c\"", "qop"},
      {"Digest username=\"u\", " + ok_tail + ", qop=auth, cnonce=\"c\"", "nc"},
      {"Digest username=\"u\", " + ok_tail + ", qop=auth, nc=1, cnonce=\"c\"", "nc"},
      {"Digest username=\"u\", " + ok_tail + ", qop=auth, nc=00000001", "cnonce"},
      {"Digest username=\"u\", " + ok_tail + ", algorithm=MD5-sess", "algorithm"},
      {"Digest username=\"u\", " + ok_tail + ", algorithm=SHA-256", "response"},  // too short
      {"Digest username=\"u\", realm=\"r\", nonce=\"n\", uri=\"/\", response=\"xyz\"", "response"},
      {"Digest username=\"u\", " + ok_tail + ", userhash=true", "userhash"},
      {"Digest username=\"u\", " + ok_tail + ", =x", "authorization"},
  };
  for (const Case& c : cases) {
    auto p = ParseDigestAuthorization(c.header);
    ASSERT_FALSE(p.ok()) << c.header;
    EXPECT_EQ(p.status().code(), StatusCode::kInvalidArgument) << c.header;
    EXPECT_EQ(p.status().field(), c.field) << c.header << " -> " << p.status().ToString();
  }
}

TEST(DigestParseTest, Challenges) {
  auto c = ParseDigestChallenge(
      "Basic realm=\"x\", Negotiate abc==, Digest realm=\"r\", nonce=\"n\", stale=TRUE, "
      "qop=\"auth-int , auth\"");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->realm, "r");
  EXPECT_TRUE(c->stale);
  EXPECT_TRUE(c->qop_auth);
  EXPECT_EQ(c->algorithm, DigestAlgorithm::kMd5);

  EXPECT_EQ(ParseDigestChallenge("Basic realm=\"x\"").status().field(), "www-authenticate");
  EXPECT_EQ(
      ParseDigestChallenge("Digest realm=\"r\", nonce=\"n\", qop=\"auth-int\"").status().field(),
      "qop");
  EXPECT_EQ(ParseDigestChallenge("Digest realm=\"r\"").status().field(), "nonce");
  EXPECT_EQ(DigestAuthorizationHeader("Basic realm=\"x\"", "u", "p", "GET", "/", "c", 1), "");
}

}  // namespace
}  // namespace quanyu::api
