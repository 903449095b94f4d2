// A small synchronous HTTP/1.1 client with keep-alive, over plain TCP or TLS, for the load
// generator, the demo traffic, webhook deliveries and the integration tests. One connection
// per client, reconnecting when the server closes it. Every request has a deadline covering
// resolve, connect, TLS handshake, send and answer: a silent peer costs at most the timeout.
// Thread safety: one client per thread.
#pragma once

#include <chrono>
#include <cstddef>
#include <map>
#include <memory>
#include <string>

#include "core/status.h"

namespace quanyu::api {

struct ClientResponse {
  int status = 0;
  std::string body;
  std::map<std::string, std::string> headers;  // lower-case keys
};

struct ClientOptions {
  // Speak HTTPS. Default: false (plain HTTP).
  bool tls = false;
  // PEM file of the certificates to trust: the server's self-signed certificate or its CA.
  // The server's name (or IP address) must match its certificate. Default: empty, the
  // system's trust store.
  std::string tls_ca_file;
  // Accept any certificate for any name. For tests only: it gives up TLS's authentication of
  // the server. Default: false.
  bool tls_insecure_skip_verify = false;
  // Deadline of one request, from resolving the name (or reusing the open connection) to the
  // last byte of the answer. On expiry the connection is closed and Send returns Unavailable
  // ("no answer within N ms (stage)"). Default: 60 s.
  std::chrono::milliseconds timeout{60 * 1000};
  // Sent as User-Agent. Default: "quanyu-client".
  std::string user_agent = "quanyu-client";
  // Largest answer body accepted. Default: 1 GiB.
  size_t body_limit = size_t{1} << 30;
};

class HttpClient {
 public:
  // Connects lazily, on the first request. Errors (including an unreadable tls_ca_file, named
  // as the field) are returned by Send.
  HttpClient(std::string host, uint16_t port, ClientOptions options = {});
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // A header sent with every request (e.g. Authorization); an empty value removes it.
  void SetDefaultHeader(const std::string& name, const std::string& value);

  // Sends one request and reads the whole response. `headers` are added as given. Network
  // errors and timeouts are Unavailable, naming the stage (resolve, connect, TLS handshake,
  // send, answer) and the peer; a request on a kept-alive connection the server has closed
  // meanwhile is sent once more on a new connection.
  StatusOr<ClientResponse> Send(const std::string& method, const std::string& target,
                                const std::string& body = {},
                                const std::map<std::string, std::string>& headers = {});

  StatusOr<ClientResponse> Get(const std::string& target) { return Send("GET", target); }
  StatusOr<ClientResponse> Post(const std::string& target, const std::string& body,
                                const std::string& content_type = "application/json") {
    return Send("POST", target, body, {{"Content-Type", content_type}});
  }

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Splits "http://host:port" or "host:port" into host and port.
Status ParseHostPort(const std::string& text, std::string* host, uint16_t* port);

}  // namespace quanyu::api
