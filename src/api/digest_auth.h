// HTTP Digest access authentication (RFC 7616, and RFC 2617 as GA/T 1400 devices use it), as
// a transport-free library: the server side issues challenges and verifies credentials; the
// client side answers a challenge. Nothing here registers routes.
//
// Server side, per request to a protected resource:
//
//   DigestVerifier verifier("quanyu", DigestVerifier::NewSecret());
//   const std::string& auth = req.Header("authorization");
//   if (auth.empty()) -> 401 with WWW-Authenticate: verifier.Challenge(now)
//   auto params = ParseDigestAuthorization(auth);            // !ok -> 400
//   std::string ha1 = <stored DigestHa1(user, realm, password, algorithm)>;
//   switch (verifier.Verify(*params, req.method, req.target, ha1, now)) {
//     case DigestResult::kOk: ...;
//     case DigestResult::kStale: -> 401 with verifier.Challenge(now, /*stale=*/true)
//     default: -> 401 with verifier.Challenge(now)
//   }
//
// Nonces are stateless: a timestamp, 8 random bytes and an HMAC-SHA-256 of both and the realm
// under the server secret, so any worker thread (or any process sharing the secret) can check
// one without a nonce table. A nonce older than the lifetime is stale.
//
// Replays: with qop=auth each (nonce, nc) pair is accepted once; the verifier remembers the
// pairs of successful requests in a bounded cache (DigestVerifierOptions::replay_cache_size),
// and under a flood larger than the cache within one nonce lifetime the oldest pairs are
// forgotten. Without qop (RFC 2069 clients) a captured request can be replayed until its
// nonce goes stale; the nonce lifetime is the only bound.
//
// Supported: algorithm MD5 (the default when absent) and SHA-256; qop "auth" or none. Not
// supported (rejected by the parser with the parameter named): qop "auth-int", the "-sess"
// algorithms, userhash=true.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_set>

#include "core/clock.h"
#include "core/status.h"

namespace quanyu::api {

enum class DigestAlgorithm { kMd5, kSha256 };

// "MD5" or "SHA-256".
std::string_view DigestAlgorithmName(DigestAlgorithm algorithm);

// HA1 = H(username ":" realm ":" password) in lower-case hex: what a server stores instead of
// the password (one per algorithm it accepts).
std::string DigestHa1(std::string_view username, std::string_view realm, std::string_view password,
                      DigestAlgorithm algorithm = DigestAlgorithm::kMd5);

// The parameters of an `Authorization: Digest ...` header, unquoted. Optional parameters the
// client left out are empty.
struct DigestParams {
  std::string username;
  std::string realm;
  std::string nonce;
  std::string uri;
  std::string response;   // lower-case hex
  std::string qop;        // "auth" or "" (none)
  std::string nc;         // 8 hex digits when qop is set
  std::string cnonce;     // set when qop is set
  std::string algorithm;  // "MD5", "SHA-256" or "" (MD5)
  std::string opaque;
};

// Parses an Authorization header value ("Digest username=\"...\", ..."): the scheme is
// case-insensitive, parameter names too; values are quoted strings (with backslash escapes)
// or tokens; whitespace around '=' and ',' is optional and empty list elements are skipped.
// Unquoted values may hold any visible character but ',' and '"' (devices send unquoted
// URIs). InvalidArgument names the parameter that is missing, repeated or malformed
// ("authorization" for the header as a whole).
StatusOr<DigestParams> ParseDigestAuthorization(std::string_view header);

// A parsed `WWW-Authenticate: Digest ...` challenge.
struct DigestChallenge {
  std::string realm;
  std::string nonce;
  std::string opaque;
  bool qop_auth = false;  // the server offers qop=auth (else the client answers without qop)
  DigestAlgorithm algorithm = DigestAlgorithm::kMd5;
  bool stale = false;
};

// Parses a WWW-Authenticate header value. When it holds several challenges (e.g. Digest with
// SHA-256 and Digest with MD5), returns the strongest usable Digest one. InvalidArgument names
// the parameter at fault, or "www-authenticate" when no Digest challenge can be used.
StatusOr<DigestChallenge> ParseDigestChallenge(std::string_view www_authenticate);

// Client side: the Authorization header value answering `www_authenticate` for a request of
// `method` to `uri` (the request-target as sent), with the client nonce `cnonce` and the
// request count `nc` (1 for the first request under a nonce, then 2, 3, ...). Uses qop=auth
// when the challenge offers it, else the RFC 2069 form. Returns "" if the challenge is not a
// usable Digest challenge (ParseDigestChallenge says why).
std::string DigestAuthorizationHeader(std::string_view www_authenticate, std::string_view username,
                                      std::string_view password, std::string_view method,
                                      std::string_view uri, std::string_view cnonce, uint32_t nc);

enum class DigestResult {
  kOk,
  kStale,          // the response is right but the nonce expired: challenge again with stale=true
  kBadResponse,    // wrong password (or HA1 of another algorithm)
  kBadNonce,       // a nonce (or opaque) this server did not issue
  kRealmMismatch,  // credentials for another realm
  kUriMismatch,    // the digest was computed for another request-target
  kReplay,         // this (nonce, nc) pair was already accepted once
};

std::string_view DigestResultName(DigestResult result);

struct DigestVerifierOptions {
  // How long a nonce is accepted. Default: 5 minutes.
  UnixMicros nonce_lifetime = 5 * kMicrosPerMinute;
  // The algorithm announced in challenges; Verify accepts either algorithm regardless, as
  // long as the HA1 given matches the one the client used. Default: MD5 (what devices speak).
  DigestAlgorithm challenge_algorithm = DigestAlgorithm::kMd5;
  // (nonce, nc) pairs remembered to refuse replays; 0 disables the check. Default: 65536.
  size_t replay_cache_size = 65536;
};

// Issues and checks Digest challenges for one realm.
// Thread safety: all methods may be called concurrently.
class DigestVerifier {
 public:
  // REQUIRES: secret holds at least 16 bytes (NewSecret() gives 32); throws
  // std::invalid_argument otherwise. Servers sharing a secret accept each other's nonces.
  DigestVerifier(std::string realm, std::string secret, DigestVerifierOptions options = {});

  // 32 bytes from the OpenSSL CSPRNG. Throws std::runtime_error if it cannot be seeded.
  static std::string NewSecret();

  // The WWW-Authenticate header value of a fresh challenge:
  // Digest realm="...", qop="auth", algorithm=MD5, nonce="...", opaque="..."[, stale=true]
  std::string Challenge(UnixMicros now, bool stale = false) const;

  // Checks credentials for a request of `method` to `request_uri` (the request-target as
  // received). `ha1_hex` is DigestHa1() of the user for the algorithm the client named in
  // `params.algorithm`. The checks run in this order: realm, uri, nonce (and opaque, which
  // may be absent but not different), response, staleness, replay; so kStale is only said of
  // a correct response, as RFC 7616 asks.
  DigestResult Verify(const DigestParams& params, std::string_view method,
                      std::string_view request_uri, std::string_view ha1_hex, UnixMicros now);

  const std::string& realm() const { return realm_; }

 private:
  std::string NonceMac(std::string_view timestamp_and_salt) const;
  // Records (nonce, nc); false if it was already there.
  bool Remember(const std::string& nonce, const std::string& nc, UnixMicros now);

  std::string realm_;
  std::string secret_;
  DigestVerifierOptions options_;
  std::string opaque_;
  std::mutex mu_;
  std::unordered_set<std::string> seen_;  // nonce + ":" + nc
  std::deque<std::string> seen_order_;    // oldest first, for eviction
};

}  // namespace quanyu::api
