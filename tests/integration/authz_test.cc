// Governance over real sockets: the authorization matrix (every route × every role, generated
// from the route table and roles.json, so a route whose permission the data does not know
// fails), logins and lockout, purpose-bound personal reads, and device scope.
#include <gtest/gtest.h>

#include <algorithm>
#include <regex>

#include "api/digest_auth.h"
#include "api/handlers.h"
#include "core/time_format.h"
#include "govern/roles.h"
#include "test_util.h"

namespace quanyu::testing {
namespace {

using nlohmann::json;

std::string Concrete(const std::string& pattern) {
  return std::regex_replace(pattern, std::regex(R"(\{[^}]+\})"), "x");
}

TEST(AuthzTest, EveryRouteTimesEveryRoleIsAllowedExactlyAsThePermissionDataSays) {
  const govern::RoleTable& roles = govern::RoleTable::Builtin();
  ServerFixture server;
  api::Router router;
  api::Services services;
  api::RegisterRoutes(&router, &services);
  std::vector<api::Route> routes = router.routes();
  // Logging out ends the token used: do it last.
  std::stable_partition(routes.begin(), routes.end(),
                        [](const api::Route& r) { return r.pattern != "/api/v1/auth/logout"; });
  for (const api::Route& r : routes) {
    if (r.access.mode != api::AuthMode::kPublic && r.access.mode != api::AuthMode::kDigest) {
      EXPECT_TRUE(roles.HasPermission(r.access.permission))
          << r.method << " " << r.pattern << " checks \"" << r.access.permission
          << "\", which src/govern/roles.json does not define";
    }
  }

  auto request = [&](api::HttpClient& c, const api::Route& r) {
    std::string target = Concrete(r.pattern) + "?purpose=case_investigation&case_no=T-1&plate=x";
    auto resp = c.Send(r.method, target, "{}", {{"Content-Type", "application/json"}});
    EXPECT_TRUE(resp.ok()) << r.method << " " << target;
    return resp.ok() ? resp->status : 0;
  };

  // Anonymous: public routes answer, every other one is 401 (Digest registration: a challenge).
  auto anon = server.NewClient();
  for (const api::Route& r : routes) {
    int status = request(*anon, r);
    if (r.access.mode == api::AuthMode::kDigest) {
      EXPECT_EQ(status, 401) << r.method << " " << r.pattern;
    } else if (r.access.mode == api::AuthMode::kPublic) {
      EXPECT_NE(status, 401) << r.method << " " << r.pattern;
      EXPECT_NE(status, 403) << r.method << " " << r.pattern;
    } else {
      EXPECT_EQ(status, 401) << "anonymous " << r.method << " " << r.pattern;
    }
  }

  int checked = 0;
  for (const govern::RoleInfo& role : roles.roles()) {
    std::unique_ptr<api::HttpClient> device_client;
    api::HttpClient* c = nullptr;
    if (role.name == "device") {
      device_client =
          server.NewClient(server.Login({{"device", kFeedDevice}, {"secret", kFeedSecret}}));
      c = device_client.get();
    } else {
      c = &server.As(role.name);
    }
    for (const api::Route& r : routes) {
      if (r.access.mode == api::AuthMode::kPublic || r.access.mode == api::AuthMode::kDigest) {
        continue;
      }
      const bool allowed = roles.Allows(role.name, r.access.permission);
      int status = request(*c, r);
      if (allowed) {
        EXPECT_NE(status, 401) << role.name << " " << r.method << " " << r.pattern;
        EXPECT_NE(status, 403) << role.name << " " << r.method << " " << r.pattern;
      } else {
        EXPECT_EQ(status, 403) << role.name << " " << r.method << " " << r.pattern;
      }
      ++checked;
    }
  }
  EXPECT_GT(checked, 100);
}

TEST(AuthzTest, LoginLockoutAndLogoutOverHttp) {
  ServerFixture server;
  server.As("analyst");  // creates analyst-user
  auto anon = server.NewClient();
  auto login = [&](const std::string& password) {
    return anon->Post("/api/v1/auth/login",
                      json{{"user", "analyst-user"}, {"password", password}}.dump());
  };
  auto wrong = login("wrong password");
  ASSERT_TRUE(wrong.ok());
  EXPECT_EQ(wrong->status, 401);
  EXPECT_EQ(Json(*wrong)["error"]["message"], "wrong user name or password");
  auto unknown = anon->Post("/api/v1/auth/login",
                            json{{"user", "nobody"}, {"password", "wrong password"}}.dump());
  EXPECT_EQ(unknown->body, wrong->body);
  for (int i = 1; i < 5; ++i) EXPECT_EQ(login("wrong password")->status, 401);
  auto locked = login(kTestPassword);
  EXPECT_EQ(locked->status, 403);
  EXPECT_NE(Json(*locked)["error"]["message"].get<std::string>().find("locked"), std::string::npos);

  auto ok =
      anon->Post("/api/v1/auth/login", json{{"user", "admin"}, {"password", kTestPassword}}.dump());
  ASSERT_EQ(ok->status, 200);
  std::string token = Json(*ok)["token"];
  auto c = server.NewClient(token);
  auto me = c->Get("/api/v1/auth/me");
  EXPECT_EQ(Json(*me)["actor"], "user:admin");
  // The permissions of the role, for a client to show what it may use: the administrator
  // manages accounts but reads no alerts.
  const json perms = Json(*me)["permissions"];
  EXPECT_NE(std::find(perms.begin(), perms.end(), "user.write"), perms.end()) << perms.dump();
  EXPECT_EQ(std::find(perms.begin(), perms.end(), "alert.read"), perms.end()) << perms.dump();
  EXPECT_EQ(Json(*ok)["principal"]["permissions"], perms);
  EXPECT_EQ(c->Post("/api/v1/auth/logout", "")->status, 204);
  auto after = c->Get("/api/v1/auth/me");
  EXPECT_EQ(after->status, 401);
  EXPECT_EQ(after->headers["www-authenticate"], "Bearer realm=\"quanyu\"");
}

TEST(AuthzTest, PersonalReadsNeedPurposeAndCaseNumber) {
  ServerFixture server;
  ASSERT_EQ(server.client()
                .Post("/api/v1/checkpoints",
                      R"({"id":"51170200001210000001","name":"西外卡口","lng":107.47,"lat":31.21})")
                ->status,
            201);
  std::string now = FormatRfc3339(SystemClock::Get()->Now(), kChinaOffsetSeconds);
  json rec = {{"id", "P1"},
              {"checkpoint_id", "51170200001210000001"},
              {"pass_time", now},
              {"plate", "川S12345"}};
  ASSERT_EQ(Json(*server.feed().Post("/api/v1/passages", json::array({rec}).dump()))["accepted"],
            1);
  api::HttpClient& analyst = server.As("analyst");
  auto none = analyst.Get("/api/v1/passages?plate=川S12345");
  EXPECT_EQ(none->status, 400);
  EXPECT_EQ(Json(*none)["error"]["field"], "purpose");
  EXPECT_NE(Json(*none)["error"]["message"].get<std::string>().find("purpose and case_no"),
            std::string::npos);
  auto no_case = analyst.Get("/api/v1/passages?plate=川S12345&purpose=case_investigation");
  EXPECT_EQ(no_case->status, 400);
  EXPECT_EQ(Json(*no_case)["error"]["field"], "case_no");
  auto bad_purpose = analyst.Get("/api/v1/passages?plate=川S12345&purpose=curiosity&case_no=A1");
  EXPECT_EQ(Json(*bad_purpose)["error"]["field"], "purpose");

  // The administrator manages accounts but may not read passages at all.
  auto admin =
      server.client().Get("/api/v1/passages?plate=川S12345&purpose=case_investigation&case_no=A1");
  EXPECT_EQ(admin->status, 403);

  // Stored records reach the store asynchronously.
  json found;
  for (int i = 0; i < 200; ++i) {
    auto r = analyst.Get(
        "/api/v1/passages?plate=%E5%B7%9DS12345&purpose=case_investigation&case_no=2026-0042");
    ASSERT_EQ(r->status, 200) << r->body;
    found = Json(*r);
    if (found["count"] == 1) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_EQ(found["count"], 1);
  EXPECT_EQ(found["items"][0]["id"], "P1");

  // Each read is in the audit log with who, why and for which case; the refusals too.
  api::HttpClient& auditor = server.As("auditor");
  auto audit = auditor.Get("/api/v1/audit?action=GET%20/api/v1/passages&limit=1000");
  ASSERT_EQ(audit->status, 200) << audit->body;
  json items = Json(*audit)["items"];
  bool read_logged = false, missing_purpose_logged = false, admin_denied_logged = false;
  for (const auto& r : items) {
    if (r["actor"] == "user:analyst-user" && r["case_no"] == "2026-0042" && r["outcome"] == "ok") {
      EXPECT_EQ(r["purpose"], "case_investigation");
      EXPECT_EQ(r["target"], "plate:川S12345");
      EXPECT_EQ(r["role"], "analyst");
      EXPECT_EQ(r["agency"], "bureau");
      EXPECT_EQ(r["hash"].get<std::string>().size(), 64u);
      read_logged = true;
    }
    if (r["actor"] == "user:analyst-user" && r["outcome"] == "error") missing_purpose_logged = true;
    if (r["actor"] == "user:admin" && r["outcome"] == "denied") admin_denied_logged = true;
  }
  EXPECT_TRUE(read_logged) << items.dump(1);
  EXPECT_TRUE(missing_purpose_logged);
  EXPECT_TRUE(admin_denied_logged);
  auto verify = auditor.Get("/api/v1/audit/verify");
  ASSERT_EQ(verify->status, 200);
  EXPECT_EQ(Json(*verify)["intact"], true) << verify->body;
  EXPECT_GT(Json(*verify)["records_checked"].get<int>(), 5);
  // Nobody can delete from it: there is no route that would.
  EXPECT_EQ(auditor.Send("DELETE", "/api/v1/audit")->status, 405);
}

TEST(AuthzTest, DeviceSubmitsOnlyForItsOwnIds) {
  ServerFixture server;
  for (const char* id : {"51170200001210000001", "51170200001210000002"}) {
    ASSERT_EQ(server.client()
                  .Post("/api/v1/checkpoints",
                        json{{"id", id}, {"name", "卡口"}, {"lng", 107.47}, {"lat", 31.21}}.dump())
                  ->status,
              201);
  }
  auto created =
      server.client().Post("/api/v1/devices", json{{"id", "51170200001190000001"},
                                                   {"agency", "bureau"},
                                                   {"allowed_ids", {"51170200001210000001"}}}
                                                  .dump());
  ASSERT_EQ(created->status, 201) << created->body;
  std::string secret = Json(*created)["secret"];
  auto device =
      server.NewClient(server.Login({{"device", "51170200001190000001"}, {"secret", secret}}));
  std::string now = FormatRfc3339(SystemClock::Get()->Now(), kChinaOffsetSeconds);
  json batch = json::array({json{{"id", "D1"},
                                 {"checkpoint_id", "51170200001210000001"},
                                 {"pass_time", now},
                                 {"plate", "川S11111"}},
                            json{{"id", "D2"},
                                 {"checkpoint_id", "51170200001210000002"},
                                 {"pass_time", now},
                                 {"plate", "川S22222"}}});
  auto r = device->Post("/api/v1/passages", batch.dump());
  ASSERT_EQ(r->status, 200) << r->body;
  json j = Json(*r);
  EXPECT_EQ(j["accepted"], 1);
  EXPECT_EQ(j["results"][1]["error"]["code"], "device_not_allowed");
  EXPECT_EQ(j["results"][1]["error"]["field"], "checkpoint_id");
  // A device cannot read anything back.
  EXPECT_EQ(device->Get("/api/v1/checkpoints")->status, 403);

  // Revoked: its token stops working.
  EXPECT_EQ(server.client().Send("DELETE", "/api/v1/devices/51170200001190000001")->status, 204);
  EXPECT_EQ(device->Post("/api/v1/passages", batch.dump())->status, 401);
}

TEST(AuthzTest, DistrictScopeLimitsCheckpointsAndPassages) {
  ServerFixture server;
  // 511702 通川区 and 511722 宣汉县, by the first six digits of the GA/T ids.
  for (const char* id : {"51170200001210000001", "51172200001210000001"}) {
    ASSERT_EQ(server.client()
                  .Post("/api/v1/checkpoints",
                        json{{"id", id}, {"name", "卡口"}, {"lng", 107.47}, {"lat", 31.21}}.dump())
                  ->status,
              201);
  }
  auto made = server.client().Post("/api/v1/users", json{{"id", "tc-analyst"},
                                                         {"agency", "bureau"},
                                                         {"role", "analyst"},
                                                         {"scope", {{"districts", {"511702"}}}},
                                                         {"password", kTestPassword}}
                                                        .dump());
  ASSERT_EQ(made->status, 201) << made->body;
  std::string now = FormatRfc3339(SystemClock::Get()->Now(), kChinaOffsetSeconds);
  json batch = json::array();
  for (const char* cp : {"51170200001210000001", "51172200001210000001"}) {
    batch.push_back({{"id", std::string("S-") + cp},
                     {"checkpoint_id", cp},
                     {"pass_time", now},
                     {"plate", "川S54321"}});
  }
  ASSERT_EQ(Json(*server.feed().Post("/api/v1/passages", batch.dump()))["accepted"], 2);

  auto scoped =
      server.NewClient(server.Login({{"user", "tc-analyst"}, {"password", kTestPassword}}));
  json list = Json(*scoped->Get("/api/v1/checkpoints"));
  ASSERT_EQ(list["items"].size(), 1u);
  EXPECT_EQ(list["items"][0]["id"], "51170200001210000001");
  EXPECT_EQ(scoped->Get("/api/v1/checkpoints/51172200001210000001")->status, 404);

  const std::string q =
      "/api/v1/passages?plate=%E5%B7%9DS54321&purpose=case_investigation&case_no=S-1";
  json everything;
  for (int i = 0; i < 200; ++i) {  // the store catches up asynchronously
    everything = Json(*server.As("analyst").Get(q));
    if (everything["count"] == 2) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_EQ(everything["count"], 2);
  json mine = Json(*scoped->Get(q));
  ASSERT_EQ(mine["count"], 1);
  EXPECT_EQ(mine["items"][0]["checkpoint_id"], "51170200001210000001");
}

TEST(AuthzTest, Gat1400DeviceRegistersWithDigestAndSubmitsAsItself) {
  ServerFixture server;
  ASSERT_EQ(server.client()
                .Post("/api/v1/checkpoints",
                      R"({"id":"51170200001210000001","name":"西外卡口","lng":107.47,"lat":31.21})")
                ->status,
            201);
  const std::string dev = "51170200001190000001";
  govern::Device d;
  d.id = dev;
  d.agency = "bureau";
  d.allowed_ids = {"51170200001210000001"};
  ASSERT_TRUE(server.app().accounts().AddDevice(d, std::string("device secret 1")).ok());

  // As a camera does it: the first POST is challenged, the second answers the challenge.
  auto camera = server.NewClient();
  const std::string body = json{{"RegisterObject", {{"DeviceID", dev}}}}.dump();
  auto first = camera->Post("/VIID/System/Register", body, "application/VIID+JSON");
  ASSERT_EQ(first->status, 401);
  const std::string challenge = first->headers["www-authenticate"];
  ASSERT_EQ(challenge.rfind("Digest ", 0), 0u) << challenge;
  auto wrong = camera->Send(
      "POST", "/VIID/System/Register", body,
      {{"Authorization", api::DigestAuthorizationHeader(challenge, dev, "not the secret", "POST",
                                                        "/VIID/System/Register", "0a4f113b", 1)}});
  EXPECT_EQ(wrong->status, 401);

  // Not registered yet: naming the device is not enough.
  const std::string now = FormatCompactLocalTime(SystemClock::Get()->Now());
  auto vehicles = [&](const std::string& tollgate, const std::string& id) {
    return json{{"MotorVehicleListObject",
                 {{"MotorVehicleObject",
                   {{{"MotorVehicleID", id},
                     {"DeviceID", dev},
                     {"TollgateID", tollgate},
                     {"PassTime", now},
                     {"PlateNo", "川S12345"}}}}}}}
        .dump();
  };
  auto early = camera->Send("POST", "/VIID/MotorVehicles", vehicles("51170200001210000001", "G-0"),
                            {{"User-Identify", dev}});
  EXPECT_EQ(early->status, 401);

  auto ok = camera->Send(
      "POST", "/VIID/System/Register", body,
      {{"Authorization", api::DigestAuthorizationHeader(challenge, dev, "device secret 1", "POST",
                                                        "/VIID/System/Register", "0a4f113b", 2)}});
  ASSERT_EQ(ok->status, 200) << ok->body;
  EXPECT_EQ(Json(*ok)["ResponseStatusObject"]["StatusCode"], "0");

  auto mine = camera->Send("POST", "/VIID/MotorVehicles", vehicles("51170200001210000001", "G-1"),
                           {{"User-Identify", dev}});
  ASSERT_EQ(mine->status, 200) << mine->body;
  EXPECT_EQ(Json(*mine)["ResponseStatusListObject"]["ResponseStatusObject"][0]["StatusCode"], "0");
  auto other = camera->Send("POST", "/VIID/MotorVehicles", vehicles("51170200001210000009", "G-2"),
                            {{"User-Identify", dev}});
  json st = Json(*other)["ResponseStatusListObject"]["ResponseStatusObject"][0];
  EXPECT_EQ(st["StatusCode"], "8");
  EXPECT_NE(st["StatusString"].get<std::string>().find("TollgateID"), std::string::npos);
  EXPECT_EQ(camera->Send("POST", "/VIID/System/Keepalive", "{}", {{"User-Identify", dev}})->status,
            200);
  EXPECT_EQ(camera->Send("POST", "/VIID/System/UnRegister", "{}", {{"User-Identify", dev}})->status,
            200);
  EXPECT_EQ(camera
                ->Send("POST", "/VIID/MotorVehicles", vehicles("51170200001210000001", "G-3"),
                       {{"User-Identify", dev}})
                ->status,
            401);
}

}  // namespace
}  // namespace quanyu::testing
