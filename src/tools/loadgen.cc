#include "tools/loadgen.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <csignal>
#include <cstring>
#include <fstream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>
#include <unordered_map>
#include <vector>

#include "api/http_client.h"
#include "api/ws_client.h"
#include "core/clock.h"
#include "core/progress.h"
#include "registry/checkpoint.h"
#include "rules/alert_csv.h"
#include "sim/traffic.h"

namespace quanyu::tools {
namespace {

// memmem, not std::string::find: find compares at every '"', and JSON is mostly quotes.
size_t CountOf(const std::string& hay, std::string_view needle) {
  size_t n = 0;
  const char* p = hay.data();
  const char* end = p + hay.size();
  while (const void* hit = memmem(p, static_cast<size_t>(end - p), needle.data(), needle.size())) {
    ++n;
    p = static_cast<const char*>(hit) + 1;
  }
  return n;
}

StatusOr<std::vector<std::string>> ActiveCheckpoints(const std::string& host, uint16_t port,
                                                     const std::string& token) {
  api::HttpClient client(host, port);
  if (!token.empty()) client.SetDefaultHeader("Authorization", "Bearer " + token);
  std::vector<std::string> ids;
  std::string after;
  for (;;) {
    ASSIGN_OR_RETURN(api::ClientResponse r,
                     client.Get("/api/v1/checkpoints?status=active&limit=10000" +
                                (after.empty() ? "" : "&after=" + after)));
    if (r.status != 200) {
      return Unavailable("listing checkpoints failed: HTTP " + std::to_string(r.status) + " " +
                         r.body);
    }
    auto j = nlohmann::json::parse(r.body, nullptr, false);
    if (j.is_discarded()) return Internal("checkpoint list is not JSON");
    for (const auto& c : j["items"]) ids.push_back(c["id"].get<std::string>());
    if (j["next_after"].is_null()) break;
    after = j["next_after"].get<std::string>();
  }
  return ids;
}

StatusOr<std::vector<std::string>> CheckpointsFromFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return InvalidArgument("checkpoints", "cannot read " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string text = ss.str();
  const bool csv = path.size() >= 4 && path.compare(path.size() - 4, 4, ".csv") == 0;
  ASSIGN_OR_RETURN(std::vector<registry::ImportRow> rows,
                   csv ? registry::ParseCheckpointsCsv(text, geo::Crs::kWgs84)
                       : registry::ParseCheckpointsGeoJson(text, geo::Crs::kWgs84));
  std::vector<std::string> ids;
  for (const auto& r : rows) {
    if (r.checkpoint.ok() && r.checkpoint->status == registry::CheckpointStatus::kActive) {
      ids.push_back(r.checkpoint->id);
    }
  }
  return ids;
}

double Percentile(const std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0;
  return sorted[std::min(sorted.size() - 1,
                         static_cast<size_t>(p * static_cast<double>(sorted.size())))];
}

StatusOr<std::string> DeviceToken(const std::string& host, uint16_t port, const std::string& device,
                                  const std::string& secret) {
  api::HttpClient client(host, port);
  ASSIGN_OR_RETURN(api::ClientResponse r,
                   client.Post("/api/v1/auth/login",
                               nlohmann::json{{"device", device}, {"secret", secret}}.dump()));
  if (r.status != 200) {
    return Unauthenticated("logging in as device " + device + " failed: HTTP " +
                           std::to_string(r.status) + " " + r.body);
  }
  return nlohmann::json::parse(r.body)["token"].get<std::string>();
}

}  // namespace

StatusOr<std::vector<std::string>> ListedPlatesFromFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return InvalidArgument("listed_plates", "cannot read " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  rules::CsvImportContext ctx;  // list and agency only satisfy validation; nothing is stored
  ctx.list_id = "loadgen";
  ctx.owner_agency = "loadgen";
  ctx.now = SystemClock::Get()->Now();
  ASSIGN_OR_RETURN(rules::AlertCsv csv, rules::ParseAlertCsv(ss.str(), ctx));
  std::vector<std::string> plates;
  for (const auto& e : csv.entries) {
    if (e.kind == rules::EntryKind::kExact) plates.push_back(e.plate);
  }
  if (plates.empty()) return InvalidArgument("listed_plates", path + " lists no exact plates");
  return plates;
}

StatusOr<LoadgenReport> RunLoadgen(const LoadgenOptions& o) {
  std::string host;
  uint16_t port = 0;
  RETURN_IF_ERROR(api::ParseHostPort(o.target, &host, &port));
  if (o.format != "gat1400" && o.format != "ndjson") {
    return InvalidArgument("format", "must be gat1400 or ndjson");
  }
  if (o.batch == 0) return InvalidArgument("batch", "must be at least 1");
  std::string token = o.token;
  if (token.empty() && !o.device.empty()) {
    ASSIGN_OR_RETURN(token, DeviceToken(host, port, o.device, o.secret));
  }
  std::vector<std::string> checkpoints;
  if (!o.checkpoints_files.empty()) {
    for (const auto& file : o.checkpoints_files) {
      ASSIGN_OR_RETURN(std::vector<std::string> ids, CheckpointsFromFile(file));
      checkpoints.insert(checkpoints.end(), ids.begin(), ids.end());
    }
  } else {
    ASSIGN_OR_RETURN(checkpoints, ActiveCheckpoints(host, port, token));
  }
  if (checkpoints.empty()) {
    return FailedPrecondition(
        "the server has no active checkpoints; import some first "
        "(quanyu import checkpoints FILE)");
  }
  std::vector<std::string> listed;
  if (!o.listed_plates_file.empty()) {
    ASSIGN_OR_RETURN(listed, ListedPlatesFromFile(o.listed_plates_file));
  }
  if (o.listed_share < 0 || o.listed_share > 1) {
    return InvalidArgument("listed_share", "must be between 0 and 1");
  }
  if (!o.alerts_token.empty() && o.records > 0) {
    return InvalidArgument("alerts_token",
                           "measuring alerts needs generated traffic (--duration), not --records");
  }
  if (!o.alerts_token.empty() && listed.empty()) {
    return InvalidArgument("listed_plates", "measuring alerts needs listed plates to send");
  }
  const bool gat = o.format == "gat1400";
  const std::string path = gat ? "/VIID/MotorVehicles" : "/api/v1/passages";
  const std::string ctype = gat ? "application/VIID+JSON" : "application/x-ndjson";

  // Pre-generated bodies: for --records, and for a bounded run at a set rate (--rate with
  // --duration, up to kMaxPregenerated records), so that generating the traffic does not take
  // the CPU the server is measured on.
  constexpr uint64_t kMaxPregenerated = 4'000'000;
  uint64_t pregenerate = o.records;
  if (pregenerate == 0 && o.rate > 0 && o.duration_seconds > 0 &&
      o.rate * o.duration_seconds <= static_cast<double>(kMaxPregenerated)) {
    pregenerate = static_cast<uint64_t>(std::ceil(o.rate * o.duration_seconds));
  }
  std::vector<std::string> bodies;
  std::vector<size_t> bodies_records;                   // records in each
  std::vector<std::vector<std::string>> bodies_listed;  // ids of the listed records of each
  if (pregenerate > 0) {
    sim::TrafficOptions to;
    to.seed = o.seed;
    to.invalid_share = o.invalid_share;
    to.run_tag = "LG" + std::to_string(SystemClock::Get()->Now() / 1000 % 100000000);
    to.listed_plates = listed;
    to.listed_share = o.listed_share;
    sim::TrafficGenerator gen(checkpoints, to);
    size_t n = (pregenerate + o.batch - 1) / o.batch;
    Progress prep("generating simulated records", pregenerate, "records");
    UnixMicros now = SystemClock::Get()->Now();
    bodies_listed.resize(n);
    for (size_t i = 0; i < n; ++i) {
      size_t k = std::min<uint64_t>(o.batch, pregenerate - i * o.batch);
      // At a set rate, pass times advance as the traffic will be sent, ending now (a vehicle
      // seen again is seen later, as the alert folding expects); else all are about now.
      UnixMicros t = now;
      if (o.records == 0) {
        t = now - static_cast<UnixMicros>((static_cast<double>(pregenerate - i * o.batch)) /
                                          o.rate * 1e6);
      }
      bodies.push_back(gat ? gen.Gat1400Body(k, t, 8 * 3600, &bodies_listed[i])
                           : gen.NdjsonBody(k, t, 8 * 3600, &bodies_listed[i]));
      bodies_records.push_back(k);
      prep.Update((i + 1) * o.batch);
    }
    prep.Finish();
  }

  // The alert watcher: record id → when its request was sent, and the latencies seen.
  std::mutex sent_mu;
  std::unordered_map<std::string, int64_t> sent_at;
  std::atomic<uint64_t> listed_sent{0}, alert_events{0};
  std::atomic<bool> senders_done{false};
  std::vector<double> alert_ms;
  std::unique_ptr<api::WsClient> alerts_ws;
  if (!o.alerts_token.empty()) {
    ASSIGN_OR_RETURN(alerts_ws,
                     api::WsClient::Connect(
                         host, port, "/api/v1/stream?topics=alert&access_token=" + o.alerts_token));
  }
  std::thread watcher;
  if (alerts_ws) {
    watcher = std::thread([&] {
      // Reads until every listed record sent has its event, or nothing comes for 5 s.
      while (!senders_done.load() || alert_events.load() < listed_sent.load()) {
        auto m = alerts_ws->Read(std::chrono::seconds(5));
        const int64_t now = MonotonicNanos();
        if (!m.ok()) break;
        auto j = nlohmann::json::parse(*m, nullptr, false);
        if (j.is_discarded() || j.value("topic", "") != "alert" || !j.contains("data")) continue;
        std::string id = j["data"].value("record_id", "");
        int64_t t = 0;
        {
          std::lock_guard lock(sent_mu);
          auto it = sent_at.find(id);
          if (it == sent_at.end()) continue;
          t = it->second;
          sent_at.erase(it);
        }
        alert_events.fetch_add(1);
        alert_ms.push_back(static_cast<double>(now - t) / 1e6);
      }
    });
  }

  std::atomic<uint64_t> next_request{0}, records{0}, requests{0}, failed{0}, accepted{0},
      rejected{0}, busy{0};
  constexpr int kBusyRetries = 100;
  constexpr auto kBusyPause = std::chrono::milliseconds(100);
  std::atomic<bool> stop{false};
  std::mutex lat_mu;
  std::vector<double> latencies_ms;
  const int64_t t0 = MonotonicNanos();
  const int64_t deadline =
      o.duration_seconds > 0 ? t0 + static_cast<int64_t>(o.duration_seconds * 1e9) : INT64_MAX;
  Progress progress(o.records > 0 ? "sending" : "sending simulated traffic", pregenerate,
                    "records");

  auto worker = [&](int index) {
    api::HttpClient client(host, port);
    if (!token.empty()) client.SetDefaultHeader("Authorization", "Bearer " + token);
    sim::TrafficOptions to;
    to.seed = o.seed * 7919 + static_cast<uint64_t>(index) + 1;
    to.invalid_share = o.invalid_share;
    to.run_tag = "SIM" + std::to_string(SystemClock::Get()->Now() / 1000 % 100000000) + "-" +
                 std::to_string(index) + "-";
    to.listed_plates = listed;
    to.listed_share = o.listed_share;
    std::vector<std::string> listed_ids;
    std::optional<sim::TrafficGenerator> gen;
    if (bodies.empty()) gen.emplace(checkpoints, to);
    std::vector<double> local;
    for (;;) {
      if (stop.load()) break;
      uint64_t k = next_request.fetch_add(1);
      if (!bodies.empty() && k >= bodies.size()) break;
      if (o.rate > 0) {
        int64_t due = t0 + static_cast<int64_t>(static_cast<double>(k * o.batch) / o.rate * 1e9);
        int64_t wait = due - MonotonicNanos();
        if (wait > 0) std::this_thread::sleep_for(std::chrono::nanoseconds(wait));
      }
      if (MonotonicNanos() > deadline) break;
      std::string generated;
      const std::string* body;
      uint64_t n = o.batch;
      listed_ids.clear();
      if (bodies.empty()) {
        UnixMicros now = SystemClock::Get()->Now();
        generated = gat ? gen->Gat1400Body(o.batch, now, 8 * 3600, &listed_ids)
                        : gen->NdjsonBody(o.batch, now, 8 * 3600, &listed_ids);
        body = &generated;
      } else {
        body = &bodies[k];
        n = bodies_records[k];
        listed_ids = bodies_listed[k];
      }
      int64_t s = MonotonicNanos();
      if (alerts_ws && !listed_ids.empty()) {
        std::lock_guard lock(sent_mu);
        for (const auto& id : listed_ids) sent_at[id] = s;
        listed_sent.fetch_add(listed_ids.size());
      }
      auto r = client.Post(path, *body, ctype);
      // Refused because the store is behind (503): sent again after a pause, as a device would
      // (same ids, so nothing is stored twice). The wait counts in the rate and the latency.
      for (int attempt = 0; attempt < kBusyRetries && r.ok() && r->status == 503; ++attempt) {
        busy.fetch_add(1);
        std::this_thread::sleep_for(kBusyPause);
        r = client.Post(path, *body, ctype);
      }
      local.push_back(static_cast<double>(MonotonicNanos() - s) / 1e6);
      requests.fetch_add(1);
      if (!r.ok() || r->status != 200) {
        failed.fetch_add(1);
        if (!r.ok()) {
          spdlog::warn("request failed: {}", r.status().ToString());
          std::this_thread::sleep_for(std::chrono::milliseconds(200));
        }
        continue;
      }
      records.fetch_add(n);
      if (gat) {
        accepted.fetch_add(CountOf(r->body, "\"StatusCode\":\"0\""));
        rejected.fetch_add(CountOf(r->body, "\"StatusCode\":\"8\""));
      } else {
        auto j = nlohmann::json::parse(r->body, nullptr, false);
        if (!j.is_discarded()) {
          accepted.fetch_add(j.value("accepted", 0) + j.value("duplicates", 0));
          rejected.fetch_add(j.value("rejected", 0));
        }
      }
      if (!o.quiet) progress.Update(records.load());
    }
    std::lock_guard lock(lat_mu);
    latencies_ms.insert(latencies_ms.end(), local.begin(), local.end());
  };
  std::vector<std::thread> threads;
  for (int i = 0; i < std::max(1, o.connections); ++i) threads.emplace_back(worker, i);
  for (auto& t : threads) t.join();
  const double seconds = static_cast<double>(MonotonicNanos() - t0) / 1e9;
  senders_done.store(true);
  if (!o.quiet) progress.Finish();
  if (watcher.joinable()) watcher.join();

  LoadgenReport rep;
  rep.seconds = seconds;
  rep.records = records.load();
  rep.requests = requests.load();
  rep.failed_requests = failed.load();
  rep.busy_resent = busy.load();
  rep.accepted = accepted.load();
  rep.rejected = rejected.load();
  std::sort(latencies_ms.begin(), latencies_ms.end());
  if (!latencies_ms.empty()) {
    rep.p50_ms = Percentile(latencies_ms, 0.50);
    rep.p99_ms = Percentile(latencies_ms, 0.99);
    rep.max_ms = latencies_ms.back();
  }
  rep.listed_sent = listed_sent.load();
  rep.alert_events = alert_events.load();
  std::sort(alert_ms.begin(), alert_ms.end());
  rep.alert_p50_ms = Percentile(alert_ms, 0.50);
  rep.alert_p90_ms = Percentile(alert_ms, 0.90);
  rep.alert_p99_ms = Percentile(alert_ms, 0.99);
  rep.alert_max_ms = alert_ms.empty() ? 0 : alert_ms.back();
  return rep;
}

}  // namespace quanyu::tools
