// App: one quanyu server process on the embedded default — a data directory holding the
// SQLite store (quanyu.db) and the event log (log/), the ingest pipeline, the webhook
// deliveries and the HTTP server.
// `quanyu serve` is App::Open + Start + wait for a signal + Stop; integration tests run it the
// same way in-process.
//
// The data directory is locked (DIR/LOCK, flock) while an App has it open, so two servers,
// or an import and a server, never write one directory at the same time.
#pragma once

#include <memory>
#include <string>

#include "api/http_server.h"
#include "api/webhooks.h"
#include "core/clock.h"
#include "core/status.h"
#include "dispatch/service.h"
#include "events/validator.h"
#include "govern/accounts.h"
#include "govern/retention.h"
#include "rules/alert_lists.h"
#include "store/store.h"

namespace quanyu::api {

struct AppOptions {
  std::string data_dir = "./data";
  ServerOptions server;
  // Event-log partitions: 0 for as many as the data directory has, or
  // bus::DefaultLogPartitions() for a new one. Default: 0.
  int log_partitions = 0;
  bool log_sync = true;  // fdatasync the event log. Default: true.
  events::ValidationOptions validation;
  int local_offset_seconds = 8 * 3600;
  const Clock* clock = nullptr;  // Default: the system clock.
  govern::AuthOptions auth;
  govern::RetentionPolicy retention;               // the "passages" period also bounds ingest
  UnixMicros retention_interval = kMicrosPerHour;  // 0: no background retention job
  // The longest validity window of an alert-list entry. Default: 90 days.
  UnixMicros alert_max_validity = rules::kDefaultMaxValidity;
  // How often the alert-list timer flushes hit counts to the store; it also records expiries
  // when they fall due and checks for due expiries at least once a minute. Default: 5 s.
  UnixMicros alert_flush_interval = 5 * kMicrosPerSecond;
  std::string version = "0.1.0";
  // Alert delivery to webhooks (retries, back-off, CAP form). Its CAP offset is set from
  // local_offset_seconds.
  WebhooksOptions webhooks;
  // Units and incidents: when a position is stale, status timers, walking speed.
  dispatch::DispatchOptions dispatch;
  // The built web front end served at `/` (empty: none). Start fails if it has no index.html.
  std::string web_dir;
  // A banner the front end shows (GET /api/v1/about), e.g. that the demo's traffic is simulated.
  std::string notice;
};

class App {
 public:
  static StatusOr<std::unique_ptr<App>> Open(const AppOptions& options);
  ~App();

  Status Start();  // listen and serve
  uint16_t port() const;
  // The data directory's accounts (for tests and the admin commands run in-process).
  govern::Accounts& accounts();
  // The data directory's alert lists (布控): loaded at Open, expired on time while started.
  rules::AlertLists* alert_lists();
  // The webhook service (running from Open to Stop): the rules engine publishes alerts to it.
  Webhooks& webhooks();
  // Graceful shutdown: stop accepting, answer requests in flight, apply every acknowledged
  // record to the store, flush alert-list hit counts, close the log. Idempotent.
  void Stop();

 private:
  App();
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Holds the data directory's lock for the lifetime of the object.
class DataDirLock {
 public:
  // Creates DIR if missing and takes DIR/LOCK. FailedPrecondition if another process has it.
  static StatusOr<std::unique_ptr<DataDirLock>> Acquire(const std::string& dir);
  ~DataDirLock();

 private:
  explicit DataDirLock(int fd) : fd_(fd) {}
  int fd_;
};

// The store URL of a data directory (its SQLite database), and the store opened from it.
// REQUIRES: the caller holds the directory's DataDirLock.
std::string StoreUrlFor(const std::string& data_dir);
StatusOr<std::unique_ptr<store::Store>> OpenStore(const std::string& data_dir);

}  // namespace quanyu::api
