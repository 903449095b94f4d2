// Internal to the HTTP server: the session templates for one HTTP connection (plain or TLS)
// and the WebSocket connection it may turn into. Each stream type is instantiated in its own
// translation unit (http_session_plain.cc, http_session_tls.cc) so the two compile in
// parallel; http_server.cc owns the listener and calls StartPlainSession/StartTlsSession.
#pragma once

#include <spdlog/spdlog.h>

#include <atomic>
#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <chrono>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <type_traits>

#include "api/http_server.h"
#include "core/clock.h"

namespace quanyu::api::internal {

namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace net = boost::asio;
using tcp = net::ip::tcp;
namespace ssl = net::ssl;

using PlainStream = beast::tcp_stream;
using TlsStream = beast::ssl_stream<beast::tcp_stream>;

template <class Stream>
constexpr bool kIsTls = std::is_same_v<Stream, TlsStream>;

// What Stop() needs of a live HTTP session of either stream type.
class SessionBase {
 public:
  virtual ~SessionBase() = default;
  // Closes the connection now if idle; a busy one closes after its response.
  virtual void Shutdown() = 0;
};

// Shared state of the server that sessions reach through a shared_ptr (sessions may outlive
// Stop by a few handler invocations).
struct Shared {
  const Router* router;
  ServerOptions options;
  Metrics* metrics;
  Histogram* latency;
  Histogram* stream_delivery = nullptr;  // see t_request_received_ns
  std::atomic<bool> stopping{false};
  std::mutex mu;
  std::set<std::shared_ptr<SessionBase>> sessions;  // strong refs to live sessions for shutdown
  std::optional<ssl::context> tls;                  // set when serving HTTPS
  Counter* tls_handshake_failures = nullptr;
  std::atomic<uint64_t> request_counter{0};
  std::string id_prefix;
  std::atomic<int64_t> open_connections{0};
};

// While a server thread handles a request: when the request was received (MonotonicNanos),
// else 0. A WebSocket message sent during the handling (an alert raised by a passage record of
// the request) is timed from then to the start of its write to the socket:
// quanyu_stream_delivery_seconds.
inline thread_local int64_t t_request_received_ns = 0;

std::string MakeRequestId(Shared& s);
// The request as the router sees it; moves the body out of `in`.
Request ToRequest(boost::beast::http::request<boost::beast::http::string_body>& in,
                  const std::string& remote);

// Registers a session for a newly accepted connection with `shared` and starts it.
void StartPlainSession(std::shared_ptr<Shared> shared, tcp::socket socket);
void StartTlsSession(std::shared_ptr<Shared> shared, tcp::socket socket);

// A WebSocket connection: writes are queued and sent one at a time on the connection's strand.
// Stream is the HTTP session's stream (TCP or TLS over TCP), taken over after the upgrade.
template <class Stream>
class WsConn : public WsConnection, public std::enable_shared_from_this<WsConn<Stream>> {
 public:
  WsConn(Stream&& stream, std::shared_ptr<Shared> shared)
      : ws_(std::move(stream)), shared_(std::move(shared)) {}

  // The subscription (the route's handler) is made before the handshake is answered, so that
  // a client that has its 101 misses nothing published from then on: what is sent before the
  // handshake completes waits in the queue.
  void Run(http::request<http::string_body> req, WsHandler handler, Request api_req) {
    // The WebSocket stream keeps its own timers; the TCP layer's must be off.
    beast::get_lowest_layer(ws_).expires_never();
    ws_.set_option(websocket::stream_base::timeout::suggested(beast::role_type::server));
    open_ = true;
    auto session = handler(api_req, this->shared_from_this());
    Status refused = session.ok() ? Status::Ok() : session.status();
    if (session.ok()) {
      session_ = std::move(session).value();
    } else {
      open_ = false;
    }
    ws_.async_accept(req, [self = this->shared_from_this(),
                           refused = std::move(refused)](beast::error_code ec) mutable {
      if (ec) return self->Closed();
      if (!refused.ok()) {
        self->ws_.async_close(
            websocket::close_reason(websocket::close_code::policy_error, refused.message()),
            [self](beast::error_code) {});
        return;
      }
      self->accepted_ = true;
      if (!self->open_) {  // closed while the handshake was under way
        self->ws_.async_close(websocket::close_code::going_away, [self](beast::error_code) {});
        return self->Closed();
      }
      self->Read();
      if (!self->out_.empty()) self->WriteNext();
    });
  }

  // Called by publishers on any thread. From a server thread whose connection's strand is idle
  // (an alert raised while handling a request), dispatch starts the write right there instead
  // of waking another thread for it. The lambda calls nothing back, so it is safe under the
  // publisher's locks.
  void Send(std::string text) override {
    net::dispatch(ws_.get_executor(), [self = this->shared_from_this(), text = std::move(text),
                                       since = t_request_received_ns]() mutable {
      if (!self->open_) return;
      self->out_.push_back({std::move(text), since});
      if (self->accepted_ && self->out_.size() == 1) self->WriteNext();
    });
  }

  void Close() override {
    net::post(ws_.get_executor(), [self = this->shared_from_this()] {
      if (!self->open_) return;
      self->open_ = false;
      if (!self->accepted_) return;  // the handshake's completion closes it
      self->ws_.async_close(websocket::close_code::going_away, [self](beast::error_code) {});
    });
  }

  bool IsOpen() const override { return open_; }

 private:
  void Read() {
    ws_.async_read(buffer_, [self = this->shared_from_this()](beast::error_code ec, size_t) {
      if (ec) {
        self->Closed();
        return;
      }
      std::string msg = beast::buffers_to_string(self->buffer_.data());
      self->buffer_.consume(self->buffer_.size());
      if (self->session_.on_message) self->session_.on_message(msg);
      self->Read();
    });
  }

  void WriteNext() {
    ws_.text(true);
    if (const int64_t since = out_.front().second; since != 0 && shared_->stream_delivery) {
      shared_->stream_delivery->Observe(static_cast<double>(MonotonicNanos() - since) / 1e9);
    }
    ws_.async_write(net::buffer(out_.front().first),
                    [self = this->shared_from_this()](beast::error_code ec, size_t) {
                      if (ec) {
                        self->Closed();
                        return;
                      }
                      self->out_.pop_front();
                      if (!self->out_.empty()) self->WriteNext();
                    });
  }

  void Closed() {
    bool was_open = open_.exchange(false);
    out_.clear();
    if (!closed_notified_ && session_.on_close) {
      closed_notified_ = true;
      session_.on_close();
    }
    (void)was_open;
  }

  websocket::stream<Stream, false> ws_;  // permessage-deflate is never offered
  std::shared_ptr<Shared> shared_;
  beast::flat_buffer buffer_;
  std::deque<std::pair<std::string, int64_t>> out_;  // text, t_request_received_ns or 0
  WsSession session_;
  std::atomic<bool> open_{false};
  bool accepted_ = false;  // the handshake is done (on the strand)
  bool closed_notified_ = false;
};

// One HTTP connection, over plain TCP or TLS: the same keep-alive loop, request ids, metrics,
// WebSocket upgrade and shutdown for both; TLS adds the handshake before the first read and
// close_notify before closing.
template <class Stream>
class Session : public SessionBase, public std::enable_shared_from_this<Session<Stream>> {
 public:
  // Args construct the stream: (socket) for TCP, (socket, ssl::context&) for TLS.
  template <class... Args>
  explicit Session(std::shared_ptr<Shared> shared, Args&&... args)
      : stream_(std::forward<Args>(args)...), shared_(std::move(shared)) {
    beast::error_code ec;
    auto ep = Tcp().socket().remote_endpoint(ec);
    if (!ec) remote_ = ep.address().to_string() + ":" + std::to_string(ep.port());
    shared_->open_connections.fetch_add(1);
  }
  ~Session() override { shared_->open_connections.fetch_sub(1); }

  void Start() {
    net::dispatch(stream_.get_executor(), [self = this->shared_from_this()] {
      if constexpr (kIsTls<Stream>) {
        self->Handshake();
      } else {
        self->Read();
      }
    });
  }

  void Shutdown() override {
    net::post(stream_.get_executor(), [self = this->shared_from_this()] {
      if (!self->busy_) {
        beast::error_code ec;
        self->Tcp().socket().shutdown(tcp::socket::shutdown_both, ec);
        self->Tcp().close();
      }
    });
  }

 private:
  beast::tcp_stream& Tcp() { return beast::get_lowest_layer(stream_); }

  void Handshake() {
    Tcp().expires_after(std::chrono::seconds(shared_->options.tls_handshake_timeout_seconds));
    stream_.async_handshake(
        ssl::stream_base::server, [self = this->shared_from_this()](beast::error_code ec) {
          if (ec) {
            // Plain HTTP to the TLS port, a client that distrusts our
            // certificate, or a timeout: nothing can be answered.
            self->shared_->tls_handshake_failures->Inc();
            spdlog::debug("TLS handshake with {} failed: {}", self->remote_, ec.message());
            return self->Close(false);
          }
          self->Read();
        });
  }

  void Read() {
    // Stop() may have passed over this session while it was busy; idle now, it ends here
    // instead of waiting for a request nobody will answer.
    if (shared_->stopping.load()) return Close(true);
    parser_.emplace();
    parser_->body_limit(shared_->options.body_limit);
    parser_->header_limit(64 * 1024);
    Tcp().expires_after(std::chrono::seconds(shared_->options.idle_timeout_seconds));
    busy_ = false;
    http::async_read_header(
        stream_, buffer_, *parser_,
        [self = this->shared_from_this()](beast::error_code ec, size_t) { self->OnHeader(ec); });
  }

  // Beast reads as much as the buffer has room for, at least 512 bytes: a buffer that never
  // grew would take a 500-record batch (about 450 KB) in hundreds of small reads. A large body
  // gets room for up to 64 KB per read; an idle connection keeps a small buffer.
  void OnHeader(beast::error_code ec) {
    if (ec) return OnRead(ec);
    if (auto length = parser_->content_length(); length && *length > kSmallBody) {
      buffer_.reserve(static_cast<size_t>(std::min<uint64_t>(*length, kLargeRead)));
    }
    if (parser_->is_done()) return OnRead(ec);
    http::async_read(
        stream_, buffer_, *parser_,
        [self = this->shared_from_this()](beast::error_code ec, size_t) { self->OnRead(ec); });
  }
  static constexpr uint64_t kSmallBody = 4096;
  static constexpr uint64_t kLargeRead = 64 * 1024;

  void OnRead(beast::error_code ec) {
    if (ec == http::error::end_of_stream || ec == beast::error::timeout ||
        ec == net::error::operation_aborted || ec == net::error::connection_reset ||
        ec == net::error::eof || ec == ssl::error::stream_truncated) {
      return Close(false);
    }
    if (ec && ec.category() == net::error::get_ssl_category()) {
      return Close(false);  // a broken TLS record: no response can be sent on it
    }
    if (ec) {
      if (ec == http::error::body_limit) {
        return SendError(413, "payload_too_large",
                         "request body exceeds the limit of " +
                             std::to_string(shared_->options.body_limit) + " bytes");
      }
      return SendError(400, "bad_request", "malformed HTTP request: " + ec.message());
    }
    busy_ = true;
    int64_t t0 = MonotonicNanos();
    http::request<http::string_body> req = parser_->release();
    Request api_req = ToRequest(req, remote_);
    api_req.request_id = api_req.Header("x-request-id");
    if (api_req.request_id.empty() || api_req.request_id.size() > 128) {
      api_req.request_id = MakeRequestId(*shared_);
    }

    std::string route;
    Response resp;
    bool answered = false;
    if (websocket::is_upgrade(req)) {
      bool known = false;
      const Route* ws_route = shared_->router->Match(api_req, &known);
      if (ws_route != nullptr && ws_route->ws) {
        // Refused upgrades get an HTTP answer (401/403), not a WebSocket close.
        if (Status admitted = shared_->router->Admit(api_req, *ws_route); !admitted.ok()) {
          resp = shared_->router->Refusal(api_req, *ws_route, admitted);
          route = ws_route->pattern;
          answered = true;
        }
      }
      if (!answered && ws_route != nullptr && ws_route->ws) {
        Tcp().expires_never();
        auto conn = std::make_shared<WsConn<Stream>>(std::move(stream_), shared_);
        conn->Run(std::move(req), ws_route->ws, std::move(api_req));
        Count("GET", ws_route->pattern, 101, t0);
        std::lock_guard lock(shared_->mu);
        shared_->sessions.erase(this->shared_from_this());
        return;  // this HTTP session ends; the WebSocket lives on with the stream
      }
    }

    if (answered) {
      // resp is the refusal of the upgrade
    } else if (shared_->stopping.load()) {
      resp = Response::Error(Unavailable("the server is shutting down"));
    } else {
      t_request_received_ns = t0;
      resp = shared_->router->Handle(api_req, &route);
      t_request_received_ns = 0;
    }
    Count(api_req.method, route.empty() ? "unmatched" : route, resp.status, t0);

    auto res = std::make_shared<http::response<http::string_body>>();
    res->version(req.version());
    res->result(static_cast<http::status>(resp.status));
    res->set(http::field::server, "quanyu");
    res->set(http::field::content_type, resp.content_type);
    res->set("X-Request-Id", api_req.request_id);
    for (const auto& [k, v] : resp.headers) res->set(k, v);
    bool keep = req.keep_alive() && !shared_->stopping.load();
    res->keep_alive(keep);
    if (req.method() != http::verb::head) res->body() = std::move(resp.body);
    res->prepare_payload();
    Write(res);
  }

  void Count(const std::string& method, const std::string& route, int status, int64_t t0) {
    double secs = static_cast<double>(MonotonicNanos() - t0) / 1e9;
    shared_->metrics
        ->GetCounter("quanyu_http_requests_total", "HTTP requests answered",
                     {{"method", method}, {"route", route}, {"code", std::to_string(status)}})
        ->Inc();
    shared_->latency->Observe(secs);
    shared_->metrics
        ->GetHistogram("quanyu_http_route_duration_seconds", "Request latency by route",
                       LatencyBuckets(), {{"route", route}})
        ->Observe(secs);
  }

  void SendError(int status, const std::string& code, const std::string& message) {
    busy_ = true;
    auto res = std::make_shared<http::response<http::string_body>>();
    res->version(11);
    res->result(static_cast<http::status>(status));
    res->set(http::field::content_type, "application/json");
    res->set(http::field::server, "quanyu");
    res->keep_alive(false);
    res->body() =
        "{\"error\":{\"code\":\"" + code + "\",\"message\":\"" + message + "\",\"field\":null}}";
    res->prepare_payload();
    Write(res);
  }

  void Write(std::shared_ptr<http::response<http::string_body>> res) {
    http::async_write(stream_, *res,
                      [self = this->shared_from_this(), res](beast::error_code ec, size_t) {
                        if (ec) return self->Close(false);
                        if (!res->keep_alive()) return self->Close(true);
                        self->Read();
                      });
  }

  // `orderly`: the connection is healthy and we chose to end it (after a response without
  // keep-alive), so a TLS peer gets close_notify; otherwise the TCP connection just ends.
  void Close(bool orderly) {
    busy_ = false;
    beast::error_code ec;
    if constexpr (kIsTls<Stream>) {
      if (orderly) {
        // Bounded: a peer that never answers close_notify is cut off by the timer.
        Tcp().expires_after(std::chrono::seconds(5));
        stream_.async_shutdown(
            [self = this->shared_from_this()](beast::error_code) { self->Tcp().close(); });
      } else {
        Tcp().socket().shutdown(tcp::socket::shutdown_both, ec);
        Tcp().close();
      }
    } else {
      (void)orderly;
      Tcp().socket().shutdown(tcp::socket::shutdown_send, ec);
    }
    std::lock_guard lock(shared_->mu);
    shared_->sessions.erase(this->shared_from_this());
  }

  Stream stream_;
  std::shared_ptr<Shared> shared_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::string remote_;
  std::atomic<bool> busy_{false};
};

// Registers the session for Stop() and starts it.
template <class S>
void Launch(const std::shared_ptr<Shared>& shared, std::shared_ptr<S> session) {
  {
    std::lock_guard lock(shared->mu);
    shared->sessions.insert(session);
  }
  session->Start();
}

}  // namespace quanyu::api::internal
