// Dispatch recommendation on central Chengdu's real road network (data/osm/chengdu_central.osm.pbf)
// with simulated units and incidents:
//   1. in process: DispatchService::Recommend with the units pinned (the steady state), and
//      right after a unit moved (the pins are redone: one forward search per unit);
//   2. isochrones of 3 and 5 minutes (roads reached and their area);
//   3. over HTTP: POST /api/v1/dispatch/recommend on a running server (keep-alive client on
//      the same machine), the figure the target is about.
// Plain main; prints percentiles. Usage: dispatch_bench [UNITS] [REQUESTS]
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <random>
#include <thread>

#include "api/app.h"
#include "api/http_client.h"
#include "core/time_format.h"
#include "dispatch/service.h"
#include "roads/network.h"

namespace {

using namespace quanyu;
using nlohmann::json;
using Steady = std::chrono::steady_clock;

std::string SourceDir() {
  const char* s = std::getenv("QUANYU_SOURCE_DIR");
  return s != nullptr ? s : QUANYU_SOURCE_DIR_DEFAULT;
}

// A random point of central Chengdu's extract that snaps onto its roads.
const roads::RoadNetwork* g_net = nullptr;
geo::LngLat RandomPoint(std::mt19937_64& rng) {
  std::uniform_real_distribution<double> lng(104.03, 104.10), lat(30.63, 30.69);
  for (;;) {
    geo::LngLat p{lng(rng), lat(rng)};
    roads::Snapped s;
    if (g_net->SnapPoint(p, "p", &s).ok() && s.distance_m < 100) return p;
  }
}

void Report(const char* what, std::vector<double> us) {
  std::sort(us.begin(), us.end());
  double sum = 0;
  for (double x : us) sum += x;
  auto pct = [&](double p) { return us[std::min(us.size() - 1, size_t(p * us.size()))]; };
  std::printf("%-44s n=%zu mean=%.1f us p50=%.1f us p90=%.1f us p99=%.1f us\n", what, us.size(),
              sum / us.size(), pct(0.5), pct(0.9), pct(0.99));
}

double Micros(Steady::time_point a, Steady::time_point b) {
  return std::chrono::duration<double, std::micro>(b - a).count();
}

}  // namespace

int main(int argc, char** argv) {
  const int units = argc > 1 ? std::atoi(argv[1]) : 200;
  const int requests = argc > 2 ? std::atoi(argv[2]) : 2000;
  spdlog::set_level(spdlog::level::warn);
  const std::string pbf = SourceDir() + "/data/osm/chengdu_central.osm.pbf";
  std::mt19937_64 rng(7);

  // --- 1. in process ---
  auto t0 = Steady::now();
  auto net = roads::RoadNetwork::Build(pbf);
  if (!net.ok()) {
    std::fprintf(stderr, "%s\n", net.status().ToString().c_str());
    return 1;
  }
  g_net = net->get();
  std::printf("network: %zu vertices, built in %.1f s\n", (*net)->graph().stats().vertices,
              Micros(t0, Steady::now()) / 1e6);
  auto store = store::Store::Open({.url = "sqlite::memory:"});
  auto svc = dispatch::DispatchService::Open(store->get(), SystemClock::Get(), {});
  const UnixMicros now = SystemClock::Get()->Now();
  std::vector<dispatch::FixReport> fixes;
  for (int i = 0; i < units; ++i) {
    dispatch::Unit u;
    u.id = "car" + std::to_string(i);
    u.name = u.id;
    u.kind = dispatch::UnitKind::kPatrolCar;
    u.home = RandomPoint(rng);
    (void)(*svc)->PutUnit(u);
    fixes.push_back({u.id, {RandomPoint(rng), now, -1, -1}, std::nullopt});
  }
  (void)(*svc)->ReportFixes(fixes);
  std::vector<geo::LngLat> incidents;
  for (int i = 0; i < 500; ++i) incidents.push_back(RandomPoint(rng));
  (void)(*svc)->Recommend(**net, {.location = incidents[0]});  // pins
  std::vector<double> steady, repin;
  for (int i = 0; i < requests; ++i) {
    auto a = Steady::now();
    auto r = (*svc)->Recommend(**net, {.location = incidents[i % incidents.size()]});
    steady.push_back(Micros(a, Steady::now()));
    if (!r.ok()) {
      std::fprintf(stderr, "recommend failed: %s\n", r.status().ToString().c_str());
      return 1;
    }
  }
  for (int i = 0; i < 200; ++i) {
    (void)(*svc)->ReportFixes({{"car" + std::to_string(i % units),
                                {RandomPoint(rng), now + i + 1, -1, -1},
                                std::nullopt}});
    auto a = Steady::now();
    (void)(*svc)->Recommend(**net, {.location = incidents[i % incidents.size()]});
    repin.push_back(Micros(a, Steady::now()));
  }
  char label[96];
  std::snprintf(label, sizeof label, "Recommend k=5, %d units pinned", units);
  Report(label, steady);
  std::snprintf(label, sizeof label, "Recommend k=5 after a unit moved (re-pin)");
  Report(label, repin);
  // Isochrones: the roads reached from a point, and with the area around them.
  for (bool area : {false, true}) {
    for (double minutes : {3.0, 5.0}) {
      std::vector<double> iso;
      for (int i = 0; i < (area ? 20 : 200); ++i) {
        auto a = Steady::now();
        auto r = (*net)->Isochrone(incidents[i], minutes * 60, area);
        iso.push_back(Micros(a, Steady::now()));
        if (!r.ok()) return 1;
      }
      std::snprintf(label, sizeof label, "Isochrone %.0f min, %s", minutes,
                    area ? "roads and 100 m area" : "roads");
      Report(label, iso);
    }
  }

  // --- 2. over HTTP ---
  const std::filesystem::path dir = std::filesystem::temp_directory_path() /
                                    ("quanyu-dispatch-bench-" + std::to_string(getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir / "roads");
  std::filesystem::copy_file(pbf, dir / roads::kNetworkFile);
  api::AppOptions o;
  o.data_dir = dir.string();
  o.server.port = 0;
  o.retention_interval = 0;
  auto app = api::App::Open(o);
  if (!app.ok() || !(*app)->Start().ok()) {
    std::fprintf(stderr, "cannot start the server\n");
    return 1;
  }
  const std::string password = "bench-password-1";
  (void)(*app)->accounts().InitAdmin({"bureau", "测试市公安局", "police_bureau", "", 0}, "admin",
                                     password);
  govern::User cmd;
  cmd.id = "commander";
  cmd.agency = "bureau";
  cmd.role = "commander";
  (void)(*app)->accounts().AddUser(cmd, password);
  api::HttpClient c("127.0.0.1", (*app)->port());
  auto login =
      c.Post("/api/v1/auth/login", json{{"user", "commander"}, {"password", password}}.dump());
  if (!login.ok() || login->status != 200) {
    std::fprintf(stderr, "login failed\n");
    return 1;
  }
  c.SetDefaultHeader("Authorization",
                     "Bearer " + json::parse(login->body)["token"].get<std::string>());
  for (int i = 0; i < 600; ++i) {  // wait for the network
    auto r = c.Get("/api/v1/roads");
    if (r.ok() && json::parse(r->body)["state"] != "loading") break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  json batch = json::array();
  for (int i = 0; i < units; ++i) {
    const geo::LngLat p = RandomPoint(rng);
    (void)c.Post("/api/v1/units", json{{"id", "car" + std::to_string(i)},
                                       {"name", "car"},
                                       {"kind", "patrol_car"},
                                       {"home", {p.lng, p.lat}}}
                                      .dump());
    batch.push_back({{"unit_id", "car" + std::to_string(i)},
                     {"position", {p.lng, p.lat}},
                     {"time", FormatRfc3339(SystemClock::Get()->Now())}});
  }
  (void)c.Post("/api/v1/units/positions", json{{"fixes", batch}}.dump());
  std::vector<std::string> bodies;
  for (const geo::LngLat& p : incidents) {
    bodies.push_back(json{{"location", {p.lng, p.lat}}, {"type", "public_order"}}.dump());
  }
  (void)c.Post("/api/v1/dispatch/recommend", bodies[0]);
  std::vector<double> http;
  for (int i = 0; i < requests; ++i) {
    auto a = Steady::now();
    auto r = c.Post("/api/v1/dispatch/recommend", bodies[i % bodies.size()]);
    http.push_back(Micros(a, Steady::now()));
    if (!r.ok() || r->status != 200) {
      std::fprintf(stderr, "recommend failed: %s\n", r.ok() ? r->body.c_str() : "network");
      return 1;
    }
  }
  std::snprintf(label, sizeof label, "POST /api/v1/dispatch/recommend, %d units", units);
  Report(label, http);
  // For comparison: the same client and server answering a route between two of the points.
  std::vector<double> route;
  for (int i = 0; i < requests / 4; ++i) {
    const geo::LngLat a = incidents[i % incidents.size()],
                      b = incidents[(i + 1) % incidents.size()];
    char target[160];
    std::snprintf(target, sizeof target, "/api/v1/route?from=%.6f,%.6f&to=%.6f,%.6f", a.lng, a.lat,
                  b.lng, b.lat);
    auto t = Steady::now();
    auto r = c.Get(target);
    route.push_back(Micros(t, Steady::now()));
    if (!r.ok() || r->status != 200) return 1;
  }
  Report("GET /api/v1/route (for comparison)", route);
  (*app)->Stop();
  app->reset();
  std::filesystem::remove_all(dir);
  return 0;
}
