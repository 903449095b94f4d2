// The storage contract: one GoogleTest suite, written against the Store interface only, that
// every backend must pass. A backend's test file instantiates it with the targets it offers:
//
//   INSTANTIATE_TEST_SUITE_P(Sqlite, StoreContractTest,
//                            ::testing::Values(SqliteMemoryBackend(), SqliteFileBackend()),
//                            StoreBackendName);
//
// Each test gets a fresh, empty database from its backend's StoreTarget.
#pragma once

#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <string>

#include "core/status.h"
#include "store/store.h"

namespace quanyu::store::testing {

// The database one test runs against.
class StoreTarget {
 public:
  virtual ~StoreTarget() = default;
  // Opens a Store on this target's database. The first call sees an empty database.
  virtual StatusOr<std::unique_ptr<Store>> Open() = 0;
  // True if a later Open sees what earlier stores wrote (a file or a server, not memory).
  virtual bool persistent() const = 0;
};

struct StoreBackend {
  std::string name;  // suffix of the test names: letters, digits and '_'
  // A fresh target for one test, or nullptr with *skip_reason set when the backend cannot
  // run here (e.g. no server configured); the test is then skipped.
  std::function<std::unique_ptr<StoreTarget>(std::string* skip_reason)> make_target;
};

// For INSTANTIATE_TEST_SUITE_P: names each instantiation after its backend.
std::string StoreBackendName(const ::testing::TestParamInfo<StoreBackend>& info);

class StoreContractTest : public ::testing::TestWithParam<StoreBackend> {
 protected:
  void SetUp() override;
  void TearDown() override;
  // Closes store_ and opens the same database again. REQUIRES: target_->persistent().
  void Reopen();

  std::unique_ptr<StoreTarget> target_;
  std::unique_ptr<Store> store_;
};

}  // namespace quanyu::store::testing

// Test helpers for Status and StatusOr.
#define QY_ASSERT_OK(expr)                       \
  do {                                           \
    const ::quanyu::Status qy_s_ = (expr);       \
    ASSERT_TRUE(qy_s_.ok()) << qy_s_.ToString(); \
  } while (0)
#define QY_EXPECT_OK(expr)                       \
  do {                                           \
    const ::quanyu::Status qy_s_ = (expr);       \
    EXPECT_TRUE(qy_s_.ok()) << qy_s_.ToString(); \
  } while (0)
// QY_ASSERT_OK_AND_ASSIGN(auto x, store->Get(...));
#define QY_ASSERT_OK_AND_ASSIGN(lhs, expr) \
  QY_ASSERT_OK_AND_ASSIGN_IMPL(QY_CONCAT(qy_or_, __LINE__), lhs, expr)
#define QY_ASSERT_OK_AND_ASSIGN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                                 \
  ASSERT_TRUE(tmp.ok()) << tmp.status().ToString();  \
  lhs = std::move(tmp).value()
