#include "govern/accounts.h"

#include <gtest/gtest.h>

namespace quanyu::govern {
namespace {

constexpr UnixMicros kT0 = 1'767'225'600 * kMicrosPerSecond;  // 2026-01-01T00:00:00Z
constexpr char kPassword[] = "correct horse battery";

class AccountsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = store::Store::Open({"sqlite::memory:", false});
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    store_ = std::move(s).value();
    AuthOptions o;
    o.password_cost = PasswordCost::kMinimal;
    accounts_ = std::make_unique<Accounts>(store_.get(), &clock_, o);
    ASSERT_TRUE(
        accounts_
            ->InitAdmin(Agency{"bureau", "达州市公安局", "police_bureau", "", 0}, "root", kPassword)
            .ok());
  }
  User MakeUser(std::string id, std::string role) {
    User u;
    u.id = std::move(id);
    u.agency = "bureau";
    u.role = std::move(role);
    return u;
  }

  ManualClock clock_{kT0};
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<Accounts> accounts_;
};

TEST_F(AccountsTest, InitCreatesTheFirstAdministratorOnlyOnce) {
  auto root = accounts_->GetUser("root");
  ASSERT_TRUE(root.ok());
  EXPECT_EQ(root->role, "admin");
  EXPECT_EQ(root->password_hash.rfind("$argon2id$", 0), 0u) << root->password_hash;
  EXPECT_EQ(root->password_hash.find(kPassword), std::string::npos);
  Status again = accounts_->InitAdmin(Agency{"bureau", "x", "police_bureau", "", 0}, "root2",
                                      "another password");
  EXPECT_EQ(again.code(), StatusCode::kFailedPrecondition);
}

TEST_F(AccountsTest, AddUserNamesTheFieldAtFault) {
  EXPECT_EQ(accounts_->AddUser(MakeUser("bad name", "analyst"), kPassword).field(), "id");
  EXPECT_EQ(accounts_->AddUser(MakeUser("ann", "wizard"), kPassword).field(), "role");
  EXPECT_EQ(accounts_->AddUser(MakeUser("ann", "device"), kPassword).field(), "role");
  User elsewhere = MakeUser("ann", "analyst");
  elsewhere.agency = "nowhere";
  EXPECT_EQ(accounts_->AddUser(elsewhere, kPassword).field(), "agency");
  EXPECT_EQ(accounts_->AddUser(MakeUser("ann", "analyst"), "short").field(), "password");
  User scoped = MakeUser("ann", "analyst");
  scoped.scope.districts = {"5117"};
  EXPECT_EQ(accounts_->AddUser(scoped, kPassword).field(), "scope.districts");
  ASSERT_TRUE(accounts_->AddUser(MakeUser("ann", "analyst"), kPassword).ok());
  Status dup = accounts_->AddUser(MakeUser("ann", "analyst"), kPassword);
  EXPECT_EQ(dup.code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(dup.field(), "id");
}

TEST_F(AccountsTest, LoginIssuesATokenThatAuthenticatesUntilLogoutOrExpiry) {
  ASSERT_TRUE(accounts_->AddUser(MakeUser("ann", "analyst"), kPassword).ok());
  auto t = accounts_->Login("ann", kPassword, "127.0.0.1");
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_EQ(t->token.rfind("qy_", 0), 0u);
  // The store keeps the token's hash, never the token.
  auto sessions = store_->ListDocuments(kSessionDoc);
  ASSERT_EQ(sessions->size(), 1u);
  EXPECT_EQ(sessions->front().body.find(t->token), std::string::npos);
  EXPECT_EQ(sessions->front().id.find(t->token), std::string::npos);

  auto p = accounts_->Authenticate(t->token);
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_EQ(p->Actor(), "user:ann");
  EXPECT_EQ(p->role, "analyst");
  EXPECT_EQ(p->agency, "bureau");

  ASSERT_TRUE(accounts_->Logout(*p).ok());
  EXPECT_EQ(accounts_->Authenticate(t->token).status().code(), StatusCode::kUnauthenticated);

  auto t2 = accounts_->Login("ann", kPassword, "");
  ASSERT_TRUE(t2.ok());
  clock_.Advance(accounts_->options().token_lifetime);
  auto expired = accounts_->Authenticate(t2->token);
  EXPECT_EQ(expired.status().code(), StatusCode::kUnauthenticated);
  EXPECT_NE(expired.status().message().find("expired"), std::string::npos);
  EXPECT_EQ(accounts_->Authenticate("qy_" + std::string(64, 'a')).status().code(),
            StatusCode::kUnauthenticated);
  EXPECT_EQ(accounts_->Authenticate("Bearer").status().code(), StatusCode::kUnauthenticated);
}

TEST_F(AccountsTest, WrongPasswordAndUnknownUserLookTheSame) {
  auto wrong = accounts_->Login("root", "not the password", "");
  auto unknown = accounts_->Login("nobody", "not the password", "");
  EXPECT_EQ(wrong.status().code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(unknown.status().code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(wrong.status().message(), unknown.status().message());
}

TEST_F(AccountsTest, RepeatedFailuresLockWithGrowingBackOff) {
  ASSERT_TRUE(accounts_->AddUser(MakeUser("ann", "analyst"), kPassword).ok());
  const AuthOptions& o = accounts_->options();
  for (int i = 0; i < o.lockout_after; ++i) {
    EXPECT_EQ(accounts_->Login("ann", "guess", "").status().code(), StatusCode::kUnauthenticated);
  }
  // Locked: even the right password is refused, and the message says until when.
  auto locked = accounts_->Login("ann", kPassword, "");
  EXPECT_EQ(locked.status().code(), StatusCode::kPermissionDenied);
  EXPECT_NE(locked.status().message().find("locked"), std::string::npos);
  clock_.Advance(o.lockout_base - 1);
  EXPECT_FALSE(accounts_->Login("ann", kPassword, "").ok());
  clock_.Advance(1);
  // Another failure after the lock ends locks for twice as long.
  EXPECT_EQ(accounts_->Login("ann", "guess", "").status().code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(accounts_->GetUser("ann")->locked_until, clock_.Now() + 2 * o.lockout_base);
  clock_.Advance(2 * o.lockout_base);
  ASSERT_TRUE(accounts_->Login("ann", kPassword, "").ok());
  EXPECT_EQ(accounts_->GetUser("ann")->failed_logins, 0);
}

TEST_F(AccountsTest, DisableAndResetEndSessions) {
  ASSERT_TRUE(accounts_->AddUser(MakeUser("ann", "analyst"), kPassword).ok());
  auto t = accounts_->Login("ann", kPassword, "");
  ASSERT_TRUE(t.ok());
  ASSERT_TRUE(accounts_->Authenticate(t->token).ok());  // cached now
  ASSERT_TRUE(accounts_->SetUserDisabled("ann", true).ok());
  EXPECT_FALSE(accounts_->Authenticate(t->token).ok());
  EXPECT_EQ(accounts_->Login("ann", kPassword, "").status().code(), StatusCode::kPermissionDenied);
  ASSERT_TRUE(accounts_->SetUserDisabled("ann", false).ok());
  auto t2 = accounts_->Login("ann", kPassword, "");
  ASSERT_TRUE(t2.ok());
  ASSERT_TRUE(accounts_->ResetPassword("ann", "a brand new secret").ok());
  EXPECT_FALSE(accounts_->Authenticate(t2->token).ok());
  EXPECT_FALSE(accounts_->Login("ann", kPassword, "").ok());
  EXPECT_TRUE(accounts_->Login("ann", "a brand new secret", "").ok());
}

TEST_F(AccountsTest, DevicesGetASecretOnceAndLoseAccessWhenRevoked) {
  Device d;
  d.id = "51170200001190000001";
  d.agency = "bureau";
  d.allowed_ids = {"51170200001210000001"};
  auto secret = accounts_->AddDevice(d);
  ASSERT_TRUE(secret.ok()) << secret.status().ToString();
  EXPECT_GE(secret->size(), 20u);
  auto stored = accounts_->GetDevice(d.id);
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(stored->digest_ha1, Md5Hex(d.id + ":quanyu:" + *secret));
  EXPECT_EQ(store_->GetDocument(kDeviceDoc, d.id)->body.find(*secret), std::string::npos);

  auto t = accounts_->DeviceLogin(d.id, *secret, "");
  ASSERT_TRUE(t.ok());
  auto p = accounts_->Authenticate(t->token);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->role, "device");
  EXPECT_EQ(p->Actor(), "device:" + d.id);
  EXPECT_EQ(p->allowed_ids.size(), 2u);  // its checkpoint and itself
  EXPECT_FALSE(accounts_->DeviceLogin(d.id, "wrong secret!!", "").ok());

  ASSERT_TRUE(accounts_->RevokeDevice(d.id).ok());
  EXPECT_FALSE(accounts_->Authenticate(t->token).ok());
  EXPECT_FALSE(accounts_->DeviceLogin(d.id, *secret, "").ok());
  EXPECT_FALSE(accounts_->DevicePrincipal(d.id).ok());
  EXPECT_EQ(accounts_->AddDevice(d).status().code(), StatusCode::kAlreadyExists);
}

}  // namespace
}  // namespace quanyu::govern
