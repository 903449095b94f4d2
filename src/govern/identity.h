// Who is who: agencies, users, device credentials, login sessions, and the principal a request
// acts as. Kept in the store as governance documents (store::Document) in JSON form.
//
// Scope: a user sees what its role allows, limited further by its scope. "all" sees the whole
// city; "agency" limits agency-owned data (alert lists, incidents) to the user's own agency;
// a non-empty `districts` list (6-digit administrative division codes, e.g. 511702 通川区)
// limits checkpoints and passages to those districts.
// Thread safety: plain values and pure functions.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/status.h"
#include "store/store.h"

namespace quanyu::govern {

struct Agency {
  std::string id;      // short name: letters, digits, '-', '_'
  std::string name;    // e.g. 达州市公安局
  std::string kind;    // one of roles.json's agency_kinds
  std::string parent;  // the agency above, or ""
  UnixMicros created = 0;
  bool operator==(const Agency&) const = default;
};

enum class ScopeKind { kAll, kAgency };

struct Scope {
  ScopeKind kind = ScopeKind::kAll;
  std::vector<std::string> districts;  // empty = no district limit
  bool operator==(const Scope&) const = default;
};

struct User {
  std::string id;  // login name
  std::string display_name;
  std::string agency;
  std::string role;
  Scope scope;
  bool disabled = false;
  std::string password_hash;  // Argon2id, libsodium's string form
  int failed_logins = 0;      // consecutive
  UnixMicros locked_until = 0;
  UnixMicros created = 0;
  UnixMicros password_changed = 0;
};

// A checkpoint device (GA/T 1400) or a feed. It authenticates with its secret: HTTP Digest at
// /VIID/System/Register (the server keeps HA1, never the secret) or a login for a bearer
// token. It may submit records only for the ids in `allowed_ids` (its DeviceID and the
// TollgateIDs of the checkpoints it serves); "*" (kAnyId) allows any, for a feed that forwards
// many checkpoints' records (a county platform, a bulk load).
struct Device {
  std::string id;
  std::string name;
  std::string agency;
  std::vector<std::string> allowed_ids;
  std::string secret_hash;  // Argon2id of the secret
  std::string digest_ha1;   // MD5(id:realm:secret), hex
  bool revoked = false;
  UnixMicros created = 0;
};

enum class PrincipalKind { kAnonymous, kUser, kDevice, kSystem };

// The identity a request acts as.
struct Principal {
  PrincipalKind kind = PrincipalKind::kAnonymous;
  std::string id;
  std::string agency;
  std::string role;
  Scope scope;
  std::vector<std::string> allowed_ids;  // devices only
  std::string session;                   // the session id (hash of the token), if any

  // "user:alice", "device:5117...", "system", "anonymous" (the audit log's actor).
  std::string Actor() const;
  bool InDistrictScope(std::string_view division_code) const;
};

struct Session {
  std::string id;  // hex SHA-256 of the token; the token itself is never stored
  PrincipalKind kind = PrincipalKind::kUser;
  std::string subject;  // user or device id
  UnixMicros created = 0;
  UnixMicros expires = 0;
  bool revoked = false;
  std::string remote;
};

// Ids of agencies, users: 1-64 of [A-Za-z0-9._-]; devices: the same or a 20-digit GA/T code.
Status ValidateName(std::string_view id, std::string_view field);

store::Document ToDocument(const Agency& a, UnixMicros now);
store::Document ToDocument(const User& u, UnixMicros now);
store::Document ToDocument(const Device& d, UnixMicros now);
store::Document ToDocument(const Session& s, UnixMicros now);
StatusOr<Agency> AgencyFromDocument(const store::Document& d);
StatusOr<User> UserFromDocument(const store::Document& d);
StatusOr<Device> DeviceFromDocument(const store::Document& d);
StatusOr<Session> SessionFromDocument(const store::Document& d);

std::string_view ScopeKindName(ScopeKind k);  // "all", "agency"
StatusOr<ScopeKind> ParseScopeKind(std::string_view s);

inline constexpr char kAnyId[] = "*";

inline constexpr char kAgencyDoc[] = "agency";
inline constexpr char kUserDoc[] = "user";
inline constexpr char kDeviceDoc[] = "device";
inline constexpr char kSessionDoc[] = "session";

}  // namespace quanyu::govern
