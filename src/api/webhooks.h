// Webhooks: alerts delivered to other systems over HTTP(S) POST, as JSON or as CAP 1.2 XML
// (rules/cap.h), signed, retried with exponential back-off, with a delivery history.
//
// Subscriptions are store documents of kind "webhook"; each names a URL, a format, filters
// (alert types, a lowest priority, rings, owner agencies) and a secret. Every delivery carries
//
//   X-Quanyu-Signature: sha256=<hex HMAC-SHA256 of the body under the webhook's secret>
//   X-Quanyu-Event: alert | test
//   X-Quanyu-Delivery: <delivery id>   (the same on every attempt: receivers deduplicate by it)
//   X-Quanyu-Webhook: <webhook id>
//
// Delivery: Publish matches an alert against the active webhooks and queues one delivery per
// match; it does no I/O and never waits for a receiver. Worker threads persist each new
// delivery (kind "webhook_delivery", with its body) before the first attempt, then POST it
// with a timeout. A 2xx answer delivers it. 408, 429, 5xx and network errors are retried after
// base·2^(n-1) (n = failed attempts so far), capped, less up to `jitter` of it at random, or
// after a Retry-After (seconds) the receiver gives, until max_attempts; any other answer
// (redirects are not followed, other 4xx) fails it at once. Every attempt updates the stored
// delivery, so the history survives a restart and deliveries still pending are resumed by
// Start. Stop persists deliveries queued but not yet written; only a process killed between
// Publish and that write loses them.
//
// History: each delivery keeps alert id, attempts, last status or error, times and state
// (pending → retrying → delivered | failed); the body is dropped once the delivery is
// finished. The newest `history_limit` finished deliveries of each webhook are kept, older
// ones removed. Deleting a webhook removes its history.
//
// The secret is needed in clear to sign, so it is stored in the webhook's document (like the
// rest of the store, protect the data directory); the API returns it only when it is made.
//
// Metrics: quanyu_webhook_attempts_total{outcome="delivered"|"retry"|"failed"} and the gauge
// quanyu_webhook_pending (deliveries not yet finished).
//
// Thread safety: all methods may be called from any thread.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "api/http_client.h"
#include "core/clock.h"
#include "core/metrics.h"
#include "core/status.h"
#include "rules/alert.h"
#include "rules/cap.h"
#include "store/store.h"

namespace quanyu::api {

inline constexpr char kWebhookDoc[] = "webhook";
inline constexpr char kWebhookDeliveryDoc[] = "webhook_delivery";

enum class WebhookFormat : uint8_t { kJson = 0, kCap = 1 };
std::string_view WebhookFormatName(WebhookFormat f);  // "json", "cap"

// Which alerts a webhook receives. Empty lists match everything.
struct WebhookFilter {
  std::vector<rules::AlertType> types;
  // The lowest priority delivered: alerts of priority 1 .. min_priority. Default: 4 (all).
  int min_priority = 4;
  std::vector<std::string> ring_ids;  // an alert without a ring does not match a ring filter
  std::vector<std::string> agencies;  // the alert's owner agency

  bool operator==(const WebhookFilter&) const = default;
};

struct Webhook {
  std::string id;  // assigned: "wh-" and 16 hex digits
  std::string url;
  std::string description;
  WebhookFormat format = WebhookFormat::kJson;
  WebhookFilter filter;
  std::string secret;  // HMAC key; at least 16 characters
  bool active = true;
  std::string created_by;  // actor
  UnixMicros created = 0;
  UnixMicros updated = 0;

  bool operator==(const Webhook&) const = default;
};

enum class DeliveryState : uint8_t { kPending = 0, kRetrying = 1, kDelivered = 2, kFailed = 3 };
std::string_view DeliveryStateName(DeliveryState s);  // "pending", "retrying", ...

struct Delivery {
  std::string id;  // "<webhook id>.<12-digit sequence>"
  std::string webhook_id;
  std::string event = "alert";  // "alert" or "test"
  uint64_t alert_id = 0;
  DeliveryState state = DeliveryState::kPending;
  int attempts = 0;
  int last_status = 0;     // HTTP status of the last answer; 0 if none
  std::string last_error;  // why the last attempt did not deliver; "" once delivered
  UnixMicros created = 0;
  UnixMicros last_attempt = 0;
  UnixMicros next_attempt = 0;  // while pending or retrying
  UnixMicros finished = 0;      // delivered or failed
  std::string content_type;
  std::string body;  // kept until finished

  bool finished_state() const {
    return state == DeliveryState::kDelivered || state == DeliveryState::kFailed;
  }
};

// One HTTP POST with a deadline. Returns the answer, or Unavailable for a network error or a
// timeout.
using WebhookSender = std::function<StatusOr<ClientResponse>(
    const std::string& url, const std::string& body,
    const std::map<std::string, std::string>& headers, std::chrono::milliseconds timeout)>;

struct WebhooksOptions {
  // Attempts per delivery, the first included. Default: 8.
  int max_attempts = 8;
  // Delay after the first failed attempt; doubles after each. Default: 1 s.
  std::chrono::milliseconds backoff_base{1000};
  // Longest delay between attempts (also bounds Retry-After). Default: 10 min.
  std::chrono::milliseconds backoff_cap{10 * 60 * 1000};
  // Each delay is shortened by a random fraction of it, up to this, so that receivers
  // recovering from an outage are not hit by every sender at once. Default: 0.2.
  double jitter = 0.2;
  // Connect + send + answer, per attempt. Default: 10 s.
  std::chrono::milliseconds timeout{10 * 1000};
  // Threads delivering. Default: 2.
  int workers = 2;
  // Finished deliveries kept per webhook. Default: 200.
  size_t history_limit = 200;
  // How alerts are written as CAP (server id, offset, ...).
  rules::CapOptions cap;
  // Trusted certificates for https receivers (PEM file). Default: the system's store.
  std::string tls_ca_file;
  // Replaces the HTTP client (tests). Default: HttpPost.
  WebhookSender sender;
};

// The delay before attempt n+1 after n failed attempts (n >= 1), given a uniform random
// u in [0, 1): min(cap, base·2^(n-1)) · (1 - jitter·u).
std::chrono::milliseconds BackoffDelay(int failed_attempts, const WebhooksOptions& options,
                                       double u);

// Whether a webhook receives the alert (active, and every filter matches).
bool Matches(const Webhook& w, const rules::Alert& a);

// "sha256=" and the lower-case hex HMAC-SHA256 of body under secret.
std::string WebhookSignature(const std::string& secret, const std::string& body);

// A new random secret: "whsec_" and 48 hex digits.
std::string NewWebhookSecret();

// Checks a URL for a webhook: http or https, a host, an optional port, no user info, no
// fragment. InvalidArgument naming `field`.
Status ValidateWebhookUrl(const std::string& url, const std::string& field = "url");

// POSTs body to an http(s) URL with a deadline covering resolve, connect, TLS, send and
// answer. Used by Webhooks unless WebhooksOptions::sender is set.
StatusOr<ClientResponse> HttpPost(const std::string& url, const std::string& body,
                                  const std::map<std::string, std::string>& headers,
                                  std::chrono::milliseconds timeout,
                                  const std::string& tls_ca_file = {});

class Webhooks {
 public:
  // REQUIRES: store and clock outlive this object.
  Webhooks(store::Store* store, const Clock* clock, WebhooksOptions options = {});
  ~Webhooks();  // Stop()
  Webhooks(const Webhooks&) = delete;
  Webhooks& operator=(const Webhooks&) = delete;

  // Loads webhooks and the delivery history, and starts the workers, which resume the
  // deliveries left pending or retrying. DataLoss for an unreadable document.
  Status Start();
  // Lets attempts in flight finish (each bounded by the timeout), persists what is queued and
  // joins the workers. Idempotent.
  void Stop();

  // Creates a webhook: assigns id, created, updated and created_by (the actor), generates the
  // secret if w.secret is empty. InvalidArgument naming "url", "secret", "filter.min_priority".
  // Returns it with its secret (the only time it is given out).
  StatusOr<Webhook> Create(Webhook w, const std::string& actor);
  // Replaces a webhook's settings (id, created, created_by are kept; updated set). NotFound.
  StatusOr<Webhook> Update(Webhook w);
  StatusOr<Webhook> Get(const std::string& id) const;
  std::vector<Webhook> List() const;
  // Removes a webhook with its history and pending deliveries. NotFound.
  Status Delete(const std::string& id);

  // Queues one delivery of the alert to every active webhook whose filters match: JSON
  // webhooks get json_body (the caller's JSON form of the alert), CAP webhooks the alert as
  // CAP. Does no I/O. Returns the number of deliveries queued.
  size_t Publish(const rules::Alert& alert, const std::string& json_body);

  // Sends a test payload (a sample alert marked as a test: "test": true in JSON, status Test
  // in CAP) once, now, and records it in the history (event "test", not retried). Returns the
  // delivery, delivered or failed. NotFound for an unknown webhook.
  StatusOr<Delivery> SendTest(const std::string& id);

  // A webhook's deliveries, newest first, at most `limit`. NotFound for an unknown webhook.
  StatusOr<std::vector<Delivery>> Deliveries(const std::string& webhook_id, size_t limit) const;

 private:
  void Work();
  // One attempt of a stored delivery; updates and persists it. Returns it.
  Delivery Attempt(Delivery d, const Webhook& w);
  Status Persist(const Delivery& d);
  // Drops the oldest finished deliveries beyond history_limit from memory and returns their
  // ids, to be deleted from the store. REQUIRES: mu_ held.
  std::vector<std::string> Trim(const std::string& webhook_id);
  std::string NextDeliveryId(const std::string& webhook_id);  // REQUIRES: mu_ held
  static double Random();                                     // uniform in [0, 1)

  store::Store* const store_;
  const Clock* const clock_;
  const WebhooksOptions options_;
  WebhookSender sender_;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool running_ = false;
  bool stopping_ = false;
  std::map<std::string, Webhook> hooks_;  // by id
  // Every delivery known, by webhook and then by id (ids sort by creation).
  std::map<std::string, std::map<std::string, Delivery>> deliveries_;
  // Deliveries waiting for an attempt: next attempt time -> delivery id.
  std::multimap<UnixMicros, std::string> due_;
  // Deliveries published but not yet persisted.
  std::deque<Delivery> inbox_;
  uint64_t seq_ = 0;
  std::vector<std::thread> workers_;
  Counter* delivered_;
  Counter* retried_;
  Counter* failed_;
};

}  // namespace quanyu::api
