#include "api/router.h"

#include <gtest/gtest.h>

namespace quanyu::api {
namespace {

Router MakeRouter() {
  Router r;
  r.Add("GET", "/api/v1/checkpoints", "list", Public(),
        [](Request&) { return Response::Json(200, "list"); });
  r.Add("GET", "/api/v1/checkpoints/{id}", "get", Public(),
        [](Request& q) { return Response::Json(200, q.path_params["id"]); });
  r.Add("GET", "/api/v1/checkpoints/stats", "literal", Public(),
        [](Request&) { return Response::Json(200, "stats"); });
  r.Add("POST", "/boom", "throws", Public(),
        [](Request&) -> Response { throw std::runtime_error("x"); });
  return r;
}

Response Call(const Router& r, std::string method, std::string path) {
  Request q;
  q.method = std::move(method);
  q.path = std::move(path);
  return r.Handle(q);
}

TEST(RouterTest, MatchesPatternsAndPrefersLiterals) {
  Router r = MakeRouter();
  EXPECT_EQ(Call(r, "GET", "/api/v1/checkpoints").body, "list");
  EXPECT_EQ(Call(r, "GET", "/api/v1/checkpoints/K-1").body, "K-1");
  EXPECT_EQ(Call(r, "GET", "/api/v1/checkpoints/stats").body, "stats");
  EXPECT_EQ(Call(r, "HEAD", "/api/v1/checkpoints").status, 200);
}

TEST(RouterTest, UnknownPathIs404WrongMethodIs405AsJsonErrors) {
  Router r = MakeRouter();
  Response nf = Call(r, "GET", "/nope");
  EXPECT_EQ(nf.status, 404);
  EXPECT_NE(nf.body.find("\"code\":\"not_found\""), std::string::npos) << nf.body;
  Response na = Call(r, "DELETE", "/api/v1/checkpoints");
  EXPECT_EQ(na.status, 405);
  EXPECT_NE(na.body.find("\"field\":\"method\""), std::string::npos) << na.body;
  EXPECT_EQ(Call(r, "POST", "/boom").status, 500);
}

TEST(RouterTest, ErrorBodyCarriesCodeMessageAndField) {
  Response e = Response::Error(InvalidArgument("PlateNo", "not a plate"));
  EXPECT_EQ(e.status, 400);
  EXPECT_EQ(e.body,
            R"({"error":{"code":"invalid_argument","field":"PlateNo","message":"not a plate"}})");
  EXPECT_EQ(Response::Error(ResourceExhausted("later")).status, 503);
}

TEST(RouterTest, DecodesQueries) {
  auto q = ParseQuery("plate=%E5%B7%9DA12345&from=2026-11-29T08%3A00%3A00%2B08%3A00&x");
  EXPECT_EQ(q["plate"], "川A12345");
  EXPECT_EQ(q["from"], "2026-11-29T08:00:00+08:00");
  EXPECT_EQ(q.count("x"), 1u);
}

}  // namespace
}  // namespace quanyu::api
