#include "api/webhooks.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>
#include <random>

namespace quanyu::api {

using nlohmann::json;

namespace {

std::string Hex(const unsigned char* p, size_t n) {
  static const char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(2 * n);
  for (size_t i = 0; i < n; ++i) {
    out += kDigits[p[i] >> 4];
    out += kDigits[p[i] & 15];
  }
  return out;
}

std::string RandomHex(size_t bytes) {
  std::vector<unsigned char> buf(bytes);
  if (RAND_bytes(buf.data(), static_cast<int>(bytes)) != 1) {
    throw std::runtime_error("no randomness from OpenSSL");
  }
  return Hex(buf.data(), bytes);
}

struct Url {
  bool tls = false;
  std::string host;
  uint16_t port = 80;
  std::string target = "/";
};

// scheme://host[:port][/path][?query]; host may be a bracketed IPv6 literal.
StatusOr<Url> ParseUrl(const std::string& url, const std::string& field) {
  Url u;
  std::string rest;
  auto lower = [](std::string s) {
    for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
  };
  const size_t sep = url.find("://");
  if (sep == std::string::npos) {
    return InvalidArgument(field, "must be an http:// or https:// URL");
  }
  const std::string scheme = lower(url.substr(0, sep));
  if (scheme == "http") {
    u.tls = false;
    u.port = 80;
  } else if (scheme == "https") {
    u.tls = true;
    u.port = 443;
  } else {
    return InvalidArgument(field, "scheme must be http or https, not \"" + scheme + "\"");
  }
  rest = url.substr(sep + 3);
  for (char c : url) {
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7F) {
      return InvalidArgument(field, "must not contain spaces or control characters");
    }
  }
  if (url.find('#') != std::string::npos) {
    return InvalidArgument(field, "must not have a fragment (#...)");
  }
  const size_t path_at = rest.find_first_of("/?");
  std::string authority = rest.substr(0, path_at);
  if (path_at != std::string::npos) {
    u.target = rest.substr(path_at);
    if (u.target[0] == '?') u.target.insert(0, "/");
  }
  if (authority.find('@') != std::string::npos) {
    return InvalidArgument(field, "must not carry a user name or password; use the secret");
  }
  std::string port_text;
  if (!authority.empty() && authority[0] == '[') {
    const size_t close = authority.find(']');
    if (close == std::string::npos) return InvalidArgument(field, "unclosed '[' in the host");
    u.host = authority.substr(1, close - 1);
    std::string after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after[0] != ':') return InvalidArgument(field, "unexpected text after the host");
      port_text = after.substr(1);
      if (port_text.empty()) return InvalidArgument(field, "empty port");
    }
  } else {
    const size_t colon = authority.find(':');
    u.host = authority.substr(0, colon);
    if (colon != std::string::npos) {
      port_text = authority.substr(colon + 1);
      if (port_text.empty()) return InvalidArgument(field, "empty port");
    }
  }
  if (u.host.empty()) return InvalidArgument(field, "has no host");
  for (char c : u.host) {
    const bool ok = std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' ||
                    c == ':' || c == '_' || static_cast<unsigned char>(c) >= 0x80;
    if (!ok) return InvalidArgument(field, "host \"" + u.host + "\" is not a host name");
  }
  if (!port_text.empty()) {
    if (port_text.size() > 5 ||
        !std::all_of(port_text.begin(), port_text.end(), [](char c) { return std::isdigit(c); })) {
      return InvalidArgument(field, "port must be a number from 1 to 65535");
    }
    const int p = std::stoi(port_text);
    if (p < 1 || p > 65535) return InvalidArgument(field, "port must be a number from 1 to 65535");
    u.port = static_cast<uint16_t>(p);
  }
  return u;
}

int RetryAfterMillis(const ClientResponse& r) {
  auto it = r.headers.find("retry-after");
  if (it == r.headers.end() || it->second.empty() || it->second.size() > 9) return -1;
  if (!std::all_of(it->second.begin(), it->second.end(), [](char c) { return std::isdigit(c); })) {
    return -1;  // an HTTP date: not worth parsing, the back-off applies
  }
  return std::stoi(it->second) * 1000;
}

// --- documents ---

json HookToDoc(const Webhook& w) {
  json types = json::array();
  for (auto t : w.filter.types) types.push_back(std::string(rules::AlertTypeName(t)));
  return {{"id", w.id},
          {"url", w.url},
          {"description", w.description},
          {"format", std::string(WebhookFormatName(w.format))},
          {"filter",
           {{"types", types},
            {"min_priority", w.filter.min_priority},
            {"ring_ids", w.filter.ring_ids},
            {"agencies", w.filter.agencies}}},
          {"secret", w.secret},
          {"active", w.active},
          {"created_by", w.created_by},
          {"created", w.created},
          {"updated", w.updated}};
}

StatusOr<Webhook> HookFromDoc(const store::Document& d) {
  json j = json::parse(d.body, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return DataLoss("webhook " + d.id + " is not JSON");
  try {
    Webhook w;
    w.id = j.at("id").get<std::string>();
    w.url = j.at("url").get<std::string>();
    w.description = j.value("description", "");
    w.format = j.value("format", "json") == "cap" ? WebhookFormat::kCap : WebhookFormat::kJson;
    const json& f = j.at("filter");
    for (const auto& t : f.value("types", json::array())) {
      auto type = rules::ParseAlertType(t.get<std::string>());
      if (!type.ok()) return DataLoss("webhook " + d.id + ": " + type.status().ToString());
      w.filter.types.push_back(*type);
    }
    w.filter.min_priority = f.value("min_priority", 4);
    w.filter.ring_ids = f.value("ring_ids", std::vector<std::string>{});
    w.filter.agencies = f.value("agencies", std::vector<std::string>{});
    w.secret = j.at("secret").get<std::string>();
    w.active = j.value("active", true);
    w.created_by = j.value("created_by", "");
    w.created = j.value("created", int64_t{0});
    w.updated = j.value("updated", int64_t{0});
    return w;
  } catch (const json::exception& e) {
    return DataLoss("webhook " + d.id + ": " + e.what());
  }
}

json DeliveryToDoc(const Delivery& d) {
  return {{"id", d.id},
          {"webhook_id", d.webhook_id},
          {"event", d.event},
          {"alert_id", d.alert_id},
          {"state", std::string(DeliveryStateName(d.state))},
          {"attempts", d.attempts},
          {"last_status", d.last_status},
          {"last_error", d.last_error},
          {"created", d.created},
          {"last_attempt", d.last_attempt},
          {"next_attempt", d.next_attempt},
          {"finished", d.finished},
          {"content_type", d.content_type},
          {"body", d.body}};
}

StatusOr<Delivery> DeliveryFromDoc(const store::Document& doc) {
  json j = json::parse(doc.body, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return DataLoss("delivery " + doc.id + " is not JSON");
  try {
    Delivery d;
    d.id = j.at("id").get<std::string>();
    d.webhook_id = j.at("webhook_id").get<std::string>();
    d.event = j.value("event", "alert");
    d.alert_id = j.value("alert_id", uint64_t{0});
    const std::string state = j.value("state", "pending");
    d.state = state == "delivered"  ? DeliveryState::kDelivered
              : state == "failed"   ? DeliveryState::kFailed
              : state == "retrying" ? DeliveryState::kRetrying
                                    : DeliveryState::kPending;
    d.attempts = j.value("attempts", 0);
    d.last_status = j.value("last_status", 0);
    d.last_error = j.value("last_error", "");
    d.created = j.value("created", int64_t{0});
    d.last_attempt = j.value("last_attempt", int64_t{0});
    d.next_attempt = j.value("next_attempt", int64_t{0});
    d.finished = j.value("finished", int64_t{0});
    d.content_type = j.value("content_type", "");
    d.body = j.value("body", "");
    return d;
  } catch (const json::exception& e) {
    return DataLoss("delivery " + doc.id + ": " + e.what());
  }
}

uint64_t SeqOf(const std::string& delivery_id) {
  const size_t dot = delivery_id.rfind('.');
  if (dot == std::string::npos) return 0;
  return std::strtoull(delivery_id.c_str() + dot + 1, nullptr, 10);
}

// The sample alert a test delivery carries.
rules::Alert TestAlert(UnixMicros now) {
  rules::Alert a;
  a.id = 0;
  a.type = rules::AlertType::kListHit;
  a.rule_id = "test";
  a.priority = 4;
  a.plate = "川A00000";
  a.record_id = "test";
  a.checkpoint_id = "test";
  a.checkpoint_name = "测试卡口 (test)";
  a.position = {104.06, 30.66};
  a.pass_time = now;
  a.first_seen = now;
  a.last_seen = now;
  a.created = now;
  a.updated = now;
  a.owner_agency = "test";
  return a;
}

}  // namespace

std::string_view WebhookFormatName(WebhookFormat f) {
  return f == WebhookFormat::kCap ? "cap" : "json";
}

std::string_view DeliveryStateName(DeliveryState s) {
  switch (s) {
    case DeliveryState::kPending:
      return "pending";
    case DeliveryState::kRetrying:
      return "retrying";
    case DeliveryState::kDelivered:
      return "delivered";
    case DeliveryState::kFailed:
      return "failed";
  }
  return "pending";
}

std::chrono::milliseconds BackoffDelay(int failed_attempts, const WebhooksOptions& o, double u) {
  const int n = std::max(1, failed_attempts);
  const double base = static_cast<double>(o.backoff_base.count());
  const double cap = static_cast<double>(o.backoff_cap.count());
  const double full = std::min(cap, base * std::ldexp(1.0, std::min(n - 1, 60)));
  const double jitter = std::clamp(o.jitter, 0.0, 1.0) * std::clamp(u, 0.0, 1.0);
  return std::chrono::milliseconds(static_cast<int64_t>(full * (1.0 - jitter)));
}

bool Matches(const Webhook& w, const rules::Alert& a) {
  if (!w.active) return false;
  const WebhookFilter& f = w.filter;
  if (!f.types.empty() && std::find(f.types.begin(), f.types.end(), a.type) == f.types.end()) {
    return false;
  }
  if (a.priority > f.min_priority) return false;
  if (!f.ring_ids.empty() &&
      std::find(f.ring_ids.begin(), f.ring_ids.end(), a.ring_id) == f.ring_ids.end()) {
    return false;
  }
  if (!f.agencies.empty() &&
      std::find(f.agencies.begin(), f.agencies.end(), a.owner_agency) == f.agencies.end()) {
    return false;
  }
  return true;
}

std::string WebhookSignature(const std::string& secret, const std::string& body) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(body.data()), body.size(), mac, &len);
  return "sha256=" + Hex(mac, len);
}

std::string NewWebhookSecret() { return "whsec_" + RandomHex(24); }

Status ValidateWebhookUrl(const std::string& url, const std::string& field) {
  if (url.empty()) return InvalidArgument(field, "is required");
  if (url.size() > 2048) return InvalidArgument(field, "must be at most 2048 characters");
  return ParseUrl(url, field).status();
}

StatusOr<ClientResponse> HttpPost(const std::string& url, const std::string& body,
                                  const std::map<std::string, std::string>& headers,
                                  std::chrono::milliseconds timeout,
                                  const std::string& tls_ca_file) {
  ASSIGN_OR_RETURN(Url u, ParseUrl(url, "url"));
  ClientOptions options;
  options.tls = u.tls;
  options.tls_ca_file = tls_ca_file;
  options.timeout = timeout;
  options.user_agent = "quanyu-webhooks";
  options.body_limit = 1u << 20;
  HttpClient client(u.host, u.port, options);
  return client.Send("POST", u.target, body, headers);
}

// --- Webhooks ---

Webhooks::Webhooks(store::Store* store, const Clock* clock, WebhooksOptions options)
    : store_(store), clock_(clock), options_(std::move(options)), sender_(options_.sender) {
  Metrics& m = Metrics::Default();
  const char* help = "Webhook delivery attempts by outcome";
  delivered_ = m.GetCounter("quanyu_webhook_attempts_total", help, {{"outcome", "delivered"}});
  retried_ = m.GetCounter("quanyu_webhook_attempts_total", help, {{"outcome", "retry"}});
  failed_ = m.GetCounter("quanyu_webhook_attempts_total", help, {{"outcome", "failed"}});
  m.AddGaugeCallback(
      "quanyu_webhook_pending", "Webhook deliveries not yet delivered or failed", {},
      [this] {
        std::lock_guard lock(mu_);
        return static_cast<double>(due_.size() + inbox_.size());
      },
      this);
  if (!sender_) {
    sender_ = [ca = options_.tls_ca_file](const std::string& url, const std::string& body,
                                          const std::map<std::string, std::string>& headers,
                                          std::chrono::milliseconds timeout) {
      return HttpPost(url, body, headers, timeout, ca);
    };
  }
}

Webhooks::~Webhooks() {
  Stop();
  Metrics::Default().RemoveCallbacks(this);
}

double Webhooks::Random() {
  thread_local std::mt19937_64 rng(std::random_device{}());
  return std::uniform_real_distribution<double>(0.0, 1.0)(rng);
}

Status Webhooks::Start() {
  ASSIGN_OR_RETURN(std::vector<store::Document> hook_docs, store_->ListDocuments(kWebhookDoc));
  ASSIGN_OR_RETURN(std::vector<store::Document> delivery_docs,
                   store_->ListDocuments(kWebhookDeliveryDoc));
  std::vector<std::string> orphans;
  {
    std::lock_guard lock(mu_);
    if (running_) return Status::Ok();
    hooks_.clear();
    deliveries_.clear();
    due_.clear();
    for (const auto& d : hook_docs) {
      ASSIGN_OR_RETURN(Webhook w, HookFromDoc(d));
      hooks_[w.id] = std::move(w);
    }
    size_t resumed = 0;
    for (const auto& doc : delivery_docs) {
      ASSIGN_OR_RETURN(Delivery d, DeliveryFromDoc(doc));
      seq_ = std::max(seq_, SeqOf(d.id));
      if (hooks_.count(d.webhook_id) == 0) {
        orphans.push_back(d.id);  // its webhook was deleted while an attempt was in flight
        continue;
      }
      if (!d.finished_state()) {
        due_.emplace(d.next_attempt, d.id);
        ++resumed;
      }
      deliveries_[d.webhook_id][d.id] = std::move(d);
    }
    if (resumed > 0) spdlog::info("webhooks: resuming {} pending deliveries", resumed);
    running_ = true;
    stopping_ = false;
    for (int i = 0; i < std::max(1, options_.workers); ++i) {
      workers_.emplace_back([this] { Work(); });
    }
  }
  for (const auto& id : orphans) (void)store_->DeleteDocument(kWebhookDeliveryDoc, id);
  return Status::Ok();
}

void Webhooks::Stop() {
  std::vector<Delivery> unsaved;
  {
    std::lock_guard lock(mu_);
    if (!running_) return;
    stopping_ = true;
  }
  cv_.notify_all();
  for (auto& t : workers_) t.join();
  workers_.clear();
  {
    std::lock_guard lock(mu_);
    running_ = false;
    unsaved.assign(inbox_.begin(), inbox_.end());
    inbox_.clear();
  }
  if (!unsaved.empty()) {
    std::vector<store::Document> docs;
    for (const auto& d : unsaved) {
      docs.push_back({kWebhookDeliveryDoc, d.id, DeliveryToDoc(d).dump(), d.created});
    }
    Status st = store_->PutDocuments(docs);
    if (!st.ok()) {
      spdlog::error("webhooks: {} queued deliveries could not be saved: {}", docs.size(),
                    st.ToString());
    }
  }
}

std::string Webhooks::NextDeliveryId(const std::string& webhook_id) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%012llu", static_cast<unsigned long long>(++seq_));
  return webhook_id + "." + buf;
}

Status Webhooks::Persist(const Delivery& d) {
  Status st =
      store_->PutDocument({kWebhookDeliveryDoc, d.id, DeliveryToDoc(d).dump(), clock_->Now()});
  if (!st.ok()) spdlog::error("webhooks: delivery {} not saved: {}", d.id, st.ToString());
  return st;
}

namespace {

Status ValidateHook(const Webhook& w) {
  RETURN_IF_ERROR(ValidateWebhookUrl(w.url, "url"));
  if (w.secret.size() < 16) return InvalidArgument("secret", "must be at least 16 characters");
  if (w.secret.size() > 256) return InvalidArgument("secret", "must be at most 256 characters");
  if (w.filter.min_priority < rules::kHighestPriority ||
      w.filter.min_priority > rules::kLowestPriority) {
    return InvalidArgument("filter.min_priority", "must be 1 (highest) to 4 (lowest)");
  }
  if (w.description.size() > 1000) {
    return InvalidArgument("description", "must be at most 1000 bytes");
  }
  return Status::Ok();
}

}  // namespace

StatusOr<Webhook> Webhooks::Create(Webhook w, const std::string& actor) {
  if (w.secret.empty()) w.secret = NewWebhookSecret();
  RETURN_IF_ERROR(ValidateHook(w));
  w.id = "wh-" + RandomHex(8);
  w.created_by = actor;
  w.created = w.updated = clock_->Now();
  RETURN_IF_ERROR(store_->CreateDocument({kWebhookDoc, w.id, HookToDoc(w).dump(), w.updated}));
  std::lock_guard lock(mu_);
  hooks_[w.id] = w;
  return w;
}

StatusOr<Webhook> Webhooks::Update(Webhook w) {
  RETURN_IF_ERROR(ValidateHook(w));
  std::lock_guard lock(mu_);
  auto it = hooks_.find(w.id);
  if (it == hooks_.end()) return NotFound("no webhook " + w.id);
  w.created = it->second.created;
  w.created_by = it->second.created_by;
  w.updated = clock_->Now();
  RETURN_IF_ERROR(store_->PutDocument({kWebhookDoc, w.id, HookToDoc(w).dump(), w.updated}));
  it->second = w;
  return w;
}

StatusOr<Webhook> Webhooks::Get(const std::string& id) const {
  std::lock_guard lock(mu_);
  auto it = hooks_.find(id);
  if (it == hooks_.end()) return NotFound("no webhook " + id);
  return it->second;
}

std::vector<Webhook> Webhooks::List() const {
  std::lock_guard lock(mu_);
  std::vector<Webhook> out;
  for (const auto& [id, w] : hooks_) out.push_back(w);
  return out;
}

Status Webhooks::Delete(const std::string& id) {
  std::vector<std::string> ids;
  {
    std::lock_guard lock(mu_);
    if (hooks_.erase(id) == 0) return NotFound("no webhook " + id);
    for (const auto& [did, d] : deliveries_[id]) ids.push_back(did);
    deliveries_.erase(id);
    for (auto it = due_.begin(); it != due_.end();) {
      it = it->second.rfind(id + ".", 0) == 0 ? due_.erase(it) : std::next(it);
    }
    std::erase_if(inbox_, [&](const Delivery& d) { return d.webhook_id == id; });
  }
  RETURN_IF_ERROR(store_->DeleteDocument(kWebhookDoc, id).status());
  for (const auto& did : ids) (void)store_->DeleteDocument(kWebhookDeliveryDoc, did);
  return Status::Ok();
}

size_t Webhooks::Publish(const rules::Alert& alert, const std::string& json_body) {
  const UnixMicros now = clock_->Now();
  std::string cap;  // made once, for every CAP webhook
  size_t queued = 0;
  {
    std::lock_guard lock(mu_);
    for (const auto& [id, w] : hooks_) {
      if (!Matches(w, alert)) continue;
      Delivery d;
      d.id = NextDeliveryId(id);
      d.webhook_id = id;
      d.alert_id = alert.id;
      d.created = now;
      d.next_attempt = now;
      if (w.format == WebhookFormat::kCap) {
        if (cap.empty()) cap = rules::AlertToCap(alert, options_.cap);
        d.content_type = "application/cap+xml; charset=utf-8";
        d.body = cap;
      } else {
        d.content_type = "application/json";
        d.body = json_body;
      }
      deliveries_[id][d.id] = d;
      inbox_.push_back(std::move(d));
      ++queued;
    }
  }
  if (queued > 0) cv_.notify_one();
  return queued;
}

Delivery Webhooks::Attempt(Delivery d, const Webhook& w) {
  const bool retry = d.event != "test";
  std::map<std::string, std::string> headers = {
      {"Content-Type", d.content_type},
      {"X-Quanyu-Signature", WebhookSignature(w.secret, d.body)},
      {"X-Quanyu-Event", d.event},
      {"X-Quanyu-Delivery", d.id},
      {"X-Quanyu-Webhook", w.id}};
  d.attempts++;
  d.last_attempt = clock_->Now();
  StatusOr<ClientResponse> r = sender_(w.url, d.body, headers, options_.timeout);
  const UnixMicros now = clock_->Now();
  bool retryable = true;
  int retry_after = -1;
  if (r.ok()) {
    d.last_status = r->status;
    if (r->status >= 200 && r->status < 300) {
      d.state = DeliveryState::kDelivered;
      d.last_error.clear();
      d.finished = now;
      d.next_attempt = 0;
      d.body.clear();
      delivered_->Inc();
      (void)Persist(d);
      return d;
    }
    retryable = r->status == 408 || r->status == 429 || r->status >= 500;
    retry_after = RetryAfterMillis(*r);
    std::string answer = r->body.substr(0, 200);
    d.last_error = "HTTP " + std::to_string(r->status) + (answer.empty() ? "" : ": " + answer);
  } else {
    d.last_status = 0;
    d.last_error = r.status().message();
  }
  if (retry && retryable && d.attempts < options_.max_attempts) {
    d.state = DeliveryState::kRetrying;
    retried_->Inc();
    auto delay = BackoffDelay(d.attempts, options_, Random());
    if (retry_after >= 0) {
      delay = std::min(std::chrono::milliseconds(retry_after), options_.backoff_cap);
    }
    d.next_attempt = now + std::chrono::duration_cast<std::chrono::microseconds>(delay).count();
  } else {
    d.state = DeliveryState::kFailed;
    failed_->Inc();
    if (retry && retryable) {
      d.last_error = "gave up after " + std::to_string(d.attempts) + " attempts: " + d.last_error;
    }
    d.finished = now;
    d.next_attempt = 0;
    d.body.clear();
  }
  (void)Persist(d);
  return d;
}

std::vector<std::string> Webhooks::Trim(const std::string& webhook_id) {
  std::vector<std::string> removed;
  auto it = deliveries_.find(webhook_id);
  if (it == deliveries_.end()) return removed;
  size_t finished = 0;
  for (const auto& [id, d] : it->second) finished += d.finished_state() ? 1 : 0;
  for (auto d = it->second.begin(); d != it->second.end() && finished > options_.history_limit;) {
    if (d->second.finished_state()) {
      removed.push_back(d->first);
      d = it->second.erase(d);
      --finished;
    } else {
      ++d;
    }
  }
  return removed;
}

void Webhooks::Work() {
  std::unique_lock lock(mu_);
  while (!stopping_) {
    if (!inbox_.empty()) {
      std::vector<Delivery> batch(inbox_.begin(), inbox_.end());
      inbox_.clear();
      lock.unlock();
      std::vector<store::Document> docs;
      for (const auto& d : batch) {
        docs.push_back({kWebhookDeliveryDoc, d.id, DeliveryToDoc(d).dump(), d.created});
      }
      Status st = store_->PutDocuments(docs);
      if (!st.ok()) spdlog::error("webhooks: deliveries not saved: {}", st.ToString());
      lock.lock();
      for (const auto& d : batch) {
        if (hooks_.count(d.webhook_id) > 0) due_.emplace(d.next_attempt, d.id);
      }
      cv_.notify_all();
      continue;
    }
    if (due_.empty()) {
      cv_.wait(lock);
      continue;
    }
    const UnixMicros now = clock_->Now();
    auto first = due_.begin();
    if (first->first > now) {
      cv_.wait_for(lock, std::chrono::microseconds(first->first - now));
      continue;
    }
    const std::string id = first->second;
    due_.erase(first);
    const std::string webhook_id = id.substr(0, id.rfind('.'));
    auto hook = hooks_.find(webhook_id);
    auto hd = deliveries_.find(webhook_id);
    if (hook == hooks_.end() || hd == deliveries_.end()) continue;
    auto d = hd->second.find(id);
    if (d == hd->second.end()) continue;
    Delivery copy = d->second;
    Webhook w = hook->second;
    lock.unlock();
    Delivery after = Attempt(std::move(copy), w);
    std::vector<std::string> trimmed;
    bool orphaned = false;
    lock.lock();
    hd = deliveries_.find(webhook_id);
    if (hooks_.count(webhook_id) == 0 || hd == deliveries_.end() || hd->second.count(id) == 0) {
      orphaned = true;  // deleted while the attempt was in flight
    } else {
      if (!after.finished_state()) due_.emplace(after.next_attempt, id);
      hd->second[id] = std::move(after);
      trimmed = Trim(webhook_id);
    }
    if (orphaned || !trimmed.empty()) {
      lock.unlock();
      if (orphaned) (void)store_->DeleteDocument(kWebhookDeliveryDoc, id);
      for (const auto& t : trimmed) (void)store_->DeleteDocument(kWebhookDeliveryDoc, t);
      lock.lock();
    }
  }
}

StatusOr<Delivery> Webhooks::SendTest(const std::string& id) {
  Webhook w;
  Delivery d;
  const UnixMicros now = clock_->Now();
  const rules::Alert sample = TestAlert(now);
  {
    std::lock_guard lock(mu_);
    auto it = hooks_.find(id);
    if (it == hooks_.end()) return NotFound("no webhook " + id);
    w = it->second;
    d.id = NextDeliveryId(id);
  }
  d.webhook_id = id;
  d.event = "test";
  d.created = now;
  if (w.format == WebhookFormat::kCap) {
    rules::CapOptions cap = options_.cap;
    cap.status = rules::CapStatus::kTest;
    d.content_type = "application/cap+xml; charset=utf-8";
    d.body = rules::AlertToCap(sample, cap);
  } else {
    json j = rules::AlertToJson(sample, options_.cap.offset_seconds);
    j["test"] = true;
    d.content_type = "application/json";
    d.body = j.dump();
  }
  Delivery after = Attempt(std::move(d), w);
  std::vector<std::string> trimmed;
  {
    std::lock_guard lock(mu_);
    if (hooks_.count(id) > 0) {
      deliveries_[id][after.id] = after;
      trimmed = Trim(id);
    }
  }
  for (const auto& t : trimmed) (void)store_->DeleteDocument(kWebhookDeliveryDoc, t);
  return after;
}

StatusOr<std::vector<Delivery>> Webhooks::Deliveries(const std::string& webhook_id,
                                                     size_t limit) const {
  std::lock_guard lock(mu_);
  if (hooks_.count(webhook_id) == 0) return NotFound("no webhook " + webhook_id);
  std::vector<Delivery> out;
  auto it = deliveries_.find(webhook_id);
  if (it == deliveries_.end()) return out;
  for (auto d = it->second.rbegin(); d != it->second.rend() && out.size() < limit; ++d) {
    out.push_back(d->second);
  }
  return out;
}

}  // namespace quanyu::api
