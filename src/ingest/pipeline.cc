#include "ingest/pipeline.h"

#include <spdlog/spdlog.h>

#include <cstdio>
#include <nlohmann/json.hpp>

#include "core/thread.h"
#include "events/codec.h"

namespace quanyu::ingest {
namespace {

constexpr uint8_t kEntryPassage = 1;
constexpr uint8_t kEntryQuarantine = 2;
constexpr uint8_t kEntryResolution = 3;

// What a request thread keeps of its log entries between Submits (see Submit).
constexpr size_t kKeepEntriesPerThread = 2048;
constexpr size_t kKeepPayloadBytes = 16 << 10;

// A resolution is four NUL-separated fields: id, state, resolved (decimal micros), note.
std::string EncodeResolution(const store::QuarantineResolution& r) {
  std::string out = r.id;
  out += '\0';
  out += r.state;
  out += '\0';
  out += std::to_string(r.resolved);
  out += '\0';
  out += r.note;
  return out;
}

bool DecodeResolution(std::string_view in, store::QuarantineResolution* r) {
  size_t a = in.find('\0');
  if (a == std::string_view::npos) return false;
  size_t b = in.find('\0', a + 1);
  if (b == std::string_view::npos) return false;
  size_t c = in.find('\0', b + 1);
  if (c == std::string_view::npos) return false;
  r->id = std::string(in.substr(0, a));
  r->state = std::string(in.substr(a + 1, b - a - 1));
  r->resolved = std::strtoll(std::string(in.substr(b + 1, c - b - 1)).c_str(), nullptr, 10);
  r->note = std::string(in.substr(c + 1));
  return true;
}

// In memory only (the filter is rebuilt from the store at start), so any good 64-bit hash
// does; libstdc++'s reads eight bytes at a time.
uint64_t HashId(std::string_view s) { return std::hash<std::string_view>{}(s); }

events::CheckpointState ToState(registry::CheckpointStatus s) {
  switch (s) {
    case registry::CheckpointStatus::kActive:
      return events::CheckpointState::kActive;
    case registry::CheckpointStatus::kFaulty:
      return events::CheckpointState::kFaulty;
    case registry::CheckpointStatus::kRetired:
      return events::CheckpointState::kRetired;
  }
  return events::CheckpointState::kUnknown;
}

// Reload the registry from the store on an unknown checkpoint at most this often, so that
// checkpoints added by another process (quanyu import) are seen without a restart.
constexpr int64_t kReloadIntervalNanos = 5'000'000'000;
// How often the releaser makes the store durable and deletes the log segments it has applied.
constexpr std::chrono::seconds kReleaseInterval{1};

}  // namespace

std::string_view OutcomeName(Outcome o) {
  switch (o) {
    case Outcome::kAccepted:
      return "accepted";
    case Outcome::kDuplicate:
      return "duplicate";
    case Outcome::kRejected:
      return "rejected";
  }
  return "accepted";
}

Pipeline::Pipeline(store::Store* store, bus::EventLog* log, const Clock* clock,
                   PipelineOptions options, Metrics* metrics)
    : store_(store), log_(log), clock_(clock), options_(options), metrics_(metrics) {
  m_dup_ = metrics_->GetCounter("quanyu_records_duplicate_total",
                                "Passage records acknowledged as resends of a stored record");
  m_apply_seconds_ = metrics_->GetHistogram("quanyu_store_apply_seconds",
                                            "Time to apply one batch of log entries to the store",
                                            LatencyBuckets());
  m_applied_ = metrics_->GetCounter("quanyu_store_applied_entries_total",
                                    "Event-log entries applied to the store");
  metrics_->AddGaugeCallback(
      "quanyu_ingest_queue_depth", "Log entries acknowledged but not yet applied to the store", {},
      [this] {
        std::lock_guard lock(q_mu_);
        return static_cast<double>(QueuedLocked());
      },
      this);
}

StatusOr<std::unique_ptr<Pipeline>> Pipeline::Open(store::Store* store, bus::EventLog* log,
                                                   const Clock* clock, PipelineOptions options,
                                                   Metrics* metrics) {
  std::unique_ptr<Pipeline> p(new Pipeline(store, log, clock, options, metrics));
  RETURN_IF_ERROR(p->ReloadCheckpoints());
  RETURN_IF_ERROR(p->Recover());
  for (int part = 0; part < log->partitions(); ++part) {
    ASSIGN_OR_RETURN(std::unique_ptr<bus::LogTail> tail, log->Tail(part, p->applied_upto_[part]));
    p->tails_.push_back(std::move(tail));
  }
  p->applier_ = std::thread([raw = p.get()] { raw->ApplierLoop(); });
  p->releaser_ = std::thread([raw = p.get()] { raw->ReleaseLoop(); });
  return p;
}

Pipeline::~Pipeline() {
  Close();
  metrics_->RemoveCallbacks(this);
}

Status Pipeline::ReloadCheckpoints() const {
  StringMap<events::CheckpointState> fresh;
  store::CheckpointQuery q;
  q.limit = 10'000;
  for (;;) {
    ASSIGN_OR_RETURN(std::vector<registry::Checkpoint> page, store_->ListCheckpoints(q));
    for (const auto& c : page) fresh[c.id] = ToState(c.status);
    if (page.size() < q.limit) break;
    q.after_id = page.back().id;
  }
  std::unique_lock lock(cp_mu_);
  checkpoints_.swap(fresh);
  last_reload_nanos_.store(MonotonicNanos());
  return Status::Ok();
}

events::CheckpointState Pipeline::Lookup(std::string_view checkpoint_id) const {
  {
    std::shared_lock lock(cp_mu_);
    auto it = checkpoints_.find(checkpoint_id);
    if (it != checkpoints_.end()) return it->second;
  }
  int64_t now = MonotonicNanos();
  int64_t last = last_reload_nanos_.load();
  if (now - last > kReloadIntervalNanos && last_reload_nanos_.compare_exchange_strong(last, now)) {
    Status s = ReloadCheckpoints();
    if (!s.ok()) spdlog::warn("reloading checkpoints failed: {}", s.ToString());
    std::shared_lock lock(cp_mu_);
    auto it = checkpoints_.find(checkpoint_id);
    if (it != checkpoints_.end()) return it->second;
  }
  return events::CheckpointState::kUnknown;
}

void Pipeline::OnCheckpointChanged(const registry::Checkpoint& c) {
  std::unique_lock lock(cp_mu_);
  checkpoints_[c.id] = ToState(c.status);
}

void Pipeline::OnCheckpointDeleted(const std::string& id) {
  std::unique_lock lock(cp_mu_);
  checkpoints_.erase(id);
}

Status Pipeline::Recover() {
  ASSIGN_OR_RETURN(auto positions, store_->LogPositions());
  size_t replayed = 0;
  applied_upto_.assign(log_->partitions(), 0);
  for (int p = 0; p < log_->partitions(); ++p) {
    uint64_t from = positions.count(p) ? positions[p] : 0;
    applied_upto_[p] = from;
    store::ApplyBatch batch;
    size_t used = 0;
    uint64_t next = from;
    Status apply_status;
    auto flush = [&]() {
      ParkUnused(&batch, used);
      if (options_.on_accepted && !batch.passages.empty()) {
        std::vector<const events::PassageRecord*> recs;
        recs.reserve(batch.passages.size());
        for (const events::PassageRecord& r : batch.passages) recs.push_back(&r);
        options_.on_accepted(recs, /*recovered=*/true);
      }
      batch.log_positions[p] = next;
      if (options_.before_apply) options_.before_apply();
      apply_status = store_->Apply(batch);
      StartBatch(&batch, &used);
    };
    RETURN_IF_ERROR(log_->Replay(p, from, [&](uint64_t seq, const bus::LogEntry& e) {
      DecodeInto(e.type, e.payload, &batch, &used);
      next = seq + 1;
      ++replayed;
      if (used + batch.quarantine.size() + batch.resolutions.size() >= options_.apply_batch) {
        flush();
        if (!apply_status.ok()) return false;
      }
      return true;
    }));
    RETURN_IF_ERROR(apply_status);
    if (next > from) flush();
    RETURN_IF_ERROR(apply_status);
    applied_upto_[p] = next;
  }
  appended_upto_ = applied_upto_;
  if (replayed > 0) spdlog::info("replayed {} event-log entries into the store", replayed);
  // Warm the duplicate filter with the ids accepted within the window.
  UnixMicros now = clock_->Now();
  dedup_rotated_ = now;
  return store_->ForEachPassageIdSince(now - options_.dedup_window, [this](std::string_view id) {
    dedup_current_.insert(HashId(id));
  });
}

void Pipeline::StartBatch(store::ApplyBatch* batch, size_t* used) {
  batch->quarantine.clear();
  batch->resolutions.clear();
  batch->log_positions.clear();
  *used = 0;
}

void Pipeline::ParkUnused(store::ApplyBatch* batch, size_t used) {
  while (batch->passages.size() > used) {
    spare_records_.push_back(std::move(batch->passages.back()));
    batch->passages.pop_back();
  }
}

void Pipeline::DecodeInto(uint8_t type, std::string_view payload, store::ApplyBatch* batch,
                          size_t* used) {
  switch (type) {
    case kEntryPassage: {
      if (*used == batch->passages.size()) {
        if (spare_records_.empty()) {
          batch->passages.emplace_back();
        } else {
          batch->passages.push_back(std::move(spare_records_.back()));
          spare_records_.pop_back();
        }
      }
      if (events::DecodePassage(payload, &batch->passages[*used])) {
        ++*used;
        return;
      }
      break;
    }
    case kEntryQuarantine: {
      events::QuarantineEntry q;
      if (events::DecodeQuarantine(payload, &q)) {
        batch->quarantine.push_back(std::move(q));
        return;
      }
      break;
    }
    case kEntryResolution: {
      store::QuarantineResolution r;
      if (DecodeResolution(payload, &r)) {
        batch->resolutions.push_back(std::move(r));
        return;
      }
      break;
    }
    default:
      break;
  }
  spdlog::error("event-log entry of type {} ({} bytes) could not be decoded; skipped", type,
                payload.size());
}

void Pipeline::RotateDedup(UnixMicros now) {
  if (now - dedup_rotated_ > options_.dedup_window / 2) {
    dedup_previous_.swap(dedup_current_);
    dedup_current_.clear();
    dedup_rotated_ = now;
  }
}

Status Pipeline::ConfirmResends(std::span<events::ParsedItem> items,
                                std::span<const Suspect> suspects,
                                std::span<const size_t> taken_items,
                                std::vector<ItemResult>* results,
                                std::vector<uint64_t>* confirmed_new) {
  // A suspect is a duplicate if its id is stored, or was taken earlier in this same call.
  // One whose hash was still unapplied when it was seen may be a resend the applier has not
  // stored yet: wait for the applier once, then ask the store again.
  std::vector<const Suspect*> again;
  auto stored = [&](const std::string& id) -> StatusOr<bool> {
    ASSIGN_OR_RETURN(auto got, store_->GetPassage(id));
    return got.has_value();
  };
  auto taken_here = [&](const Suspect& s) {
    for (size_t t : taken_items) {
      if (t < s.item && items[t].record.id == items[s.item].record.id) return true;
    }
    return false;
  };
  for (const Suspect& s : suspects) {
    ItemResult& res = (*results)[s.item];
    ASSIGN_OR_RETURN(bool is_stored, stored(items[s.item].record.id));
    if (is_stored || taken_here(s)) {
      res.outcome = Outcome::kDuplicate;
    } else if (s.unapplied) {
      again.push_back(&s);
    } else {
      confirmed_new->push_back(s.hash);
    }
  }
  if (!again.empty()) {
    RETURN_IF_ERROR(Flush());
    for (const Suspect* s : again) {
      ASSIGN_OR_RETURN(bool is_stored, stored(items[s->item].record.id));
      if (is_stored) {
        (*results)[s->item].outcome = Outcome::kDuplicate;
      } else {
        confirmed_new->push_back(s->hash);
      }
    }
  }
  if (!confirmed_new->empty()) {
    // Another id with the same hash: taken after all.
    std::lock_guard lock(dedup_mu_);
    for (uint64_t h : *confirmed_new) unapplied_.insert(h);
  }
  return Status::Ok();
}

std::string Pipeline::NextQuarantineId(UnixMicros now) {
  char buf[48];
  std::snprintf(buf, sizeof buf, "q%016llx%06llx", static_cast<unsigned long long>(now),
                static_cast<unsigned long long>(quarantine_counter_.fetch_add(1) & 0xffffff));
  return buf;
}

Status Pipeline::Submit(events::Source source, std::span<events::ParsedItem> items,
                        std::vector<ItemResult>* results) {
  RETURN_IF_ERROR(CanTake());
  const UnixMicros now = clock_->Now();
  const events::FieldNames& names =
      source == events::Source::kGat1400 ? events::kGat1400Names : events::kApiNames;
  // The results are overwritten in place: a caller that reuses the vector reuses their strings.
  results->resize(items.size());
  const int partitions = log_->partitions();
  // This call's log entries per partition, in vectors kept per thread, so that each payload
  // reuses the storage of one before it (the applier reads the entries back from the log).
  thread_local std::vector<std::vector<bus::LogEntry>> part_entries;
  thread_local std::vector<size_t> part_used;
  if (part_entries.size() < static_cast<size_t>(partitions)) part_entries.resize(partitions);
  part_used.assign(partitions, 0);
  auto next_entry = [&](int partition, uint8_t type) -> bus::LogEntry& {
    std::vector<bus::LogEntry>& v = part_entries[partition];
    size_t& used = part_used[partition];
    if (used == v.size()) v.emplace_back();
    bus::LogEntry& e = v[used++];
    e.type = type;
    e.payload.clear();
    return e;
  };

  // Validation needs no lock.
  for (size_t i = 0; i < items.size(); ++i) {
    events::ParsedItem& item = items[i];
    ItemResult& res = (*results)[i];
    res.id = item.ok ? item.record.id : item.record_id;
    res.outcome = Outcome::kAccepted;
    if (!res.rejection.code.empty()) res.rejection = events::Rejection();
    res.quarantine_id.clear();
    if (item.ok) {
      item.record.received = now;
      if (auto rej = events::ValidatePassage(item.record, options_.validation, *this, now, names)) {
        item.ok = false;
        item.rejection = std::move(*rej);
      }
    }
  }
  // Deduplicate: under the lock, an id whose hash is new is taken; one whose hash was seen
  // before is a suspected resend (or, rarely, another id with the same hash), confirmed
  // against the store outside the lock so that a collision never drops a record.
  // Per thread, so that a batch does not allocate them anew (each grows to the batch's size).
  thread_local std::vector<uint64_t> taken_hashes, confirmed_new;
  thread_local std::vector<size_t> taken_items;
  thread_local std::vector<Suspect> suspects;
  taken_hashes.clear();
  confirmed_new.clear();
  taken_items.clear();
  suspects.clear();
  thread_local std::vector<uint64_t> hashes;
  hashes.resize(items.size());
  for (size_t i = 0; i < items.size(); ++i) {
    if (items[i].ok) hashes[i] = HashId(items[i].record.id);
  }
  {
    std::lock_guard lock(dedup_mu_);
    RotateDedup(now);
    // The filter's arrays are far larger than the cache: look a few records ahead so that
    // their misses overlap instead of following one another.
    constexpr size_t kAhead = 8;
    auto prefetch = [&](size_t j) {
      if (j >= items.size() || !items[j].ok) return;
      dedup_current_.prefetch(hashes[j]);
      dedup_previous_.prefetch(hashes[j]);
      unapplied_.prefetch(hashes[j]);
    };
    for (size_t j = 0; j < kAhead; ++j) prefetch(j);
    for (size_t i = 0; i < items.size(); ++i) {
      prefetch(i + kAhead);
      if (!items[i].ok) continue;
      const uint64_t h = hashes[i];
      if (dedup_current_.contains(h) || dedup_previous_.contains(h)) {
        suspects.push_back({i, h, unapplied_.contains(h)});
        continue;
      }
      dedup_current_.insert(h);
      unapplied_.insert(h);
      taken_hashes.push_back(h);
      taken_items.push_back(i);
    }
  }
  if (!suspects.empty()) {
    Status cs = ConfirmResends(items, suspects, taken_items, results, &confirmed_new);
    if (!cs.ok()) {
      ForgetTaken(taken_hashes, confirmed_new);
      return cs;
    }
  }
  // The rules stage runs on the accepted records before they are encoded and appended, so that
  // an alert waits neither for the encoding nor for the log's fsync; the applier cannot store a
  // record before its append, so the store's log position still only passes records whose
  // alerts are stored, and recovery after a crash re-evaluates every record whose alerts might
  // be missing. If the append fails the alerts stand (they carry their record) and the sender,
  // told of the failure, resends: the resend folds into the same alert.
  if (options_.on_accepted) {
    thread_local std::vector<const events::PassageRecord*> recs;
    recs.clear();
    for (size_t i = 0; i < items.size(); ++i) {
      if (!items[i].ok || (*results)[i].outcome == Outcome::kDuplicate) continue;
      recs.push_back(&items[i].record);
    }
    if (!recs.empty()) options_.on_accepted(recs, /*recovered=*/false);
  }
  size_t accepted = 0, rejected = 0, dups = 0;
  for (size_t i = 0; i < items.size(); ++i) {
    events::ParsedItem& item = items[i];
    ItemResult& res = (*results)[i];
    if (res.outcome == Outcome::kDuplicate) {
      ++dups;
      continue;
    }
    if (item.ok) {
      const int partition = bus::PartitionFor(
          item.record.plate.empty() ? item.record.id : item.record.plate, partitions);
      events::EncodePassage(item.record, &next_entry(partition, kEntryPassage).payload);
      res.outcome = Outcome::kAccepted;
      ++accepted;
    } else {
      events::QuarantineEntry q;
      q.id = NextQuarantineId(now);
      q.received = now;
      q.source = source;
      q.record_id = item.record_id;
      q.code = item.rejection.code;
      q.field = item.rejection.field;
      q.message = item.rejection.message;
      q.payload = std::move(item.raw);
      events::EncodeQuarantine(
          q, &next_entry(bus::PartitionFor(q.id, partitions), kEntryQuarantine).payload);
      res.outcome = Outcome::kRejected;
      res.rejection = item.rejection;
      res.quarantine_id = q.id;
      ++rejected;
      metrics_
          ->GetCounter("quanyu_records_rejected_total", "Passage records rejected to quarantine",
                       {{"source", std::string(events::SourceName(source))}, {"code", q.code}})
          ->Inc();
    }
  }
  std::vector<std::pair<int, const std::vector<bus::LogEntry>*>> batches;
  for (int p = 0; p < partitions; ++p) {
    if (part_used[p] == 0) continue;
    part_entries[p].resize(part_used[p]);
    batches.emplace_back(p, &part_entries[p]);
  }
  Status s = LogAndQueue(batches);
  // Keep per thread what usual batches need, not what a bulk load or a large quarantined
  // object once took.
  for (std::vector<bus::LogEntry>& v : part_entries) {
    if (v.size() > kKeepEntriesPerThread) {
      v.resize(kKeepEntriesPerThread);
      v.shrink_to_fit();
    }
    for (bus::LogEntry& e : v) {
      if (e.payload.capacity() > kKeepPayloadBytes) std::string().swap(e.payload);
    }
  }
  if (!s.ok()) {
    // Nothing was acknowledged: forget the ids so that a retry is not taken for a resend.
    ForgetTaken(taken_hashes, confirmed_new);
    return s;
  }
  n_accepted_ += accepted;
  n_rejected_ += rejected;
  n_dup_ += dups;
  m_dup_->Inc(dups);
  AcceptedCounter(source)->Inc(accepted);
  return Status::Ok();
}

Counter* Pipeline::AcceptedCounter(events::Source source) {
  static_assert(
      static_cast<size_t>(events::Source::kReplay) + 1 == std::tuple_size_v<decltype(m_accepted_)>,
      "one counter per events::Source");
  std::atomic<Counter*>& slot = m_accepted_[static_cast<size_t>(source)];
  Counter* c = slot.load(std::memory_order_acquire);
  if (c == nullptr) {  // two threads may both look it up: they find the same counter
    c = metrics_->GetCounter("quanyu_records_accepted_total",
                             "Passage records accepted and durable",
                             {{"source", std::string(events::SourceName(source))}});
    slot.store(c, std::memory_order_release);
  }
  return c;
}

uint64_t Pipeline::QueuedLocked() const {
  uint64_t queued = 0;
  for (size_t p = 0; p < appended_upto_.size(); ++p) {
    // A tail that found `from` released starts later: never below zero.
    if (appended_upto_[p] > applied_upto_[p]) queued += appended_upto_[p] - applied_upto_[p];
  }
  return queued;
}

Status Pipeline::CanTake() const {
  if (!accepting_.load()) return Unavailable("the ingest pipeline is shutting down");
  std::lock_guard lock(q_mu_);
  if (const uint64_t queued = QueuedLocked(); queued > options_.max_queue) {
    return ResourceExhausted("the store is behind by " + std::to_string(queued) +
                             " records; retry shortly");
  }
  return Status::Ok();
}

void Pipeline::ForgetTaken(std::span<const uint64_t> taken_hashes,
                           std::span<const uint64_t> confirmed_new) {
  std::lock_guard lock(dedup_mu_);
  for (uint64_t h : taken_hashes) {
    unapplied_.erase(h);
    dedup_current_.erase(h);
  }
  for (uint64_t h : confirmed_new) unapplied_.erase(h);  // its hash stays: another id has it
}

Status Pipeline::LogAndQueue(
    const std::vector<std::pair<int, const std::vector<bus::LogEntry>*>>& batches) {
  std::vector<uint64_t> firsts;
  Status st = log_->AppendMany(batches, &firsts);
  // What was appended is applied even when another partition failed.
  for (size_t i = 0; i < batches.size(); ++i) {
    if (firsts[i] != bus::EventLog::kNotAppended) {
      EnqueueForApply(batches[i].first, firsts[i], batches[i].second->size());
    }
  }
  return st;
}

void Pipeline::EnqueueForApply(int partition, uint64_t first, uint64_t count) {
  std::lock_guard lock(q_mu_);
  uint64_t& upto = appended_upto_[partition];
  // Appends that shared a group commit may report in any order: the end moves only forward,
  // and over the entries of the others too (all of them are durable).
  if (first + count <= upto) return;
  if (QueuedLocked() == 0) oldest_queued_ = std::chrono::steady_clock::now();
  upto = first + count;
  q_cv_.notify_one();
}

namespace {
// Hashes the applier forgets per hold of the deduplication lock.
constexpr size_t kForgetPerLock = 128;
}  // namespace

void Pipeline::ApplierLoop() {
  // Background work: what it applies is acknowledged already, and back-pressure (max_queue)
  // bounds how far behind it may fall. Requests and alert delivery go first.
  NameThisThread("qy-applier");
  LowerThisThreadPriority(kBackgroundNice);
  const size_t partitions = tails_.size();
  bool stopping = false;
  for (;;) {
    {
      std::unique_lock lock(q_mu_);
      q_cv_.wait(lock, [&] { return stopping_ || QueuedLocked() > 0; });
      if ((QueuedLocked() == 0 || applier_gave_up_) && stopping_) return;
      if (options_.apply_linger.count() > 0) {
        const uint64_t flushes = flush_requests_;
        q_cv_.wait_until(lock, oldest_queued_ + options_.apply_linger, [&] {
          return stopping_ || QueuedLocked() >= options_.apply_batch || flush_requests_ != flushes;
        });
      }
      apply_targets_ = appended_upto_;
      stopping = stopping_;
    }
    // The batch and its records are kept from one round to the next, so that decoding into
    // them reuses their strings' storage instead of allocating every record anew.
    store::ApplyBatch& batch = apply_batch_;
    size_t records = 0;
    StartBatch(&batch, &records);
    size_t entries = 0;
    Status read_status;
    // Up to apply_batch entries, read back from the log; each round starts at the next
    // partition, so that a busy one cannot starve the others.
    for (size_t n = 0; n < partitions && entries < options_.apply_batch && read_status.ok(); ++n) {
      const size_t p = (next_partition_ + n) % partitions;
      bus::LogTail& tail = *tails_[p];
      if (tail.next() >= apply_targets_[p]) continue;
      read_status =
          tail.Read(apply_targets_[p], [&](uint64_t, uint8_t type, std::string_view payload) {
            DecodeInto(type, payload, &batch, &records);
            return ++entries < options_.apply_batch;
          });
      batch.log_positions[static_cast<int>(p)] = tail.next();
    }
    next_partition_ = (next_partition_ + 1) % partitions;
    if (!read_status.ok()) {
      // Apply what was read, and try again; when closing, leave the rest to the replay of the
      // log at the next start.
      spdlog::error("reading the event log back for the store failed: {}; {}",
                    read_status.ToString(),
                    stopping ? "the rest is replayed at the next start" : "retrying");
      if (stopping) {
        std::lock_guard lock(q_mu_);
        applier_gave_up_ = true;
      } else {
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
      }
    }
    if (entries == 0) {
      SettleApplied(batch.log_positions, 0);
      if (stopping && !read_status.ok()) return;
      continue;
    }
    ParkUnused(&batch, records);
    if (options_.before_apply) options_.before_apply();
    int64_t t0 = MonotonicNanos();
    Status s = store_->Apply(batch);
    while (!s.ok()) {
      // The log still holds everything: retry, and on restart the log is replayed anyway.
      spdlog::error("applying {} entries to the store failed: {}; retrying", entries, s.ToString());
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
      s = store_->Apply(batch);
    }
    m_apply_seconds_->Observe(static_cast<double>(MonotonicNanos() - t0) / 1e9);
    m_applied_->Inc(entries);
    applied_hashes_.clear();
    for (const auto& r : batch.passages) applied_hashes_.push_back(HashId(r.id));
    // In short holds: this thread runs at a low priority, and a request that waits for the
    // lock while this thread waits for a core would wait for the whole batch.
    for (size_t i = 0; i < applied_hashes_.size(); i += kForgetPerLock) {
      const size_t end = std::min(applied_hashes_.size(), i + kForgetPerLock);
      std::lock_guard lock(dedup_mu_);
      for (size_t j = i; j < end; ++j) unapplied_.prefetch(applied_hashes_[j]);
      for (size_t j = i; j < end; ++j) unapplied_.erase(applied_hashes_[j]);
    }
    SettleApplied(batch.log_positions, entries);
    if (stopping && !read_status.ok()) return;
  }
}

void Pipeline::SettleApplied(const std::map<int, uint64_t>& positions, size_t entries) {
  {
    std::lock_guard lock(q_mu_);
    for (const auto& [partition, upto] : positions) applied_upto_[partition] = upto;
    applied_total_ += entries;
  }
  q_done_cv_.notify_all();
}

Status Pipeline::Flush() {
  std::unique_lock lock(q_mu_);
  const std::vector<uint64_t> target = appended_upto_;
  ++flush_requests_;
  q_cv_.notify_all();
  q_done_cv_.wait(lock, [&] {
    if (closed_ && (QueuedLocked() == 0 || applier_gave_up_)) return true;
    for (size_t p = 0; p < target.size(); ++p) {
      if (applied_upto_[p] < target[p]) return false;
    }
    return true;
  });
  return Status::Ok();
}

void Pipeline::Close() {
  accepting_.store(false);
  {
    std::lock_guard lock(q_mu_);
    if (closed_) return;
    stopping_ = true;
    closed_ = true;
  }
  q_cv_.notify_all();
  if (applier_.joinable()) applier_.join();
  q_done_cv_.notify_all();
  {
    std::lock_guard lock(release_mu_);
    release_stop_ = true;
  }
  release_cv_.notify_all();
  if (releaser_.joinable()) releaser_.join();
  ReleaseSynced();
}

void Pipeline::ReleaseLoop() {
  NameThisThread("qy-log-release");
  LowerThisThreadPriority(kBackgroundNice);
  std::unique_lock lock(release_mu_);
  while (!release_cv_.wait_for(lock, kReleaseInterval, [this] { return release_stop_; })) {
    lock.unlock();
    ReleaseSynced();
    lock.lock();
  }
}

void Pipeline::ReleaseSynced() {
  uint64_t applied;
  {
    std::lock_guard lock(q_mu_);
    applied = applied_total_;
  }
  if (applied == released_applied_) return;
  // The positions first, then the segments: an entry is deleted only once the store has it
  // on disk. Until SyncLogPositions, an applied batch may be only in the page cache.
  StatusOr<std::map<int, uint64_t>> positions = store_->SyncLogPositions();
  if (!positions.ok()) {
    spdlog::warn("making the store durable before releasing log segments failed: {}",
                 positions.status().ToString());
    return;
  }
  for (const auto& [partition, upto] : *positions) {
    if (partition < 0 || partition >= log_->partitions()) continue;
    Status rs = log_->Release(partition, upto);
    if (!rs.ok()) spdlog::warn("releasing log segments failed: {}", rs.ToString());
  }
  released_applied_ = applied;
}

PipelineStats Pipeline::Stats() const {
  PipelineStats s;
  s.accepted = n_accepted_.load();
  s.duplicates = n_dup_.load();
  s.rejected = n_rejected_.load();
  std::lock_guard lock(q_mu_);
  s.queued = QueuedLocked();
  s.applied = applied_total_;
  return s;
}

StatusOr<ItemResult> Pipeline::Replay(const std::string& quarantine_id,
                                      const std::optional<std::string>& corrected,
                                      const std::string& note) {
  ASSIGN_OR_RETURN(events::QuarantineEntry q, store_->GetQuarantine(quarantine_id));
  if (q.state != "open") {
    return FailedPrecondition("quarantine entry " + quarantine_id + " is already " + q.state);
  }
  std::string object = corrected.value_or(q.payload);
  events::Parser parser;
  events::ParseOptions popts;
  popts.received = clock_->Now();
  std::vector<events::ParsedItem> items;
  if (q.source == events::Source::kGat1400) {
    RETURN_IF_ERROR(parser.ParseGat1400MotorVehicles(
        "{\"MotorVehicleListObject\":{\"MotorVehicleObject\":[" + object + "]}}", popts, &items));
  } else {
    RETURN_IF_ERROR(parser.ParsePassagesJson("[" + object + "]", popts, &items));
  }
  if (items.size() != 1) {
    return InvalidArgument("record", "a replay takes exactly one record object");
  }
  const events::FieldNames& names =
      q.source == events::Source::kGat1400 ? events::kGat1400Names : events::kApiNames;
  ItemResult res;
  res.id = items[0].ok ? items[0].record.id : items[0].record_id;
  if (items[0].ok) {
    if (auto rej = events::ValidatePassage(items[0].record, options_.validation, *this,
                                           clock_->Now(), names)) {
      items[0].ok = false;
      items[0].rejection = *rej;
    }
  }
  if (!items[0].ok) {
    // Still bad: the entry stays open and nothing new is quarantined.
    res.outcome = Outcome::kRejected;
    res.rejection = items[0].rejection;
    res.quarantine_id = quarantine_id;
    return res;
  }
  std::vector<ItemResult> results;
  RETURN_IF_ERROR(Submit(q.source, items, &results));
  res = results[0];
  store::QuarantineResolution r{quarantine_id, "replayed", clock_->Now(),
                                note.empty() ? "replayed as record " + res.id : note};
  RETURN_IF_ERROR(LogResolution(r));
  RETURN_IF_ERROR(Flush());
  return res;
}

Status Pipeline::LogResolution(const store::QuarantineResolution& r) {
  const std::vector<bus::LogEntry> entries{bus::LogEntry{kEntryResolution, EncodeResolution(r)}};
  return LogAndQueue({{bus::PartitionFor(r.id, log_->partitions()), &entries}});
}

Status Pipeline::Discard(const std::string& quarantine_id, const std::string& note) {
  ASSIGN_OR_RETURN(events::QuarantineEntry q, store_->GetQuarantine(quarantine_id));
  if (q.state != "open") {
    return FailedPrecondition("quarantine entry " + quarantine_id + " is already " + q.state);
  }
  if (note.empty()) return InvalidArgument("note", "a discard needs a note saying why");
  store::QuarantineResolution r{quarantine_id, "discarded", clock_->Now(), note};
  RETURN_IF_ERROR(LogResolution(r));
  return Flush();
}

}  // namespace quanyu::ingest
