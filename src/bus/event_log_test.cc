#include "bus/event_log.h"

#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <spdlog/sinks/ringbuffer_sink.h>
#include <spdlog/spdlog.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace quanyu::bus {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

// A fresh directory under /tmp, removed with everything in it at the end of the test.
class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/quanyu-bus-test-XXXXXX";
    const char* p = ::mkdtemp(tmpl);
    if (p == nullptr) std::abort();
    path_ = p;
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }
  std::string log() const { return path_ + "/log"; }

 private:
  std::string path_;
};

std::unique_ptr<EventLog> MustOpen(const std::string& dir, const EventLogOptions& options) {
  auto log = EventLog::Open(dir, options);
  EXPECT_TRUE(log.ok()) << log.status().ToString();
  if (!log.ok()) return nullptr;
  return std::move(log).value();
}

LogEntry Entry(uint8_t type, std::string payload) { return LogEntry{type, std::move(payload)}; }

struct Seen {
  uint64_t seq;
  uint8_t type;
  std::string payload;
};

std::vector<Seen> ReplayAll(EventLog& log, int partition, uint64_t from = 0) {
  std::vector<Seen> out;
  Status s = log.Replay(partition, from, [&](uint64_t seq, const LogEntry& e) {
    out.push_back({seq, e.type, e.payload});
    return true;
  });
  EXPECT_TRUE(s.ok()) << s.ToString();
  return out;
}

std::string ReadBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void WriteBytes(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

// Segment files of a partition, oldest first.
std::vector<std::string> Segments(const std::string& log_dir, int partition) {
  std::vector<std::string> out;
  char name[8];
  std::snprintf(name, sizeof name, "p%02d", partition);
  for (const auto& e : fs::directory_iterator(log_dir + "/" + name)) {
    if (e.path().extension() == ".log") out.push_back(e.path().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::string SegmentName(uint64_t first_seq) {
  char name[32];
  std::snprintf(name, sizeof name, "%020llu.log", static_cast<unsigned long long>(first_seq));
  return name;
}

constexpr size_t kHeader = 9;

// Captures what is logged through spdlog while in scope (and keeps it off the console).
class CapturedLog {
 public:
  CapturedLog()
      : previous_(spdlog::default_logger()),
        sink_(std::make_shared<spdlog::sinks::ringbuffer_sink_mt>(1000)) {
    sink_->set_pattern("%l %v");
    spdlog::set_default_logger(std::make_shared<spdlog::logger>("captured", sink_));
  }
  ~CapturedLog() { spdlog::set_default_logger(previous_); }
  std::vector<std::string> Take() {
    std::vector<std::string> lines = sink_->last_formatted();
    spdlog::set_default_logger(std::make_shared<spdlog::logger>(
        "captured", sink_ = std::make_shared<spdlog::sinks::ringbuffer_sink_mt>(1000)));
    sink_->set_pattern("%l %v");
    return lines;
  }

 private:
  std::shared_ptr<spdlog::logger> previous_;
  std::shared_ptr<spdlog::sinks::ringbuffer_sink_mt> sink_;
};

TEST(EventLogTest, AppendReplayRoundTrip) {
  TempDir tmp;
  auto log = MustOpen(tmp.log(), {.partitions = 2});
  ASSERT_NE(log, nullptr);
  EXPECT_EQ(log->partitions(), 2);
  std::string binary("a\0b\xff\x00z", 6);
  std::vector<LogEntry> batch = {Entry(1, "first"), Entry(2, ""), Entry(255, binary),
                                 Entry(0, std::string(100000, 'x'))};
  auto first = log->Append(1, batch);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_EQ(*first, 0u);
  auto second = log->Append(1, {Entry(7, "fifth")});
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(*second, 4u);
  EXPECT_EQ(log->NextSequence(1), 5u);
  EXPECT_EQ(log->NextSequence(0), 0u);

  std::vector<Seen> seen = ReplayAll(*log, 1);
  ASSERT_EQ(seen.size(), 5u);
  for (size_t i = 0; i < 4; ++i) {
    EXPECT_EQ(seen[i].seq, i);
    EXPECT_EQ(seen[i].type, batch[i].type);
    EXPECT_EQ(seen[i].payload, batch[i].payload);
  }
  EXPECT_EQ(seen[4].payload, "fifth");
  EXPECT_TRUE(ReplayAll(*log, 0).empty());

  EventLogStats stats = log->Stats();
  EXPECT_EQ(stats.appended_entries, 5u);
  EXPECT_EQ(stats.appended_bytes, 5 * kHeader + 5 + 0 + 6 + 100000 + 5);
  EXPECT_EQ(stats.syncs, 2u);
  EXPECT_EQ(stats.pending, 0u);
}

TEST(EventLogTest, EmptyAppendWritesNothing) {
  TempDir tmp;
  auto log = MustOpen(tmp.log(), {.partitions = 1});
  ASSERT_NE(log, nullptr);
  ASSERT_TRUE(log->Append(0, {Entry(1, "a"), Entry(1, "b")}).ok());
  auto seq = log->Append(0, {});
  ASSERT_TRUE(seq.ok());
  EXPECT_EQ(*seq, 2u);
  EXPECT_EQ(log->NextSequence(0), 2u);
  EXPECT_EQ(log->Stats().appended_entries, 2u);
}

TEST(EventLogTest, ReplayFromTheMiddleAndStopEarly) {
  TempDir tmp;
  auto log = MustOpen(tmp.log(), {.partitions = 1, .segment_bytes = 200});
  ASSERT_NE(log, nullptr);
  for (int i = 0; i < 100; ++i) {
    ASSERT_TRUE(log->Append(0, {Entry(3, "entry-" + std::to_string(i))}).ok());
  }
  ASSERT_GT(Segments(tmp.log(), 0).size(), 5u);
  for (uint64_t from : {0, 1, 37, 50, 98, 99}) {
    std::vector<Seen> seen = ReplayAll(*log, 0, from);
    ASSERT_EQ(seen.size(), 100 - from) << from;
    for (size_t i = 0; i < seen.size(); ++i) {
      EXPECT_EQ(seen[i].seq, from + i);
      EXPECT_EQ(seen[i].payload, "entry-" + std::to_string(from + i));
    }
  }
  EXPECT_TRUE(ReplayAll(*log, 0, 100).empty());
  EXPECT_TRUE(ReplayAll(*log, 0, 1000).empty());

  std::vector<uint64_t> got;
  ASSERT_TRUE(log->Replay(0, 40,
                          [&](uint64_t seq, const LogEntry&) {
                            got.push_back(seq);
                            return got.size() < 3;
                          })
                  .ok());
  EXPECT_EQ(got, (std::vector<uint64_t>{40, 41, 42}));
}

TEST(EventLogTest, BadArguments) {
  TempDir tmp;
  EXPECT_EQ(EventLog::Open(tmp.log(), {.partitions = -1}).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(EventLog::Open(tmp.log(), {.partitions = 1025}).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(EventLog::Open(tmp.log(), {.partitions = 1, .segment_bytes = 0}).status().code(),
            StatusCode::kInvalidArgument);
  auto log = MustOpen(tmp.log(), {.partitions = 2});
  ASSERT_NE(log, nullptr);
  EXPECT_EQ(log->Append(-1, {Entry(1, "x")}).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(log->Append(2, {Entry(1, "x")}).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(log->Replay(2, 0, [](uint64_t, const LogEntry&) { return true; }).code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(log->Release(-1, 0).code(), StatusCode::kInvalidArgument);

  std::vector<LogEntry> big = {Entry(1, "ok"), Entry(1, std::string(kMaxLogPayloadBytes + 1, 'b'))};
  auto s = log->Append(0, big);
  EXPECT_EQ(s.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s.status().field(), "entries[1].payload");
  EXPECT_EQ(log->NextSequence(0), 0u);
}

TEST(EventLogTest, PartitionForIsStable) {
  // FNV-1a 64 followed by MurmurHash3's fmix64, modulo the partition count. The expected values
  // were computed independently; they must never change, or records of one vehicle would move
  // to another partition across an upgrade.
  EXPECT_EQ(PartitionFor("", 4), 2);
  EXPECT_EQ(PartitionFor("a", 4), 3);
  EXPECT_EQ(PartitionFor("foobar", 4), 3);
  EXPECT_EQ(PartitionFor("京A12345", 4), 3);
  EXPECT_EQ(PartitionFor("粤B88888", 4), 1);
  EXPECT_EQ(PartitionFor("32010020240101000001", 4), 2);
  EXPECT_EQ(PartitionFor("a", 16), 11);
  EXPECT_EQ(PartitionFor("京A12345", 16), 7);
  EXPECT_EQ(PartitionFor("粤B88888", 7), 4);
  EXPECT_EQ(PartitionFor("32010020240101000001", 7), 6);
  EXPECT_EQ(PartitionFor("anything", 1), 0);

  // Keys spread over the partitions.
  std::vector<int> counts(8);
  for (int i = 0; i < 8000; ++i) ++counts[PartitionFor("京A" + std::to_string(10000 + i), 8)];
  for (int c : counts) EXPECT_GT(c, 800);
}

TEST(EventLogTest, ConcurrentAppendersGetDenseContiguousSequences) {
  TempDir tmp;
  auto log = MustOpen(tmp.log(), {.partitions = 2, .segment_bytes = 64 << 10});
  ASSERT_NE(log, nullptr);
  constexpr int kThreads = 8;
  constexpr int kAppends = 1000;
  struct Ack {
    uint64_t first;
    size_t count;
  };
  std::vector<std::vector<Ack>> acks(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      std::vector<LogEntry> batch;
      for (int a = 0; a < kAppends; ++a) {
        batch.clear();
        const int n = 1 + (a * 7 + t) % 5;
        for (int e = 0; e < n; ++e) {
          batch.push_back(
              Entry(static_cast<uint8_t>(t),
                    std::to_string(t) + "/" + std::to_string(a) + "/" + std::to_string(e)));
        }
        auto seq = log->Append(t % 2, batch);
        ASSERT_TRUE(seq.ok()) << seq.status().ToString();
        acks[t].push_back({*seq, batch.size()});
      }
    });
  }
  for (auto& th : threads) th.join();

  uint64_t total[2] = {0, 0};
  for (int t = 0; t < kThreads; ++t) {
    for (const Ack& a : acks[t]) total[t % 2] += a.count;
  }
  for (int p = 0; p < 2; ++p) {
    std::vector<Seen> seen = ReplayAll(*log, p);
    ASSERT_EQ(seen.size(), total[p]);
    EXPECT_EQ(log->NextSequence(p), total[p]);
    for (size_t i = 0; i < seen.size(); ++i) ASSERT_EQ(seen[i].seq, i);
    for (int t = p; t < kThreads; t += 2) {
      uint64_t previous_end = 0;
      for (int a = 0; a < kAppends; ++a) {
        const Ack& ack = acks[t][a];
        // Per-thread order is preserved and each Append's entries are contiguous.
        ASSERT_GE(ack.first, previous_end);
        previous_end = ack.first + ack.count;
        for (size_t e = 0; e < ack.count; ++e) {
          const Seen& s = seen[ack.first + e];
          ASSERT_EQ(s.type, t);
          ASSERT_EQ(s.payload,
                    std::to_string(t) + "/" + std::to_string(a) + "/" + std::to_string(e));
        }
      }
    }
  }
  EventLogStats stats = log->Stats();
  EXPECT_EQ(stats.appended_entries, total[0] + total[1]);
  // At most one sync per Append (far fewer on a real disk: 4 concurrent Appends per partition).
  EXPECT_LE(stats.syncs, static_cast<uint64_t>(kThreads * kAppends));
  EXPECT_GT(stats.syncs, 0u);
}

TEST(EventLogTest, ReopenRecoversEverything) {
  TempDir tmp;
  const EventLogOptions options{.partitions = 3, .segment_bytes = 1000};
  {
    auto log = MustOpen(tmp.log(), options);
    ASSERT_NE(log, nullptr);
    for (int i = 0; i < 200; ++i) {
      ASSERT_TRUE(log->Append(i % 3, {Entry(i % 256, "v" + std::to_string(i))}).ok());
    }
  }  // the destructor closes
  {
    auto log = MustOpen(tmp.log(), options);
    ASSERT_NE(log, nullptr);
    for (int p = 0; p < 3; ++p) {
      std::vector<Seen> seen = ReplayAll(*log, p);
      ASSERT_EQ(seen.size(), p < 2 ? 67u : 66u);
      EXPECT_EQ(log->NextSequence(p), seen.size());
      for (size_t i = 0; i < seen.size(); ++i) {
        EXPECT_EQ(seen[i].payload, "v" + std::to_string(i * 3 + p));
      }
    }
    auto seq = log->Append(2, {Entry(9, "after reopen")});
    ASSERT_TRUE(seq.ok());
    EXPECT_EQ(*seq, 66u);
    log->Close();
  }
  auto log = MustOpen(tmp.log(), options);
  ASSERT_NE(log, nullptr);
  std::vector<Seen> seen = ReplayAll(*log, 2);
  ASSERT_EQ(seen.size(), 67u);
  EXPECT_EQ(seen.back().payload, "after reopen");
}

TEST(EventLogTest, TornTailIsTruncatedAtEveryCut) {
  TempDir tmp;
  const EventLogOptions options{.partitions = 1};
  std::vector<std::string> payloads = {"alpha", "", "a longer third payload", "d", "epsilon!"};
  {
    auto log = MustOpen(tmp.log(), options);
    ASSERT_NE(log, nullptr);
    for (const auto& p : payloads) ASSERT_TRUE(log->Append(0, {Entry(5, p)}).ok());
  }
  const std::string segment = tmp.log() + "/p00/" + SegmentName(0);
  const std::string full = ReadBytes(segment);
  std::vector<size_t> frame_end;
  size_t offset = 0;
  for (const auto& p : payloads) frame_end.push_back(offset += kHeader + p.size());
  ASSERT_EQ(full.size(), offset);

  // Cut the file at every byte offset: the log keeps the complete frames before the cut and
  // the next Append continues right after them.
  CapturedLog captured;
  for (size_t cut = 0; cut < full.size(); ++cut) {
    WriteBytes(segment, full.substr(0, cut));
    const size_t complete =
        std::upper_bound(frame_end.begin(), frame_end.end(), cut) - frame_end.begin();
    {
      auto log = MustOpen(tmp.log(), options);
      ASSERT_NE(log, nullptr) << "cut " << cut;
      const bool torn = cut != (complete == 0 ? 0 : frame_end[complete - 1]);
      EXPECT_EQ(captured.Take().size(), torn ? 1u : 0u) << "cut " << cut;
      EXPECT_EQ(log->NextSequence(0), complete) << "cut " << cut;
      std::vector<Seen> seen = ReplayAll(*log, 0);
      ASSERT_EQ(seen.size(), complete) << "cut " << cut;
      for (size_t i = 0; i < complete; ++i) EXPECT_EQ(seen[i].payload, payloads[i]);
      auto seq = log->Append(0, {Entry(6, "new")});
      ASSERT_TRUE(seq.ok());
      EXPECT_EQ(*seq, complete);
    }
    auto log = MustOpen(tmp.log(), options);
    ASSERT_NE(log, nullptr);
    std::vector<Seen> seen = ReplayAll(*log, 0);
    ASSERT_EQ(seen.size(), complete + 1) << "cut " << cut;
    EXPECT_EQ(seen.back().payload, "new");
    EXPECT_EQ(seen.back().type, 6);
  }
}

TEST(EventLogTest, GarbageAtTheEndIsTruncated) {
  TempDir tmp;
  const EventLogOptions options{.partitions = 1, .segment_bytes = 300};
  {
    auto log = MustOpen(tmp.log(), options);
    ASSERT_NE(log, nullptr);
    for (int i = 0; i < 20; ++i)
      ASSERT_TRUE(log->Append(0, {Entry(1, "record " + std::to_string(i))}).ok());
  }
  const std::string last = Segments(tmp.log(), 0).back();
  const std::string good = ReadBytes(last);
  std::mt19937 rng(42);
  std::string random_bytes(777, '\0');
  for (char& c : random_bytes) c = static_cast<char>(rng());
  const std::string garbage[] = {
      std::string(64, '\0'),  // zeros (a preallocated or unwritten tail)
      std::string("\xff\xff\xff\x7f", 4) + "xxxxxxxxxx",       // absurd length
      std::string("\x05\0\0\0\x12\x34\x56\x78\x01hello", 14),  // length fine, crc wrong
      random_bytes,
  };
  for (const std::string& g : garbage) {
    WriteBytes(last, good + g);
    CapturedLog captured;
    auto log = MustOpen(tmp.log(), options);
    ASSERT_NE(log, nullptr);
    // An operator is told which file lost how much.
    std::vector<std::string> lines = captured.Take();
    ASSERT_EQ(lines.size(), 1u);
    EXPECT_THAT(lines[0], HasSubstr("warning"));
    EXPECT_THAT(lines[0], HasSubstr(last));
    EXPECT_THAT(lines[0], HasSubstr(std::to_string(g.size()) + " bytes dropped"));
    EXPECT_EQ(log->NextSequence(0), 20u);
    EXPECT_EQ(ReplayAll(*log, 0).size(), 20u);
    log->Close();
    EXPECT_EQ(ReadBytes(last), good);
  }
  auto log = MustOpen(tmp.log(), options);
  ASSERT_NE(log, nullptr);
  auto seq = log->Append(0, {Entry(1, "continues")});
  ASSERT_TRUE(seq.ok());
  EXPECT_EQ(*seq, 20u);
}

class CorruptionTest : public ::testing::Test {
 protected:
  // 50 entries of 40-byte payloads: 49-byte frames, 5 per 256-byte segment, 10 segments.
  void SetUp() override {
    auto log = MustOpen(tmp_.log(), options_);
    ASSERT_NE(log, nullptr);
    for (int i = 0; i < 50; ++i) {
      std::string payload(40, 'a' + i % 26);
      ASSERT_TRUE(log->Append(0, {Entry(1, payload)}).ok());
    }
    segments_ = Segments(tmp_.log(), 0);
    ASSERT_EQ(segments_.size(), 10u);
  }

  void FlipBit(const std::string& path, size_t offset, int bit) {
    std::string bytes = ReadBytes(path);
    ASSERT_LT(offset, bytes.size());
    bytes[offset] = static_cast<char>(bytes[offset] ^ (1 << bit));
    WriteBytes(path, bytes);
  }

  TempDir tmp_;
  const EventLogOptions options_{.partitions = 1, .segment_bytes = 256};
  std::vector<std::string> segments_;
};

TEST_F(CorruptionTest, SegmentsRollAtFrameBoundaries) {
  for (size_t i = 0; i < segments_.size(); ++i) {
    EXPECT_EQ(fs::path(segments_[i]).filename(), SegmentName(i * 5));
    EXPECT_EQ(fs::file_size(segments_[i]), 5 * 49u);
  }
}

TEST_F(CorruptionTest, FlippedPayloadBitInAnOlderSegmentIsDataLoss) {
  FlipBit(segments_[3], 2 * 49 + kHeader + 7, 3);  // payload of the third frame
  auto log = EventLog::Open(tmp_.log(), options_);
  ASSERT_EQ(log.status().code(), StatusCode::kDataLoss) << log.status().ToString();
  EXPECT_THAT(log.status().message(), HasSubstr(SegmentName(15)));
  EXPECT_THAT(log.status().message(), HasSubstr("offset 98"));
  // The files are left alone for an operator to look at.
  EXPECT_EQ(Segments(tmp_.log(), 0).size(), 10u);
}

TEST_F(CorruptionTest, FlippedLengthBitInAnOlderSegmentIsDataLoss) {
  FlipBit(segments_[0], 49 + 1, 0);  // length of the second frame
  auto log = EventLog::Open(tmp_.log(), options_);
  ASSERT_EQ(log.status().code(), StatusCode::kDataLoss) << log.status().ToString();
  EXPECT_THAT(log.status().message(), HasSubstr(SegmentName(0)));
  EXPECT_THAT(log.status().message(), HasSubstr("offset 49"));
}

TEST_F(CorruptionTest, MissingMiddleSegmentIsDataLoss) {
  fs::remove(segments_[4]);
  auto log = EventLog::Open(tmp_.log(), options_);
  ASSERT_EQ(log.status().code(), StatusCode::kDataLoss) << log.status().ToString();
  EXPECT_THAT(log.status().message(), HasSubstr(SegmentName(25)));
}

TEST_F(CorruptionTest, ReplayDetectsCorruptionOfAnOpenLog) {
  auto log = MustOpen(tmp_.log(), options_);
  ASSERT_NE(log, nullptr);
  FlipBit(segments_[6], 49 * 4 + kHeader, 1);  // seq 34
  int calls = 0;
  Status s = log->Replay(0, 31, [&](uint64_t, const LogEntry&) {
    ++calls;
    return true;
  });
  EXPECT_EQ(s.code(), StatusCode::kDataLoss) << s.ToString();
  EXPECT_THAT(s.message(), HasSubstr(SegmentName(30)));
  EXPECT_EQ(calls, 3);  // 31, 32, 33
  // Replaying past the damage works.
  EXPECT_EQ(ReplayAll(*log, 0, 35).size(), 15u);
}

TEST_F(CorruptionTest, ReleaseDeletesWholeOldSegmentsOnly) {
  auto log = MustOpen(tmp_.log(), options_);
  ASSERT_NE(log, nullptr);
  ASSERT_TRUE(log->Release(0, 4).ok());  // segment 0..4 still holds 4
  EXPECT_EQ(Segments(tmp_.log(), 0).size(), 10u);
  ASSERT_TRUE(log->Release(0, 12).ok());  // 0..4 and 5..9 go; 10..14 holds 12
  std::vector<std::string> left = Segments(tmp_.log(), 0);
  ASSERT_EQ(left.size(), 8u);
  EXPECT_EQ(fs::path(left[0]).filename(), SegmentName(10));

  std::vector<Seen> seen = ReplayAll(*log, 0);  // starts at the oldest entry kept
  ASSERT_EQ(seen.size(), 40u);
  EXPECT_EQ(seen.front().seq, 10u);
  EXPECT_EQ(ReplayAll(*log, 0, 12).front().seq, 12u);

  // Releasing everything keeps the active segment.
  ASSERT_TRUE(log->Release(0, UINT64_MAX).ok());
  left = Segments(tmp_.log(), 0);
  ASSERT_EQ(left.size(), 1u);
  EXPECT_EQ(fs::path(left[0]).filename(), SegmentName(45));
  auto seq = log->Append(0, {Entry(1, "more")});
  ASSERT_TRUE(seq.ok());
  EXPECT_EQ(*seq, 50u);
  log->Close();
  EXPECT_EQ(log->Release(0, 0).code(), StatusCode::kUnavailable);

  log = MustOpen(tmp_.log(), options_);
  ASSERT_NE(log, nullptr);
  EXPECT_EQ(log->NextSequence(0), 51u);
  seen = ReplayAll(*log, 0);
  ASSERT_EQ(seen.size(), 6u);
  EXPECT_EQ(seen.front().seq, 45u);
  EXPECT_EQ(seen.back().payload, "more");
}

TEST(EventLogTest, FrameLargerThanASegmentGetsItsOwn) {
  TempDir tmp;
  const EventLogOptions options{.partitions = 1, .segment_bytes = 100};
  auto log = MustOpen(tmp.log(), options);
  ASSERT_NE(log, nullptr);
  ASSERT_TRUE(
      log->Append(0, {Entry(1, "small"), Entry(1, std::string(500, 'L')), Entry(1, "small again")})
          .ok());
  std::vector<std::string> segs = Segments(tmp.log(), 0);
  ASSERT_EQ(segs.size(), 3u);
  EXPECT_EQ(fs::file_size(segs[1]), kHeader + 500);
  EXPECT_EQ(fs::path(segs[2]).filename(), SegmentName(2));
  std::vector<Seen> seen = ReplayAll(*log, 0);
  ASSERT_EQ(seen.size(), 3u);
  EXPECT_EQ(seen[1].payload, std::string(500, 'L'));
}

TEST(EventLogTest, PartitionCountMismatchIsRefused) {
  TempDir tmp;
  ASSERT_NE(MustOpen(tmp.log(), {.partitions = 4}), nullptr);
  auto log = EventLog::Open(tmp.log(), {.partitions = 2});
  EXPECT_EQ(log.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(log.status().message(), HasSubstr("4 partitions"));
  EXPECT_NE(MustOpen(tmp.log(), {.partitions = 4}), nullptr);
}

// partitions = 0: a new log gets the machine's default, an existing one keeps its count.
TEST(EventLogTest, ZeroPartitionsMeansAsOnDisk) {
  TempDir fresh;
  {
    auto log = MustOpen(fresh.log(), {.partitions = 0});
    ASSERT_NE(log, nullptr);
    EXPECT_EQ(log->partitions(), DefaultLogPartitions());
    EXPECT_GE(DefaultLogPartitions(), 1);
    EXPECT_LE(DefaultLogPartitions(), 4);
    ASSERT_TRUE(log->Append(0, {Entry(1, "kept")}).ok());
  }
  auto again = MustOpen(fresh.log(), {.partitions = 0});
  ASSERT_NE(again, nullptr);
  EXPECT_EQ(again->partitions(), DefaultLogPartitions());
  EXPECT_EQ(ReplayAll(*again, 0).size(), 1u);
  again.reset();

  TempDir seven;
  ASSERT_NE(MustOpen(seven.log(), {.partitions = 7}), nullptr);
  auto seven_again = MustOpen(seven.log(), {.partitions = 0});
  ASSERT_NE(seven_again, nullptr);
  EXPECT_EQ(seven_again->partitions(), 7);
}

TEST(EventLogTest, DirectoryIsOpenOnlyOnce) {
  TempDir tmp;
  auto first = MustOpen(tmp.log(), {.partitions = 1});
  ASSERT_NE(first, nullptr);
  EXPECT_EQ(EventLog::Open(tmp.log(), {.partitions = 1}).status().code(),
            StatusCode::kFailedPrecondition);
  first->Close();
  EXPECT_NE(MustOpen(tmp.log(), {.partitions = 1}), nullptr);
}

TEST(EventLogTest, CloseThenAppendIsUnavailable) {
  TempDir tmp;
  auto log = MustOpen(tmp.log(), {.partitions = 1});
  ASSERT_NE(log, nullptr);
  ASSERT_TRUE(log->Append(0, {Entry(1, "x")}).ok());
  log->Close();
  log->Close();  // idempotent
  EXPECT_EQ(log->Append(0, {Entry(1, "y")}).status().code(), StatusCode::kUnavailable);
  // What was written stays readable.
  EXPECT_EQ(ReplayAll(*log, 0).size(), 1u);
}

TEST(EventLogTest, CloseFinishesPendingAppends) {
  TempDir tmp;
  auto log = MustOpen(tmp.log(), {.partitions = 2});
  ASSERT_NE(log, nullptr);
  std::atomic<uint64_t> acked[2] = {0, 0};
  std::atomic<int> started{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 6; ++t) {
    threads.emplace_back([&, t] {
      std::vector<LogEntry> batch(10, Entry(1, "payload"));
      ++started;
      for (;;) {
        auto seq = log->Append(t % 2, batch);
        if (!seq.ok()) {
          EXPECT_EQ(seq.status().code(), StatusCode::kUnavailable);
          return;
        }
        acked[t % 2] += batch.size();
      }
    });
  }
  while (started < 6) std::this_thread::yield();
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  log->Close();
  for (auto& th : threads) th.join();
  // Every Append that got in was finished; nothing else was written.
  log = MustOpen(tmp.log(), {.partitions = 2});
  ASSERT_NE(log, nullptr);
  for (int p = 0; p < 2; ++p) {
    EXPECT_GT(acked[p].load(), 0u);
    EXPECT_EQ(log->NextSequence(p), acked[p].load());
  }
}

TEST(EventLogTest, ReplayWhileAppendingAndReleasing) {
  TempDir tmp;
  auto log = MustOpen(tmp.log(), {.partitions = 1, .segment_bytes = 4096, .sync = false});
  ASSERT_NE(log, nullptr);
  std::atomic<uint64_t> acked{0};
  std::atomic<bool> done{false};
  std::thread writer([&] {
    std::vector<LogEntry> batch(7);
    for (int a = 0; a < 1500; ++a) {
      for (size_t i = 0; i < batch.size(); ++i) {
        batch[i] = Entry(2, "n" + std::to_string(acked.load() + i));
      }
      auto seq = log->Append(0, batch);
      ASSERT_TRUE(seq.ok());
      ASSERT_EQ(*seq, acked.load());
      acked += batch.size();
    }
    done = true;
  });
  std::thread releaser([&] {
    while (!done) {
      ASSERT_TRUE(log->Release(0, acked.load() / 2).ok());
      std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
  });
  int replays = 0;
  while (!done || replays < 3) {
    const uint64_t before = acked.load();
    uint64_t first = UINT64_MAX;
    uint64_t next = 0;
    Status s = log->Replay(0, 0, [&](uint64_t seq, const LogEntry& e) {
      if (first == UINT64_MAX) first = next = seq;
      EXPECT_EQ(seq, next);
      EXPECT_EQ(e.payload, "n" + std::to_string(seq));
      ++next;
      return true;
    });
    ASSERT_TRUE(s.ok()) << s.ToString();
    EXPECT_GE(next, before);  // sees everything acknowledged before it started
    ++replays;
  }
  writer.join();
  releaser.join();
  EXPECT_EQ(log->NextSequence(0), 1500u * 7);
}

std::vector<Seen> TailRead(LogTail& tail, uint64_t upto = UINT64_MAX) {
  std::vector<Seen> out;
  Status s = tail.Read(upto, [&](uint64_t seq, uint8_t type, std::string_view payload) {
    out.push_back({seq, type, std::string(payload)});
    return true;
  });
  EXPECT_TRUE(s.ok()) << s.ToString();
  return out;
}

// 40-byte payloads, 49-byte frames: five to a 256-byte segment.
std::string TailPayload(uint64_t seq) {
  std::string p = "t" + std::to_string(seq);
  p.resize(40, '.');
  return p;
}

TEST(EventLogTailTest, FollowsAppendsAcrossSegmentsUpToWhatIsDurable) {
  TempDir tmp;
  auto log = MustOpen(tmp.log(), {.partitions = 1, .segment_bytes = 256});
  ASSERT_NE(log, nullptr);
  auto tail = log->Tail(0, 0);
  ASSERT_TRUE(tail.ok()) << tail.status().ToString();
  EXPECT_TRUE(TailRead(**tail).empty());
  auto append = [&](uint64_t from, uint64_t n) {
    std::vector<LogEntry> batch;
    for (uint64_t i = from; i < from + n; ++i) batch.push_back(Entry(3, TailPayload(i)));
    auto seq = log->Append(0, batch);
    ASSERT_TRUE(seq.ok());
    ASSERT_EQ(*seq, from);
  };
  append(0, 7);  // into the second segment
  std::vector<Seen> seen = TailRead(**tail);
  ASSERT_EQ(seen.size(), 7u);
  for (uint64_t i = 0; i < 7; ++i) {
    EXPECT_EQ(seen[i].seq, i);
    EXPECT_EQ(seen[i].type, 3);
    EXPECT_EQ(seen[i].payload, TailPayload(i));
  }
  append(7, 9);
  seen = TailRead(**tail, 10);  // stops at `upto`
  ASSERT_EQ(seen.size(), 3u);
  EXPECT_EQ(seen.back().seq, 9u);
  EXPECT_EQ((*tail)->next(), 10u);
  // fn stops it: the entry it was given counts as read.
  Status s = (*tail)->Read(UINT64_MAX, [](uint64_t, uint8_t, std::string_view) { return false; });
  ASSERT_TRUE(s.ok());
  EXPECT_EQ((*tail)->next(), 11u);
  seen = TailRead(**tail);
  ASSERT_EQ(seen.size(), 5u);
  EXPECT_EQ(seen.front().seq, 11u);
  EXPECT_EQ(seen.back().payload, TailPayload(15));
  EXPECT_EQ((*tail)->next(), log->NextSequence(0));

  // The segment a tail reads is kept from Release; those before it go.
  auto behind = log->Tail(0, 2);
  ASSERT_TRUE(behind.ok());
  ASSERT_EQ(TailRead(**behind, 3).size(), 1u);  // reads 2, in segment 0..4
  ASSERT_TRUE(log->Release(0, 16).ok());
  EXPECT_EQ(fs::path(Segments(tmp.log(), 0).front()).filename(), SegmentName(0));
  seen = TailRead(**behind);
  ASSERT_EQ(seen.size(), 13u);
  EXPECT_EQ(seen.front().seq, 3u);
  ASSERT_TRUE(log->Release(0, 16).ok());  // it has moved to the active segment
  EXPECT_EQ(fs::path(Segments(tmp.log(), 0).front()).filename(), SegmentName(15));
  behind->reset();

  // A tail from a released entry starts at the oldest kept.
  auto late = log->Tail(0, 1);
  ASSERT_TRUE(late.ok());
  seen = TailRead(**late);
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen.front().seq, 15u);
  log->Close();
  EXPECT_EQ(log->Tail(0, 0).status().code(), StatusCode::kUnavailable);
}

TEST(EventLogTailTest, ACorruptFrameIsDataLossNamingTheFile) {
  TempDir tmp;
  auto log = MustOpen(tmp.log(), {.partitions = 1, .segment_bytes = 256});
  ASSERT_NE(log, nullptr);
  for (uint64_t i = 0; i < 12; ++i) ASSERT_TRUE(log->Append(0, {Entry(1, TailPayload(i))}).ok());
  const std::string second = Segments(tmp.log(), 0)[1];
  std::string bytes = ReadBytes(second);
  bytes[49 + kHeader + 3] ^= 1;  // payload of entry 6
  WriteBytes(second, bytes);
  auto tail = log->Tail(0, 0);
  ASSERT_TRUE(tail.ok());
  std::vector<uint64_t> seqs;
  Status s = (*tail)->Read(UINT64_MAX, [&](uint64_t seq, uint8_t, std::string_view) {
    seqs.push_back(seq);
    return true;
  });
  EXPECT_EQ(s.code(), StatusCode::kDataLoss);
  EXPECT_THAT(s.message(), HasSubstr(SegmentName(5)));
  EXPECT_THAT(s.message(), HasSubstr("sequence 6"));
  EXPECT_EQ(seqs.size(), 6u);
  EXPECT_EQ((*tail)->next(), 6u);
}

// The store applier's use: one thread tails what the appenders have made durable, and
// releases what it has read, while segments roll.
TEST(EventLogTailTest, SeesEveryEntryOnceWhileAppendingAndReleasing) {
  TempDir tmp;
  auto log = MustOpen(tmp.log(), {.partitions = 1, .segment_bytes = 4096, .sync = false});
  ASSERT_NE(log, nullptr);
  std::atomic<bool> done{false};
  std::vector<std::thread> writers;
  for (int w = 0; w < 3; ++w) {
    writers.emplace_back([&, w] {
      std::vector<LogEntry> batch(5);
      for (int a = 0; a < 400; ++a) {
        for (size_t i = 0; i < batch.size(); ++i) {
          batch[i] =
              Entry(static_cast<uint8_t>(w),
                    "w" + std::to_string(w) + ":" + std::to_string(a) + ":" + std::to_string(i));
        }
        ASSERT_TRUE(log->Append(0, batch).ok());
      }
    });
  }
  std::thread closer([&] {
    for (auto& t : writers) t.join();
    done = true;
  });
  auto tail = log->Tail(0, 0);
  ASSERT_TRUE(tail.ok());
  std::vector<int> next_append(3, 0), next_item(3, 0);
  uint64_t expect_seq = 0;
  bool last = false;
  while (!last) {
    last = done.load();
    Status s = (*tail)->Read(
        log->NextSequence(0), [&](uint64_t seq, uint8_t type, std::string_view payload) {
          EXPECT_EQ(seq, expect_seq++);
          // Each writer's entries arrive in its order.
          EXPECT_EQ(payload, "w" + std::to_string(type) + ":" + std::to_string(next_append[type]) +
                                 ":" + std::to_string(next_item[type]));
          if (++next_item[type] == 5) next_item[type] = 0, ++next_append[type];
          return true;
        });
    ASSERT_TRUE(s.ok()) << s.ToString();
    ASSERT_TRUE(log->Release(0, (*tail)->next()).ok());
  }
  closer.join();
  EXPECT_EQ(expect_seq, 3u * 400 * 5);
  EXPECT_EQ((*tail)->next(), log->NextSequence(0));
  EXPECT_EQ(Segments(tmp.log(), 0).size(), 1u);
}

// --- Crash test: a child appends until it is SIGKILLed; every acknowledged entry survives. ---

struct CrashAck {
  uint32_t round;
  uint32_t thread;
  uint32_t append;
  uint32_t partition;
  uint64_t first_seq;
  uint64_t count;
};

std::string CrashPayload(uint32_t round, uint32_t thread, uint32_t append, uint64_t i) {
  std::string p = std::to_string(round) + ":" + std::to_string(thread) + ":" +
                  std::to_string(append) + ":" + std::to_string(i) + ":";
  const size_t len = 20 + (append * 31 + i * 17 + thread) % 400;
  while (p.size() < len) p += static_cast<char>('A' + (p.size() * 7 + i) % 26);
  return p;
}

size_t CrashBatchSize(uint32_t thread, uint32_t append) { return 1 + (append * 13 + thread) % 60; }

constexpr EventLogOptions kCrashOptions{.partitions = 2, .segment_bytes = 256 << 10};

[[noreturn]] void CrashChild(const std::string& dir, uint32_t round, int ack_fd) {
  auto log = EventLog::Open(dir, kCrashOptions);
  if (!log.ok()) ::_exit(2);
  std::vector<std::thread> threads;
  for (uint32_t t = 0; t < 3; ++t) {
    threads.emplace_back([&, t] {
      std::vector<LogEntry> batch;
      for (uint32_t a = 0;; ++a) {
        batch.clear();
        for (size_t i = 0; i < CrashBatchSize(t, a); ++i) {
          batch.push_back(Entry(static_cast<uint8_t>(t), CrashPayload(round, t, a, i)));
        }
        const uint32_t partition = (t + a) % 2;
        auto seq = (*log)->Append(static_cast<int>(partition), batch);
        if (!seq.ok()) ::_exit(3);
        CrashAck ack{round, t, a, partition, *seq, batch.size()};
        if (::write(ack_fd, &ack, sizeof ack) != sizeof ack) ::_exit(4);
      }
    });
  }
  for (auto& th : threads) th.join();
  ::_exit(0);
}

TEST(EventLogCrashTest, AcknowledgedEntriesSurviveSigkill) {
  TempDir tmp;
  std::mt19937 rng(static_cast<uint32_t>(::getpid()) ^ 0x5eed);
  std::vector<CrashAck> acks;
  constexpr uint32_t kRounds = 5;
  for (uint32_t round = 0; round < kRounds; ++round) {
    int fds[2];
    ASSERT_EQ(::pipe(fds), 0);
    ::fcntl(fds[1], F_SETPIPE_SZ, 1 << 20);
    const pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      ::close(fds[0]);
      CrashChild(tmp.log(), round, fds[1]);
    }
    ::close(fds[1]);
    // Wait for the first acknowledgement, then kill at a random moment.
    CrashAck ack;
    ASSERT_EQ(::read(fds[0], &ack, sizeof ack), static_cast<ssize_t>(sizeof ack));
    acks.push_back(ack);
    std::this_thread::sleep_for(std::chrono::microseconds(20000 + rng() % 300000));
    ASSERT_EQ(::kill(pid, SIGKILL), 0);
    int wstatus = 0;
    ASSERT_EQ(::waitpid(pid, &wstatus, 0), pid);
    ASSERT_TRUE(WIFSIGNALED(wstatus)) << "child exited with " << WEXITSTATUS(wstatus);
    size_t round_acks = 1;
    for (;;) {
      const ssize_t n = ::read(fds[0], &ack, sizeof ack);
      if (n == 0) break;
      ASSERT_EQ(n, static_cast<ssize_t>(sizeof ack));
      acks.push_back(ack);
      ++round_acks;
    }
    ::close(fds[0]);

    auto log = MustOpen(tmp.log(), kCrashOptions);
    ASSERT_NE(log, nullptr);
    std::vector<Seen> seen[2] = {ReplayAll(*log, 0), ReplayAll(*log, 1)};
    for (int p = 0; p < 2; ++p) {
      ASSERT_EQ(seen[p].size(), log->NextSequence(p));
      for (size_t i = 0; i < seen[p].size(); ++i) ASSERT_EQ(seen[p][i].seq, i);
    }
    for (const CrashAck& a : acks) {
      const std::vector<Seen>& s = seen[a.partition];
      ASSERT_EQ(a.count, CrashBatchSize(a.thread, a.append));
      ASSERT_LE(a.first_seq + a.count, s.size())
          << "round " << a.round << " thread " << a.thread << " append " << a.append;
      for (uint64_t i = 0; i < a.count; ++i) {
        ASSERT_EQ(s[a.first_seq + i].type, a.thread);
        ASSERT_EQ(s[a.first_seq + i].payload, CrashPayload(a.round, a.thread, a.append, i));
      }
    }
    std::cerr << "crash round " << round << ": " << round_acks << " acknowledged appends, log has "
              << seen[0].size() << " + " << seen[1].size() << " entries\n";
  }
}

}  // namespace
}  // namespace quanyu::bus

namespace quanyu::bus {
namespace {

TEST(EventLogAppendManyTest, AppendsToSeveralPartitionsAndReportsEachFirstSequence) {
  std::string tmpl = (std::filesystem::temp_directory_path() / "quanyu-many-XXXXXX").string();
  ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
  EventLogOptions o;
  o.partitions = 3;
  {
    auto log = EventLog::Open(tmpl, o);
    ASSERT_TRUE(log.ok()) << log.status().ToString();
    std::vector<LogEntry> a = {{1, "a0"}, {1, "a1"}}, b = {{2, "b0"}}, c = {{3, "c0"}};
    ASSERT_TRUE((*log)->Append(1, b).ok());  // partition 1 starts at 1 below
    std::vector<uint64_t> firsts;
    ASSERT_TRUE((*log)->AppendMany({{0, &a}, {1, &b}, {2, &c}}, &firsts).ok());
    EXPECT_EQ(firsts, (std::vector<uint64_t>{0, 1, 0}));
    EXPECT_EQ((*log)->NextSequence(0), 2u);
    // A bad partition fails the call before anything is queued.
    EXPECT_FALSE((*log)->AppendMany({{0, &a}, {7, &b}}, &firsts).ok());
    EXPECT_EQ(firsts[0], EventLog::kNotAppended);
    EXPECT_EQ((*log)->NextSequence(0), 2u);
  }
  auto log = EventLog::Open(tmpl, o);
  ASSERT_TRUE(log.ok());
  std::vector<std::string> seen;
  ASSERT_TRUE((*log)
                  ->Replay(1, 0,
                           [&](uint64_t, const LogEntry& e) {
                             seen.push_back(e.payload);
                             return true;
                           })
                  .ok());
  EXPECT_EQ(seen, (std::vector<std::string>{"b0", "b0"}));
  (*log)->Close();
  std::filesystem::remove_all(tmpl);
}

}  // namespace
}  // namespace quanyu::bus
