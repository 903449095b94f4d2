// Accounts: agencies, users and device credentials, logins with lockout, and bearer tokens.
//
// Tokens are "qy_" + 64 hex digits of randomness; the store keeps only their SHA-256 (the
// session id), so a copy of the database does not hand out working tokens. A token lasts
// AuthOptions::token_lifetime; logging out, disabling the user, resetting its password or
// revoking the device ends it. Verified tokens are cached for at most cache_seconds, which
// bounds how long another server process (scale-out) may still accept a revoked token.
//
// Lockout: after `lockout_after` consecutive failed logins the account is locked for
// lockout_base, doubling with each further failure up to lockout_max; while locked, logins are
// refused without looking at the password. A successful login resets the count.
//
// Thread safety: every method may be called from any thread.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/status.h"
#include "govern/crypto.h"
#include "govern/identity.h"
#include "govern/roles.h"
#include "store/store.h"

namespace quanyu::govern {

struct AuthOptions {
  UnixMicros token_lifetime = 12 * kMicrosPerHour;  // Default: 12 h.
  int lockout_after = 5;                            // failed logins. Default: 5.
  UnixMicros lockout_base = 30 * kMicrosPerSecond;  // Default: 30 s.
  UnixMicros lockout_max = kMicrosPerHour;          // Default: 1 h.
  PasswordCost password_cost = PasswordCost::kInteractive;
  size_t min_password_length = 10;
  std::string digest_realm = "quanyu";  // HTTP Digest realm of device credentials
  int cache_seconds = 30;
};

struct IssuedToken {
  std::string token;  // shown once
  Session session;
  Principal principal;
};

class Accounts {
 public:
  Accounts(store::Store* store, const Clock* clock, AuthOptions options = {},
           const RoleTable* roles = &RoleTable::Builtin());

  const AuthOptions& options() const { return options_; }
  const RoleTable& roles() const { return *roles_; }

  // True once any user exists.
  StatusOr<bool> Initialized();
  // Creates the agency (if missing) and the first administrator. FailedPrecondition if any
  // user exists already.
  Status InitAdmin(const Agency& agency, const std::string& admin_id, const std::string& password);

  // --- agencies ---
  Status AddAgency(Agency a);
  StatusOr<Agency> GetAgency(const std::string& id);
  StatusOr<std::vector<Agency>> ListAgencies();

  // --- users --- (errors name the field: id, agency, role, password, scope)
  Status AddUser(User u, const std::string& password);
  StatusOr<User> GetUser(const std::string& id);
  StatusOr<std::vector<User>> ListUsers();
  // Disabling ends the user's sessions; enabling also clears a lockout.
  Status SetUserDisabled(const std::string& id, bool disabled);
  // Sets a new password, clears a lockout, ends the user's sessions.
  Status ResetPassword(const std::string& id, const std::string& password);

  // --- devices ---
  // Stores the device with a new random secret (or `secret` if given) and returns the secret,
  // which is not kept: only its Argon2id hash and the Digest HA1 are.
  StatusOr<std::string> AddDevice(Device d, std::optional<std::string> secret = std::nullopt);
  StatusOr<Device> GetDevice(const std::string& id);
  StatusOr<std::vector<Device>> ListDevices();
  // Revoking ends the device's sessions; the record stays (its id is never reused silently).
  Status RevokeDevice(const std::string& id);

  // --- authentication ---
  // Unauthenticated (the same message for an unknown user and a wrong password) or
  // PermissionDenied for a locked or disabled account (the message says until when).
  StatusOr<IssuedToken> Login(const std::string& user, const std::string& password,
                              const std::string& remote);
  StatusOr<IssuedToken> DeviceLogin(const std::string& device, const std::string& secret,
                                    const std::string& remote);
  // The principal of a bearer token; Unauthenticated if unknown, expired or revoked.
  StatusOr<Principal> Authenticate(const std::string& token);
  // The principal of an active device (after HTTP Digest); Unauthenticated if revoked/unknown.
  StatusOr<Principal> DevicePrincipal(const std::string& device_id);
  Status Logout(const Principal& p);

  static Principal PrincipalOf(const User& u);
  static Principal PrincipalOf(const Device& d);

 private:
  StatusOr<IssuedToken> Issue(PrincipalKind kind, Principal principal, const std::string& remote);
  Status EndSessionsOf(PrincipalKind kind, const std::string& subject);
  Status CheckUser(const User& u, const std::string& password);
  Status CheckSecretLength(const std::string& secret, const char* field) const;

  store::Store* store_;
  const Clock* clock_;
  AuthOptions options_;
  const RoleTable* roles_;
  std::mutex mu_;  // serializes read-modify-write of accounts (lockout counters)
  struct Cached {
    Principal principal;
    UnixMicros expires = 0;  // the session's
    UnixMicros cached_at = 0;
  };
  std::mutex cache_mu_;
  std::map<std::string, Cached> cache_;  // session id -> principal
  std::string dummy_hash_;               // verified against for unknown users (even timing)
};

}  // namespace quanyu::govern
