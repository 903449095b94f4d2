// File-backed EventLog: segment files per partition, one group-committing writer thread per
// partition. See event_log.h for the on-disk format and the contract.
//
// Hot path: Append encodes its frames (header, CRC-32C, payload) into a buffer owned by the
// calling thread, so encoding runs on the appenders in parallel while the writer syncs; the
// writer then hands every pending buffer to one writev and one fdatasync, assigns the
// sequence numbers and wakes the waiters. No per-entry allocation or copy besides the one into
// the encode buffer.
#include "bus/event_log.h"

#include <dirent.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <limits.h>
#include <pthread.h>
#include <spdlog/spdlog.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <mutex>
#include <optional>
#include <set>
#include <system_error>
#include <thread>
#include <utility>

#include "bus/crc32c.h"
#include "core/metrics.h"

namespace quanyu::bus {
namespace {

constexpr size_t kHeaderBytes = 9;  // u32 length | u32 crc32 | u8 type
constexpr int kMaxPartitions = 1024;
constexpr int kManifestVersion = 1;
constexpr size_t kReadChunkBytes = 1 << 20;
// An appender thread keeps its encode buffer for the next call unless it grew past this.
constexpr size_t kEncodeBufferKeepBytes = 8 << 20;

void PutFixed32(char* p, uint32_t v) {
  p[0] = static_cast<char>(v);
  p[1] = static_cast<char>(v >> 8);
  p[2] = static_cast<char>(v >> 16);
  p[3] = static_cast<char>(v >> 24);
}

uint32_t GetFixed32(const char* p) {
  const auto* u = reinterpret_cast<const unsigned char*>(p);
  return static_cast<uint32_t>(u[0]) | (static_cast<uint32_t>(u[1]) << 8) |
         (static_cast<uint32_t>(u[2]) << 16) | (static_cast<uint32_t>(u[3]) << 24);
}

uint32_t FrameCrc(uint8_t type, const char* payload, size_t n) {
  return internal::Crc32cExtend(internal::Crc32cExtend(0, &type, 1), payload, n);
}

Status ErrnoError(std::string_view what, const std::string& path, int err) {
  return Internal(fmt::format("{} {}: {}", what, path,
                              std::error_code(err, std::generic_category()).message()));
}

// Owns a file descriptor.
class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  UniqueFd(UniqueFd&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
  UniqueFd& operator=(UniqueFd&& o) noexcept {
    if (this != &o) {
      Reset();
      fd_ = std::exchange(o.fd_, -1);
    }
    return *this;
  }
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd() { Reset(); }

  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  void Reset() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  int fd_ = -1;
};

Status FsyncDir(const std::string& dir) {
  UniqueFd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd.valid()) return ErrnoError("open directory", dir, errno);
  if (::fsync(fd.get()) != 0) return ErrnoError("fsync directory", dir, errno);
  return Status::Ok();
}

// Writes all of iov[0..count), retrying short writes and EINTR. Modifies the iovecs.
Status WriteAll(int fd, iovec* iov, size_t count, const std::string& path) {
  while (count > 0 && iov->iov_len == 0) ++iov, --count;
  while (count > 0) {
    const int n = static_cast<int>(std::min<size_t>(count, IOV_MAX));
    const ssize_t w = ::writev(fd, iov, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      return ErrnoError("write", path, errno);
    }
    if (w == 0) return Internal(fmt::format("write {}: no progress", path));
    auto left = static_cast<size_t>(w);
    while (count > 0 && left >= iov->iov_len) {
      left -= iov->iov_len;
      ++iov;
      --count;
    }
    if (left > 0) {
      iov->iov_base = static_cast<char*>(iov->iov_base) + left;
      iov->iov_len -= left;
    }
    while (count > 0 && iov->iov_len == 0) ++iov, --count;
  }
  return Status::Ok();
}

std::string PartitionDir(const std::string& dir, int partition) {
  return fmt::format("{}/p{:02d}", dir, partition);
}

std::string SegmentPath(const std::string& partition_dir, uint64_t first_seq) {
  return fmt::format("{}/{:020d}.log", partition_dir, first_seq);
}

// "00000000000000001234.log" -> 1234.
bool ParseSegmentName(std::string_view name, uint64_t* first_seq) {
  if (name.size() != 24 || name.substr(20) != ".log") return false;
  uint64_t v = 0;
  for (char c : name.substr(0, 20)) {
    if (c < '0' || c > '9') return false;
    const uint64_t d = static_cast<uint64_t>(c - '0');
    if (v > (UINT64_MAX - d) / 10) return false;
    v = v * 10 + d;
  }
  *first_seq = v;
  return true;
}

struct SegmentFile {
  uint64_t first_seq = 0;
  std::string path;
};

Status ListSegments(const std::string& partition_dir, std::vector<SegmentFile>* out) {
  out->clear();
  DIR* d = ::opendir(partition_dir.c_str());
  if (d == nullptr) return ErrnoError("open directory", partition_dir, errno);
  while (dirent* e = ::readdir(d)) {
    uint64_t seq = 0;
    if (ParseSegmentName(e->d_name, &seq)) {
      out->push_back({seq, partition_dir + "/" + e->d_name});
    }
  }
  ::closedir(d);
  std::sort(out->begin(), out->end(),
            [](const SegmentFile& a, const SegmentFile& b) { return a.first_seq < b.first_seq; });
  return Status::Ok();
}

// A buffer an appending thread encodes its frames into; reused across calls.
class EncodeBuffer {
 public:
  char* Reserve(size_t n) {
    if (n > capacity_) {
      capacity_ = std::max(n, capacity_ * 2);
      data_.reset(new char[capacity_]);
    }
    return data_.get();
  }
  void Trim() {
    if (capacity_ > kEncodeBufferKeepBytes) {
      data_.reset();
      capacity_ = 0;
    }
  }

 private:
  std::unique_ptr<char[]> data_;
  size_t capacity_ = 0;
};

// Reads the frames of one segment file sequentially through a large buffer.
class SegmentReader {
 public:
  enum class Result { kFrame, kEnd, kBad, kIoError };

  Status Open(const std::string& path) {
    path_ = path;
    fd_ = UniqueFd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd_.valid()) return ErrnoError("open", path, errno);
    ::posix_fadvise(fd_.get(), 0, 0, POSIX_FADV_SEQUENTIAL);
    return Status::Ok();
  }

  // Reads the next frame. kFrame: type()/payload() hold it until the next call, checked
  // against its crc if `verify`. kEnd: the file ends cleanly after the last frame. kBad: a
  // torn or corrupt frame starts at frame_offset(); reason() says why. kIoError: io_error().
  Result Next(bool verify) {
    frame_offset_ = base_ + pos_;
    if (!Fill(kHeaderBytes)) {
      if (!io_error_.ok()) return Result::kIoError;
      if (end_ == pos_) return Result::kEnd;
      return Bad("short frame header");
    }
    const char* h = buf_.get() + pos_;
    const uint32_t length = GetFixed32(h);
    const uint32_t crc = GetFixed32(h + 4);
    if (length > kMaxLogPayloadBytes) return Bad(fmt::format("bad frame length {}", length));
    if (!Fill(kHeaderBytes + length)) {
      if (!io_error_.ok()) return Result::kIoError;
      return Bad(fmt::format("short frame (length {})", length));
    }
    h = buf_.get() + pos_;
    type_ = static_cast<uint8_t>(h[8]);
    payload_ = std::string_view(h + kHeaderBytes, length);
    if (verify && FrameCrc(type_, payload_.data(), payload_.size()) != crc) {
      return Bad("crc mismatch");
    }
    pos_ += kHeaderBytes + length;
    return Result::kFrame;
  }

  // Forgets that the end of the file was reached, for a file that may have grown since.
  void ClearEof() { eof_ = false; }

  uint8_t type() const { return type_; }
  std::string_view payload() const { return payload_; }
  uint64_t frame_offset() const { return frame_offset_; }
  const std::string& reason() const { return reason_; }
  const Status& io_error() const { return io_error_; }

 private:
  Result Bad(std::string reason) {
    reason_ = std::move(reason);
    return Result::kBad;
  }

  // Makes at least `need` unread bytes available; false at end of file or on error.
  bool Fill(size_t need) {
    if (end_ - pos_ >= need) return true;
    if (pos_ > 0) {
      std::memmove(buf_.get(), buf_.get() + pos_, end_ - pos_);
      base_ += pos_;
      end_ -= pos_;
      pos_ = 0;
    }
    if (need > capacity_) {
      const size_t cap = std::max(need, kReadChunkBytes);
      std::unique_ptr<char[]> bigger(new char[cap]);
      if (end_ > 0) std::memcpy(bigger.get(), buf_.get(), end_);
      buf_ = std::move(bigger);
      capacity_ = cap;
    }
    while (end_ < need && !eof_) {
      const ssize_t n = ::read(fd_.get(), buf_.get() + end_, capacity_ - end_);
      if (n < 0) {
        if (errno == EINTR) continue;
        io_error_ = ErrnoError("read", path_, errno);
        return false;
      }
      if (n == 0) eof_ = true;
      end_ += static_cast<size_t>(n);
    }
    return end_ >= need;
  }

  std::string path_;
  UniqueFd fd_;
  std::unique_ptr<char[]> buf_;
  size_t capacity_ = 0;
  size_t pos_ = 0;     // next unread byte in buf_
  size_t end_ = 0;     // end of valid bytes in buf_
  uint64_t base_ = 0;  // file offset of buf_[0]
  bool eof_ = false;
  uint64_t frame_offset_ = 0;
  uint8_t type_ = 0;
  std::string_view payload_;
  std::string reason_;
  Status io_error_;
};

// One Append waiting for the writer. Lives on the appender's stack.
struct AppendRequest {
  const char* data = nullptr;  // encoded frames
  size_t bytes = 0;
  uint64_t count = 0;  // frames in data
  // Set by the writer, under Partition::mu_.
  uint64_t first_seq = 0;
  Status status;
  bool done = false;
};

class Partition {
 public:
  Partition(int index, std::string dir, const EventLogOptions& options)
      : index_(index), dir_(std::move(dir)), options_(options) {
    Metrics& m = Metrics::Default();
    MetricLabels labels{{"partition", std::to_string(index)}};
    entries_metric_ = m.GetCounter("quanyu_bus_log_appended_entries_total",
                                   "Entries appended to the event log", labels);
    bytes_metric_ = m.GetCounter("quanyu_bus_log_appended_bytes_total",
                                 "Bytes (framing included) appended to the event log", labels);
    syncs_metric_ =
        m.GetCounter("quanyu_bus_log_syncs_total", "fdatasync calls of the event log", labels);
    commit_metric_ = m.GetHistogram("quanyu_bus_log_commit_seconds",
                                    "Time of one group commit (write and sync) of the event log",
                                    LatencyBuckets(), labels);
  }

  ~Partition() { Stop(); }

  // Scans the segments, truncates a torn tail of the last one and opens it for appending.
  // Runs before Start().
  Status Recover() {
    struct stat st;
    if (::stat(dir_.c_str(), &st) != 0) {
      if (errno != ENOENT) return ErrnoError("stat", dir_, errno);
      if (::mkdir(dir_.c_str(), 0755) != 0 && errno != EEXIST) {
        return ErrnoError("create directory", dir_, errno);
      }
      RETURN_IF_ERROR(FsyncDir(dir_.substr(0, dir_.rfind('/'))));
    }
    std::vector<SegmentFile> files;
    RETURN_IF_ERROR(ListSegments(dir_, &files));
    uint64_t next = 0;
    uint64_t valid_bytes = 0;
    for (size_t i = 0; i < files.size(); ++i) {
      const SegmentFile& f = files[i];
      const bool last = i + 1 == files.size();
      if (i > 0 && f.first_seq != next) {
        return DataLoss(fmt::format("{}: starts at sequence {} but the previous segment ends at {}",
                                    f.path, f.first_seq, next));
      }
      next = f.first_seq;
      SegmentReader reader;
      RETURN_IF_ERROR(reader.Open(f.path));
      for (;;) {
        const SegmentReader::Result r = reader.Next(/*verify=*/true);
        if (r == SegmentReader::Result::kFrame) {
          ++next;
          continue;
        }
        if (r == SegmentReader::Result::kIoError) return reader.io_error();
        valid_bytes = reader.frame_offset();
        if (r == SegmentReader::Result::kEnd) break;
        if (!last) {
          return DataLoss(
              fmt::format("{}: {} at offset {}", f.path, reader.reason(), reader.frame_offset()));
        }
        RETURN_IF_ERROR(TruncateTornTail(f.path, valid_bytes, reader.reason()));
        break;
      }
    }
    next_seq_ = next;
    committed_next_.store(next);
    if (files.empty()) {
      RETURN_IF_ERROR(OpenSegment(0));
    } else {
      active_fd_ = UniqueFd(::open(files.back().path.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC));
      if (!active_fd_.valid()) return ErrnoError("open", files.back().path, errno);
      active_path_ = files.back().path;
      active_size_ = valid_bytes;
      for (auto& f : files) segments_.push_back(std::move(f));
    }
    return Status::Ok();
  }

  void Start() {
    writer_ = std::thread([this] { WriterLoop(); });
    std::string name = fmt::format("qy-log-p{:02d}", index_);
    name.resize(std::min<size_t>(name.size(), 15));
    ::pthread_setname_np(writer_.native_handle(), name.c_str());
  }

  // Lets the writer finish what is queued, then stops it. Later Appends are refused.
  void Stop() {
    {
      std::lock_guard lock(mu_);
      closing_ = true;
    }
    writer_cv_.notify_one();
    if (writer_.joinable()) writer_.join();
    active_fd_.Reset();
  }

  StatusOr<uint64_t> Append(const std::vector<LogEntry>& entries) {
    thread_local EncodeBuffer buffer;
    AppendRequest req;
    RETURN_IF_ERROR(Enqueue(entries, &buffer, &req));
    Status st = Await(&req);
    buffer.Trim();
    if (!st.ok()) return st;
    return req.first_seq;
  }

  // Encodes `entries` into `buffer` and queues them for the writer. `req` and `buffer` must
  // stay alive until Await(req) returns. On error nothing was queued.
  Status Enqueue(const std::vector<LogEntry>& entries, EncodeBuffer* buffer, AppendRequest* req) {
    size_t bytes = 0;
    for (size_t i = 0; i < entries.size(); ++i) {
      if (entries[i].payload.size() > kMaxLogPayloadBytes) {
        return InvalidArgument(fmt::format("entries[{}].payload", i),
                               fmt::format("payload of {} bytes exceeds the limit of {}",
                                           entries[i].payload.size(), kMaxLogPayloadBytes));
      }
      bytes += kHeaderBytes + entries[i].payload.size();
    }
    char* p = buffer->Reserve(bytes);
    req->data = p;
    req->bytes = bytes;
    req->count = entries.size();
    for (const LogEntry& e : entries) {
      const size_t n = e.payload.size();
      PutFixed32(p, static_cast<uint32_t>(n));
      PutFixed32(p + 4, FrameCrc(e.type, e.payload.data(), n));
      p[8] = static_cast<char>(e.type);
      if (n > 0) std::memcpy(p + kHeaderBytes, e.payload.data(), n);
      p += kHeaderBytes + n;
    }
    std::lock_guard lock(mu_);
    if (closing_) return Unavailable("event log is closed");
    if (!failed_.ok()) return failed_;
    queue_.push_back(req);
    pending_entries_.fetch_add(req->count, std::memory_order_relaxed);
    if (writer_idle_) writer_cv_.notify_one();
    return Status::Ok();
  }

  // Waits until the writer has committed (or failed) `req`.
  Status Await(AppendRequest* req) {
    std::unique_lock lock(mu_);
    done_cv_.wait(lock, [&] { return req->done; });
    return req->status;
  }

  uint64_t NextSequence() const { return committed_next_.load(std::memory_order_acquire); }

  // For a tail at `*seq`: the segment holding it (the oldest kept one if it was released, then
  // *seq moves to that segment's first entry), pinned against Release in place of `*pin`
  // (if pinned), and the first sequence number of the segment after it (UINT64_MAX while it
  // is the active one). False if no segment is kept.
  bool LocateForTail(uint64_t* seq, std::optional<std::multiset<uint64_t>::iterator>* pin,
                     SegmentFile* segment, uint64_t* next_first) {
    std::lock_guard lock(mu_);
    if (segments_.empty()) return false;
    auto it = std::upper_bound(segments_.begin(), segments_.end(), *seq,
                               [](uint64_t v, const SegmentFile& f) { return v < f.first_seq; });
    if (it != segments_.begin()) --it;
    *seq = std::max(*seq, it->first_seq);
    *segment = *it;
    *next_first = std::next(it) == segments_.end() ? UINT64_MAX : std::next(it)->first_seq;
    if (pin->has_value()) pins_.erase(**pin);
    *pin = pins_.insert(it->first_seq);
    return true;
  }
  // The first sequence number of the segment after the one starting at `first_seq`
  // (UINT64_MAX if there is none yet).
  uint64_t NextSegmentFirst(uint64_t first_seq) const {
    std::lock_guard lock(mu_);
    for (const SegmentFile& s : segments_) {
      if (s.first_seq > first_seq) return s.first_seq;
    }
    return UINT64_MAX;
  }
  void Unpin(std::multiset<uint64_t>::iterator pin) {
    std::lock_guard lock(mu_);
    pins_.erase(pin);
  }
  const std::string& dir() const { return dir_; }

  Status Release(uint64_t upto) {
    std::lock_guard release_lock(release_mu_);  // unlink in order, one Release at a time
    std::vector<std::string> doomed;
    {
      std::lock_guard lock(mu_);
      while (segments_.size() > 1 && segments_[1].first_seq <= upto &&
             (pins_.empty() || segments_.front().first_seq < *pins_.begin())) {
        doomed.push_back(std::move(segments_.front().path));
        segments_.pop_front();
      }
    }
    if (doomed.empty()) return Status::Ok();
    // Oldest first, stopping at the first failure, so the files left never have a gap.
    for (const std::string& path : doomed) {
      if (::unlink(path.c_str()) != 0 && errno != ENOENT) return ErrnoError("delete", path, errno);
    }
    if (options_.sync) RETURN_IF_ERROR(FsyncDir(dir_));
    return Status::Ok();
  }

  void AddStats(EventLogStats* s) const {
    s->appended_entries += appended_entries_.load(std::memory_order_relaxed);
    s->appended_bytes += appended_bytes_.load(std::memory_order_relaxed);
    s->syncs += syncs_.load(std::memory_order_relaxed);
    s->pending += pending_entries_.load(std::memory_order_relaxed);
  }

 private:
  Status TruncateTornTail(const std::string& path, uint64_t valid_bytes,
                          const std::string& reason) {
    struct stat st;
    if (::stat(path.c_str(), &st) != 0) return ErrnoError("stat", path, errno);
    spdlog::warn("event log: {}: {} at offset {}; truncating the torn tail ({} bytes dropped)",
                 path, reason, valid_bytes, static_cast<uint64_t>(st.st_size) - valid_bytes);
    UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CLOEXEC));
    if (!fd.valid()) return ErrnoError("open", path, errno);
    if (::ftruncate(fd.get(), static_cast<off_t>(valid_bytes)) != 0) {
      return ErrnoError("truncate", path, errno);
    }
    if (::fsync(fd.get()) != 0) return ErrnoError("fsync", path, errno);
    return Status::Ok();
  }

  // Creates the segment starting at `first_seq` and makes it the active one.
  Status OpenSegment(uint64_t first_seq) {
    active_fd_.Reset();
    std::string path = SegmentPath(dir_, first_seq);
    active_fd_ =
        UniqueFd(::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_EXCL | O_CLOEXEC, 0644));
    if (!active_fd_.valid()) return ErrnoError("create", path, errno);
    if (options_.sync) RETURN_IF_ERROR(FsyncDir(dir_));
    active_path_ = path;
    active_size_ = 0;
    std::lock_guard lock(mu_);
    segments_.push_back({first_seq, std::move(path)});
    return Status::Ok();
  }

  Status Sync() {
    if (!options_.sync) return Status::Ok();
    if (::fdatasync(active_fd_.get()) != 0) return ErrnoError("fdatasync", active_path_, errno);
    syncs_.fetch_add(1, std::memory_order_relaxed);
    syncs_metric_->Inc();
    return Status::Ok();
  }

  Status Write() {
    Status s = WriteAll(active_fd_.get(), iov_.data(), iov_.size(), active_path_);
    iov_.clear();
    return s;
  }

  // Writes and syncs the frames of `batch`, rolling segments as needed, and assigns their
  // sequence numbers. On error nothing of the batch may be acknowledged.
  Status Commit(const std::vector<AppendRequest*>& batch, uint64_t* bytes_written) {
    uint64_t total_bytes = 0;
    uint64_t seq = next_seq_;
    for (AppendRequest* r : batch) {
      r->first_seq = seq;
      seq += r->count;
      total_bytes += r->bytes;
    }
    *bytes_written = total_bytes;
    if (total_bytes == 0) return Status::Ok();
    iov_.clear();
    if (active_size_ + total_bytes <= options_.segment_bytes) {
      for (AppendRequest* r : batch) {
        if (r->bytes > 0) iov_.push_back({const_cast<char*>(r->data), r->bytes});
      }
      RETURN_IF_ERROR(Write());
      active_size_ += total_bytes;
    } else {
      // Walk the frames to close the segment at a frame boundary.
      uint64_t frame_seq = next_seq_;
      uint64_t queued = 0;  // bytes in iov_ and the current run, not yet written
      for (AppendRequest* r : batch) {
        const char* run = r->data;
        const char* p = r->data;
        const char* end = r->data + r->bytes;
        while (p < end) {
          const uint64_t frame = kHeaderBytes + GetFixed32(p);
          const uint64_t size = active_size_ + queued;
          if (size > 0 && size + frame > options_.segment_bytes) {
            if (p > run) iov_.push_back({const_cast<char*>(run), static_cast<size_t>(p - run)});
            RETURN_IF_ERROR(Write());
            active_size_ += queued;
            queued = 0;
            // The old segment is complete and durable before the next one exists, so a
            // crash can tear only the last segment.
            RETURN_IF_ERROR(Sync());
            RETURN_IF_ERROR(OpenSegment(frame_seq));
            run = p;
          }
          queued += frame;
          p += frame;
          ++frame_seq;
        }
        if (end > run) iov_.push_back({const_cast<char*>(run), static_cast<size_t>(end - run)});
      }
      RETURN_IF_ERROR(Write());
      active_size_ += queued;
    }
    RETURN_IF_ERROR(Sync());
    next_seq_ = seq;
    return Status::Ok();
  }

  void WriterLoop() {
    std::vector<AppendRequest*> batch;
    for (;;) {
      {
        std::unique_lock lock(mu_);
        while (queue_.empty() && !closing_) {
          writer_idle_ = true;
          writer_cv_.wait(lock);
        }
        writer_idle_ = false;
        if (queue_.empty()) return;  // closing, and everything queued is done
        batch.swap(queue_);
      }
      uint64_t entries = 0;
      for (AppendRequest* r : batch) entries += r->count;
      pending_entries_.fetch_sub(entries, std::memory_order_relaxed);

      Status status = failed_;
      uint64_t bytes = 0;
      if (status.ok()) {
        const auto start = std::chrono::steady_clock::now();
        status = Commit(batch, &bytes);
        commit_metric_->Observe(
            std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
      }
      if (status.ok()) {
        appended_entries_.fetch_add(entries, std::memory_order_relaxed);
        appended_bytes_.fetch_add(bytes, std::memory_order_relaxed);
        entries_metric_->Inc(entries);
        bytes_metric_->Inc(bytes);
      } else if (failed_.ok()) {
        spdlog::error("event log partition {}: {}; refusing further appends", index_,
                      status.ToString());
      }
      {
        std::lock_guard lock(mu_);
        if (!status.ok()) failed_ = status;
        for (AppendRequest* r : batch) {
          if (!status.ok()) r->status = status;
          r->done = true;
        }
        if (status.ok()) committed_next_.store(next_seq_, std::memory_order_release);
      }
      done_cv_.notify_all();
      batch.clear();
    }
  }

  const int index_;
  const std::string dir_;
  const EventLogOptions options_;

  mutable std::mutex mu_;
  std::condition_variable writer_cv_;        // queue_ became non-empty, or closing_
  std::condition_variable done_cv_;          // some requests are done
  std::vector<AppendRequest*> queue_;        // guarded by mu_
  bool writer_idle_ = false;                 // guarded by mu_
  bool closing_ = false;                     // guarded by mu_
  Status failed_;                            // written by the writer under mu_; sticky
  std::deque<SegmentFile> segments_;         // guarded by mu_; back() is the active segment
  std::atomic<uint64_t> committed_next_{0};  // written under mu_
  std::multiset<uint64_t> pins_;  // guarded by mu_; the segment each Replay and tail reads

  std::mutex release_mu_;

  // Writer thread only (and Recover/Stop, which run while it does not).
  std::thread writer_;
  UniqueFd active_fd_;
  std::string active_path_;
  uint64_t active_size_ = 0;
  uint64_t next_seq_ = 0;
  std::vector<iovec> iov_;

  std::atomic<uint64_t> pending_entries_{0};
  std::atomic<uint64_t> appended_entries_{0};
  std::atomic<uint64_t> appended_bytes_{0};
  std::atomic<uint64_t> syncs_{0};
  Counter* entries_metric_;
  Counter* bytes_metric_;
  Counter* syncs_metric_;
  Histogram* commit_metric_;
};

// Reads a partition's segments as they grow; see LogTail.
class PartitionTail final : public LogTail {
 public:
  PartitionTail(Partition* part, uint64_t from) : part_(part), next_(from) {}
  ~PartitionTail() override {
    if (pin_.has_value()) part_->Unpin(*pin_);
  }

  uint64_t next() const override { return next_; }

  Status Read(uint64_t upto,
              const std::function<bool(uint64_t, uint8_t, std::string_view)>& fn) override {
    upto = std::min(upto, part_->NextSequence());
    if (next_ >= upto) return Status::Ok();
    if (open_) {
      reader_.ClearEof();  // the segment has grown since the last Read
      next_first_ = part_->NextSegmentFirst(segment_.first_seq);
    }
    while (next_ < upto) {
      if (!open_ || next_ >= next_first_) RETURN_IF_ERROR(OpenSegment());
      const SegmentReader::Result r = reader_.Next(/*verify=*/true);
      if (r == SegmentReader::Result::kFrame) {
        if (!fn(next_++, reader_.type(), reader_.payload())) return Status::Ok();
        continue;
      }
      if (r == SegmentReader::Result::kIoError) return reader_.io_error();
      if (r == SegmentReader::Result::kEnd) {
        // The segment ended: the entry must open the next one.
        next_first_ = part_->NextSegmentFirst(segment_.first_seq);
        if (next_ >= next_first_) continue;
        return DataLoss(fmt::format("{}: ends at offset {} before sequence {}", segment_.path,
                                    reader_.frame_offset(), next_));
      }
      return DataLoss(fmt::format("{}: {} at offset {} (sequence {})", segment_.path,
                                  reader_.reason(), reader_.frame_offset(), next_));
    }
    return Status::Ok();
  }

 private:
  // Opens the segment holding next_ and reads up to it.
  Status OpenSegment() {
    open_ = false;
    if (!part_->LocateForTail(&next_, &pin_, &segment_, &next_first_)) {
      return Internal("event log partition " + part_->dir() + " has no segment");
    }
    reader_ = SegmentReader();
    RETURN_IF_ERROR(reader_.Open(segment_.path));
    for (uint64_t seq = segment_.first_seq; seq < next_; ++seq) {
      if (reader_.Next(/*verify=*/false) != SegmentReader::Result::kFrame) {
        if (!reader_.io_error().ok()) return reader_.io_error();
        return DataLoss(fmt::format("{}: no frame at offset {} (sequence {})", segment_.path,
                                    reader_.frame_offset(), seq));
      }
    }
    open_ = true;
    return Status::Ok();
  }

  Partition* const part_;
  uint64_t next_;
  bool open_ = false;
  SegmentFile segment_;
  uint64_t next_first_ = UINT64_MAX;
  SegmentReader reader_;
  std::optional<std::multiset<uint64_t>::iterator> pin_;
};

class FileEventLog final : public EventLog {
 public:
  FileEventLog(std::string dir, const EventLogOptions& options, UniqueFd lock_fd)
      : dir_(std::move(dir)), lock_fd_(std::move(lock_fd)) {
    for (int i = 0; i < options.partitions; ++i) {
      parts_.push_back(std::make_unique<Partition>(i, PartitionDir(dir_, i), options));
    }
  }

  ~FileEventLog() override { Close(); }

  Status Init() {
    for (auto& p : parts_) RETURN_IF_ERROR(p->Recover());
    for (auto& p : parts_) p->Start();
    return Status::Ok();
  }

  int partitions() const override { return static_cast<int>(parts_.size()); }

  StatusOr<uint64_t> Append(int partition, const std::vector<LogEntry>& entries) override {
    RETURN_IF_ERROR(CheckPartition(partition));
    return parts_[partition]->Append(entries);
  }

  Status AppendMany(const std::vector<std::pair<int, const std::vector<LogEntry>*>>& batches,
                    std::vector<uint64_t>* firsts) override {
    firsts->assign(batches.size(), kNotAppended);
    for (const auto& b : batches) RETURN_IF_ERROR(CheckPartition(b.first));
    thread_local std::vector<std::unique_ptr<EncodeBuffer>> buffers;
    while (buffers.size() < batches.size()) buffers.push_back(std::make_unique<EncodeBuffer>());
    std::vector<AppendRequest> reqs(batches.size());
    std::vector<bool> queued(batches.size(), false);
    Status first_error;
    for (size_t i = 0; i < batches.size(); ++i) {
      Status st = parts_[batches[i].first]->Enqueue(*batches[i].second, buffers[i].get(), &reqs[i]);
      if (st.ok()) {
        queued[i] = true;
      } else if (first_error.ok()) {
        first_error = st;
      }
    }
    firsts->assign(batches.size(), kNotAppended);
    for (size_t i = 0; i < batches.size(); ++i) {
      if (!queued[i]) continue;
      Status st = parts_[batches[i].first]->Await(&reqs[i]);
      if (st.ok()) {
        (*firsts)[i] = reqs[i].first_seq;
      } else if (first_error.ok()) {
        first_error = st;
      }
    }
    for (size_t i = 0; i < batches.size(); ++i) buffers[i]->Trim();
    return first_error;
  }

  uint64_t NextSequence(int partition) const override {
    if (partition < 0 || partition >= partitions()) return 0;
    return parts_[partition]->NextSequence();
  }

  Status Replay(int partition, uint64_t from,
                const std::function<bool(uint64_t, const LogEntry&)>& fn) override {
    RETURN_IF_ERROR(CheckPartition(partition));
    // A tail up to what is durable now.
    Partition* part = parts_[partition].get();
    PartitionTail tail(part, from);
    LogEntry entry;
    return tail.Read(part->NextSequence(),
                     [&](uint64_t seq, uint8_t type, std::string_view payload) {
                       entry.type = type;
                       entry.payload.assign(payload);
                       return fn(seq, entry);
                     });
  }

  Status Release(int partition, uint64_t upto) override {
    RETURN_IF_ERROR(CheckPartition(partition));
    std::lock_guard lock(close_mu_);  // keeps the directory locked while deleting
    if (closed_) return Unavailable("event log is closed");
    return parts_[partition]->Release(upto);
  }

  StatusOr<std::unique_ptr<LogTail>> Tail(int partition, uint64_t from) override {
    RETURN_IF_ERROR(CheckPartition(partition));
    std::lock_guard lock(close_mu_);
    if (closed_) return Unavailable("event log is closed");
    return std::unique_ptr<LogTail>(new PartitionTail(parts_[partition].get(), from));
  }

  EventLogStats Stats() const override {
    EventLogStats s;
    for (const auto& p : parts_) p->AddStats(&s);
    return s;
  }

  void Close() override {
    std::lock_guard lock(close_mu_);
    if (closed_) return;
    closed_ = true;
    for (auto& p : parts_) p->Stop();
    lock_fd_.Reset();  // releases the flock
  }

 private:
  Status CheckPartition(int partition) const {
    if (partition < 0 || partition >= partitions()) {
      return InvalidArgument(
          "partition", fmt::format("partition {} out of range [0, {})", partition, partitions()));
    }
    return Status::Ok();
  }

  const std::string dir_;
  UniqueFd lock_fd_;
  std::vector<std::unique_ptr<Partition>> parts_;
  std::mutex close_mu_;
  bool closed_ = false;  // guarded by close_mu_
};

Status ReadFile(const std::string& path, std::string* out) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) return ErrnoError("open", path, errno);
  out->clear();
  char buf[4096];
  for (;;) {
    const ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoError("read", path, errno);
    }
    if (n == 0) return Status::Ok();
    out->append(buf, static_cast<size_t>(n));
  }
}

// Writes `content` to `path` atomically and durably (temp file, fsync, rename, fsync dir).
Status WriteFileDurably(const std::string& dir, const std::string& name,
                        const std::string& content) {
  const std::string tmp = dir + "/" + name + ".tmp";
  const std::string path = dir + "/" + name;
  {
    UniqueFd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
    if (!fd.valid()) return ErrnoError("create", tmp, errno);
    iovec iov{const_cast<char*>(content.data()), content.size()};
    RETURN_IF_ERROR(WriteAll(fd.get(), &iov, 1, tmp));
    if (::fsync(fd.get()) != 0) return ErrnoError("fsync", tmp, errno);
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) return ErrnoError("rename", tmp, errno);
  return FsyncDir(dir);
}

// Reads DIR/MANIFEST, or writes it for a new log; checks the partition count, or sets it
// when *partitions is 0.
Status CheckManifest(const std::string& dir, int* partitions) {
  const std::string path = dir + "/MANIFEST";
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) {
    if (errno != ENOENT) return ErrnoError("stat", path, errno);
    // The manifest is written before any partition directory, so partitions without it mean
    // the manifest was lost.
    if (::stat(PartitionDir(dir, 0).c_str(), &st) == 0) {
      return DataLoss(fmt::format("{} is missing but partition directories exist", path));
    }
    if (*partitions == 0) *partitions = DefaultLogPartitions();
    return WriteFileDurably(dir, "MANIFEST",
                            fmt::format("quanyu-event-log\nversion {}\npartitions {}\n",
                                        kManifestVersion, *partitions));
  }
  std::string text;
  RETURN_IF_ERROR(ReadFile(path, &text));
  int version = -1;
  int on_disk = -1;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t eol = text.find('\n', pos);
    if (eol == std::string::npos) eol = text.size();
    const std::string line = text.substr(pos, eol - pos);
    pos = eol + 1;
    const size_t space = line.find(' ');
    if (space == std::string::npos) continue;
    const std::string key = line.substr(0, space);
    const std::string value = line.substr(space + 1);
    if (key != "version" && key != "partitions") continue;
    int v = 0;
    try {
      v = std::stoi(value);
    } catch (const std::exception&) {
      return DataLoss(fmt::format("{}: malformed line '{}'", path, line));
    }
    (key == "version" ? version : on_disk) = v;
  }
  if (text.rfind("quanyu-event-log\n", 0) != 0 || version < 0 || on_disk <= 0) {
    return DataLoss(fmt::format("{}: not an event log manifest", path));
  }
  if (version != kManifestVersion) {
    return FailedPrecondition(fmt::format("{}: unsupported version {}", path, version));
  }
  if (*partitions == 0) *partitions = on_disk;
  if (on_disk != *partitions) {
    return FailedPrecondition(
        fmt::format("event log {} has {} partitions, opened with {}", dir, on_disk, *partitions));
  }
  return Status::Ok();
}

}  // namespace

StatusOr<std::unique_ptr<EventLog>> EventLog::Open(const std::string& dir,
                                                   const EventLogOptions& options) {
  if (options.partitions < 0 || options.partitions > kMaxPartitions) {
    return InvalidArgument("partitions", fmt::format("partitions must be in [1, {}] (or 0), got {}",
                                                     kMaxPartitions, options.partitions));
  }
  if (options.segment_bytes == 0) {
    return InvalidArgument("segment_bytes", "segment_bytes must be positive");
  }
  if (dir.empty()) return InvalidArgument("dir", "empty directory name");
  // Create the directory and its missing parents.
  for (size_t slash = dir.find('/', 1);; slash = dir.find('/', slash + 1)) {
    const std::string prefix = dir.substr(0, slash);
    if (::mkdir(prefix.c_str(), 0755) != 0 && errno != EEXIST) {
      return ErrnoError("create directory", prefix, errno);
    }
    if (slash == std::string::npos) break;
  }
  const std::string lock_path = dir + "/LOCK";
  UniqueFd lock_fd(::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644));
  if (!lock_fd.valid()) return ErrnoError("open", lock_path, errno);
  if (::flock(lock_fd.get(), LOCK_EX | LOCK_NB) != 0) {
    if (errno == EWOULDBLOCK) {
      return FailedPrecondition(fmt::format("event log {} is already open", dir));
    }
    return ErrnoError("lock", lock_path, errno);
  }
  EventLogOptions opened = options;
  RETURN_IF_ERROR(CheckManifest(dir, &opened.partitions));
  auto log = std::make_unique<FileEventLog>(dir, opened, std::move(lock_fd));
  RETURN_IF_ERROR(log->Init());
  return std::unique_ptr<EventLog>(std::move(log));
}

int DefaultLogPartitions() {
  const unsigned cores = std::thread::hardware_concurrency();
  return static_cast<int>(std::clamp(cores / 2, 1u, 4u));
}

int PartitionFor(std::string_view key, int partitions) {
  if (partitions <= 1) return 0;
  // FNV-1a, 64 bit.
  uint64_t h = 0xcbf29ce484222325ull;
  for (char c : key) {
    h ^= static_cast<unsigned char>(c);
    h *= 0x100000001b3ull;
  }
  // MurmurHash3's fmix64, so that every bit of the key reaches the low bits the modulo uses.
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdull;
  h ^= h >> 33;
  h *= 0xc4ceb9fe1a85ec53ull;
  h ^= h >> 33;
  return static_cast<int>(h % static_cast<uint64_t>(partitions));
}

}  // namespace quanyu::bus
