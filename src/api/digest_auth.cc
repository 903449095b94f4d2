#include "api/digest_auth.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <cstdio>
#include <map>
#include <optional>
#include <stdexcept>
#include <utility>
#include <vector>

namespace quanyu::api {
namespace {

std::string ToHex(const unsigned char* data, size_t size) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out(size * 2, '0');
  for (size_t i = 0; i < size; ++i) {
    out[2 * i] = kDigits[data[i] >> 4];
    out[2 * i + 1] = kDigits[data[i] & 0xf];
  }
  return out;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

bool IsHex(std::string_view s) {
  for (char c : s) {
    if (!std::isxdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

std::string HexDigest(DigestAlgorithm algorithm, std::string_view data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  const EVP_MD* type = algorithm == DigestAlgorithm::kSha256 ? EVP_sha256() : EVP_md5();
  if (EVP_Digest(data.data(), data.size(), md, &size, type, nullptr) != 1) {
    throw std::runtime_error("OpenSSL EVP_Digest failed");
  }
  return ToHex(md, size);
}

size_t HexDigestSize(DigestAlgorithm algorithm) {
  return algorithm == DigestAlgorithm::kSha256 ? 64 : 32;
}

// "MD5"/"SHA-256" in any case, or "" for MD5.
std::optional<DigestAlgorithm> AlgorithmFromName(std::string_view name) {
  if (name.empty() || EqualsIgnoreCase(name, "MD5")) return DigestAlgorithm::kMd5;
  if (EqualsIgnoreCase(name, "SHA-256")) return DigestAlgorithm::kSha256;
  return std::nullopt;
}

std::string Quote(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  out += '"';
  return out;
}

// RFC 9110 tchar.
bool IsTokenChar(char c) {
  if (std::isalnum(static_cast<unsigned char>(c))) return true;
  switch (c) {
    case '!':
    case '#':
    case '$':
    case '%':
    case '&':
    case '\'':
    case '*':
    case '+':
    case '-':
    case '.':
    case '^':
    case '_':
    case '`':
    case '|':
    case '~':
      return true;
    default:
      return false;
  }
}

bool IsToken68Char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' || c == '_' ||
         c == '~' || c == '+' || c == '/';
}

struct AuthChallenge {
  std::string scheme;                                       // lower-case
  std::vector<std::pair<std::string, std::string>> params;  // names lower-case, values unquoted
};

// Parses a credentials or challenge list (RFC 9110 §11): scheme, then a token68 or a
// comma-separated list of name=value, possibly followed by further challenges. `what` names
// the header in errors that are not about one parameter.
StatusOr<std::vector<AuthChallenge>> ParseAuthHeader(std::string_view s, const std::string& what) {
  std::vector<AuthChallenge> out;
  size_t i = 0;
  const size_t n = s.size();
  auto skip_ows = [&] {
    while (i < n && (s[i] == ' ' || s[i] == '\t')) ++i;
  };
  auto skip_separators = [&] {
    while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == ',')) ++i;
  };
  auto read_token = [&] {
    size_t start = i;
    while (i < n && IsTokenChar(s[i])) ++i;
    return s.substr(start, i - start);
  };
  auto unexpected = [&](const std::string& field) {
    return InvalidArgument(field, "unexpected character '" + std::string(1, s[i]) + "' at offset " +
                                      std::to_string(i));
  };

  skip_separators();
  while (i < n) {
    std::string_view scheme = read_token();
    if (scheme.empty()) return unexpected(what);
    out.push_back(AuthChallenge{Lower(scheme), {}});
    skip_ows();
    // token68 credentials ("Negotiate abc==") belong to other schemes (Digest never uses
    // them, and "username=," must stay a parameter): step over them.
    size_t t = i;
    while (t < n && IsToken68Char(s[t])) ++t;
    if (t > i) {
      size_t end = t;
      while (end < n && s[end] == '=') ++end;
      size_t after = end;
      while (after < n && (s[after] == ' ' || s[after] == '\t')) ++after;
      if ((after == n || s[after] == ',') && out.back().scheme != "digest") {
        i = after;
        skip_separators();
        continue;
      }
    }
    while (true) {
      skip_separators();
      if (i >= n) break;
      size_t mark = i;
      std::string_view name_view = read_token();
      if (name_view.empty()) return unexpected(what);
      std::string name = Lower(name_view);
      skip_ows();
      if (i >= n || s[i] != '=') {  // a token without '=' starts the next challenge
        i = mark;
        break;
      }
      ++i;
      skip_ows();
      std::string value;
      if (i < n && s[i] == '"') {
        ++i;
        bool closed = false;
        while (i < n) {
          char c = s[i++];
          if (c == '"') {
            closed = true;
            break;
          }
          if (c == '\\') {
            if (i >= n) break;
            c = s[i++];
          }
          value += c;
        }
        if (!closed) return InvalidArgument(name, "unterminated quoted string");
      } else {
        size_t start = i;
        while (i < n && s[i] != ',' && s[i] != '"' && s[i] > ' ' && s[i] != 0x7f) ++i;
        if (i == start) return InvalidArgument(name, "has no value");
        value = std::string(s.substr(start, i - start));
      }
      out.back().params.emplace_back(std::move(name), std::move(value));
      skip_ows();
      if (i < n && s[i] != ',') {
        return InvalidArgument(
            out.back().params.back().first,
            "expected ',' after the value, found '" + std::string(1, s[i]) + "'");
      }
    }
  }
  return out;
}

// The parameters of one challenge by name; InvalidArgument if one is given twice.
StatusOr<std::map<std::string, std::string>> ParamMap(const AuthChallenge& c) {
  std::map<std::string, std::string> m;
  for (const auto& [k, v] : c.params) {
    if (!m.emplace(k, v).second) return InvalidArgument(k, "given twice");
  }
  return m;
}

std::string Get(const std::map<std::string, std::string>& m, const std::string& k) {
  auto it = m.find(k);
  return it == m.end() ? std::string() : it->second;
}

// The path and query of an absolute URI ("http://h/p?q" -> "/p?q"), or the text itself.
std::string_view OriginForm(std::string_view uri) {
  size_t scheme_end = uri.find("://");
  if (scheme_end == std::string_view::npos || uri.empty() || uri[0] == '/') return uri;
  size_t path = uri.find('/', scheme_end + 3);
  return path == std::string_view::npos ? std::string_view("/") : uri.substr(path);
}

std::string ExpectedResponse(DigestAlgorithm algorithm, std::string_view ha1_hex,
                             std::string_view nonce, std::string_view nc, std::string_view cnonce,
                             std::string_view qop, std::string_view method, std::string_view uri) {
  std::string ha2 = HexDigest(algorithm, std::string(method) + ":" + std::string(uri));
  std::string data = std::string(ha1_hex) + ":" + std::string(nonce) + ":";
  if (!qop.empty()) {
    data += std::string(nc) + ":" + std::string(cnonce) + ":" + std::string(qop) + ":";
  }
  return HexDigest(algorithm, data + ha2);
}

}  // namespace

std::string_view DigestAlgorithmName(DigestAlgorithm algorithm) {
  return algorithm == DigestAlgorithm::kSha256 ? "SHA-256" : "MD5";
}

std::string_view DigestResultName(DigestResult result) {
  switch (result) {
    case DigestResult::kOk:
      return "ok";
    case DigestResult::kStale:
      return "stale";
    case DigestResult::kBadResponse:
      return "bad_response";
    case DigestResult::kBadNonce:
      return "bad_nonce";
    case DigestResult::kRealmMismatch:
      return "realm_mismatch";
    case DigestResult::kUriMismatch:
      return "uri_mismatch";
    case DigestResult::kReplay:
      return "replay";
  }
  return "unknown";
}

std::string DigestHa1(std::string_view username, std::string_view realm, std::string_view password,
                      DigestAlgorithm algorithm) {
  return HexDigest(algorithm,
                   std::string(username) + ":" + std::string(realm) + ":" + std::string(password));
}

StatusOr<DigestParams> ParseDigestAuthorization(std::string_view header) {
  ASSIGN_OR_RETURN(std::vector<AuthChallenge> list, ParseAuthHeader(header, "authorization"));
  if (list.empty()) return InvalidArgument("authorization", "is empty");
  if (list.size() != 1 || list[0].scheme != "digest") {
    return InvalidArgument(
        "authorization", "expected one set of Digest credentials, got scheme \"" + list[0].scheme +
                             "\"" + (list.size() > 1 ? " and more" : ""));
  }
  ASSIGN_OR_RETURN(auto m, ParamMap(list[0]));
  DigestParams p;
  for (const char* required : {"username", "realm", "nonce", "uri", "response"}) {
    if (m.find(required) == m.end()) return InvalidArgument(required, "is missing");
  }
  p.username = Get(m, "username");
  p.realm = Get(m, "realm");
  p.nonce = Get(m, "nonce");
  p.uri = Get(m, "uri");
  p.opaque = Get(m, "opaque");
  if (p.uri.empty()) return InvalidArgument("uri", "is empty");
  if (EqualsIgnoreCase(Get(m, "userhash"), "true")) {
    return InvalidArgument("userhash", "hashed user names are not supported");
  }
  auto algorithm = AlgorithmFromName(Get(m, "algorithm"));
  if (!algorithm) {
    return InvalidArgument("algorithm",
                           "unsupported \"" + Get(m, "algorithm") + "\" (MD5 or SHA-256)");
  }
  p.algorithm = m.count("algorithm") ? std::string(DigestAlgorithmName(*algorithm)) : "";
  std::string qop = Get(m, "qop");
  if (m.count("qop")) {
    if (!EqualsIgnoreCase(qop, "auth")) {
      return InvalidArgument("qop", "unsupported \"" + qop + "\" (only auth)");
    }
    p.qop = "auth";
    p.nc = Get(m, "nc");
    p.cnonce = Get(m, "cnonce");
    if (!m.count("nc")) return InvalidArgument("nc", "is missing (required with qop)");
    if (p.nc.size() != 8 || !IsHex(p.nc)) {
      return InvalidArgument("nc", "must be 8 hex digits, got \"" + p.nc + "\"");
    }
    if (p.cnonce.empty()) return InvalidArgument("cnonce", "is missing (required with qop)");
  }
  p.response = Lower(Get(m, "response"));
  if (p.response.size() != HexDigestSize(*algorithm) || !IsHex(p.response)) {
    return InvalidArgument("response", "must be " + std::to_string(HexDigestSize(*algorithm)) +
                                           " hex digits for " +
                                           std::string(DigestAlgorithmName(*algorithm)));
  }
  return p;
}

StatusOr<DigestChallenge> ParseDigestChallenge(std::string_view www_authenticate) {
  ASSIGN_OR_RETURN(std::vector<AuthChallenge> list,
                   ParseAuthHeader(www_authenticate, "www-authenticate"));
  std::optional<DigestChallenge> best;
  Status first_error = InvalidArgument("www-authenticate", "holds no Digest challenge");
  bool have_error = false;
  for (const AuthChallenge& c : list) {
    if (c.scheme != "digest") continue;
    auto usable = [&]() -> StatusOr<DigestChallenge> {
      ASSIGN_OR_RETURN(auto m, ParamMap(c));
      DigestChallenge ch;
      if (!m.count("realm")) return InvalidArgument("realm", "is missing");
      if (Get(m, "nonce").empty()) return InvalidArgument("nonce", "is missing");
      ch.realm = Get(m, "realm");
      ch.nonce = Get(m, "nonce");
      ch.opaque = Get(m, "opaque");
      ch.stale = EqualsIgnoreCase(Get(m, "stale"), "true");
      auto algorithm = AlgorithmFromName(Get(m, "algorithm"));
      if (!algorithm) {
        return InvalidArgument("algorithm",
                               "unsupported \"" + Get(m, "algorithm") + "\" (MD5 or SHA-256)");
      }
      ch.algorithm = *algorithm;
      if (m.count("qop")) {
        // qop in a challenge is a quoted, comma-separated list of options.
        std::string list_text = Get(m, "qop");
        size_t start = 0;
        while (start <= list_text.size()) {
          size_t comma = list_text.find(',', start);
          if (comma == std::string::npos) comma = list_text.size();
          std::string_view option(list_text.data() + start, comma - start);
          while (!option.empty() && (option.front() == ' ' || option.front() == '\t')) {
            option.remove_prefix(1);
          }
          while (!option.empty() && (option.back() == ' ' || option.back() == '\t')) {
            option.remove_suffix(1);
          }
          if (EqualsIgnoreCase(option, "auth")) ch.qop_auth = true;
          start = comma + 1;
        }
        if (!ch.qop_auth) {
          return InvalidArgument("qop", "offers only \"" + list_text + "\" (auth is supported)");
        }
      }
      return ch;
    }();
    if (!usable.ok()) {
      if (!have_error) first_error = usable.status();
      have_error = true;
      continue;
    }
    if (!best || (best->algorithm == DigestAlgorithm::kMd5 &&
                  usable->algorithm == DigestAlgorithm::kSha256)) {
      best = *usable;
    }
  }
  if (!best) return first_error;
  return *best;
}

std::string DigestAuthorizationHeader(std::string_view www_authenticate, std::string_view username,
                                      std::string_view password, std::string_view method,
                                      std::string_view uri, std::string_view cnonce, uint32_t nc) {
  auto challenge = ParseDigestChallenge(www_authenticate);
  if (!challenge.ok()) return "";
  const DigestChallenge& ch = *challenge;
  char nc_hex[9];
  std::snprintf(nc_hex, sizeof nc_hex, "%08x", nc);
  std::string qop = ch.qop_auth ? "auth" : "";
  std::string ha1 = DigestHa1(username, ch.realm, password, ch.algorithm);
  std::string response =
      ExpectedResponse(ch.algorithm, ha1, ch.nonce, nc_hex, cnonce, qop, method, uri);
  std::string out = "Digest username=" + Quote(username) + ", realm=" + Quote(ch.realm) +
                    ", nonce=" + Quote(ch.nonce) + ", uri=" + Quote(uri) +
                    ", algorithm=" + std::string(DigestAlgorithmName(ch.algorithm));
  if (ch.qop_auth) out += ", qop=auth, nc=" + std::string(nc_hex) + ", cnonce=" + Quote(cnonce);
  out += ", response=\"" + response + "\"";
  if (!ch.opaque.empty()) out += ", opaque=" + Quote(ch.opaque);
  return out;
}

DigestVerifier::DigestVerifier(std::string realm, std::string secret, DigestVerifierOptions options)
    : realm_(std::move(realm)), secret_(std::move(secret)), options_(options) {
  if (secret_.size() < 16) {
    throw std::invalid_argument("DigestVerifier: the secret must hold at least 16 bytes");
  }
  opaque_ = NonceMac("opaque");
}

std::string DigestVerifier::NewSecret() {
  unsigned char bytes[32];
  if (RAND_bytes(bytes, sizeof bytes) != 1) {
    throw std::runtime_error("OpenSSL RAND_bytes failed: no entropy for the Digest secret");
  }
  return std::string(reinterpret_cast<const char*>(bytes), sizeof bytes);
}

std::string DigestVerifier::NonceMac(std::string_view timestamp_and_salt) const {
  std::string data = std::string(timestamp_and_salt) + ":" + realm_;
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  if (HMAC(EVP_sha256(), secret_.data(), static_cast<int>(secret_.size()),
           reinterpret_cast<const unsigned char*>(data.data()), data.size(), mac,
           &size) == nullptr) {
    throw std::runtime_error("OpenSSL HMAC failed");
  }
  return ToHex(mac, 16);  // 128 bits are plenty against forgery within a nonce lifetime
}

std::string DigestVerifier::Challenge(UnixMicros now, bool stale) const {
  // nonce = 16 hex timestamp + 16 hex salt + 32 hex MAC. The salt keeps two challenges of the
  // same microsecond apart, so their (nonce, nc) pairs never collide in the replay cache.
  unsigned char salt[8];
  if (RAND_bytes(salt, sizeof salt) != 1) throw std::runtime_error("OpenSSL RAND_bytes failed");
  char ts[17];
  std::snprintf(ts, sizeof ts, "%016llx", static_cast<unsigned long long>(now));
  std::string prefix = std::string(ts) + ToHex(salt, sizeof salt);
  std::string nonce = prefix + NonceMac(prefix);
  std::string out = "Digest realm=" + Quote(realm_) + ", qop=\"auth\", algorithm=" +
                    std::string(DigestAlgorithmName(options_.challenge_algorithm)) + ", nonce=\"" +
                    nonce + "\", opaque=\"" + opaque_ + "\"";
  if (stale) out += ", stale=true";
  return out;
}

DigestResult DigestVerifier::Verify(const DigestParams& params, std::string_view method,
                                    std::string_view request_uri, std::string_view ha1_hex,
                                    UnixMicros now) {
  if (params.realm != realm_) return DigestResult::kRealmMismatch;
  if (params.uri != request_uri && OriginForm(params.uri) != OriginForm(request_uri)) {
    return DigestResult::kUriMismatch;
  }

  const std::string& nonce = params.nonce;
  if (nonce.size() != 64 || !IsHex(nonce)) return DigestResult::kBadNonce;
  std::string mac = NonceMac(std::string_view(nonce).substr(0, 32));
  if (CRYPTO_memcmp(mac.data(), Lower(nonce.substr(32)).data(), mac.size()) != 0) {
    return DigestResult::kBadNonce;
  }
  if (!params.opaque.empty() && params.opaque != opaque_) return DigestResult::kBadNonce;

  auto algorithm = AlgorithmFromName(params.algorithm);
  if (!algorithm || ha1_hex.size() != HexDigestSize(*algorithm)) {
    return DigestResult::kBadResponse;
  }
  bool qop = !params.qop.empty();
  if (qop && (!EqualsIgnoreCase(params.qop, "auth") || params.nc.empty())) {
    return DigestResult::kBadResponse;
  }
  std::string expected = ExpectedResponse(*algorithm, Lower(ha1_hex), nonce, params.nc,
                                          params.cnonce, qop ? "auth" : "", method, params.uri);
  std::string given = Lower(params.response);
  if (given.size() != expected.size() ||
      CRYPTO_memcmp(given.data(), expected.data(), expected.size()) != 0) {
    return DigestResult::kBadResponse;
  }

  UnixMicros issued = static_cast<UnixMicros>(std::stoull(nonce.substr(0, 16), nullptr, 16));
  if (now - issued > options_.nonce_lifetime) return DigestResult::kStale;
  if (qop && options_.replay_cache_size > 0 && !Remember(nonce, Lower(params.nc), now)) {
    return DigestResult::kReplay;
  }
  return DigestResult::kOk;
}

bool DigestVerifier::Remember(const std::string& nonce, const std::string& nc, UnixMicros now) {
  std::lock_guard lock(mu_);
  // Entries arrive roughly in nonce order, so those of expired nonces sit at the front; a
  // replay of them is refused as stale anyway.
  while (!seen_order_.empty()) {
    UnixMicros issued =
        static_cast<UnixMicros>(std::stoull(seen_order_.front().substr(0, 16), nullptr, 16));
    if (now - issued <= options_.nonce_lifetime) break;
    seen_.erase(seen_order_.front());
    seen_order_.pop_front();
  }
  std::string key = nonce + ":" + nc;
  if (!seen_.insert(key).second) return false;
  seen_order_.push_back(std::move(key));
  while (seen_order_.size() > options_.replay_cache_size) {
    seen_.erase(seen_order_.front());
    seen_order_.pop_front();
  }
  return true;
}

}  // namespace quanyu::api
