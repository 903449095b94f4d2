// The HTTP/1.1 + WebSocket server (Boost.Beast over Asio), plain or over TLS.
//
// Keep-alive, TCP_NODELAY, a configurable number of worker threads running one io_context.
// Handlers run on the worker threads and may block briefly (a durable log append), so use
// more threads than cores. Each request gets an id (X-Request-Id, echoed or generated) and
// is counted in Prometheus metrics by route, method and status, with a latency histogram.
//
// With a certificate and key (ServerOptions::tls_cert_file/tls_key_file) the listener speaks
// only HTTPS and WSS, TLS 1.2 or later; plain and TLS connections share one session code path.
// A client that does not complete the TLS handshake in time, or speaks plain HTTP to the TLS
// port, is disconnected (and counted in quanyu_http_tls_handshake_failures_total).
//
// Stop(): stops accepting, lets requests in flight finish and be answered, closes idle and
// WebSocket connections, and joins the threads.
// Thread safety: Start/Stop/Wait from one controlling thread.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "api/router.h"
#include "core/metrics.h"
#include "core/status.h"

namespace quanyu::api {

struct ServerOptions {
  std::string host = "127.0.0.1";  // Default: loopback only.
  uint16_t port = 8080;            // 0 picks a free port (see HttpServer::port()).
  int threads = 4;                 // worker threads. Default: 4.
  size_t body_limit = 64u << 20;   // largest request body. Default: 64 MiB.
  int idle_timeout_seconds = 75;   // keep-alive idle timeout. Default: 75 s.
  // TLS: PEM files of the certificate chain (leaf first) and its unencrypted private key.
  // When both are set the server speaks HTTPS/WSS only. Default: neither (plain HTTP).
  std::string tls_cert_file;
  std::string tls_key_file;
  int tls_handshake_timeout_seconds = 10;  // Default: 10 s.
};

class HttpServer {
 public:
  HttpServer(const Router* router, ServerOptions options, Metrics* metrics = &Metrics::Default());
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Loads the TLS certificate and key if configured, binds, listens and starts the worker
  // threads. InvalidArgument naming tls_cert_file or tls_key_file (and the path) if a file
  // cannot be read, is not PEM, or the key does not match the certificate; Unavailable if the
  // address cannot be bound.
  Status Start();
  // The bound port (after Start).
  uint16_t port() const;
  // Graceful stop; idempotent.
  void Stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace quanyu::api
