// The router's AccessControl on the govern module: who is asking (bearer tokens, GA/T 1400
// devices), whether the role allows the route, whether a personal read states its purpose,
// and the audit record of every write, every personal read and every refusal.
//
// Audit: a record per request that changes state (any method but GET/HEAD), reads
// personal data, or is refused for want of permission. Personal reads are recorded before the
// answer leaves (the sink is told to wait); writes from ingest (devices, bulk loads) are
// recorded without waiting so that the audit trail does not slow ingest. A personal read whose
// record cannot be written is not answered (503): nothing is disclosed unrecorded.
// Thread safety: Admit/Done/Challenge may be called from any thread.
#pragma once

#include <functional>
#include <string>

#include "api/digest_auth.h"
#include "api/router.h"
#include "core/clock.h"
#include "govern/accounts.h"
#include "govern/roles.h"
#include "store/store.h"

namespace quanyu::api {

// Appends an audit record: when `wait`, returns once it is committed (the caller may then
// disclose what was read); otherwise queues it.
using AuditSink = std::function<Status(store::AuditRecord record, bool wait)>;

// Identifies GA/T 1400 devices that authenticated at /VIID/System/Register and are within
// their keep-alive window. Filled by the registration handlers.
class DeviceSessions {
 public:
  virtual ~DeviceSessions() = default;
  // The device's principal if `device_id` holds a live registration from `remote_host`.
  virtual std::optional<govern::Principal> Live(const std::string& device_id,
                                                const std::string& remote_host) = 0;
};

class GovernedAccess : public AccessControl {
 public:
  // devices and digest may be null (no GA/T 1400 device sessions).
  GovernedAccess(govern::Accounts* accounts, const Clock* clock, AuditSink audit,
                 DeviceSessions* devices = nullptr, DigestVerifier* digest = nullptr);

  Status Admit(Request& req, const Access& access) override;
  void Done(const Request& req, const Route& route, Response& resp) override;
  std::vector<std::pair<std::string, std::string>> Challenge(const Request& req,
                                                             const Access& access) override;

 private:
  StatusOr<govern::Principal> Identify(Request& req, const Access& access);

  govern::Accounts* accounts_;
  const govern::RoleTable& roles_;
  const Clock* clock_;
  AuditSink audit_;
  DeviceSessions* devices_;
  DigestVerifier* digest_;
};

}  // namespace quanyu::api
