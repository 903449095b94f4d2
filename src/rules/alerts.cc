#include "rules/alerts.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "core/thread.h"

namespace quanyu::rules {

namespace {

store::AlertRow ToRow(const Alert& a) {
  store::AlertRow r;
  r.id = a.id;
  r.created = a.created;
  r.updated = a.updated;
  r.state = std::string(AlertStateName(a.state));
  r.type = std::string(AlertTypeName(a.type));
  r.priority = a.priority;
  r.ring_id = a.ring_id;
  r.owner_agency = a.owner_agency;
  r.plate = a.plate;
  r.record_id = a.record_id;
  AppendAlertJson(a, 0, &r.body);
  return r;
}

StatusOr<Alert> FromRow(const store::AlertRow& r) {
  nlohmann::json j = nlohmann::json::parse(r.body, nullptr, false);
  if (j.is_discarded()) return DataLoss("alert " + std::to_string(r.id) + ": body is not JSON");
  auto a = AlertFromJson(j);
  if (!a.ok()) {
    return DataLoss("alert " + std::to_string(r.id) + ": " + a.status().ToString());
  }
  // Times in the body have millisecond precision; the indexed columns keep microseconds.
  a->created = r.created;
  a->updated = r.updated;
  return a;
}

}  // namespace

Alerts::Alerts(store::Store* store, govern::AuditLog* audit, const Clock* clock,
               AlertsOptions options)
    : store_(store), audit_(audit), clock_(clock), options_(options) {
  writer_ = std::thread([this] { WriterLoop(); });
}

Alerts::~Alerts() { Close(); }

void Alerts::Close() {
  {
    std::lock_guard w(w_mu_);
    if (w_stop_) return;
    w_stop_ = true;
  }
  w_work_cv_.notify_all();
  if (writer_.joinable()) writer_.join();
}

void Alerts::SetWriteFailureHandler(WriteFailureHandler handler) {
  std::lock_guard w(w_mu_);
  on_write_failure_ = std::move(handler);
}

void Alerts::WriterLoop() {
  NameThisThread("qy-alert-store");
  std::unique_lock w(w_mu_);
  for (;;) {
    w_work_cv_.wait(w, [&] { return w_stop_ || !w_queue_.empty(); });
    if (w_queue_.empty()) return;  // stopping, and everything is written
    // Everything queued goes in one transaction; a later change of an alert supersedes an
    // earlier one (each change carries the whole alert).
    std::map<uint64_t, Alert> latest;
    uint64_t changes = 0;
    while (!w_queue_.empty()) {
      for (Alert& a : w_queue_.front()) latest.insert_or_assign(a.id, std::move(a));
      w_queue_.pop_front();
      ++changes;
    }
    WriteFailureHandler on_failure = on_write_failure_;
    w.unlock();
    std::vector<const Alert*> rows;
    rows.reserve(latest.size());
    for (const auto& [id, a] : latest) rows.push_back(&a);
    Status s = Persist(rows);
    if (!s.ok()) {
      spdlog::error("{} alert(s) could not be stored: {}", rows.size(), s.ToString());
      if (on_failure) on_failure(rows.size(), s);
    }
    w.lock();
    w_done_ += changes;
    w_done_cv_.notify_all();
  }
}

void Alerts::WaitWrittenLocked(std::unique_lock<std::mutex>& w) const {
  const uint64_t target = w_queued_;
  // The writer drains the queue before it stops, so this ends after Close too.
  w_done_cv_.wait(w, [&] { return w_done_ >= target; });
}

void Alerts::WaitWritten() const {
  std::unique_lock w(w_mu_);
  WaitWrittenLocked(w);
}

Status Alerts::Load() {
  ASSIGN_OR_RETURN(uint64_t last, store_->MaxAlertId());
  std::map<uint64_t, Alert> open;
  std::unordered_map<std::string, uint64_t> fold;
  uint64_t after = 0;
  while (true) {
    store::AlertQuery q;
    q.after_id = after;
    q.states = {"new", "acknowledged", "dispatched"};
    q.limit = 10'000;
    ASSIGN_OR_RETURN(std::vector<store::AlertRow> rows, store_->ListAlerts(q));
    for (const store::AlertRow& r : rows) {
      ASSIGN_OR_RETURN(Alert a, FromRow(r));
      Trigger t;
      t.rule_id = a.rule_id;
      t.ring_id = a.ring_id;
      t.entry_id = a.entry_id;
      fold[FoldKey(a.plate, t)] = a.id;
      open.emplace(a.id, std::move(a));
      after = r.id;
    }
    if (rows.size() < q.limit) break;
  }
  // Keep the newest when there are more than the cache holds.
  while (open.size() > options_.max_cached) open.erase(open.begin());
  std::lock_guard lock(mu_);
  last_id_ = last;
  open_ = std::move(open);
  fold_ = std::move(fold);
  return Status::Ok();
}

void Alerts::AddListener(Listener listener) {
  std::lock_guard lock(mu_);
  listeners_.push_back(std::move(listener));
}

uint64_t Alerts::last_id() const {
  std::lock_guard lock(mu_);
  return last_id_;
}

std::string Alerts::FoldKey(std::string_view plate, const Trigger& t) {
  std::string k;
  k.reserve(plate.size() + t.rule_id.size() + t.ring_id.size() + t.entry_id.size() + 3);
  k.append(plate).push_back('\x1f');
  k.append(t.rule_id).push_back('\x1f');
  k.append(t.ring_id).push_back('\x1f');
  k.append(t.entry_id);
  return k;
}

Status Alerts::Persist(std::span<const Alert* const> alerts) {
  std::vector<store::AlertRow> rows;
  rows.reserve(alerts.size());
  for (const Alert* a : alerts) rows.push_back(ToRow(*a));
  return store_->PutAlerts(rows);
}

void Alerts::Remember(const Alert& a) {
  if (a.state == AlertState::kClosed) {
    open_.erase(a.id);
    return;
  }
  open_[a.id] = a;
  while (open_.size() > options_.max_cached) open_.erase(open_.begin());
}

StatusOr<std::vector<Alert>> Alerts::Raise(std::span<const Trigger> triggers,
                                           const RaiseContext& context) {
  auto checkpoints = [&](std::string_view id) -> std::optional<CheckpointInfo> {
    return context.checkpoint ? context.checkpoint(id) : std::nullopt;
  };
  const registry::RingContext* rings = context.rings;
  std::vector<Alert> out;
  if (triggers.empty()) return out;
  const UnixMicros now = clock_->Now();
  std::unique_lock lock(mu_);
  // Work on copies until every trigger is folded or raised.
  std::map<uint64_t, Alert> changed;
  std::unordered_map<std::string, uint64_t> new_keys;
  std::vector<uint64_t> order;
  std::vector<bool> is_new;
  uint64_t next_id = last_id_;
  for (const Trigger& t : triggers) {
    const events::PassageRecord& r = *t.record;
    const std::string key = FoldKey(r.plate, t);
    uint64_t id = 0;
    if (auto it = new_keys.find(key); it != new_keys.end()) {
      id = it->second;
    } else if (auto f = fold_.find(key); f != fold_.end()) {
      id = f->second;
    }
    Alert* a = nullptr;
    if (id != 0) {
      auto c = changed.find(id);
      if (c == changed.end()) {
        auto cached = FindLocked(id);
        if (cached.ok()) c = changed.emplace(id, std::move(cached).value()).first;
      }
      if (c != changed.end() && c->second.state != AlertState::kClosed &&
          r.pass_time - c->second.last_seen <= options_.fold_window &&
          c->second.first_seen - r.pass_time <= options_.fold_window) {
        a = &c->second;
      }
    }
    if (a != nullptr) {
      a->count += 1;
      if (r.pass_time >= a->last_seen) {
        a->last_seen = r.pass_time;
        a->record_id = r.id;
        a->pass_time = r.pass_time;
        if (a->checkpoint_id != r.checkpoint_id) {
          a->checkpoint_id = r.checkpoint_id;
          if (auto info = checkpoints(r.checkpoint_id)) {
            a->checkpoint_name = info->name;
            a->division_code = info->division_code;
            a->position = info->position;
          }
        }
      }
      a->first_seen = std::min(a->first_seen, r.pass_time);
      a->updated = now;
      order.push_back(a->id);
      is_new.push_back(false);
      continue;
    }
    Alert n;
    n.id = ++next_id;
    n.type = t.type;
    n.rule_id = t.rule_id;
    n.priority = t.priority;
    n.plate = r.plate;
    n.partial_read = t.partial_read;
    n.record_id = r.id;
    n.checkpoint_id = r.checkpoint_id;
    if (auto info = checkpoints(r.checkpoint_id)) {
      n.checkpoint_name = info->name;
      n.division_code = info->division_code;
      n.position = info->position;
    }
    n.pass_time = r.pass_time;
    n.list_id = t.list_id;
    n.entry_id = t.entry_id;
    n.category = t.category;
    n.owner_agency = t.owner_agency;
    n.case_no = t.case_no;
    n.ring_id = t.ring_id;
    if (rings != nullptr && !t.ring_id.empty() && rings->tree != nullptr) {
      if (const geo::Ring* ring = rings->tree->Find(t.ring_id)) n.ring_name = ring->name;
    }
    n.first_seen = n.last_seen = r.pass_time;
    n.count = 1;
    n.state = AlertState::kNew;
    n.history.push_back(AlertStep{AlertState::kNew, now, "system", "", ""});
    n.created = n.updated = now;
    new_keys[key] = n.id;
    order.push_back(n.id);
    is_new.push_back(true);
    changed.emplace(n.id, std::move(n));
  }
  // Delivered first, then queued for the writer: the store's single writer may be busy
  // applying a batch of passages for tens of milliseconds, and neither this alert nor the next
  // caller's should wait for that. The queue keeps the order of the changes (it is filled
  // under mu_), and a failed write leaves the alerts in memory, to be stored whole with their
  // next change.
  last_id_ = next_id;
  for (const auto& [key, id] : new_keys) fold_[key] = id;
  for (const auto& [id, a] : changed) Remember(a);
  out.reserve(order.size());
  for (size_t i = 0; i < order.size(); ++i) {
    const Alert& a = changed.at(order[i]);
    out.push_back(a);
    for (const Listener& l : listeners_) l(a, is_new[i]);
  }
  std::vector<Alert> write;
  write.reserve(changed.size());
  for (auto& [id, a] : changed) write.push_back(std::move(a));
  {
    std::lock_guard w(w_mu_);
    if (w_stop_) {
      spdlog::error("{} alert(s) raised after the alert service closed are not stored",
                    write.size());
      return out;
    }
    w_queue_.push_back(std::move(write));
    ++w_queued_;
  }
  w_work_cv_.notify_one();
  return out;
}

StatusOr<Alert> Alerts::Load(uint64_t id) const {
  ASSIGN_OR_RETURN(std::optional<store::AlertRow> row, store_->GetAlert(id));
  if (!row) return NotFound("alert " + std::to_string(id) + " not found");
  return FromRow(*row);
}

StatusOr<Alert> Alerts::FindLocked(uint64_t id) const {
  if (auto it = open_.find(id); it != open_.end()) return it->second;
  return Load(id);
}

bool Alerts::Visible(const govern::Principal& who, const Alert& a) {
  if (who.scope.kind == govern::ScopeKind::kAgency && who.agency != a.owner_agency) return false;
  return who.scope.districts.empty() || who.InDistrictScope(a.division_code);
}

StatusOr<Alert> Alerts::Transition(const govern::Principal& who, uint64_t id, AlertState to,
                                   const std::string& note) {
  std::lock_guard lock(mu_);
  ASSIGN_OR_RETURN(Alert a, FindLocked(id));
  if (!Visible(who, a)) {
    return PermissionDenied("alert " + std::to_string(id) + " is outside the caller's scope");
  }
  if (!CanTransition(a.state, to)) {
    return InvalidArgument("state", "alert " + std::to_string(id) + " is " +
                                        std::string(AlertStateName(a.state)) +
                                        ": it cannot become " + std::string(AlertStateName(to)));
  }
  if (to == AlertState::kClosed && note.empty()) {
    return InvalidArgument("note", "closing an alert needs a disposition note");
  }
  const UnixMicros now = clock_->Now();
  store::AuditRecord rec;
  rec.actor = who.Actor();
  rec.agency = who.agency;
  rec.role = who.role;
  rec.action = "alert." + std::string(AlertStateName(to));
  rec.target = "alert:" + std::to_string(id);
  rec.case_no = a.case_no;
  rec.outcome = "ok";
  rec.detail = note;
  RETURN_IF_ERROR(audit_->Append(std::move(rec)));
  a.state = to;
  a.history.push_back(AlertStep{to, now, who.Actor(), who.agency, note});
  a.updated = now;
  const Alert* one = &a;
  {
    // Queued changes first (the writer needs no mu_, and no Raise can queue more while mu_
    // is held), then this one, answered only once it is stored.
    std::unique_lock w(w_mu_);
    WaitWrittenLocked(w);
  }
  RETURN_IF_ERROR(Persist({&one, 1}));
  if (to == AlertState::kClosed) {
    Trigger t;
    t.rule_id = a.rule_id;
    t.ring_id = a.ring_id;
    t.entry_id = a.entry_id;
    auto f = fold_.find(FoldKey(a.plate, t));
    if (f != fold_.end() && f->second == a.id) fold_.erase(f);
  }
  Remember(a);
  for (const Listener& l : listeners_) l(a, false);
  return a;
}

StatusOr<Alert> Alerts::Get(const govern::Principal& who, uint64_t id) const {
  StatusOr<Alert> a = [&] {
    std::lock_guard lock(mu_);
    return FindLocked(id);
  }();
  if (!a.ok()) return a.status();
  if (!Visible(who, *a)) {
    return PermissionDenied("alert " + std::to_string(id) + " is outside the caller's scope");
  }
  return a;
}

StatusOr<std::vector<Alert>> Alerts::List(const govern::Principal& who, store::AlertQuery q) const {
  if (who.scope.kind == govern::ScopeKind::kAgency) q.owner_agency = who.agency;
  {
    // Alerts are delivered before they are written. Wait for the writes of every alert
    // delivered so far (a Raise queues its changes before it lets mu_ go), so that a stream
    // catching up from the store after subscribing cannot miss one delivered just before.
    std::unique_lock changes(mu_);
    std::unique_lock w(w_mu_);
    changes.unlock();
    WaitWrittenLocked(w);
  }
  ASSIGN_OR_RETURN(std::vector<store::AlertRow> rows, store_->ListAlerts(q));
  std::vector<Alert> out;
  out.reserve(rows.size());
  for (const store::AlertRow& r : rows) {
    ASSIGN_OR_RETURN(Alert a, FromRow(r));
    if (Visible(who, a)) out.push_back(std::move(a));
  }
  return out;
}

}  // namespace quanyu::rules
