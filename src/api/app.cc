#include "api/app.h"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <filesystem>
#include <thread>

#include "api/access.h"
#include "api/device_sessions.h"
#include "api/digest_auth.h"
#include "api/handlers.h"
#include "api/stream.h"
#include "bus/event_log.h"
#include "core/time_format.h"
#include "govern/audit.h"
#include "ingest/pipeline.h"
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
  std::unique_ptr<GovernedAccess> access;
  std::unique_ptr<DeviceRegistry> devices;
  std::unique_ptr<DigestVerifier> digest;
  std::unique_ptr<Webhooks> webhooks;
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
  ingest::PipelineOptions po;
  po.validation = options.validation;
  ASSIGN_OR_RETURN(m.pipeline, ingest::Pipeline::Open(m.store.get(), m.log.get(), clock, po));
  m.accounts = std::make_unique<govern::Accounts>(m.store.get(), clock, options.auth);
  ASSIGN_OR_RETURN(m.audit, govern::AuditLog::Open(m.store.get(), clock, options.data_dir));
  m.retention = std::make_unique<govern::RetentionJob>(m.store.get(), m.audit.get(), clock,
                                                       options.retention);
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
  WebhooksOptions wo = options.webhooks;
  wo.cap.offset_seconds = options.local_offset_seconds;
  m.webhooks = std::make_unique<Webhooks>(m.store.get(), clock, wo);
  RETURN_IF_ERROR(m.webhooks->Start());
  m.services.webhooks = m.webhooks.get();
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
  RegisterRoutes(&m.router, &m.services);
  m.server = std::make_unique<HttpServer>(&m.router, options.server);
  return app;
}

Status App::Start() {
  RETURN_IF_ERROR(impl_->server->Start());
  impl_->ticker = std::thread([m = impl_.get()] { m->Tick(); });
  if (impl_->options.retention_interval > 0) {
    impl_->retention->Start(impl_->options.retention_interval);
  }
  return Status::Ok();
}

uint16_t App::port() const { return impl_->server->port(); }

govern::Accounts& App::accounts() { return *impl_->accounts; }

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
  if (m.retention) m.retention->Stop();
  if (m.webhooks) m.webhooks->Stop();
  if (m.audit) {
    Status s = m.audit->Flush();
    if (!s.ok()) spdlog::error("audit records could not be written: {}", s.ToString());
  }
  if (m.pipeline) m.pipeline->Close();
  if (m.log) m.log->Close();
  spdlog::info("stopped; every acknowledged record is in the store");
}

}  // namespace quanyu::api
