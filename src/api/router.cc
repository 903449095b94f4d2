#include "api/router.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <exception>
#include <nlohmann/json.hpp>

namespace quanyu::api {
namespace {

std::vector<std::string_view> Segments(std::string_view path) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < path.size()) {
    if (path[i] == '/') {
      ++i;
      continue;
    }
    size_t j = path.find('/', i);
    if (j == std::string_view::npos) j = path.size();
    out.push_back(path.substr(i, j - i));
    i = j;
  }
  return out;
}

bool MatchPattern(std::string_view pattern, std::string_view path,
                  std::map<std::string, std::string>* params) {
  auto ps = Segments(pattern);
  auto xs = Segments(path);
  if (ps.size() != xs.size()) return false;
  std::map<std::string, std::string> found;
  for (size_t i = 0; i < ps.size(); ++i) {
    if (ps[i].size() > 2 && ps[i].front() == '{' && ps[i].back() == '}') {
      if (xs[i].empty()) return false;
      found[std::string(ps[i].substr(1, ps[i].size() - 2))] = std::string(xs[i]);
    } else if (ps[i] != xs[i]) {
      return false;
    }
  }
  *params = std::move(found);
  return true;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

const std::string& Request::Header(const std::string& lower_name) const {
  static const std::string kEmpty;
  auto it = headers.find(lower_name);
  return it == headers.end() ? kEmpty : it->second;
}

std::string Request::Query(const std::string& name, const std::string& def) const {
  auto it = query.find(name);
  return it == query.end() ? def : it->second;
}

Response Response::Json(int status, std::string body) {
  Response r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

Response Response::Text(int status, std::string body, std::string content_type) {
  Response r;
  r.status = status;
  r.body = std::move(body);
  r.content_type = std::move(content_type);
  return r;
}

int HttpStatusFor(StatusCode code) {
  switch (code) {
    case StatusCode::kOk:
      return 200;
    case StatusCode::kInvalidArgument:
      return 400;
    case StatusCode::kNotFound:
      return 404;
    case StatusCode::kAlreadyExists:
      return 409;
    case StatusCode::kFailedPrecondition:
      return 409;
    case StatusCode::kUnauthenticated:
      return 401;
    case StatusCode::kPermissionDenied:
      return 403;
    case StatusCode::kResourceExhausted:
      return 503;
    case StatusCode::kUnavailable:
      return 503;
    case StatusCode::kUnimplemented:
      return 501;
    case StatusCode::kDataLoss:
      return 500;
    case StatusCode::kInternal:
      return 500;
  }
  return 500;
}

Response Response::Error(const Status& s) {
  nlohmann::json err = {{"code", std::string(StatusCodeName(s.code()))}, {"message", s.message()}};
  err["field"] = s.field().empty() ? nlohmann::json(nullptr) : nlohmann::json(s.field());
  Response r = Json(HttpStatusFor(s.code()), nlohmann::json{{"error", err}}.dump());
  if (s.code() == StatusCode::kResourceExhausted) r.headers.emplace_back("Retry-After", "1");
  return r;
}

void Router::Add(std::string method, std::string pattern, std::string summary, Access access,
                 Handler h) {
  routes_.push_back(Route{std::move(method), std::move(pattern), std::move(summary),
                          std::move(access), std::move(h), nullptr});
}

void Router::AddWebSocket(std::string pattern, std::string summary, Access access, WsHandler h) {
  routes_.push_back(Route{"GET", std::move(pattern), std::move(summary), std::move(access), nullptr,
                          std::move(h)});
}

Status Router::Admit(Request& req, const Route& route) const {
  if (access_control_ == nullptr) return Status::Ok();
  return access_control_->Admit(req, route.access);
}

Response Router::Refusal(Request& req, const Route& route, const Status& refused) const {
  Response resp = Response::Error(refused);
  if (access_control_ != nullptr) {
    if (refused.code() == StatusCode::kUnauthenticated) {
      for (auto& h : access_control_->Challenge(req, route.access)) resp.headers.push_back(h);
    }
    access_control_->Done(req, route, resp);
  }
  return resp;
}

const Route* Router::Match(Request& req, bool* path_known) const {
  *path_known = false;
  std::map<std::string, std::string> params;
  const Route* best = nullptr;
  for (const Route& r : routes_) {
    if (!MatchPattern(r.pattern, req.path, &params)) continue;
    *path_known = true;
    if (r.method != req.method && !(req.method == "HEAD" && r.method == "GET")) continue;
    // Prefer literal segments over parameters: the route with fewer '{' wins.
    if (best == nullptr || std::count(r.pattern.begin(), r.pattern.end(), '{') <
                               std::count(best->pattern.begin(), best->pattern.end(), '{')) {
      best = &r;
      req.path_params = params;
    }
  }
  return best;
}

Response Router::Handle(Request& req, std::string* route) const {
  bool path_known = false;
  const Route* r = Match(req, &path_known);
  if (route != nullptr) *route = r != nullptr ? r->pattern : "";
  if (r == nullptr) {
    if (!path_known && fallback_ && (req.method == "GET" || req.method == "HEAD") &&
        !req.path.starts_with("/api/") && !req.path.starts_with("/VIID/")) {
      if (route != nullptr) *route = "static";
      return fallback_(req);
    }
    if (path_known) {
      Response resp = Response::Error(
          InvalidArgument("method", "method " + req.method + " is not allowed on " + req.path));
      resp.status = 405;
      return resp;
    }
    return Response::Error(NotFound("no route for " + req.method + " " + req.path));
  }
  if (Status admitted = Admit(req, *r); !admitted.ok()) return Refusal(req, *r, admitted);
  if (!r->handler) {
    return Response::Error(InvalidArgument("upgrade", "this route takes a WebSocket upgrade"));
  }
  Response resp;
  try {
    resp = r->handler(req);
  } catch (const std::exception& e) {
    spdlog::error("handler {} {} threw: {}", req.method, r->pattern, e.what());
    resp = Response::Error(Internal(std::string("unexpected error: ") + e.what()));
  }
  if (access_control_ != nullptr) access_control_->Done(req, *r, resp);
  return resp;
}

std::string UrlDecode(std::string_view s, bool plus_is_space) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && HexValue(s[i + 1]) >= 0 && HexValue(s[i + 2]) >= 0) {
      out += static_cast<char>(HexValue(s[i + 1]) * 16 + HexValue(s[i + 2]));
      i += 2;
    } else if (s[i] == '+' && plus_is_space) {
      out += ' ';
    } else {
      out += s[i];
    }
  }
  return out;
}

std::map<std::string, std::string> ParseQuery(std::string_view q) {
  std::map<std::string, std::string> out;
  size_t i = 0;
  while (i <= q.size()) {
    size_t amp = q.find('&', i);
    if (amp == std::string_view::npos) amp = q.size();
    std::string_view kv = q.substr(i, amp - i);
    if (!kv.empty()) {
      size_t eq = kv.find('=');
      std::string k = UrlDecode(kv.substr(0, eq), true);
      std::string v = eq == std::string_view::npos ? "" : UrlDecode(kv.substr(eq + 1), true);
      out[k] = v;
    }
    i = amp + 1;
  }
  return out;
}

}  // namespace quanyu::api
