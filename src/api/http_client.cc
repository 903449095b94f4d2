#include "api/http_client.h"

#include <openssl/ssl.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <chrono>
#include <optional>

#include "api/client_tls.h"

namespace quanyu::api {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;
namespace ssl = net::ssl;

struct HttpClient::Impl {
  using SteadyClock = std::chrono::steady_clock;

  std::string host;
  uint16_t port;
  ClientOptions options;
  net::io_context ioc;
  tcp::resolver resolver{ioc};
  std::optional<ssl::context> tls_context;
  // At most one of the two is set: the open connection.
  std::optional<beast::tcp_stream> plain;
  std::optional<beast::ssl_stream<beast::tcp_stream>> tls;
  beast::flat_buffer buffer;
  std::map<std::string, std::string> default_headers;

  std::string where() const { return host + ":" + std::to_string(port); }
  bool connected() const { return plain.has_value() || tls.has_value(); }
  tcp::socket* socket() {
    if (plain) return &plain->socket();
    if (tls) return &beast::get_lowest_layer(*tls).socket();
    return nullptr;
  }
  void Disconnect() {
    plain.reset();
    tls.reset();
  }

  // Runs the asynchronous operation `start(handler)` until it completes or the deadline
  // passes; then the connection is closed (which cancels the operation) and the result is
  // net::error::timed_out.
  template <class Start>
  beast::error_code Run(SteadyClock::time_point deadline, Start start) {
    std::optional<beast::error_code> result;
    start([&result](beast::error_code ec) { result = ec; });
    ioc.restart();
    const auto left = deadline - SteadyClock::now();
    if (left > SteadyClock::duration::zero()) ioc.run_for(left);
    if (result) return *result;
    resolver.cancel();
    if (tcp::socket* s = socket()) {
      beast::error_code ignored;
      s->close(ignored);
    }
    ioc.restart();
    ioc.run();
    Disconnect();
    return net::error::timed_out;
  }

  Status Failure(const std::string& stage, beast::error_code ec) const {
    if (ec == net::error::timed_out) {
      return Unavailable("no answer within " + std::to_string(options.timeout.count()) + " ms (" +
                         stage + ", " + where() + ")");
    }
    return Unavailable(stage + " failed: " + ec.message() + " (" + where() + ")");
  }

  Status Connect(SteadyClock::time_point deadline) {
    if (options.tls && !tls_context) {
      auto ctx = MakeClientTlsContext(options);
      if (!ctx.ok()) return ctx.status();
      tls_context.emplace(std::move(*ctx));
    }
    tcp::resolver::results_type endpoints;
    beast::error_code ec = Run(deadline, [&](auto done) {
      resolver.async_resolve(host, std::to_string(port),
                             [&endpoints, done](beast::error_code e, auto results) {
                               endpoints = std::move(results);
                               done(e);
                             });
    });
    if (ec) return Failure("resolve", ec);
    if (options.tls) {
      tls.emplace(ioc, *tls_context);
    } else {
      plain.emplace(ioc);
    }
    beast::tcp_stream& lowest = plain ? *plain : beast::get_lowest_layer(*tls);
    ec = Run(deadline, [&](auto done) {
      lowest.async_connect(endpoints,
                           [done](beast::error_code e, const tcp::endpoint&) { done(e); });
    });
    if (ec) {
      Disconnect();
      return Failure("connect", ec);
    }
    socket()->set_option(tcp::no_delay(true), ec);
    if (tls) {
      PrepareClientTls(*tls, host, options);
      ec = Run(deadline, [&](auto done) { tls->async_handshake(ssl::stream_base::client, done); });
      if (ec) {
        Disconnect();
        return Failure("TLS handshake", ec);
      }
    }
    buffer.clear();
    buffer.reserve(64 * 1024);  // room for large answers in few reads (Beast reads what fits)
    return Status::Ok();
  }

  // Writes the request and reads the answer; *stage says how far it got.
  template <class Stream>
  beast::error_code RoundTrip(Stream& stream, SteadyClock::time_point deadline,
                              http::request<http::string_body>& req,
                              http::response_parser<http::string_body>& parser,
                              std::string* stage) {
    *stage = "send";
    beast::error_code ec = Run(deadline, [&](auto done) {
      http::async_write(stream, req, [done](beast::error_code e, size_t) { done(e); });
    });
    if (ec) return ec;
    *stage = "answer";
    return Run(deadline, [&](auto done) {
      http::async_read(stream, buffer, parser, [done](beast::error_code e, size_t) { done(e); });
    });
  }
};

StatusOr<ssl::context> MakeClientTlsContext(const ClientOptions& options) {
  ssl::context ctx(ssl::context::tls_client);
  SSL_CTX_set_min_proto_version(ctx.native_handle(), TLS1_2_VERSION);
  beast::error_code ec;
  if (options.tls_insecure_skip_verify) {
    ctx.set_verify_mode(ssl::verify_none);
  } else {
    ctx.set_verify_mode(ssl::verify_peer);
    if (options.tls_ca_file.empty()) {
      ctx.set_default_verify_paths(ec);
    } else {
      ctx.load_verify_file(options.tls_ca_file, ec);
    }
    if (ec) {
      return InvalidArgument("tls_ca_file", "cannot load trusted certificates from " +
                                                options.tls_ca_file + ": " + ec.message());
    }
  }
  return ctx;
}

HttpClient::HttpClient(std::string host, uint16_t port, ClientOptions options)
    : impl_(std::make_unique<Impl>()) {
  impl_->host = std::move(host);
  impl_->port = port;
  impl_->options = std::move(options);
}

HttpClient::~HttpClient() = default;

void HttpClient::SetDefaultHeader(const std::string& name, const std::string& value) {
  if (value.empty()) {
    impl_->default_headers.erase(name);
  } else {
    impl_->default_headers[name] = value;
  }
}

StatusOr<ClientResponse> HttpClient::Send(const std::string& method, const std::string& target,
                                          const std::string& body,
                                          const std::map<std::string, std::string>& headers) {
  const auto deadline = Impl::SteadyClock::now() + impl_->options.timeout;
  for (int attempt = 0; attempt < 2; ++attempt) {
    const bool reused = impl_->connected();
    if (!reused) RETURN_IF_ERROR(impl_->Connect(deadline));
    http::request<http::string_body> req;
    req.method_string(method);
    req.target(target);
    req.version(11);
    req.set(http::field::host, impl_->host);
    req.set(http::field::user_agent, impl_->options.user_agent);
    for (const auto& [k, v] : impl_->default_headers) req.set(k, v);
    for (const auto& [k, v] : headers) req.set(k, v);
    req.body() = body;
    req.keep_alive(true);
    req.prepare_payload();
    http::response_parser<http::string_body> parser;
    parser.body_limit(impl_->options.body_limit);
    std::string stage;
    beast::error_code ec = impl_->plain
                               ? impl_->RoundTrip(*impl_->plain, deadline, req, parser, &stage)
                               : impl_->RoundTrip(*impl_->tls, deadline, req, parser, &stage);
    if (ec) {
      impl_->Disconnect();
      // A kept-alive connection the server closed meanwhile: send once more on a new one. (A
      // TLS server that closes an idle connection without close_notify shows as a truncated
      // stream.)
      if (reused && attempt == 0 &&
          (ec == http::error::end_of_stream || ec == net::error::connection_reset ||
           ec == net::error::broken_pipe || ec == net::error::eof ||
           ec == ssl::error::stream_truncated)) {
        continue;
      }
      return impl_->Failure(method + " " + target + " " + stage, ec);
    }
    auto res = parser.release();
    ClientResponse out;
    out.status = res.result_int();
    out.body = std::move(res.body());
    for (const auto& f : res) {
      std::string k(f.name_string());
      for (auto& c : k) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      out.headers[k] = std::string(f.value());
    }
    if (!res.keep_alive()) impl_->Disconnect();
    return out;
  }
  return Unavailable("HTTP " + method + " " + target + " failed");
}

Status ParseHostPort(const std::string& text, std::string* host, uint16_t* port) {
  std::string t = text;
  if (t.rfind("http://", 0) == 0) t = t.substr(7);
  if (!t.empty() && t.back() == '/') t.pop_back();
  size_t colon = t.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 >= t.size()) {
    return InvalidArgument("listen", "expected HOST:PORT, got \"" + text + "\"");
  }
  *host = t.substr(0, colon);
  char* end = nullptr;
  long p = std::strtol(t.c_str() + colon + 1, &end, 10);
  if (*end != '\0' || p < 0 || p > 65535) {
    return InvalidArgument("listen", "port must be 0-65535, got \"" + t.substr(colon + 1) + "\"");
  }
  *port = static_cast<uint16_t>(p);
  return Status::Ok();
}

}  // namespace quanyu::api
