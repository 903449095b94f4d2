// GA/T 1400 device sessions: a device registers at /VIID/System/Register with HTTP Digest,
// stays registered while it sends /VIID/System/Keepalive (every lifetime at the latest), and
// identifies its later requests with the User-Identify header. A registration is bound to the
// address it came from, so another host cannot borrow it by naming the device.
// Thread safety: every method may be called from any thread.
#pragma once

#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "api/access.h"
#include "core/clock.h"
#include "govern/identity.h"

namespace quanyu::api {

class DeviceRegistry : public DeviceSessions {
 public:
  explicit DeviceRegistry(const Clock* clock, UnixMicros lifetime = 5 * kMicrosPerMinute)
      : clock_(clock), lifetime_(lifetime) {}

  void Register(const govern::Principal& device, const std::string& host);
  // False if the device holds no live registration from `host`.
  bool Keepalive(const std::string& device_id, const std::string& host);
  void Unregister(const std::string& device_id);
  // Ends a revoked device's registration at once.
  void Forget(const std::string& device_id) { Unregister(device_id); }

  std::optional<govern::Principal> Live(const std::string& device_id,
                                        const std::string& remote_host) override;
  size_t live_count();

 private:
  struct Entry {
    govern::Principal principal;
    std::string host;
    UnixMicros expires = 0;
  };
  const Clock* clock_;
  UnixMicros lifetime_;
  std::mutex mu_;
  std::map<std::string, Entry> entries_;
};

// The host part of "host:port" or "[v6]:port".
std::string RemoteHost(const std::string& remote);

}  // namespace quanyu::api
