// The storage contract on PostgreSQL, run when QUANYU_TEST_POSTGRES_URL names a server
// ("postgresql://user:password@host/db"), skipped otherwise.
//
// Until the PostgreSQL backend lands, Store::Open answers Unimplemented, so setting the
// variable makes these tests fail. When it lands, give each test a fresh database here (e.g.
// create a schema per target and drop it in the destructor) so that every test starts empty.
#include <cstdlib>
#include <memory>
#include <string>

#include "store/store.h"
#include "store/store_contract_test.h"

namespace quanyu::store::testing {
namespace {

class PostgresTarget : public StoreTarget {
 public:
  explicit PostgresTarget(std::string url) : url_(std::move(url)) {}
  StatusOr<std::unique_ptr<Store>> Open() override { return Store::Open({.url = url_}); }
  bool persistent() const override { return true; }

 private:
  std::string url_;
};

StoreBackend PostgresBackend() {
  return {"Postgres", [](std::string* skip_reason) -> std::unique_ptr<StoreTarget> {
            const char* url = std::getenv("QUANYU_TEST_POSTGRES_URL");
            if (url == nullptr || *url == '\0') {
              *skip_reason = "QUANYU_TEST_POSTGRES_URL is not set";
              return nullptr;
            }
            return std::make_unique<PostgresTarget>(url);
          }};
}

INSTANTIATE_TEST_SUITE_P(Postgres, StoreContractTest, ::testing::Values(PostgresBackend()),
                         StoreBackendName);

}  // namespace
}  // namespace quanyu::store::testing
