#include "api/access.h"

#include <nlohmann/json.hpp>

#include "api/device_sessions.h"

namespace quanyu::api {
namespace {

constexpr size_t kMaxCaseNo = 64;

std::string BearerToken(const Request& req, bool websocket) {
  const std::string& h = req.Header("authorization");
  constexpr std::string_view kBearer = "Bearer ";
  if (h.size() > kBearer.size() &&
      std::equal(kBearer.begin(), kBearer.end(), h.begin(),
                 [](char a, char b) { return std::tolower(a) == std::tolower(b); })) {
    return h.substr(kBearer.size());
  }
  // Browsers cannot set headers on a WebSocket upgrade.
  if (websocket) return req.Query("access_token");
  return {};
}

bool IsRead(const std::string& method) { return method == "GET" || method == "HEAD"; }

}  // namespace

GovernedAccess::GovernedAccess(govern::Accounts* accounts, const Clock* clock, AuditSink audit,
                               DeviceSessions* devices, DigestVerifier* digest)
    : accounts_(accounts),
      roles_(accounts->roles()),
      clock_(clock),
      audit_(std::move(audit)),
      devices_(devices),
      digest_(digest) {}

StatusOr<govern::Principal> GovernedAccess::Identify(Request& req, const Access& access) {
  const bool websocket = !req.Header("upgrade").empty();
  std::string token = BearerToken(req, websocket);
  if (!token.empty()) return accounts_->Authenticate(token);
  if (access.mode == AuthMode::kDevice && devices_ != nullptr) {
    const std::string& device = req.Header("user-identify");
    if (!device.empty()) {
      if (auto p = devices_->Live(device, RemoteHost(req.remote))) return *p;
      return Unauthenticated("device " + device +
                             " is not registered: POST /VIID/System/Register first");
    }
  }
  return Unauthenticated(
      "this route needs a bearer token: POST /api/v1/auth/login, then send "
      "\"Authorization: Bearer <token>\"");
}

Status GovernedAccess::Admit(Request& req, const Access& access) {
  if (access.mode == AuthMode::kPublic || access.mode == AuthMode::kDigest) return Status::Ok();
  ASSIGN_OR_RETURN(req.principal, Identify(req, access));
  if (!roles_.Allows(req.principal.role, access.permission)) {
    return PermissionDenied("role \"" + req.principal.role + "\" does not have permission \"" +
                            access.permission + "\"");
  }
  if (roles_.IsPersonal(access.permission)) {
    const std::string purpose = req.Query("purpose");
    const std::string case_no = req.Query("case_no");
    std::string missing;
    if (purpose.empty()) missing = "purpose";
    if (case_no.empty()) missing += missing.empty() ? "case_no" : " and case_no";
    if (!missing.empty()) {
      return InvalidArgument(purpose.empty() ? "purpose" : "case_no",
                             "reading personal data needs a stated purpose (purpose=, one of " +
                                 roles_.PurposeNames() +
                                 ") and the case or incident number it serves (case_no=); " +
                                 "missing: " + missing);
    }
    if (!roles_.HasPurpose(purpose)) {
      return InvalidArgument(
          "purpose", "unknown purpose \"" + purpose + "\"; one of " + roles_.PurposeNames());
    }
    if (case_no.size() > kMaxCaseNo) {
      return InvalidArgument("case_no", "at most " + std::to_string(kMaxCaseNo) + " characters");
    }
  }
  return Status::Ok();
}

std::vector<std::pair<std::string, std::string>> GovernedAccess::Challenge(const Request&,
                                                                           const Access& access) {
  std::vector<std::pair<std::string, std::string>> h = {
      {"WWW-Authenticate", "Bearer realm=\"quanyu\""}};
  if (access.mode == AuthMode::kDevice && digest_ != nullptr) {
    h.emplace_back("WWW-Authenticate", digest_->Challenge(clock_->Now()));
  }
  return h;
}

void GovernedAccess::Done(const Request& req, const Route& route, Response& resp) {
  if (!audit_) return;
  const bool personal =
      !route.access.permission.empty() && roles_.IsPersonal(route.access.permission);
  const bool write = !IsRead(req.method) && !route.access.query;
  const bool refused = resp.status == 401 || resp.status == 403;
  const bool known = req.principal.kind != govern::PrincipalKind::kAnonymous;
  // Recorded: writes (logins included), personal reads, and reads refused to a known caller.
  if (!write && !personal && !(refused && known)) return;
  store::AuditRecord e;
  e.actor = req.principal.Actor();
  e.agency = req.principal.agency;
  e.role = req.principal.role;
  e.action = req.method + " " + route.pattern;
  if (!req.audit_target.empty()) {
    e.target = req.audit_target;
  } else {
    for (const auto& [k, v] : req.path_params) {
      e.target += (e.target.empty() ? "" : ",") + k + ":" + v;
    }
  }
  if (personal) {
    e.purpose = req.Query("purpose");
    e.case_no = req.Query("case_no");
  }
  e.request_id = req.request_id;
  e.outcome = resp.status < 400 ? "ok" : refused ? "denied" : "error";
  nlohmann::json detail = nlohmann::json::object();
  if (!req.audit_detail.empty()) {
    detail = nlohmann::json::parse(req.audit_detail, nullptr, false);
    if (detail.is_discarded()) detail = nlohmann::json{{"note", req.audit_detail}};
  }
  detail["status"] = resp.status;
  if (!req.remote.empty()) detail["remote"] = req.remote;
  e.detail = detail.dump();
  e.time = clock_->Now();
  const bool wait = route.access.permission != "passage.ingest";
  Status s = audit_(std::move(e), wait);
  if (!s.ok() && personal && resp.status < 400) {
    resp = Response::Error(
        Unavailable("the read could not be recorded in the audit log, so nothing is disclosed: " +
                    s.message()));
  }
}

}  // namespace quanyu::api
