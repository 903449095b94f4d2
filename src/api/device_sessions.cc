#include "api/device_sessions.h"

namespace quanyu::api {

std::string RemoteHost(const std::string& remote) {
  if (!remote.empty() && remote.front() == '[') return remote.substr(1, remote.find(']') - 1);
  size_t colon = remote.rfind(':');
  return colon == std::string::npos ? remote : remote.substr(0, colon);
}

void DeviceRegistry::Register(const govern::Principal& device, const std::string& host) {
  std::lock_guard lock(mu_);
  entries_[device.id] = Entry{device, host, clock_->Now() + lifetime_};
}

bool DeviceRegistry::Keepalive(const std::string& device_id, const std::string& host) {
  std::lock_guard lock(mu_);
  auto it = entries_.find(device_id);
  const UnixMicros now = clock_->Now();
  if (it == entries_.end() || it->second.host != host || it->second.expires <= now) return false;
  it->second.expires = now + lifetime_;
  return true;
}

void DeviceRegistry::Unregister(const std::string& device_id) {
  std::lock_guard lock(mu_);
  entries_.erase(device_id);
}

std::optional<govern::Principal> DeviceRegistry::Live(const std::string& device_id,
                                                      const std::string& remote_host) {
  std::lock_guard lock(mu_);
  auto it = entries_.find(device_id);
  if (it == entries_.end() || it->second.host != remote_host) return std::nullopt;
  if (it->second.expires <= clock_->Now()) {
    entries_.erase(it);
    return std::nullopt;
  }
  return it->second.principal;
}

size_t DeviceRegistry::live_count() {
  std::lock_guard lock(mu_);
  const UnixMicros now = clock_->Now();
  size_t n = 0;
  for (const auto& [id, e] : entries_) n += e.expires > now;
  return n;
}

}  // namespace quanyu::api
