#include "store/store.h"

#include <string_view>

#include "store/migration.h"
#include "store/sqlite_store.h"

namespace quanyu::store {

StatusOr<std::unique_ptr<Store>> Store::Open(const StoreOptions& options) {
  std::string_view url = options.url;
  if (url.empty()) {
    return InvalidArgument("url", "store url is empty; expected \"sqlite:PATH\"");
  }
  if (url.starts_with("sqlite:")) {
    std::string_view path = url.substr(std::string_view("sqlite:").size());
    if (path.starts_with("//")) path.remove_prefix(2);  // sqlite:///abs/path
    if (path.empty()) {
      return InvalidArgument("url", "store url \"" + options.url + "\" names no database file");
    }
    return OpenSqliteStore(std::string(path), options);
  }
  if (url.starts_with("postgresql://") || url.starts_with("postgres://")) {
    // The url may carry a password: never echo it.
    return Unimplemented(
        "the PostgreSQL store backend is not part of this build yet; use \"sqlite:PATH\"");
  }
  std::string_view scheme = url.substr(0, url.find(':'));
  return InvalidArgument("url", "unknown store url scheme \"" + std::string(scheme) +
                                    "\"; expected \"sqlite:PATH\", \"sqlite::memory:\" or "
                                    "\"postgresql://...\"");
}

int Store::LatestSchemaVersion() { return kLatestSchemaVersion; }

}  // namespace quanyu::store
