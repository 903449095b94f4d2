#include "tools/admin.h"

#include <cstdlib>
#include <functional>
#include <iostream>
#include <nlohmann/json.hpp>

#include "api/app.h"
#include "govern/audit.h"
#include "govern/crypto.h"

namespace quanyu::tools {
namespace {

int Report(const Status& s, std::FILE* err) {
  std::fprintf(err, "error: %s\n", s.ToString().c_str());
  return s.code() == StatusCode::kInvalidArgument ? 2 : 1;
}

std::string Join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : ",") + s;
  return out;
}

}  // namespace

int RunAdminCommand(const AdminCommand& cmd, govern::Accounts& accounts, std::FILE* out,
                    std::FILE* err, const std::function<void(const Status&)>& record);

std::string ReadSecretLine() {
  std::string line;
  std::getline(std::cin, line);
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return line;
}

int RunAdmin(const AdminCommand& cmd, std::FILE* out, std::FILE* err) {
  auto lock = api::DataDirLock::Acquire(cmd.data_dir);
  if (!lock.ok()) return Report(lock.status(), err);
  auto store = api::OpenStore(cmd.data_dir);
  if (!store.ok()) return Report(store.status(), err);
  govern::Accounts accounts(store->get(), SystemClock::Get(), cmd.auth);
  auto audit = govern::AuditLog::Open(store->get(), SystemClock::Get(), cmd.data_dir);
  if (!audit.ok()) return Report(audit.status(), err);
  // Changes made here are audited like those made over the API; the actor is the command line
  // and the operating-system account that ran it.
  const char* os_user = std::getenv("USER");
  auto record = [&](const Status& outcome) {
    if (cmd.action == "users" || cmd.action == "devices" || cmd.action == "agencies") return;
    store::AuditRecord r;
    r.actor = "system";
    r.role = "cli";
    r.action = "quanyu admin " + cmd.action;
    r.target = cmd.id;
    r.outcome = outcome.ok() ? "ok" : "error";
    nlohmann::json detail = {{"os_user", os_user != nullptr ? os_user : ""}};
    if (!outcome.ok()) detail["error"] = outcome.ToString();
    r.detail = detail.dump();
    Status s = (*audit)->Append(std::move(r));
    if (!s.ok())
      std::fprintf(err, "warning: not recorded in the audit log: %s\n", s.ToString().c_str());
  };
  return RunAdminCommand(cmd, accounts, out, err, record);
}

int RunAdminCommand(const AdminCommand& cmd, govern::Accounts& accounts, std::FILE* out,
                    std::FILE* err, const std::function<void(const Status&)>& record) {
  const bool generated = !cmd.password.has_value();
  const std::string password = generated ? govern::RandomPassword(16) : *cmd.password;

  if (cmd.action == "init") {
    govern::Agency a{cmd.agency_id, cmd.agency_name, cmd.agency_kind, "", 0};
    Status s = accounts.InitAdmin(a, cmd.id, password);
    record(s);
    if (!s.ok()) return Report(s, err);
    std::fprintf(out, "created agency %s (%s) and administrator %s\n", a.id.c_str(), a.name.c_str(),
                 cmd.id.c_str());
    if (generated)
      std::fprintf(out, "password: %s\n(shown once; it is not stored)\n", password.c_str());
    return 0;
  }
  if (cmd.action == "agency add") {
    Status s = accounts.AddAgency(govern::Agency{cmd.id, cmd.name, cmd.agency_kind, cmd.agency, 0});
    record(s);
    if (!s.ok()) return Report(s, err);
    std::fprintf(out, "created agency %s\n", cmd.id.c_str());
    return 0;
  }
  if (cmd.action == "user add") {
    govern::User u;
    u.id = cmd.id;
    u.display_name = cmd.name;
    u.agency = cmd.agency;
    u.role = cmd.role;
    auto kind = govern::ParseScopeKind(cmd.scope);
    if (!kind.ok()) return Report(kind.status(), err);
    u.scope.kind = *kind;
    u.scope.districts = cmd.districts;
    Status s = accounts.AddUser(u, password);
    record(s);
    if (!s.ok()) return Report(s, err);
    std::fprintf(out, "created user %s (%s, agency %s)\n", u.id.c_str(), u.role.c_str(),
                 u.agency.c_str());
    if (generated)
      std::fprintf(out, "password: %s\n(shown once; it is not stored)\n", password.c_str());
    return 0;
  }
  if (cmd.action == "user disable" || cmd.action == "user enable") {
    Status s = accounts.SetUserDisabled(cmd.id, cmd.action == "user disable");
    record(s);
    if (!s.ok()) return Report(s, err);
    std::fprintf(out, "user %s %s\n", cmd.id.c_str(),
                 cmd.action == "user disable" ? "disabled (its sessions ended)" : "enabled");
    return 0;
  }
  if (cmd.action == "user reset") {
    Status s = accounts.ResetPassword(cmd.id, password);
    record(s);
    if (!s.ok()) return Report(s, err);
    std::fprintf(out, "password of %s reset (its sessions ended)\n", cmd.id.c_str());
    if (generated)
      std::fprintf(out, "password: %s\n(shown once; it is not stored)\n", password.c_str());
    return 0;
  }
  if (cmd.action == "device add") {
    govern::Device d;
    d.id = cmd.id;
    d.name = cmd.name;
    d.agency = cmd.agency;
    d.allowed_ids = cmd.allowed;
    auto secret = accounts.AddDevice(d, cmd.password);
    record(secret.status());
    if (!secret.ok()) return Report(secret.status(), err);
    std::fprintf(out, "created device %s (may submit for: %s)\n", d.id.c_str(),
                 d.allowed_ids.empty() ? d.id.c_str() : (Join(d.allowed_ids) + "," + d.id).c_str());
    if (generated)
      std::fprintf(out, "secret: %s\n(shown once; it is not stored)\n", secret->c_str());
    return 0;
  }
  if (cmd.action == "device revoke") {
    Status s = accounts.RevokeDevice(cmd.id);
    record(s);
    if (!s.ok()) return Report(s, err);
    std::fprintf(out, "device %s revoked\n", cmd.id.c_str());
    return 0;
  }
  if (cmd.action == "users") {
    auto users = accounts.ListUsers();
    if (!users.ok()) return Report(users.status(), err);
    for (const auto& u : *users) {
      std::fprintf(
          out, "%-20s %-10s %-12s %s%s\n", u.id.c_str(), u.role.c_str(), u.agency.c_str(),
          u.disabled ? "disabled " : "",
          u.scope.districts.empty() ? "" : ("districts " + Join(u.scope.districts)).c_str());
    }
    return 0;
  }
  if (cmd.action == "devices") {
    auto devices = accounts.ListDevices();
    if (!devices.ok()) return Report(devices.status(), err);
    for (const auto& d : *devices) {
      std::fprintf(out, "%-22s %-12s %s%s\n", d.id.c_str(), d.agency.c_str(),
                   d.revoked ? "revoked " : "", Join(d.allowed_ids).c_str());
    }
    return 0;
  }
  if (cmd.action == "agencies") {
    auto agencies = accounts.ListAgencies();
    if (!agencies.ok()) return Report(agencies.status(), err);
    for (const auto& a : *agencies) {
      std::fprintf(out, "%-16s %-16s %s\n", a.id.c_str(), a.kind.c_str(), a.name.c_str());
    }
    return 0;
  }
  return Report(InvalidArgument("command", "unknown admin command \"" + cmd.action + "\""), err);
}

}  // namespace quanyu::tools
