#include "core/thread.h"

#include <pthread.h>
#include <spdlog/spdlog.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

namespace quanyu {

void NameThisThread(std::string_view name) {
  std::string n(name.substr(0, 15));
  int rc = ::pthread_setname_np(::pthread_self(), n.c_str());
  if (rc != 0) spdlog::debug("naming thread {} failed: {}", n, std::strerror(rc));
}

void LowerThisThreadPriority(int increment) {
  const auto tid = static_cast<id_t>(::syscall(SYS_gettid));
  errno = 0;
  int current = ::getpriority(PRIO_PROCESS, tid);
  if (current == -1 && errno != 0) {
    spdlog::debug("reading thread priority failed: {}", std::strerror(errno));
    return;
  }
  if (::setpriority(PRIO_PROCESS, tid, current + increment) != 0) {
    spdlog::debug("lowering thread priority failed: {}", std::strerror(errno));
  }
}

}  // namespace quanyu
