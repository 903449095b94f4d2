#include "api/http_client.h"

#include <openssl/ssl.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <optional>

#include "api/client_tls.h"

namespace quanyu::api {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;
namespace ssl = net::ssl;

struct HttpClient::Impl {
  std::string host;
  uint16_t port;
  ClientOptions options;
  net::io_context ioc;
  std::optional<ssl::context> tls_context;
  // At most one of the two is set: the open connection.
  std::optional<beast::tcp_stream> plain;
  std::optional<beast::ssl_stream<beast::tcp_stream>> tls;
  beast::flat_buffer buffer;
  std::map<std::string, std::string> default_headers;

  bool connected() const { return plain.has_value() || tls.has_value(); }
  void Disconnect() {
    plain.reset();
    tls.reset();
  }

  Status Connect() {
    if (options.tls && !tls_context) {
      auto ctx = MakeClientTlsContext(options);
      if (!ctx.ok()) return ctx.status();
      tls_context.emplace(std::move(*ctx));
    }
    beast::error_code ec;
    tcp::resolver resolver(ioc);
    auto results = resolver.resolve(host, std::to_string(port), ec);
    if (ec) return Unavailable("cannot resolve " + host + ": " + ec.message());
    const std::string where = host + ":" + std::to_string(port);
    if (!options.tls) {
      plain.emplace(ioc);
      plain->connect(results, ec);
      if (ec) {
        Disconnect();
        return Unavailable("cannot connect to " + where + ": " + ec.message());
      }
      plain->socket().set_option(tcp::no_delay(true), ec);
    } else {
      tls.emplace(ioc, *tls_context);
      beast::get_lowest_layer(*tls).connect(results, ec);
      if (ec) {
        Disconnect();
        return Unavailable("cannot connect to " + where + ": " + ec.message());
      }
      beast::get_lowest_layer(*tls).socket().set_option(tcp::no_delay(true), ec);
      PrepareClientTls(*tls, host, options);
      tls->handshake(ssl::stream_base::client, ec);
      if (ec) {
        Disconnect();
        return Unavailable("TLS handshake with " + where + " failed: " + ec.message());
      }
    }
    buffer.clear();
    return Status::Ok();
  }

  template <class Stream>
  beast::error_code RoundTrip(Stream& stream, http::request<http::string_body>& req,
                              http::response_parser<http::string_body>& parser) {
    beast::error_code ec;
    http::write(stream, req, ec);
    if (!ec) http::read(stream, buffer, parser, ec);
    return ec;
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
  for (int attempt = 0; attempt < 2; ++attempt) {
    if (!impl_->connected()) RETURN_IF_ERROR(impl_->Connect());
    http::request<http::string_body> req;
    req.method_string(method);
    req.target(target);
    req.version(11);
    req.set(http::field::host, impl_->host);
    req.set(http::field::user_agent, "quanyu-client");
    for (const auto& [k, v] : impl_->default_headers) req.set(k, v);
    for (const auto& [k, v] : headers) req.set(k, v);
    req.body() = body;
    req.keep_alive(true);
    req.prepare_payload();
    http::response_parser<http::string_body> parser;
    parser.body_limit(1ull << 30);
    beast::error_code ec = impl_->plain ? impl_->RoundTrip(*impl_->plain, req, parser)
                                        : impl_->RoundTrip(*impl_->tls, req, parser);
    if (ec) {
      // A keep-alive connection the server closed: reconnect once and resend. (A TLS server
      // that closes an idle connection without close_notify shows as a truncated stream.)
      impl_->Disconnect();
      if (attempt == 0 && (ec == http::error::end_of_stream || ec == net::error::connection_reset ||
                           ec == net::error::broken_pipe || ec == net::error::eof ||
                           ec == ssl::error::stream_truncated)) {
        continue;
      }
      return Unavailable("HTTP " + method + " " + target + " failed: " + ec.message());
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
