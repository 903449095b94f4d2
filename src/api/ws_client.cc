#include "api/ws_client.h"

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <optional>

#include "api/client_tls.h"

namespace quanyu::api {

namespace beast = boost::beast;
namespace websocket = beast::websocket;
namespace net = boost::asio;
using tcp = net::ip::tcp;
namespace ssl = net::ssl;

// Permessage-deflate is never negotiated, so the streams are built without it.
using PlainWs = websocket::stream<beast::tcp_stream, false>;
using TlsWs = websocket::stream<beast::ssl_stream<beast::tcp_stream>, false>;

struct WsClient::Impl {
  net::io_context ioc;
  std::optional<ssl::context> tls_context;
  std::optional<PlainWs> plain;  // exactly one of the two is set
  std::optional<TlsWs> tls;
  bool open = false;

  beast::tcp_stream& lowest() {
    return plain ? beast::get_lowest_layer(*plain) : beast::get_lowest_layer(*tls);
  }

  // Runs the asynchronous operation `start(handler)` until it completes or `timeout` passes.
  // On a timeout the socket is closed (which cancels the operation) and the client stays
  // closed.
  template <class Start>
  Status Run(Timeout timeout, const std::string& what, Start start) {
    std::optional<beast::error_code> result;
    start([&result](beast::error_code ec) { result = ec; });
    ioc.restart();
    ioc.run_for(timeout);
    if (!result) {
      beast::error_code ignored;
      lowest().socket().close(ignored);
      ioc.restart();
      ioc.run();
      open = false;
      return Unavailable(what + " timed out after " + std::to_string(timeout.count()) + " ms");
    }
    if (*result) {
      open = false;
      return Unavailable(what + " failed: " + result->message());
    }
    return Status::Ok();
  }

  template <class F>
  auto WithStream(F f) {
    return plain ? f(*plain) : f(*tls);
  }
};

WsClient::WsClient(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
WsClient::~WsClient() = default;

bool WsClient::is_open() const { return impl_->open; }

StatusOr<std::unique_ptr<WsClient>> WsClient::Connect(const std::string& host, uint16_t port,
                                                      const std::string& target,
                                                      const ClientOptions& options,
                                                      Timeout timeout) {
  auto impl = std::make_unique<Impl>();
  const std::string where = host + ":" + std::to_string(port);
  beast::error_code ec;
  tcp::resolver resolver(impl->ioc);
  auto endpoints = resolver.resolve(host, std::to_string(port), ec);
  if (ec) return Unavailable("cannot resolve " + host + ": " + ec.message());
  if (options.tls) {
    auto ctx = MakeClientTlsContext(options);
    if (!ctx.ok()) return ctx.status();
    impl->tls_context.emplace(std::move(*ctx));
    impl->tls.emplace(impl->ioc, *impl->tls_context);
  } else {
    impl->plain.emplace(impl->ioc);
  }
  RETURN_IF_ERROR(impl->Run(timeout, "connecting to " + where, [&](auto done) {
    impl->lowest().async_connect(endpoints,
                                 [done](beast::error_code e, const tcp::endpoint&) { done(e); });
  }));
  impl->lowest().socket().set_option(tcp::no_delay(true), ec);
  if (impl->tls) {
    PrepareClientTls(impl->tls->next_layer(), host, options);
    RETURN_IF_ERROR(impl->Run(timeout, "TLS handshake with " + where, [&](auto done) {
      impl->tls->next_layer().async_handshake(ssl::stream_base::client, done);
    }));
  }
  // The stream's own timeouts stay off: every call brings its deadline.
  websocket::response_type response;
  Status upgraded = impl->WithStream([&](auto& ws) {
    websocket::stream_base::timeout t{};
    t.handshake_timeout = websocket::stream_base::none();
    t.idle_timeout = websocket::stream_base::none();
    t.keep_alive_pings = false;
    ws.set_option(t);
    return impl->Run(timeout, "WebSocket upgrade of " + target,
                     [&](auto done) { ws.async_handshake(response, host, target, done); });
  });
  if (!upgraded.ok()) {
    if (response.result_int() != 0 && response.result_int() != 101) {
      return Unavailable("WebSocket upgrade of " + target + " refused with HTTP " +
                         std::to_string(response.result_int()));
    }
    return upgraded;
  }
  impl->open = true;
  return std::unique_ptr<WsClient>(new WsClient(std::move(impl)));
}

Status WsClient::Send(std::string_view text, Timeout timeout) {
  if (!impl_->open) return FailedPrecondition("the WebSocket is closed");
  return impl_->WithStream([&](auto& ws) {
    ws.text(true);
    return impl_->Run(timeout, "WebSocket write", [&](auto done) {
      ws.async_write(net::buffer(text.data(), text.size()),
                     [done](beast::error_code e, size_t) { done(e); });
    });
  });
}

StatusOr<std::string> WsClient::Read(Timeout timeout) {
  if (!impl_->open) return FailedPrecondition("the WebSocket is closed");
  beast::flat_buffer buffer;
  Status st = impl_->WithStream([&](auto& ws) {
    return impl_->Run(timeout, "WebSocket read", [&](auto done) {
      ws.async_read(buffer, [done](beast::error_code e, size_t) { done(e); });
    });
  });
  if (!st.ok()) return st;
  return beast::buffers_to_string(buffer.data());
}

Status WsClient::Close(Timeout timeout) {
  if (!impl_->open) return Status::Ok();
  Status st = impl_->WithStream([&](auto& ws) {
    return impl_->Run(timeout, "WebSocket close",
                      [&](auto done) { ws.async_close(websocket::close_code::normal, done); });
  });
  impl_->open = false;
  return st;
}

}  // namespace quanyu::api
