#include "api/app.h"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <filesystem>
#include <thread>

#include "api/access.h"
#include "api/alerting.h"
#include "api/device_sessions.h"
#include "api/digest_auth.h"
#include "api/handlers.h"
#include "api/stream.h"
#include "bus/event_log.h"
#include "core/time_format.h"
#include "govern/audit.h"
#include "ingest/pipeline.h"
#include "places/place.h"
#include "rings/ring_service.h"
#include "roads/basemap.h"
#include "roads/network.h"
#include "rules/alert_lists.h"
#include "rules/alerts.h"
#include "store/store.h"

namespace quanyu::api {

std::string StoreUrlFor(const std::string& data_dir) {
  return "sqlite:" + (std::filesystem::path(data_dir) / "quanyu.db").string();
}

StatusOr<std::unique_ptr<store::Store>> OpenStore(const std::string& data_dir) {
  store::StoreOptions so;
  so.url = StoreUrlFor(data_dir);
  return store::Store::Open(so);
}

StatusOr<std::unique_ptr<DataDirLock>> DataDirLock::Acquire(const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return Unavailable("cannot create data directory " + dir + ": " + ec.message());
  std::string path = (std::filesystem::path(dir) / "LOCK").string();
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return Unavailable("cannot open " + path + ": " + std::strerror(errno));
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    ::close(fd);
    return FailedPrecondition("data directory " + dir +
                              " is in use by another quanyu process (a running server?); stop it "
                              "or use the HTTP API");
  }
  return std::unique_ptr<DataDirLock>(new DataDirLock(fd));
}

DataDirLock::~DataDirLock() {
  ::flock(fd_, LOCK_UN);
  ::close(fd_);
}

struct App::Impl {
  AppOptions options;
  std::unique_ptr<DataDirLock> lock;
  std::unique_ptr<store::Store> store;
  std::unique_ptr<bus::EventLog> log;
  std::unique_ptr<ingest::Pipeline> pipeline;
  std::unique_ptr<govern::Accounts> accounts;
  std::unique_ptr<govern::AuditLog> audit;
  std::unique_ptr<govern::RetentionJob> retention;
  std::unique_ptr<rules::AlertLists> alert_lists;
  std::unique_ptr<GovernedAccess> access;
  std::unique_ptr<DeviceRegistry> devices;
  std::unique_ptr<DigestVerifier> digest;
  std::unique_ptr<rules::Alerts> alerts;
  std::unique_ptr<Alerting> alerting;
  std::unique_ptr<rings::RingService> rings;
  std::unique_ptr<dispatch::DispatchService> dispatch;
  std::unique_ptr<Webhooks> webhooks;
  roads::NetworkSlot roads;  // the road network, built by road_loader after Start
  CachedBodySlot basemap;    // the command map's basemap, built by road_loader after the roads
  std::unique_ptr<StaticFiles> web;  // the front end, when options.web_dir is set
  std::thread road_loader;
  Services services;
  Router router;
  std::unique_ptr<HttpServer> server;
  StreamHub hub;
  // Publishes the "ingest" topic once a second.
  std::thread ticker;
  std::mutex tick_mu;
  std::condition_variable tick_cv;
  bool ticking = true;
  bool stopped = false;
  // Records alert-list expiries when they fall due and flushes hit counts.
  std::thread alert_timer;
  std::mutex alert_mu;
  std::condition_variable alert_cv;
  bool alert_running = true;   // guarded by alert_mu
  bool alert_changed = false;  // guarded by alert_mu: entries changed, look at NextExpiry again

  void Tick() {
    ingest::PipelineStats last = pipeline->Stats();
    std::unique_lock lock(tick_mu);
    while (ticking) {
      tick_cv.wait_for(lock, std::chrono::seconds(1));
      if (!ticking) break;
      ingest::PipelineStats now = pipeline->Stats();
      if (hub.subscribers() > 0) {
        std::string data = "{\"accepted\":" + std::to_string(now.accepted - last.accepted) +
                           ",\"duplicates\":" + std::to_string(now.duplicates - last.duplicates) +
                           ",\"rejected\":" + std::to_string(now.rejected - last.rejected) +
                           ",\"pending_store\":" + std::to_string(now.queued) + "}";
        hub.Publish("ingest", data,
                    FormatRfc3339(SystemClock::Get()->Now(), options.local_offset_seconds));
      }
      last = now;
    }
  }

  // Wakes the alert timer so that it waits for the new earliest expiry.
  void AlertListsChanged() {
    {
      std::lock_guard lock(alert_mu);
      alert_changed = true;
    }
    alert_cv.notify_all();
  }

  // The alert timer: sleeps until the earliest expiry (or the flush interval, whichever comes
  // first), records the expiries that are due in the audit log (ExpireDue), at least once a
  // minute in any case, and flushes hit counts every flush interval.
  void RunAlertTimer() {
    const Clock* clock = services.clock;
    const UnixMicros flush_every = std::max<UnixMicros>(options.alert_flush_interval, 1000);
    const auto flush_period = std::chrono::microseconds(flush_every);
    auto last_flush = std::chrono::steady_clock::now();
    auto last_expire = last_flush - std::chrono::minutes(1);  // check once at start
    bool expire_failed = false;
    std::unique_lock lock(alert_mu);
    while (alert_running) {
      UnixMicros wait = flush_every;
      if (std::optional<UnixMicros> next = alert_lists->NextExpiry(); next && !expire_failed) {
        wait = std::clamp<UnixMicros>(*next - clock->Now(), 0, wait);
      }
      alert_cv.wait_for(lock, std::chrono::microseconds(wait),
                        [this] { return !alert_running || alert_changed; });
      if (!alert_running) break;
      alert_changed = false;
      lock.unlock();
      const auto now = std::chrono::steady_clock::now();
      std::optional<UnixMicros> next = alert_lists->NextExpiry();
      if ((next && *next <= clock->Now()) || now - last_expire >= std::chrono::minutes(1)) {
        last_expire = now;
        StatusOr<size_t> expired = alert_lists->ExpireDue();
        expire_failed = !expired.ok();
        if (!expired.ok()) {
          spdlog::error("alert-list expiries could not be recorded: {}",
                        expired.status().ToString());
        } else if (*expired > 0) {
          spdlog::info("{} alert-list entries expired", *expired);
        }
      }
      if (now - last_flush >= flush_period) {
        last_flush = now;
        Status st = alert_lists->FlushHits();
        if (!st.ok()) spdlog::error("alert-list hit counts not flushed: {}", st.ToString());
      }
      lock.lock();
    }
  }
};

App::App() : impl_(std::make_unique<Impl>()) {}

App::~App() { Stop(); }

StatusOr<std::unique_ptr<App>> App::Open(const AppOptions& options) {
  std::unique_ptr<App> app(new App());
  Impl& m = *app->impl_;
  m.options = options;
  const Clock* clock = options.clock != nullptr ? options.clock : SystemClock::Get();
  ASSIGN_OR_RETURN(m.lock, DataDirLock::Acquire(options.data_dir));
  ASSIGN_OR_RETURN(m.store, OpenStore(options.data_dir));
  bus::EventLogOptions lo;
  lo.partitions = options.log_partitions;
  lo.sync = options.log_sync;
  ASSIGN_OR_RETURN(
      m.log, bus::EventLog::Open((std::filesystem::path(options.data_dir) / "log").string(), lo));
  m.accounts = std::make_unique<govern::Accounts>(m.store.get(), clock, options.auth);
  ASSIGN_OR_RETURN(m.audit, govern::AuditLog::Open(m.store.get(), clock, options.data_dir));
  // The rules stage: alert lists, the engine and the alerts it raises, fed by the pipeline.
  rules::AlertListsOptions alo;
  alo.rules.max_validity = options.alert_max_validity;
  alo.offset_seconds = options.local_offset_seconds;
  m.alert_lists = std::make_unique<rules::AlertLists>(m.store.get(), m.audit.get(), clock, alo);
  RETURN_IF_ERROR(m.alert_lists->Load());
  m.alerts = std::make_unique<rules::Alerts>(m.store.get(), m.audit.get(), clock);
  RETURN_IF_ERROR(m.alerts->Load());
  m.alerting = std::make_unique<Alerting>(m.store.get(), m.alert_lists.get(), m.alerts.get());
  RETURN_IF_ERROR(m.alerting->Load());
  // Rings and the rings each checkpoint guards: the engine reads the latest snapshot.
  ASSIGN_OR_RETURN(m.rings, rings::RingService::Open(m.store.get(), clock));
  m.alerting->SetRings(m.rings->snapshot());
  m.rings->OnChange(
      [alerting = m.alerting.get()](std::shared_ptr<const registry::RingContext> ctx) {
        alerting->SetRings(std::move(ctx));
      });
  // Units and incidents; an incident's district is the county ring holding it.
  dispatch::DispatchOptions dopt = options.dispatch;
  dopt.local_offset_seconds = options.local_offset_seconds;
  ASSIGN_OR_RETURN(m.dispatch, dispatch::DispatchService::Open(m.store.get(), clock, dopt));
  m.dispatch->set_district_locator([rings = m.rings.get()](geo::LngLat p) {
    std::shared_ptr<const registry::RingContext> ctx = rings->snapshot();
    for (const std::string& id : ctx->tree->Locate(p)) {
      const geo::Ring* r = ctx->tree->Find(id);
      if (r != nullptr && r->level == geo::RingLevel::kCounty) {
        return std::make_pair(r->id, r->name);
      }
    }
    return std::pair<std::string, std::string>();
  });
  // An incident reported by address only is placed at the known place the address names (the
  // longest name found in the text).
  m.dispatch->set_address_locator([store = m.store.get()](const std::string& text)
                                      -> std::optional<std::pair<geo::LngLat, std::string>> {
    auto all = places::LoadPlaces(store);
    if (!all.ok()) return std::nullopt;
    const places::Place* best = nullptr;
    for (const places::Place& p : *all) {
      if (p.name.size() < 6 || text.find(p.name) == std::string::npos) continue;
      if (best == nullptr || p.name.size() > best->name.size()) best = &p;
    }
    if (best == nullptr) return std::nullopt;
    return std::make_pair(best->position, best->id);
  });
  const int offset = options.local_offset_seconds;
  m.hub.EnableAlerts(
      [alerts = m.alerts.get()](const govern::Principal& who, uint64_t after, size_t limit) {
        store::AlertQuery q;
        q.after_id = after;
        q.limit = limit;
        return alerts->List(who, q);
      },
      offset);
  m.alerts->AddListener([hub = &m.hub, offset](const rules::Alert& a, bool is_new) {
    hub->PublishAlert(a, is_new, FormatRfc3339(a.updated, offset));
  });
  // Webhooks: every change of an alert goes to the matching subscriptions.
  WebhooksOptions wo = options.webhooks;
  wo.cap.offset_seconds = options.local_offset_seconds;
  m.webhooks = std::make_unique<Webhooks>(m.store.get(), clock, wo);
  RETURN_IF_ERROR(m.webhooks->Start());
  m.services.webhooks = m.webhooks.get();
  m.services.cap = wo.cap;
  m.alerts->AddListener([webhooks = m.webhooks.get(), offset](const rules::Alert& a, bool) {
    std::string text;
    rules::AppendAlertJson(a, offset, &text);
    webhooks->Publish(a, std::move(text));
  });
  ingest::PipelineOptions po;
  po.validation = options.validation;
  po.on_accepted = [alerting = m.alerting.get()](
                       std::span<const events::PassageRecord* const> records, bool recovered) {
    alerting->OnAccepted(records, recovered);
  };
  po.before_apply = [alerts = m.alerts.get()] { alerts->WaitWritten(); };
  ASSIGN_OR_RETURN(m.pipeline, ingest::Pipeline::Open(m.store.get(), m.log.get(), clock, po));
  m.retention = std::make_unique<govern::RetentionJob>(m.store.get(), m.audit.get(), clock,
                                                       options.retention);
  m.retention->AddClass("incidents", [d = m.dispatch.get()](UnixMicros cutoff) {
    return d->DropClosedIncidentsBefore(cutoff);
  });
  m.devices = std::make_unique<DeviceRegistry>(clock);
  m.digest =
      std::make_unique<DigestVerifier>(options.auth.digest_realm, DigestVerifier::NewSecret());
  m.access = std::make_unique<GovernedAccess>(
      m.accounts.get(), clock,
      [audit = m.audit.get()](store::AuditRecord r, bool wait) {
        if (wait) return audit->Append(std::move(r));
        audit->AppendAsync(std::move(r));
        return Status::Ok();
      },
      m.devices.get(), m.digest.get());
  m.services.rings = m.rings.get();
  m.services.devices = m.devices.get();
  m.services.digest = m.digest.get();
  m.router.SetAccessControl(m.access.get());
  m.services.accounts = m.accounts.get();
  m.services.store = m.store.get();
  m.services.data_dir = options.data_dir;
  m.services.pipeline = m.pipeline.get();
  m.services.clock = clock;
  m.services.metrics = &Metrics::Default();
  m.services.local_offset_seconds = options.local_offset_seconds;
  m.services.version = options.version;
  m.services.hub = &m.hub;
  m.services.alerts = m.alerts.get();
  m.services.alerting = m.alerting.get();
  m.services.alert_lists = m.alert_lists.get();
  m.services.alert_entry_rules = alo.rules;
  m.services.alert_lists_changed = [impl = &m] { impl->AlertListsChanged(); };
  m.services.roads = &m.roads;
  m.services.dispatch = m.dispatch.get();
  m.services.basemap = &m.basemap;
  m.services.notice = options.notice;
  RegisterRoutes(&m.router, &m.services);
  if (!options.web_dir.empty()) {
    ASSIGN_OR_RETURN(m.web, StaticFiles::Load(options.web_dir));
    spdlog::info("web front end: {} files, {} bytes from {}", m.web->files(), m.web->bytes(),
                 options.web_dir);
    m.router.SetFallback([web = m.web.get()](Request& req) { return web->Serve(req); });
  }
  m.server = std::make_unique<HttpServer>(&m.router, options.server);
  return app;
}

Status App::Start() {
  RETURN_IF_ERROR(impl_->server->Start());
  // The road network is built in the background: the server answers meanwhile, and routing
  // answers "still loading" until it is ready.
  const std::string network =
      (std::filesystem::path(impl_->options.data_dir) / roads::kNetworkFile).string();
  if (std::filesystem::exists(network)) {
    impl_->roads.SetLoading(network);
    impl_->road_loader = std::thread([slot = &impl_->roads, basemap = &impl_->basemap, network] {
      auto net = roads::RoadNetwork::Build(network);
      if (net.ok()) {
        const roads::GraphStats& g = (*net)->graph().stats();
        spdlog::info("road network ready: {} vertices, {} edges", g.vertices, g.edges);
        slot->Set(std::move(net).value());
      } else {
        spdlog::error("road network {} could not be built: {}", network, net.status().ToString());
        slot->SetFailed(net.status());
      }
      auto map = roads::BuildBasemap(network);
      if (!map.ok()) {
        spdlog::error("basemap of {} could not be built: {}", network, map.status().ToString());
        basemap->SetFailed(
            FailedPrecondition("the basemap could not be built: " + map.status().ToString()));
        return;
      }
      spdlog::info("basemap ready: {} roads, {} water and {} land-use features, {} bytes",
                   map->stats.roads, map->stats.waterways + map->stats.water_areas,
                   map->stats.landuse_areas, map->geojson.size());
      basemap->Set(std::make_shared<const CachedBody>(
          MakeCachedBody(std::move(map->geojson), "application/geo+json", "private, no-cache")));
    });
  } else {
    impl_->basemap.SetFailed(FailedPrecondition(
        "no road network imported, so no basemap: run quanyu import osm FILE --data DIR"));
  }
  impl_->ticker = std::thread([m = impl_.get()] { m->Tick(); });
  impl_->alert_timer = std::thread([m = impl_.get()] { m->RunAlertTimer(); });
  if (impl_->options.retention_interval > 0) {
    impl_->retention->Start(impl_->options.retention_interval);
  }
  return Status::Ok();
}

uint16_t App::port() const { return impl_->server->port(); }

govern::Accounts& App::accounts() { return *impl_->accounts; }

rules::AlertLists* App::alert_lists() { return impl_->alert_lists.get(); }
Webhooks& App::webhooks() { return *impl_->webhooks; }

void App::Stop() {
  Impl& m = *impl_;
  if (m.stopped) return;
  m.stopped = true;
  {
    std::lock_guard lock(m.tick_mu);
    m.ticking = false;
  }
  m.tick_cv.notify_all();
  if (m.ticker.joinable()) m.ticker.join();
  if (m.server) m.server->Stop();
  if (m.road_loader.joinable()) m.road_loader.join();
  {
    std::lock_guard lock(m.alert_mu);
    m.alert_running = false;
  }
  m.alert_cv.notify_all();
  if (m.alert_timer.joinable()) m.alert_timer.join();
  if (m.retention) m.retention->Stop();
  if (m.webhooks) m.webhooks->Stop();
  if (m.audit) {
    Status s = m.audit->Flush();
    if (!s.ok()) spdlog::error("audit records could not be written: {}", s.ToString());
  }
  if (m.pipeline) m.pipeline->Close();
  if (m.alerts) m.alerts->Close();  // after the pipeline, whose recovery and applier raise and wait
  if (m.alert_lists) {
    // After the pipeline, which counts the hits of the records it applies.
    Status s = m.alert_lists->FlushHits();
    if (!s.ok()) spdlog::error("alert-list hit counts could not be written: {}", s.ToString());
  }
  if (m.log) m.log->Close();
  spdlog::info("stopped; every acknowledged record is in the store");
}

}  // namespace quanyu::api
