#include "govern/audit.h"

#include <sodium.h>
#include <spdlog/spdlog.h>

#include <array>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <utility>
#include <vector>

#include "core/thread.h"

namespace quanyu::govern {
namespace {

namespace fs = std::filesystem;

// Bumped if the encoding ever changes, so that old and new content never hash alike.
constexpr std::string_view kContentTag = "quanyu.audit.v1";
// Records committed in one transaction at most; a larger queue is taken in several.
constexpr size_t kMaxBatch = 1024;
// How long records nobody waits for (AppendAsync) may wait for more to share their transaction.
// Under a load of many small requests each would otherwise be a transaction of its own, with
// its WAL pages and head file, which costs the server more than the request itself.
constexpr auto kLinger = std::chrono::milliseconds(5);

bool SodiumReady() {
  static const bool ready = sodium_init() >= 0;
  return ready;
}

void AppendU64(uint64_t v, std::string* out) {
  for (int shift = 56; shift >= 0; shift -= 8) {
    out->push_back(static_cast<char>((v >> shift) & 0xff));
  }
}

void AppendField(std::string_view s, std::string* out) {
  AppendU64(s.size(), out);
  out->append(s);
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;  // upper case is not canonical
}

bool IsHashHex(std::string_view s) {
  if (s.size() != 2 * crypto_hash_sha256_BYTES) return false;
  for (char c : s) {
    if (HexValue(c) < 0) return false;
  }
  return true;
}

std::string ToHex(const unsigned char* p, size_t n) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(2 * n);
  for (size_t i = 0; i < n; ++i) {
    out.push_back(kDigits[p[i] >> 4]);
    out.push_back(kDigits[p[i] & 0xf]);
  }
  return out;
}

// What the store would refuse, caught before the record is queued.
Status ValidateRecord(const store::AuditRecord& r) {
  if (r.actor.empty()) return InvalidArgument("actor", "audit record actor is empty");
  if (r.action.empty()) return InvalidArgument("action", "audit record action is empty");
  if (r.outcome != "ok" && r.outcome != "denied" && r.outcome != "error") {
    return InvalidArgument(
        "outcome",
        "audit outcome must be \"ok\", \"denied\" or \"error\", not \"" + r.outcome + "\"");
  }
  return Status::Ok();
}

std::string HeadPath(const std::string& dir) { return (fs::path(dir) / kAuditHeadFile).string(); }

}  // namespace

std::string CanonicalAuditContent(const store::AuditRecord& r) {
  std::string out;
  out.reserve(256 + r.detail.size());
  AppendField(kContentTag, &out);
  AppendU64(r.seq, &out);
  AppendU64(static_cast<uint64_t>(r.time), &out);
  for (const std::string* s : {&r.actor, &r.agency, &r.role, &r.action, &r.target, &r.purpose,
                               &r.case_no, &r.request_id, &r.outcome, &r.detail, &r.prev_hash}) {
    AppendField(*s, &out);
  }
  return out;
}

StatusOr<std::string> ComputeAuditHash(const store::AuditRecord& r) {
  if (!IsHashHex(r.prev_hash)) {
    return InvalidArgument("prev_hash", "not 64 lower-case hex digits");
  }
  if (!SodiumReady()) return Internal("libsodium failed to initialize");
  std::array<unsigned char, crypto_hash_sha256_BYTES> prev;
  for (size_t i = 0; i < prev.size(); ++i) {
    prev[i] = static_cast<unsigned char>((HexValue(r.prev_hash[2 * i]) << 4) |
                                         HexValue(r.prev_hash[2 * i + 1]));
  }
  const std::string content = CanonicalAuditContent(r);
  crypto_hash_sha256_state state;
  crypto_hash_sha256_init(&state);
  crypto_hash_sha256_update(&state, prev.data(), prev.size());
  crypto_hash_sha256_update(&state, reinterpret_cast<const unsigned char*>(content.data()),
                            content.size());
  std::array<unsigned char, crypto_hash_sha256_BYTES> digest;
  crypto_hash_sha256_final(&state, digest.data());
  return ToHex(digest.data(), digest.size());
}

StatusOr<std::optional<AuditHead>> ReadAuditHead(const std::string& dir) {
  const std::string path = HeadPath(dir);
  std::ifstream in(path);
  if (!in) {
    std::error_code ec;
    if (!fs::exists(path, ec) && !ec) return std::optional<AuditHead>();
    return Unavailable("cannot read " + path);
  }
  std::stringstream text;
  text << in.rdbuf();
  // "SEQ HASH\n"
  const std::string s = text.str();
  const size_t space = s.find(' ');
  AuditHead head;
  bool ok = space != std::string::npos && space > 0 && space <= 20 && s.size() == space + 66 &&
            s.back() == '\n';
  if (ok) {
    for (size_t i = 0; i < space && ok; ++i) {
      ok = s[i] >= '0' && s[i] <= '9';
      head.seq = head.seq * 10 + static_cast<uint64_t>(s[i] - '0');
    }
    head.hash = s.substr(space + 1, 64);
    ok = ok && IsHashHex(head.hash);
  }
  if (!ok) return DataLoss(path + " is malformed: expected \"SEQ HASH\" on one line");
  return std::optional<AuditHead>(std::move(head));
}

// --- AuditLog

StatusOr<std::unique_ptr<AuditLog>> AuditLog::Open(store::Store* store, const Clock* clock,
                                                   std::string head_dir) {
  if (!SodiumReady()) return Internal("libsodium failed to initialize");
  ASSIGN_OR_RETURN(AuditHead head, LoadHead(store));
  if (!head_dir.empty()) {
    ASSIGN_OR_RETURN(std::optional<AuditHead> file_head, ReadAuditHead(head_dir));
    if (file_head && (file_head->seq > head.seq ||
                      (file_head->seq == head.seq && file_head->hash != head.hash))) {
      return DataLoss(HeadPath(head_dir) + " records audit seq " + std::to_string(file_head->seq) +
                      " but the store's audit chain ends at seq " + std::to_string(head.seq) +
                      (file_head->seq == head.seq ? " with a different hash" : "") +
                      ": records were removed from its end (or the store lost its last commits "
                      "in a power failure). Run `quanyu audit verify`; to continue anyway, move "
                      "the head file aside, keeping it as evidence");
    }
  }
  std::unique_ptr<AuditLog> log(new AuditLog(store, clock, std::move(head_dir), head));
  if (!log->head_dir_.empty()) RETURN_IF_ERROR(log->WriteHeadFile(head));
  return log;
}

AuditLog::AuditLog(store::Store* store, const Clock* clock, std::string head_dir, AuditHead head)
    : store_(store), clock_(clock), head_dir_(std::move(head_dir)), head_(std::move(head)) {
  writer_ = std::thread([this] { WriterLoop(); });
}

AuditLog::~AuditLog() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  work_cv_.notify_one();
  writer_.join();  // the writer drains the queue before it exits
  std::lock_guard lock(mu_);
  if (!async_error_.ok()) {
    spdlog::error("audit log: records queued by AppendAsync were lost: {}",
                  async_error_.ToString());
  }
}

StatusOr<AuditHead> AuditLog::LoadHead(store::Store* store) {
  ASSIGN_OR_RETURN(std::optional<store::AuditRecord> last, store->LastAudit());
  if (last) return AuditHead{last->seq, last->hash};
  ASSIGN_OR_RETURN(std::optional<store::AuditAnchor> anchor, store->GetAuditAnchor());
  if (anchor) return AuditHead{anchor->seq, anchor->hash};
  return AuditHead{0, std::string(kGenesisHash)};
}

AuditHead AuditLog::head() const {
  std::lock_guard lock(mu_);
  return head_;
}

uint64_t AuditLog::commits() const {
  std::lock_guard lock(mu_);
  return commits_;
}

uint64_t AuditLog::Enqueue(store::AuditRecord r, Waiter* waiter) {
  std::lock_guard lock(mu_);
  queue_.push_back({std::move(r), waiter});
  if (waiter != nullptr) ++urgent_;
  // A lingering writer needs waking only to stop lingering.
  if (!lingering_ || waiter != nullptr || queue_.size() >= kMaxBatch) work_cv_.notify_one();
  return ++enqueued_;
}

Status AuditLog::Append(store::AuditRecord r) {
  RETURN_IF_ERROR(ValidateRecord(r));
  if (r.time == 0) r.time = clock_->Now();
  Waiter waiter;
  Enqueue(std::move(r), &waiter);
  std::unique_lock lock(mu_);
  done_cv_.wait(lock, [&] { return waiter.done; });
  return waiter.status;
}

void AuditLog::AppendAsync(store::AuditRecord r) {
  if (Status s = ValidateRecord(r); !s.ok()) {
    spdlog::error("audit log: dropped an invalid record (action \"{}\"): {}", r.action,
                  s.ToString());
    std::lock_guard lock(mu_);
    if (async_error_.ok()) async_error_ = s;
    return;
  }
  if (r.time == 0) r.time = clock_->Now();
  Enqueue(std::move(r), nullptr);
}

Status AuditLog::Flush() {
  std::unique_lock lock(mu_);
  const uint64_t target = enqueued_;
  ++urgent_;
  work_cv_.notify_one();
  done_cv_.wait(lock, [&] { return finished_ >= target; });
  --urgent_;
  return std::exchange(async_error_, Status::Ok());
}

void AuditLog::WriterLoop() {
  NameThisThread("qy-audit");
  std::unique_lock lock(mu_);
  while (true) {
    work_cv_.wait(lock, [this] { return stop_ || !queue_.empty(); });
    if (queue_.empty()) return;  // stop_, and nothing left to write
    if (urgent_ == 0 && !stop_ && queue_.size() < kMaxBatch) {
      lingering_ = true;
      work_cv_.wait_for(lock, kLinger,
                        [this] { return stop_ || urgent_ > 0 || queue_.size() >= kMaxBatch; });
      lingering_ = false;
    }
    std::deque<Pending> batch;
    while (!queue_.empty() && batch.size() < kMaxBatch) {
      if (queue_.front().waiter != nullptr) --urgent_;
      batch.push_back(std::move(queue_.front()));
      queue_.pop_front();
    }
    lock.unlock();
    Status s = Commit(batch);
    if (!s.ok()) {
      spdlog::error("audit log: {} records not committed: {}", batch.size(), s.ToString());
    }
    lock.lock();
    for (Pending& p : batch) {
      if (p.waiter != nullptr) {
        p.waiter->status = s;
        p.waiter->done = true;
      } else if (!s.ok() && async_error_.ok()) {
        async_error_ = s;
      }
    }
    finished_ += batch.size();
    done_cv_.notify_all();
  }
}

Status AuditLog::Commit(std::deque<Pending>& batch) {
  AuditHead head;
  {
    std::lock_guard lock(mu_);
    head = head_;
  }
  std::vector<store::AuditRecord> records;
  records.reserve(batch.size());
  Status s;
  // A second attempt only after the chain's end was reloaded (another writer appended).
  for (int attempt = 0; attempt < 2; ++attempt) {
    records.clear();
    uint64_t seq = head.seq;
    std::string prev = head.hash;
    for (const Pending& p : batch) {
      store::AuditRecord& r = records.emplace_back(p.record);
      r.seq = ++seq;
      r.prev_hash = std::move(prev);
      ASSIGN_OR_RETURN(r.hash, ComputeAuditHash(r));
      prev = r.hash;
    }
    s = store_->AppendAudit(records);
    if (s.ok()) {
      const AuditHead committed{records.back().seq, records.back().hash};
      {
        std::lock_guard lock(mu_);
        head_ = committed;
        ++commits_;
      }
      if (!head_dir_.empty()) {
        // The records are committed either way; a stale head file only weakens the check
        // for removed tail records until the next commit rewrites it.
        if (Status hs = WriteHeadFile(committed); !hs.ok()) {
          spdlog::error("audit log: {}", hs.ToString());
        }
      }
      return Status::Ok();
    }
    // The commit may or may not have happened (an I/O error at COMMIT), or another writer
    // moved the chain: continue from what the store holds.
    StatusOr<AuditHead> reloaded = LoadHead(store_);
    if (!reloaded.ok()) return s;
    head = *reloaded;
    {
      std::lock_guard lock(mu_);
      head_ = head;
    }
    if (s.code() != StatusCode::kFailedPrecondition) return s;
  }
  return s;
}

Status AuditLog::WriteHeadFile(const AuditHead& head) {
  // Written whole to a temporary file and renamed over the old one, so that a reader (or a
  // crash) sees the old head or the new one, never a mix.
  const std::string path = HeadPath(head_dir_);
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << head.seq << ' ' << head.hash << '\n';
    out.flush();
    if (!out) return Unavailable("cannot write " + tmp + ": " + std::strerror(errno));
  }
  std::error_code ec;
  fs::rename(tmp, path, ec);
  if (ec) return Unavailable("cannot replace " + path + ": " + ec.message());
  return Status::Ok();
}

// --- verification

StatusOr<VerifyReport> VerifyAudit(store::Store& store,
                                   const std::optional<AuditHead>& expected_head) {
  // The anchor and the records are read in two steps; a trim between them would look like
  // damage, so the walk is repeated if the anchor moved meanwhile.
  VerifyReport report;
  for (int attempt = 0; attempt < 3; ++attempt) {
    ASSIGN_OR_RETURN(std::optional<store::AuditAnchor> anchor, store.GetAuditAnchor());
    report = VerifyReport();
    uint64_t want_seq = anchor ? anchor->seq + 1 : 1;
    std::string want_prev = anchor ? anchor->hash : std::string(kGenesisHash);
    // The hash the chain has at the head file's seq, if the walk passes it.
    std::optional<std::string> hash_at_head;
    if (expected_head && anchor && expected_head->seq == anchor->seq) hash_at_head = anchor->hash;
    if (expected_head && !anchor && expected_head->seq == 0) hash_at_head = want_prev;

    auto broken = [&](uint64_t seq, std::string reason) {
      report.ok = false;
      report.first_broken_seq = seq;
      report.reason = std::move(reason);
    };
    const Status stop = Status(StatusCode::kFailedPrecondition, "audit verification stopped");
    Status walked = store.ForEachAudit(0, [&](const store::AuditRecord& r) -> Status {
      const bool first = report.first_seq == 0;
      const std::string seq_text = std::to_string(r.seq);
      if (r.seq != want_seq) {
        if (first) {
          broken(r.seq, "the first record has seq " + seq_text + " but the chain starts at seq " +
                            std::to_string(want_seq) +
                            (anchor ? " (after the retention anchor at seq " +
                                          std::to_string(anchor->seq) + ")"
                                    : "") +
                            ": records before it are missing");
        } else {
          broken(r.seq, "seq gap: record " + seq_text + " follows record " +
                            std::to_string(want_seq - 1) + " (records " + std::to_string(want_seq) +
                            ".." + std::to_string(r.seq - 1) + " are missing)");
        }
        return stop;
      }
      if (r.prev_hash != want_prev) {
        if (first) {
          broken(r.seq, anchor ? "prev_hash does not match the retention anchor's hash (seq " +
                                     std::to_string(anchor->seq) + ")"
                               : "prev_hash is not the genesis hash of the first record");
        } else {
          broken(r.seq, "prev_hash does not match the hash of record " + std::to_string(r.seq - 1) +
                            ": a record before it was inserted, deleted or reordered");
        }
        return stop;
      }
      StatusOr<std::string> hash = ComputeAuditHash(r);
      if (!hash.ok() || *hash != r.hash) {
        broken(r.seq, "content does not match its hash: the record was edited");
        return stop;
      }
      if (first) report.first_seq = r.seq;
      report.last_seq = r.seq;
      ++report.records_checked;
      if (expected_head && r.seq == expected_head->seq) hash_at_head = r.hash;
      ++want_seq;
      want_prev = r.hash;
      return Status::Ok();
    });
    if (!walked.ok() && walked != stop) return walked;

    if (report.ok && expected_head) {
      const uint64_t end_seq = want_seq - 1;
      if (end_seq < expected_head->seq) {
        broken(end_seq + 1, "the chain ends at seq " + std::to_string(end_seq) +
                                " but the head file records seq " +
                                std::to_string(expected_head->seq) + ": records " +
                                std::to_string(end_seq + 1) + ".." +
                                std::to_string(expected_head->seq) + " were removed from its end");
      } else if (hash_at_head && *hash_at_head != expected_head->hash) {
        broken(expected_head->seq,
               "the hash of record " + std::to_string(expected_head->seq) +
                   " does not match the head file: the chain was rewritten from there on");
      }
    }
    ASSIGN_OR_RETURN(std::optional<store::AuditAnchor> anchor_after, store.GetAuditAnchor());
    if (anchor_after == anchor) break;
  }
  return report;
}

}  // namespace quanyu::govern
