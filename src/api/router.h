// HTTP routing independent of the transport: handlers see Request and return Response, so
// they can be called by the Beast server and by tests alike. Only http_server.cc knows Beast.
//
// Paths are patterns with named segments: "/api/v1/checkpoints/{id}". The route table is
// also the list the OpenAPI conformance test checks against api/openapi.yaml.
// Thread safety: a Router is built at start-up, then only read; handlers must be thread-safe.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "govern/identity.h"

namespace quanyu::api {

struct Request {
  std::string method;                              // "GET", "POST", ...
  std::string path;                                // without the query string, percent-decoded
  std::string target;                              // as received
  std::map<std::string, std::string> query;        // decoded
  std::map<std::string, std::string> headers;      // keys lower-case
  std::map<std::string, std::string> path_params;  // from {name} segments
  std::string body;
  std::string request_id;       // X-Request-Id if the client sent one, else generated
  std::string remote;           // peer address
  govern::Principal principal;  // who is asking, set by the router's AccessControl
  // What the audit record names as the target and details, when a handler knows better than
  // the path (e.g. the user name a login attempt was for).
  std::string audit_target;
  std::string audit_detail;  // JSON text or ""

  // The header's value or "".
  const std::string& Header(const std::string& lower_name) const;
  // The query parameter's value or `def`.
  std::string Query(const std::string& name, const std::string& def = {}) const;
};

struct Response {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;

  static Response Json(int status, std::string body);
  static Response Text(int status, std::string body, std::string content_type = "text/plain");
  // {"error":{"code","message","field"}} with the HTTP status that fits the Status code.
  static Response Error(const Status& s);
};

// The HTTP status for a Status code (InvalidArgument → 400, NotFound → 404, ...).
int HttpStatusFor(StatusCode code);

// A live WebSocket connection as handlers see it. Send may be called from any thread.
class WsConnection {
 public:
  virtual ~WsConnection() = default;
  virtual void Send(std::string text) = 0;
  virtual void Close() = 0;
  virtual bool IsOpen() const = 0;
};

// Handlers of one WebSocket connection. on_message and on_close are called on the server's
// threads, one at a time per connection.
struct WsSession {
  std::function<void(std::string_view)> on_message;
  std::function<void()> on_close;
};

// Who may call a route. kPublic: anyone (healthz, metrics, login). kBearer: a token
// (Authorization: Bearer, or access_token in the query of a WebSocket upgrade) whose role
// holds `permission`. kDevice: as kBearer, or a GA/T 1400 device identified by HTTP Digest or a
// registered session (User-Identify). Personal permissions (see govern/roles.h) also need
// `purpose` and `case_no` in the query.
// kDigest: the handler itself authenticates a GA/T 1400 device with HTTP Digest (registration).
enum class AuthMode { kPublic, kBearer, kDevice, kDigest };
struct Access {
  AuthMode mode = AuthMode::kBearer;
  std::string permission;  // empty for kPublic
  // A POST that changes nothing (a search or computation with a body): audited as a read.
  bool query = false;
};
inline Access Public() { return Access{AuthMode::kPublic, ""}; }
inline Access Needs(std::string permission) {
  return Access{AuthMode::kBearer, std::move(permission)};
}
// A POST that only computes an answer (a drive-time matrix, a dispatch recommendation).
inline Access QueryNeeds(std::string permission) {
  return Access{AuthMode::kBearer, std::move(permission), true};
}
inline Access DigestLogin() { return Access{AuthMode::kDigest, ""}; }
inline Access DeviceNeeds(std::string permission) {
  return Access{AuthMode::kDevice, std::move(permission)};
}

struct Route;

// Authentication, authorization and the audit trail, applied by the Router around every
// handler. Implemented in api/access.h; a Router without one admits everything (unit tests).
class AccessControl {
 public:
  virtual ~AccessControl() = default;
  // Sets req.principal, or refuses: Unauthenticated (401), PermissionDenied (403), or
  // InvalidArgument naming purpose/case_no for a personal read without them (400).
  virtual Status Admit(Request& req, const Access& access) = 0;
  // After the handler (or a refusal): appends the audit record if the request calls for one.
  // May replace resp (a personal read that could not be recorded is not disclosed).
  virtual void Done(const Request& req, const Route& route, Response& resp) = 0;
  // Headers to add to a 401 answer for this route (WWW-Authenticate).
  virtual std::vector<std::pair<std::string, std::string>> Challenge(const Request& req,
                                                                     const Access& access) = 0;
};

using Handler = std::function<Response(Request&)>;
// Accepts a WebSocket upgrade: returns the session's handlers, or an error Response (as a
// non-OK Status) to refuse it.
using WsHandler = std::function<StatusOr<WsSession>(Request&, std::shared_ptr<WsConnection>)>;

struct Route {
  std::string method;
  std::string pattern;
  std::string summary;
  Access access;
  Handler handler;  // for HTTP routes
  WsHandler ws;     // for WebSocket routes (method "GET", upgrade)
};

class Router {
 public:
  void Add(std::string method, std::string pattern, std::string summary, Access access, Handler h);
  void AddWebSocket(std::string pattern, std::string summary, Access access, WsHandler h);
  // Set before serving; not owned. nullptr (the default) admits every request.
  void SetAccessControl(AccessControl* ac) { access_control_ = ac; }
  // Answers the GET and HEAD requests that no route matches, outside /api/ and /VIID/,
  // without a token (the web front end's files). Set before serving.
  void SetFallback(Handler h) { fallback_ = std::move(h); }

  // Finds the route for method and path, filling req.path_params. Returns nullptr if none
  // matches; *path_known is set if the path matches some route with another method (405).
  const Route* Match(Request& req, bool* path_known) const;

  // The access check alone (for WebSocket upgrades, checked before accepting them).
  Status Admit(Request& req, const Route& route) const;
  // The answer to a refused request (with a WWW-Authenticate challenge for a 401); records it.
  Response Refusal(Request& req, const Route& route, const Status& refused) const;

  // Dispatches an HTTP request: 404/405 as JSON errors, handler exceptions as 500. If
  // `route` is given it receives the matched pattern ("" if none), for metrics.
  Response Handle(Request& req, std::string* route = nullptr) const;

  const std::vector<Route>& routes() const { return routes_; }

 private:
  std::vector<Route> routes_;
  AccessControl* access_control_ = nullptr;
  Handler fallback_;
};

// Percent-decodes a URL component ('+' as space when `plus_is_space`).
std::string UrlDecode(std::string_view s, bool plus_is_space);
// Splits "a=1&b=2" into decoded pairs.
std::map<std::string, std::string> ParseQuery(std::string_view q);

}  // namespace quanyu::api
