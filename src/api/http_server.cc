#include "api/http_server.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <random>
#include <thread>
#include <vector>

#include "api/http_session.h"
#include "core/thread.h"

namespace quanyu::api {

namespace internal {

std::string MakeRequestId(Shared& s) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%s-%08llx", s.id_prefix.c_str(),
                static_cast<unsigned long long>(s.request_counter.fetch_add(1)));
  return buf;
}

Request ToRequest(http::request<http::string_body>& in, const std::string& remote) {
  Request r;
  r.method = std::string(in.method_string());
  r.target = std::string(in.target());
  std::string_view t(in.target().data(), in.target().size());
  size_t q = t.find('?');
  r.path = UrlDecode(t.substr(0, q), false);
  if (q != std::string_view::npos) r.query = ParseQuery(t.substr(q + 1));
  for (const auto& f : in) {
    std::string k(f.name_string());
    for (auto& c : k) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    r.headers[k] = std::string(f.value());
  }
  r.body = std::move(in.body());
  r.remote = remote;
  return r;
}

}  // namespace internal

namespace {

using namespace internal;  // NOLINT(google-build-using-namespace)

// The server's TLS context from the configured PEM files, or nullopt for plain HTTP.
StatusOr<std::optional<ssl::context>> LoadTls(const ServerOptions& o) {
  if (o.tls_cert_file.empty() && o.tls_key_file.empty()) return std::optional<ssl::context>();
  if (o.tls_cert_file.empty()) {
    return InvalidArgument("tls_cert_file", "is required when tls_key_file is set");
  }
  if (o.tls_key_file.empty()) {
    return InvalidArgument("tls_key_file", "is required when tls_cert_file is set");
  }
  // Check readability first: OpenSSL's own message for a missing file is "system lib".
  for (const auto& [field, path] :
       {std::pair<const char*, const std::string*>{"tls_cert_file", &o.tls_cert_file},
        std::pair<const char*, const std::string*>{"tls_key_file", &o.tls_key_file}}) {
    std::FILE* f = std::fopen(path->c_str(), "rb");
    if (f == nullptr) {
      return InvalidArgument(field, "cannot open " + *path + ": " + std::strerror(errno));
    }
    std::fclose(f);
  }
  ssl::context ctx(ssl::context::tls_server);
  ctx.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                  ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 |
                  ssl::context::single_dh_use);
  SSL_CTX_set_min_proto_version(ctx.native_handle(), TLS1_2_VERSION);
  beast::error_code ec;
  ctx.use_certificate_chain_file(o.tls_cert_file, ec);
  if (ec) {
    return InvalidArgument("tls_cert_file", "cannot load a PEM certificate chain from " +
                                                o.tls_cert_file + ": " + ec.message());
  }
  // Read the key here rather than with use_private_key_file: OpenSSL's reasons for a file
  // that is no key ("unsupported") say less than ours, and an encrypted key must fail (the
  // callback gives no passphrase) instead of prompting on the terminal.
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new_file(o.tls_key_file.c_str(), "r"),
                                                &BIO_free);
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(
      bio ? PEM_read_bio_PrivateKey(
                bio.get(), nullptr, [](char*, int, int, void*) { return 0; }, nullptr)
          : nullptr,
      &EVP_PKEY_free);
  ERR_clear_error();
  if (key == nullptr) {
    return InvalidArgument("tls_key_file",
                           o.tls_key_file + " holds no unencrypted PEM private key");
  }
  if (SSL_CTX_use_PrivateKey(ctx.native_handle(), key.get()) != 1 ||
      SSL_CTX_check_private_key(ctx.native_handle()) != 1) {
    ERR_clear_error();
    return InvalidArgument(
        "tls_key_file",
        "the key in " + o.tls_key_file + " does not match the certificate in " + o.tls_cert_file);
  }
  return std::optional<ssl::context>(std::move(ctx));
}
}  // namespace

struct HttpServer::Impl {
  std::shared_ptr<Shared> shared = std::make_shared<Shared>();
  net::io_context ioc;
  std::optional<tcp::acceptor> acceptor;
  std::vector<std::thread> threads;
  std::optional<net::executor_work_guard<net::io_context::executor_type>> guard;
  bool stopped = false;
  uint16_t port = 0;

  explicit Impl(int threads_hint) : ioc(threads_hint) {}

  void Accept() {
    acceptor->async_accept(net::make_strand(ioc), [this](beast::error_code ec, tcp::socket s) {
      if (ec) {
        if (ec == net::error::operation_aborted || shared->stopping.load()) return;
        spdlog::warn("accept failed: {}", ec.message());
      } else {
        beast::error_code ignore;
        s.set_option(tcp::no_delay(true), ignore);
        if (shared->tls) {
          StartTlsSession(shared, std::move(s));
        } else {
          StartPlainSession(shared, std::move(s));
        }
      }
      if (!shared->stopping.load()) Accept();
    });
  }
};

HttpServer::HttpServer(const Router* router, ServerOptions options, Metrics* metrics)
    : impl_(std::make_unique<Impl>(std::max(1, options.threads))) {
  impl_->shared->router = router;
  impl_->shared->options = std::move(options);
  impl_->shared->metrics = metrics;
  impl_->shared->latency =
      metrics->GetHistogram("quanyu_http_request_duration_seconds",
                            "HTTP request latency, receipt to response", LatencyBuckets());
  impl_->shared->stream_delivery = metrics->GetHistogram(
      "quanyu_stream_delivery_seconds",
      "From the receipt of a request to the start of the write of a WebSocket message it caused "
      "(an alert raised by a passage record of the request)",
      {0.0001, 0.00025, 0.0005, 0.00075, 0.001, 0.0015, 0.002, 0.003, 0.005, 0.0075, 0.01, 0.02,
       0.05, 0.1, 0.25, 1});
  std::random_device rd;
  char buf[16];
  std::snprintf(buf, sizeof buf, "%06x", rd() & 0xffffff);
  impl_->shared->id_prefix = buf;
  impl_->shared->tls_handshake_failures =
      metrics->GetCounter("quanyu_http_tls_handshake_failures_total",
                          "TLS handshakes that failed or timed out (plain HTTP to the TLS port, "
                          "untrusted certificate, ...)");
  metrics->AddGaugeCallback(
      "quanyu_http_open_connections", "Open HTTP connections", {},
      [s = impl_->shared] { return static_cast<double>(s->open_connections.load()); }, this);
}

HttpServer::~HttpServer() {
  Stop();
  impl_->shared->metrics->RemoveCallbacks(this);
}

Status HttpServer::Start() {
  ASSIGN_OR_RETURN(impl_->shared->tls, LoadTls(impl_->shared->options));
  beast::error_code ec;
  auto addr = net::ip::make_address(impl_->shared->options.host, ec);
  if (ec) {
    return InvalidArgument("listen", "not an IP address: " + impl_->shared->options.host);
  }
  tcp::endpoint ep(addr, impl_->shared->options.port);
  impl_->acceptor.emplace(impl_->ioc);
  impl_->acceptor->open(ep.protocol(), ec);
  if (!ec) impl_->acceptor->set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) impl_->acceptor->bind(ep, ec);
  if (!ec) impl_->acceptor->listen(net::socket_base::max_listen_connections, ec);
  if (ec) {
    return Unavailable("cannot listen on " + impl_->shared->options.host + ":" +
                       std::to_string(impl_->shared->options.port) + ": " + ec.message());
  }
  impl_->port = impl_->acceptor->local_endpoint().port();
  impl_->guard.emplace(net::make_work_guard(impl_->ioc));
  impl_->Accept();
  for (int i = 0; i < std::max(1, impl_->shared->options.threads); ++i) {
    impl_->threads.emplace_back([this] {
      NameThisThread("qy-http");
      impl_->ioc.run();
    });
  }
  return Status::Ok();
}

uint16_t HttpServer::port() const { return impl_->port; }

void HttpServer::Stop() {
  if (impl_->stopped) return;
  impl_->stopped = true;
  impl_->shared->stopping.store(true);
  if (impl_->acceptor) {
    net::post(impl_->ioc, [this] {
      beast::error_code ec;
      impl_->acceptor->close(ec);
    });
  }
  std::vector<std::shared_ptr<SessionBase>> live;
  {
    std::lock_guard lock(impl_->shared->mu);
    live.assign(impl_->shared->sessions.begin(), impl_->shared->sessions.end());
  }
  for (auto& s : live) s->Shutdown();
  // Give requests in flight up to 10 s to be answered, then stop the loop.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (std::chrono::steady_clock::now() < deadline) {
    {
      std::lock_guard lock(impl_->shared->mu);
      if (impl_->shared->sessions.empty()) break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  impl_->guard.reset();
  impl_->ioc.stop();
  for (auto& t : impl_->threads) t.join();
  impl_->threads.clear();
  std::lock_guard lock(impl_->shared->mu);
  impl_->shared->sessions.clear();
}

}  // namespace quanyu::api
