// The server over TLS: HTTPS and WSS with a self-signed certificate made at test time, a
// plain-HTTP client turned away without hanging, and start-up errors that name the file.
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
#include <cstdio>
#include <fstream>

#include "api/webhooks.h"
#include "api/ws_client.h"
#include "test_util.h"

namespace quanyu::testing {
namespace {

namespace net = boost::asio;
using tcp = net::ip::tcp;
using nlohmann::json;

struct CertFiles {
  std::string cert;
  std::string key;
};

// Writes a self-signed P-256 certificate for localhost and 127.0.0.1, valid for an hour, and
// its key, as DIR/NAME.crt and DIR/NAME.key.
CertFiles MakeSelfSigned(const std::string& dir, const std::string& name) {
  CertFiles files{dir + "/" + name + ".crt", dir + "/" + name + ".key"};
  EVP_PKEY* key = EVP_EC_gen("P-256");
  X509* x = X509_new();
  EXPECT_NE(key, nullptr);
  X509_set_version(x, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
  X509_gmtime_adj(X509_getm_notBefore(x), -60);
  X509_gmtime_adj(X509_getm_notAfter(x), 3600);
  X509_set_pubkey(x, key);
  X509_NAME* subject = X509_get_subject_name(x);
  X509_NAME_add_entry_by_txt(subject, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("localhost"), -1, -1, 0);
  X509_set_issuer_name(x, subject);
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, x, x, nullptr, nullptr, 0);
  X509_EXTENSION* san =
      X509V3_EXT_conf_nid(nullptr, &ctx, NID_subject_alt_name, "DNS:localhost,IP:127.0.0.1");
  EXPECT_NE(san, nullptr);
  X509_add_ext(x, san, -1);
  X509_EXTENSION_free(san);
  EXPECT_GT(X509_sign(x, key, EVP_sha256()), 0);

  std::FILE* f = std::fopen(files.cert.c_str(), "w");
  EXPECT_EQ(PEM_write_X509(f, x), 1);
  std::fclose(f);
  f = std::fopen(files.key.c_str(), "w");
  EXPECT_EQ(PEM_write_PrivateKey(f, key, nullptr, nullptr, 0, nullptr, nullptr), 1);
  std::fclose(f);
  X509_free(x);
  EVP_PKEY_free(key);
  return files;
}

api::AppOptions TlsOptions(const CertFiles& files) {
  api::AppOptions options;
  options.server.tls_cert_file = files.cert;
  options.server.tls_key_file = files.key;
  options.server.tls_handshake_timeout_seconds = 2;
  return options;
}

api::ClientOptions Trusting(const CertFiles& files) {
  api::ClientOptions o;
  o.tls = true;
  o.tls_ca_file = files.cert;
  return o;
}

class TlsTest : public ::testing::Test {
 protected:
  TempDir certs_;
  CertFiles files_ = MakeSelfSigned(certs_.path(), "server");
  ServerFixture server_{TlsOptions(files_)};
};

TEST_F(TlsTest, HttpsRequestsSucceedWithTheTrustedCertificate) {
  api::HttpClient client("127.0.0.1", server_.port(), Trusting(files_));
  for (int i = 0; i < 2; ++i) {  // the second request reuses the connection
    auto r = client.Send("GET", "/healthz", {}, {{"X-Request-Id", "tls-" + std::to_string(i)}});
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_EQ(r->status, 200) << r->body;
    EXPECT_EQ(r->headers["x-request-id"], "tls-" + std::to_string(i));
  }

  api::ClientOptions insecure;
  insecure.tls = true;
  insecure.tls_insecure_skip_verify = true;
  api::HttpClient test_only("127.0.0.1", server_.port(), insecure);
  auto r = test_only.Get("/healthz");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->status, 200);

  // A client that trusts only another certificate refuses the server.
  TempDir other_dir;
  CertFiles other = MakeSelfSigned(other_dir.path(), "other");
  api::HttpClient distrustful("127.0.0.1", server_.port(), Trusting(other));
  auto refused = distrustful.Get("/healthz");
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("TLS handshake"), std::string::npos)
      << refused.status().ToString();

  api::HttpClient bad_ca("127.0.0.1", server_.port(), Trusting({certs_.path() + "/none.crt", ""}));
  EXPECT_EQ(bad_ca.Get("/healthz").status().field(), "tls_ca_file");
}

TEST_F(TlsTest, WebhookPostsOverHttpsAndChecksTheReceiversCertificate) {
  const std::string url =
      "https://127.0.0.1:" + std::to_string(server_.port()) + "/api/v1/auth/login";
  auto r =
      api::HttpPost(url, R"({"user":"nobody","password":"wrong password"})",
                    {{"Content-Type", "application/json"}}, std::chrono::seconds(5), files_.cert);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->status, 401) << r->body;

  TempDir other_dir;
  CertFiles other = MakeSelfSigned(other_dir.path(), "other");
  auto refused = api::HttpPost(url, "{}", {}, std::chrono::seconds(5), other.cert);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("TLS handshake"), std::string::npos)
      << refused.status().ToString();
}

TEST_F(TlsTest, PlainHttpToTheTlsPortIsClosedAndTheServerStaysUp) {
  net::io_context ioc;
  tcp::socket socket(ioc);
  socket.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), server_.port()));
  net::write(socket, net::buffer(std::string("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")));

  // Read until the server closes the connection, giving up after 5 s.
  std::string received;
  char chunk[512];
  boost::system::error_code end;
  std::function<void()> read = [&] {
    socket.async_read_some(net::buffer(chunk), [&](boost::system::error_code ec, size_t n) {
      if (ec) {
        end = ec;
        return;
      }
      received.append(chunk, n);
      read();
    });
  };
  read();
  ioc.run_for(std::chrono::seconds(5));
  EXPECT_TRUE(end == net::error::eof || end == net::error::connection_reset)
      << "connection not closed within 5 s: " << end.message();
  EXPECT_EQ(received.find("HTTP/1.1 200"), std::string::npos) << received;

  api::HttpClient client("127.0.0.1", server_.port(), Trusting(files_));
  auto r = client.Get("/metrics");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->status, 200);
  EXPECT_NE(r->body.find("quanyu_http_tls_handshake_failures_total"), std::string::npos);
}

TEST_F(TlsTest, SilentClientIsCutOffAtTheHandshakeTimeout) {
  net::io_context ioc;
  tcp::socket socket(ioc);
  socket.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), server_.port()));
  auto t0 = std::chrono::steady_clock::now();
  char byte;
  boost::system::error_code end;
  bool closed = false;
  socket.async_read_some(net::buffer(&byte, 1), [&](boost::system::error_code ec, size_t) {
    end = ec;
    closed = true;
  });
  ioc.run_for(std::chrono::seconds(8));
  double waited = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  ASSERT_TRUE(closed) << "the connection outlived the 2 s handshake timeout";
  EXPECT_TRUE(end == net::error::eof || end == net::error::connection_reset) << end.message();
  EXPECT_GE(waited, 1.5);
}

TEST_F(TlsTest, StopClosesIdleTlsConnectionsPromptly) {
  api::HttpClient client("127.0.0.1", server_.port(), Trusting(files_));
  ASSERT_EQ(client.Get("/healthz")->status, 200);  // leaves a kept-alive TLS connection
  auto t0 = std::chrono::steady_clock::now();
  server_.app().Stop();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(3));
  EXPECT_FALSE(client.Get("/healthz").ok());
}

TEST_F(TlsTest, WebSocketOverTlsReceivesStreamMessages) {
  auto ws = api::WsClient::Connect(
      "127.0.0.1", server_.port(),
      "/api/v1/stream?topics=ingest&access_token=" + server_.admin_token(), Trusting(files_));
  ASSERT_TRUE(ws.ok()) << ws.status().ToString();
  // The ingest topic ticks once a second.
  auto msg = (*ws)->Read();
  ASSERT_TRUE(msg.ok()) << msg.status().ToString();
  json m = json::parse(*msg);
  EXPECT_EQ(m["topic"], "ingest");
  EXPECT_TRUE(m["data"].contains("accepted")) << m.dump();
  EXPECT_TRUE((*ws)->Close().ok());
}

TEST_F(TlsTest, WebSocketClientRefusesAnUntrustedCertificate) {
  api::ClientOptions system_trust;  // the system's store, which does not know our certificate
  system_trust.tls = true;
  auto ws = api::WsClient::Connect(
      "127.0.0.1", server_.port(),
      "/api/v1/stream?topics=ingest&access_token=" + server_.admin_token(), system_trust);
  ASSERT_FALSE(ws.ok());
  EXPECT_NE(ws.status().ToString().find("TLS handshake"), std::string::npos)
      << ws.status().ToString();
}

// Start fails with the offending file named; the App never listens.
std::string StartError(const api::AppOptions& tls, const TempDir& data) {
  api::AppOptions options = tls;
  options.data_dir = data.path();
  options.server.port = 0;
  auto app = api::App::Open(options);
  EXPECT_TRUE(app.ok()) << app.status().ToString();
  if (!app.ok()) return {};
  Status st = (*app)->Start();
  EXPECT_FALSE(st.ok());
  return st.ToString();
}

TEST(TlsStartTest, UnusableCertificateOrKeyIsNamed) {
  TempDir certs;
  CertFiles good = MakeSelfSigned(certs.path(), "good");
  CertFiles other = MakeSelfSigned(certs.path(), "other");
  std::string garbage = certs.path() + "/garbage.key";
  std::ofstream(garbage) << "not a key\n";

  {
    TempDir data;
    std::string e = StartError(TlsOptions({good.cert, garbage}), data);
    EXPECT_NE(e.find("tls_key_file"), std::string::npos) << e;
    EXPECT_NE(e.find(garbage), std::string::npos) << e;
  }
  {
    TempDir data;  // a real key, but not the certificate's
    std::string e = StartError(TlsOptions({good.cert, other.key}), data);
    EXPECT_NE(e.find("tls_key_file"), std::string::npos) << e;
    EXPECT_NE(e.find(other.key), std::string::npos) << e;
    EXPECT_NE(e.find(good.cert), std::string::npos) << e;
  }
  {
    TempDir data;
    std::string missing = certs.path() + "/missing.crt";
    std::string e = StartError(TlsOptions({missing, good.key}), data);
    EXPECT_NE(e.find("tls_cert_file"), std::string::npos) << e;
    EXPECT_NE(e.find(missing), std::string::npos) << e;
  }
  {
    TempDir data;  // a key where the certificate should be
    std::string e = StartError(TlsOptions({good.key, good.key}), data);
    EXPECT_NE(e.find("tls_cert_file"), std::string::npos) << e;
    EXPECT_NE(e.find(good.key), std::string::npos) << e;
  }
  {
    TempDir data;  // the right key, encrypted: refused rather than prompting for a passphrase
    std::string encrypted = certs.path() + "/encrypted.key";
    std::FILE* in = std::fopen(good.key.c_str(), "r");
    EVP_PKEY* key = PEM_read_PrivateKey(in, nullptr, nullptr, nullptr);
    std::fclose(in);
    ASSERT_NE(key, nullptr);
    std::FILE* out = std::fopen(encrypted.c_str(), "w");
    char pass[] = "passphrase";
    EXPECT_EQ(PEM_write_PrivateKey(out, key, EVP_aes_256_cbc(),
                                   reinterpret_cast<unsigned char*>(pass), 10, nullptr, nullptr),
              1);
    std::fclose(out);
    EVP_PKEY_free(key);
    std::string e = StartError(TlsOptions({good.cert, encrypted}), data);
    EXPECT_NE(e.find("tls_key_file"), std::string::npos) << e;
    EXPECT_NE(e.find(encrypted), std::string::npos) << e;
  }
  {
    TempDir data;
    std::string e = StartError(TlsOptions({good.cert, ""}), data);
    EXPECT_NE(e.find("tls_key_file"), std::string::npos) << e;
  }
}

}  // namespace
}  // namespace quanyu::testing
