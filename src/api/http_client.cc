#include "api/http_client.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <optional>

namespace quanyu::api {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

struct HttpClient::Impl {
  std::string host;
  uint16_t port;
  net::io_context ioc;
  std::optional<beast::tcp_stream> stream;
  beast::flat_buffer buffer;
  std::map<std::string, std::string> default_headers;

  Status Connect() {
    beast::error_code ec;
    tcp::resolver resolver(ioc);
    auto results = resolver.resolve(host, std::to_string(port), ec);
    if (ec) return Unavailable("cannot resolve " + host + ": " + ec.message());
    stream.emplace(ioc);
    stream->connect(results, ec);
    if (ec) {
      stream.reset();
      return Unavailable("cannot connect to " + host + ":" + std::to_string(port) + ": " +
                         ec.message());
    }
    stream->socket().set_option(tcp::no_delay(true), ec);
    buffer.clear();
    return Status::Ok();
  }
};

HttpClient::HttpClient(std::string host, uint16_t port) : impl_(std::make_unique<Impl>()) {
  impl_->host = std::move(host);
  impl_->port = port;
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
    if (!impl_->stream) RETURN_IF_ERROR(impl_->Connect());
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
    beast::error_code ec;
    http::write(*impl_->stream, req, ec);
    http::response_parser<http::string_body> parser;
    parser.body_limit(1ull << 30);
    if (!ec) http::read(*impl_->stream, impl_->buffer, parser, ec);
    if (ec) {
      // A keep-alive connection the server closed: reconnect once and resend.
      impl_->stream.reset();
      if (attempt == 0 && (ec == http::error::end_of_stream || ec == net::error::connection_reset ||
                           ec == net::error::broken_pipe || ec == net::error::eof)) {
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
    if (!res.keep_alive()) impl_->stream.reset();
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
