#include "govern/accounts.h"

#include <algorithm>

#include "core/time_format.h"
#include "registry/checkpoint.h"

namespace quanyu::govern {
namespace {

constexpr char kTokenPrefix[] = "qy_";

Status ValidateDeviceId(std::string_view id) {
  if (registry::IsGat1400Id(id)) return Status::Ok();
  return ValidateName(id, "id");
}

}  // namespace

Accounts::Accounts(store::Store* store, const Clock* clock, AuthOptions options,
                   const RoleTable* roles)
    : store_(store), clock_(clock), options_(std::move(options)), roles_(roles) {}

Principal Accounts::PrincipalOf(const User& u) {
  Principal p;
  p.kind = PrincipalKind::kUser;
  p.id = u.id;
  p.agency = u.agency;
  p.role = u.role;
  p.scope = u.scope;
  return p;
}

Principal Accounts::PrincipalOf(const Device& d) {
  Principal p;
  p.kind = PrincipalKind::kDevice;
  p.id = d.id;
  p.agency = d.agency;
  p.role = "device";
  p.allowed_ids = d.allowed_ids;
  if (std::find(p.allowed_ids.begin(), p.allowed_ids.end(), d.id) == p.allowed_ids.end()) {
    p.allowed_ids.push_back(d.id);
  }
  return p;
}

StatusOr<bool> Accounts::Initialized() {
  ASSIGN_OR_RETURN(std::vector<store::Document> users, store_->ListDocuments(kUserDoc));
  return !users.empty();
}

Status Accounts::InitAdmin(const Agency& agency, const std::string& admin_id,
                           const std::string& password) {
  ASSIGN_OR_RETURN(bool initialized, Initialized());
  if (initialized) {
    return FailedPrecondition(
        "users exist already: the first administrator is created only once (use "
        "`quanyu admin user add`)");
  }
  if (!GetAgency(agency.id).ok()) RETURN_IF_ERROR(AddAgency(agency));
  User u;
  u.id = admin_id;
  u.display_name = "Administrator";
  u.agency = agency.id;
  u.role = "admin";
  return AddUser(u, password);
}

// --- agencies

Status Accounts::AddAgency(Agency a) {
  RETURN_IF_ERROR(ValidateName(a.id, "id"));
  if (a.name.empty()) return InvalidArgument("name", "an agency needs a name");
  if (!roles_->HasAgencyKind(a.kind)) {
    return InvalidArgument("kind", "must be one of " + roles_->AgencyKindNames());
  }
  if (!a.parent.empty() && !GetAgency(a.parent).ok()) {
    return InvalidArgument("parent", "no agency \"" + a.parent + "\"");
  }
  a.created = clock_->Now();
  return store_->CreateDocument(ToDocument(a, a.created));
}

StatusOr<Agency> Accounts::GetAgency(const std::string& id) {
  ASSIGN_OR_RETURN(store::Document d, store_->GetDocument(kAgencyDoc, id));
  return AgencyFromDocument(d);
}

StatusOr<std::vector<Agency>> Accounts::ListAgencies() {
  ASSIGN_OR_RETURN(std::vector<store::Document> docs, store_->ListDocuments(kAgencyDoc));
  std::vector<Agency> out;
  for (const auto& d : docs) {
    ASSIGN_OR_RETURN(Agency a, AgencyFromDocument(d));
    out.push_back(std::move(a));
  }
  return out;
}

// --- users

Status Accounts::CheckSecretLength(const std::string& secret, const char* field) const {
  if (secret.size() >= options_.min_password_length) return Status::Ok();
  return InvalidArgument(
      field, "must be at least " + std::to_string(options_.min_password_length) + " characters");
}

Status Accounts::CheckUser(const User& u, const std::string& password) {
  RETURN_IF_ERROR(ValidateName(u.id, "id"));
  if (!roles_->HasRole(u.role) || u.role == "device") {
    return InvalidArgument("role", "must be one of " + roles_->RoleNames() +
                                       " (device credentials are added as devices)");
  }
  if (u.agency.empty()) return InvalidArgument("agency", "every user belongs to an agency");
  if (!GetAgency(u.agency).ok()) return InvalidArgument("agency", "no agency \"" + u.agency + "\"");
  for (const std::string& d : u.scope.districts) {
    if (d.size() != 6 ||
        !std::all_of(d.begin(), d.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      return InvalidArgument("scope.districts", "\"" + d + "\" is not a 6-digit division code");
    }
  }
  RETURN_IF_ERROR(CheckSecretLength(password, "password"));
  return Status::Ok();
}

Status Accounts::AddUser(User u, const std::string& password) {
  RETURN_IF_ERROR(CheckUser(u, password));
  ASSIGN_OR_RETURN(u.password_hash, HashPassword(password, options_.password_cost));
  u.created = clock_->Now();
  u.password_changed = u.created;
  u.failed_logins = 0;
  u.locked_until = 0;
  Status s = store_->CreateDocument(ToDocument(u, u.created));
  if (s.code() == StatusCode::kAlreadyExists) {
    return Status(StatusCode::kAlreadyExists, "user \"" + u.id + "\" already exists", "id");
  }
  return s;
}

StatusOr<User> Accounts::GetUser(const std::string& id) {
  ASSIGN_OR_RETURN(store::Document d, store_->GetDocument(kUserDoc, id));
  return UserFromDocument(d);
}

StatusOr<std::vector<User>> Accounts::ListUsers() {
  ASSIGN_OR_RETURN(std::vector<store::Document> docs, store_->ListDocuments(kUserDoc));
  std::vector<User> out;
  for (const auto& d : docs) {
    ASSIGN_OR_RETURN(User u, UserFromDocument(d));
    out.push_back(std::move(u));
  }
  return out;
}

Status Accounts::SetUserDisabled(const std::string& id, bool disabled) {
  {
    std::lock_guard lock(mu_);
    ASSIGN_OR_RETURN(User u, GetUser(id));
    u.disabled = disabled;
    if (!disabled) {
      u.failed_logins = 0;
      u.locked_until = 0;
    }
    RETURN_IF_ERROR(store_->PutDocument(ToDocument(u, clock_->Now())));
  }
  return disabled ? EndSessionsOf(PrincipalKind::kUser, id) : Status::Ok();
}

Status Accounts::ResetPassword(const std::string& id, const std::string& password) {
  {
    std::lock_guard lock(mu_);
    ASSIGN_OR_RETURN(User u, GetUser(id));
    RETURN_IF_ERROR(CheckSecretLength(password, "password"));
    ASSIGN_OR_RETURN(u.password_hash, HashPassword(password, options_.password_cost));
    u.password_changed = clock_->Now();
    u.failed_logins = 0;
    u.locked_until = 0;
    RETURN_IF_ERROR(store_->PutDocument(ToDocument(u, u.password_changed)));
  }
  return EndSessionsOf(PrincipalKind::kUser, id);
}

// --- devices

StatusOr<std::string> Accounts::AddDevice(Device d, std::optional<std::string> secret) {
  RETURN_IF_ERROR(ValidateDeviceId(d.id));
  if (d.agency.empty()) return InvalidArgument("agency", "every device belongs to an agency");
  if (!GetAgency(d.agency).ok()) return InvalidArgument("agency", "no agency \"" + d.agency + "\"");
  for (const std::string& a : d.allowed_ids) {
    if (a != kAnyId && !registry::IsGat1400Id(a) && !ValidateName(a, "allowed_ids").ok()) {
      return InvalidArgument("allowed_ids", "\"" + a + "\" is not a device or checkpoint id");
    }
  }
  std::string s = secret ? *secret : RandomPassword(24);
  RETURN_IF_ERROR(CheckSecretLength(s, "secret"));
  ASSIGN_OR_RETURN(d.secret_hash, HashPassword(s, options_.password_cost));
  d.digest_ha1 = Md5Hex(d.id + ":" + options_.digest_realm + ":" + s);
  d.revoked = false;
  d.created = clock_->Now();
  Status st = store_->CreateDocument(ToDocument(d, d.created));
  if (st.code() == StatusCode::kAlreadyExists) {
    return Status(StatusCode::kAlreadyExists, "device \"" + d.id + "\" already exists", "id");
  }
  RETURN_IF_ERROR(st);
  return s;
}

StatusOr<Device> Accounts::GetDevice(const std::string& id) {
  ASSIGN_OR_RETURN(store::Document d, store_->GetDocument(kDeviceDoc, id));
  return DeviceFromDocument(d);
}

StatusOr<std::vector<Device>> Accounts::ListDevices() {
  ASSIGN_OR_RETURN(std::vector<store::Document> docs, store_->ListDocuments(kDeviceDoc));
  std::vector<Device> out;
  for (const auto& d : docs) {
    ASSIGN_OR_RETURN(Device v, DeviceFromDocument(d));
    out.push_back(std::move(v));
  }
  return out;
}

Status Accounts::RevokeDevice(const std::string& id) {
  {
    std::lock_guard lock(mu_);
    ASSIGN_OR_RETURN(Device d, GetDevice(id));
    d.revoked = true;
    RETURN_IF_ERROR(store_->PutDocument(ToDocument(d, clock_->Now())));
  }
  return EndSessionsOf(PrincipalKind::kDevice, id);
}

// --- authentication

StatusOr<IssuedToken> Accounts::Login(const std::string& user, const std::string& password,
                                      const std::string& remote) {
  std::lock_guard lock(mu_);
  const UnixMicros now = clock_->Now();
  StatusOr<User> found = GetUser(user);
  if (!found.ok()) {
    if (found.status().code() != StatusCode::kNotFound) return found.status();
    // Spend the same time as a real check so that timing does not tell which names exist.
    if (dummy_hash_.empty()) {
      ASSIGN_OR_RETURN(dummy_hash_, HashPassword(RandomHex(16), options_.password_cost));
    }
    (void)VerifyPassword(dummy_hash_, password);
    return Unauthenticated("wrong user name or password");
  }
  User u = std::move(found).value();
  if (u.disabled) return PermissionDenied("account \"" + u.id + "\" is disabled");
  if (u.locked_until > now) {
    return PermissionDenied("account \"" + u.id +
                            "\" is locked after repeated failed logins until " +
                            FormatRfc3339(u.locked_until, 8 * 3600));
  }
  if (!VerifyPassword(u.password_hash, password)) {
    ++u.failed_logins;
    if (u.failed_logins >= options_.lockout_after) {
      UnixMicros wait = options_.lockout_base;
      for (int i = options_.lockout_after; i < u.failed_logins && wait < options_.lockout_max;
           ++i) {
        wait *= 2;
      }
      u.locked_until = now + std::min(wait, options_.lockout_max);
    }
    RETURN_IF_ERROR(store_->PutDocument(ToDocument(u, now)));
    return Unauthenticated("wrong user name or password");
  }
  if (u.failed_logins != 0 || u.locked_until != 0) {
    u.failed_logins = 0;
    u.locked_until = 0;
    RETURN_IF_ERROR(store_->PutDocument(ToDocument(u, now)));
  }
  return Issue(PrincipalKind::kUser, PrincipalOf(u), remote);
}

StatusOr<IssuedToken> Accounts::DeviceLogin(const std::string& device, const std::string& secret,
                                            const std::string& remote) {
  StatusOr<Device> d = GetDevice(device);
  if (!d.ok() || d->revoked || !VerifyPassword(d->secret_hash, secret)) {
    if (!d.ok() && d.status().code() != StatusCode::kNotFound) return d.status();
    return Unauthenticated("unknown or revoked device, or wrong secret");
  }
  return Issue(PrincipalKind::kDevice, PrincipalOf(*d), remote);
}

StatusOr<IssuedToken> Accounts::Issue(PrincipalKind kind, Principal principal,
                                      const std::string& remote) {
  IssuedToken t;
  t.token = kTokenPrefix + RandomHex(32);
  t.session.id = Sha256Hex(t.token);
  t.session.kind = kind;
  t.session.subject = principal.id;
  t.session.created = clock_->Now();
  t.session.expires = t.session.created + options_.token_lifetime;
  t.session.remote = remote;
  RETURN_IF_ERROR(store_->CreateDocument(ToDocument(t.session, t.session.created)));
  principal.session = t.session.id;
  t.principal = std::move(principal);
  return t;
}

StatusOr<Principal> Accounts::Authenticate(const std::string& token) {
  if (token.rfind(kTokenPrefix, 0) != 0 || token.size() != 3 + 64) {
    return Unauthenticated("the bearer token is malformed");
  }
  const std::string sid = Sha256Hex(token);
  const UnixMicros now = clock_->Now();
  {
    std::lock_guard lock(cache_mu_);
    auto it = cache_.find(sid);
    if (it != cache_.end()) {
      if (it->second.expires > now &&
          now - it->second.cached_at < options_.cache_seconds * kMicrosPerSecond) {
        return it->second.principal;
      }
      cache_.erase(it);
    }
  }
  StatusOr<store::Document> doc = store_->GetDocument(kSessionDoc, sid);
  if (!doc.ok()) {
    if (doc.status().code() == StatusCode::kNotFound) {
      return Unauthenticated("the bearer token is unknown");
    }
    return doc.status();
  }
  ASSIGN_OR_RETURN(Session s, SessionFromDocument(*doc));
  if (s.revoked) return Unauthenticated("the bearer token was revoked (logged out)");
  if (s.expires <= now) return Unauthenticated("the bearer token has expired: log in again");
  Principal p;
  if (s.kind == PrincipalKind::kDevice) {
    StatusOr<Device> d = GetDevice(s.subject);
    if (!d.ok() || d->revoked) return Unauthenticated("the device's credential was revoked");
    p = PrincipalOf(*d);
  } else {
    StatusOr<User> u = GetUser(s.subject);
    if (!u.ok() || u->disabled) return Unauthenticated("the account is disabled");
    p = PrincipalOf(*u);
  }
  p.session = sid;
  {
    std::lock_guard lock(cache_mu_);
    if (cache_.size() > 100000) cache_.clear();
    cache_[sid] = Cached{p, s.expires, now};
  }
  return p;
}

StatusOr<Principal> Accounts::DevicePrincipal(const std::string& device_id) {
  StatusOr<Device> d = GetDevice(device_id);
  if (!d.ok() || d->revoked) {
    if (!d.ok() && d.status().code() != StatusCode::kNotFound) return d.status();
    return Unauthenticated("unknown or revoked device \"" + device_id + "\"");
  }
  return PrincipalOf(*d);
}

Status Accounts::Logout(const Principal& p) {
  if (p.session.empty()) return InvalidArgument("token", "this request carries no session");
  ASSIGN_OR_RETURN(store::Document doc, store_->GetDocument(kSessionDoc, p.session));
  ASSIGN_OR_RETURN(Session s, SessionFromDocument(doc));
  s.revoked = true;
  RETURN_IF_ERROR(store_->PutDocument(ToDocument(s, clock_->Now())));
  std::lock_guard lock(cache_mu_);
  cache_.erase(p.session);
  return Status::Ok();
}

Status Accounts::EndSessionsOf(PrincipalKind kind, const std::string& subject) {
  ASSIGN_OR_RETURN(std::vector<store::Document> docs, store_->ListDocuments(kSessionDoc));
  const UnixMicros now = clock_->Now();
  for (const auto& d : docs) {
    ASSIGN_OR_RETURN(Session s, SessionFromDocument(d));
    if (s.kind != kind || s.subject != subject) continue;
    if (s.expires <= now) {
      RETURN_IF_ERROR(store_->DeleteDocument(kSessionDoc, s.id).status());
      continue;
    }
    if (s.revoked) continue;
    s.revoked = true;
    RETURN_IF_ERROR(store_->PutDocument(ToDocument(s, now)));
  }
  std::lock_guard lock(cache_mu_);
  cache_.clear();
  return Status::Ok();
}

}  // namespace quanyu::govern
