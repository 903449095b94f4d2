#include "ingest/pipeline.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <thread>

#include "core/time_format.h"

namespace quanyu::ingest {
namespace {

constexpr UnixMicros kNow = 1795910400LL * kMicrosPerSecond;  // 2026-11-29T00:00:00Z

class PipelineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (std::filesystem::temp_directory_path() / "quanyu-pipe-XXXXXX").string();
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
    store_ = OpenStore(dir_ + "/a.db");
    bus::EventLogOptions lo;
    lo.partitions = 3;
    auto log = bus::EventLog::Open(dir_ + "/log", lo);
    ASSERT_TRUE(log.ok()) << log.status().ToString();
    log_ = std::move(log).value();
    registry::Checkpoint cp;
    cp.id = "K1";
    cp.name = "卡口一";
    cp.position = {104.07, 30.67};
    ASSERT_TRUE(store_->PutCheckpoint(cp).ok());
    cp.id = "K2";
    cp.status = registry::CheckpointStatus::kFaulty;
    ASSERT_TRUE(store_->PutCheckpoint(cp).ok());
    pipeline_ = OpenPipeline(store_.get());
  }
  void TearDown() override {
    pipeline_.reset();
    log_.reset();
    store_.reset();
    std::filesystem::remove_all(dir_);
  }
  std::unique_ptr<store::Store> OpenStore(const std::string& path) {
    store::StoreOptions so;
    so.url = "sqlite:" + path;
    auto s = store::Store::Open(so);
    EXPECT_TRUE(s.ok()) << s.status().ToString();
    return std::move(s).value();
  }
  // Replaces the log (and closes the pipeline on it) with an empty one of `partitions`
  // partitions and 4 KiB segments (about 30 records each).
  void UseSmallSegmentLog(int partitions) {
    pipeline_.reset();
    log_.reset();
    std::filesystem::remove_all(dir_ + "/log");
    bus::EventLogOptions lo;
    lo.partitions = partitions;
    lo.segment_bytes = 4096;
    auto log = bus::EventLog::Open(dir_ + "/log", lo);
    ASSERT_TRUE(log.ok()) << log.status().ToString();
    log_ = std::move(log).value();
  }
  // The segment files of a partition of the log.
  size_t LogSegments(int partition) const {
    size_t n = 0;
    char name[8];
    std::snprintf(name, sizeof name, "p%02d", partition);
    for (const auto& e : std::filesystem::directory_iterator(dir_ + "/log/" + name)) {
      n += e.path().extension() == ".log";
    }
    return n;
  }
  // Waits (up to 20 s) until every partition is down to its active segment: the releaser
  // thread deletes the others about once a second.
  void AwaitOneSegmentEach() const {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    for (int p = 0; p < log_->partitions(); ++p) {
      while (LogSegments(p) > 1 && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      }
    }
  }
  std::unique_ptr<Pipeline> OpenPipeline(store::Store* store, PipelineOptions options = {}) {
    auto p = Pipeline::Open(store, log_.get(), &clock_, std::move(options));
    EXPECT_TRUE(p.ok()) << p.status().ToString();
    return std::move(p).value();
  }
  std::vector<ItemResult> SubmitJson(const std::string& ndjson) {
    events::Parser parser;
    events::ParseOptions po;
    po.received = clock_.Now();
    std::vector<events::ParsedItem> items;
    EXPECT_TRUE(parser.ParsePassagesJson(ndjson, po, &items).ok());
    std::vector<ItemResult> results;
    Status s = pipeline_->Submit(events::Source::kApi, items, &results);
    EXPECT_TRUE(s.ok()) << s.ToString();
    return results;
  }
  // What Submit answers for these records, when it refuses them.
  Status SubmitRefused(const std::string& ndjson) {
    events::Parser parser;
    std::vector<events::ParsedItem> items;
    EXPECT_TRUE(parser.ParsePassagesJson(ndjson, {}, &items).ok());
    std::vector<ItemResult> results;
    return pipeline_->Submit(events::Source::kApi, items, &results);
  }
  static std::string Rec(const std::string& id, const std::string& cp, const std::string& plate,
                         UnixMicros t = kNow) {
    return R"({"id":")" + id + R"(","checkpoint_id":")" + cp + R"(","pass_time":")" +
           FormatRfc3339(t, kChinaOffsetSeconds) + R"(","plate":")" + plate + "\"}\n";
  }

  std::string dir_;
  ManualClock clock_{kNow};
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<bus::EventLog> log_;
  std::unique_ptr<Pipeline> pipeline_;
};

TEST_F(PipelineTest, AcceptsRejectsAndDeduplicates) {
  auto r = SubmitJson(Rec("a", "K1", "川A12345") + Rec("b", "K2", "川A12345") +
                      Rec("c", "K9", "川A12345") + Rec("d", "K1", "川A1") +
                      Rec("e", "K1", "川S54321", kNow + 2 * kMicrosPerHour) +
                      Rec("a", "K1", "川A12345"));
  ASSERT_EQ(r.size(), 6u);
  EXPECT_EQ(r[0].outcome, Outcome::kAccepted);
  EXPECT_EQ(r[1].rejection.code, "inactive_checkpoint");
  EXPECT_EQ(r[2].rejection.code, "unknown_checkpoint");
  EXPECT_EQ(r[3].rejection.code, "invalid_plate");
  EXPECT_EQ(r[4].rejection.code, "future_time");
  EXPECT_EQ(r[5].outcome, Outcome::kDuplicate);  // within the same batch
  EXPECT_FALSE(r[1].quarantine_id.empty());
  // A resend in a later batch, after the record reached the store.
  ASSERT_TRUE(pipeline_->Flush().ok());
  EXPECT_EQ(SubmitJson(Rec("a", "K1", "川A12345"))[0].outcome, Outcome::kDuplicate);
  ASSERT_TRUE(pipeline_->Flush().ok());
  auto stats = store_->GetPassageStats();
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->passages, 1);
  EXPECT_EQ(stats->quarantined_open, 4);
  auto q = store_->GetQuarantine(r[3].quarantine_id);
  ASSERT_TRUE(q.ok());
  EXPECT_EQ(q->field, "plate");
  EXPECT_NE(q->payload.find("川A1"), std::string::npos);
}

// Back-pressure: while the store is more than max_queue records behind, a batch is refused
// whole and nothing of it is taken, so that the sender's resend is accepted once there is room.
TEST_F(PipelineTest, RefusesBatchesWhileTheStoreIsTooFarBehind) {
  std::atomic<bool> hold{true};
  PipelineOptions options;
  options.max_queue = 5;
  options.before_apply = [&] {
    while (hold.load()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  };
  pipeline_.reset();
  pipeline_ = OpenPipeline(store_.get(), options);
  EXPECT_TRUE(pipeline_->CanTake().ok());
  std::string six;
  for (int i = 0; i < 6; ++i) six += Rec("q" + std::to_string(i), "K1", "川A12345");
  for (const ItemResult& r : SubmitJson(six)) EXPECT_EQ(r.outcome, Outcome::kAccepted);

  Status room = pipeline_->CanTake();
  EXPECT_EQ(room.code(), StatusCode::kResourceExhausted) << room.ToString();
  EXPECT_NE(room.message().find("behind by 6 records"), std::string::npos) << room.ToString();
  EXPECT_EQ(SubmitRefused(Rec("late", "K1", "川B12345")).code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(pipeline_->Stats().accepted, 6u);

  hold = false;
  ASSERT_TRUE(pipeline_->Flush().ok());
  EXPECT_TRUE(pipeline_->CanTake().ok());
  auto again = SubmitJson(Rec("late", "K1", "川B12345"));
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(again[0].outcome, Outcome::kAccepted);  // not taken for a resend of itself
  ASSERT_TRUE(pipeline_->Flush().ok());
  EXPECT_EQ(store_->GetPassageStats()->passages, 7);
  pipeline_->Close();
  EXPECT_EQ(pipeline_->CanTake().code(), StatusCode::kUnavailable);
}

// The applier reads what it stores back from the log: across segment rolls in every
// partition; and the segments it has applied are deleted (by the releaser, within a second or
// so, once the store has synced them).
TEST_F(PipelineTest, StoresEverythingWhileTheLogRollsAndReleasesWhatItApplied) {
  ASSERT_NO_FATAL_FAILURE(UseSmallSegmentLog(3));
  pipeline_ = OpenPipeline(store_.get());
  size_t accepted = 0;
  for (int b = 0; b < 20; ++b) {
    std::string batch;
    for (int i = 0; i < 50; ++i) {
      const int n = b * 50 + i;
      batch += Rec("roll" + std::to_string(n), "K1", "川A" + std::to_string(10000 + n % 700));
    }
    for (const ItemResult& r : SubmitJson(batch)) accepted += r.outcome == Outcome::kAccepted;
  }
  ASSERT_EQ(accepted, 1000u);
  ASSERT_TRUE(pipeline_->Flush().ok());
  EXPECT_EQ(store_->GetPassageStats()->passages, 1000);
  EXPECT_EQ(pipeline_->Stats().queued, 0u);
  EXPECT_EQ(pipeline_->Stats().applied, 1000u);
  for (int p = 0; p < 3; ++p) {
    auto positions = store_->LogPositions();
    ASSERT_TRUE(positions.ok());
    EXPECT_EQ((*positions)[p], log_->NextSequence(p));
  }
  AwaitOneSegmentEach();
  for (int p = 0; p < 3; ++p) {
    EXPECT_EQ(LogSegments(p), 1u) << "partition " << p;  // only the active one is left
  }
}

// After a crash the log may still hold segments the store had applied; a restarted server
// deletes them even if nothing new arrives.
TEST_F(PipelineTest, ARestartReleasesSegmentsTheStoreAppliedBefore) {
  ASSERT_NO_FATAL_FAILURE(UseSmallSegmentLog(1));
  // Entries the store already has (as a crashed server leaves them): 40 segments' worth.
  std::vector<bus::LogEntry> entries(100, bus::LogEntry{0, std::string(1000, 'x')});
  ASSERT_TRUE(log_->Append(0, entries).ok());
  store::ApplyBatch applied;
  applied.log_positions[0] = log_->NextSequence(0);
  ASSERT_TRUE(store_->Apply(applied).ok());
  ASSERT_GT(LogSegments(0), 10u);
  pipeline_ = OpenPipeline(store_.get());
  AwaitOneSegmentEach();
  EXPECT_EQ(LogSegments(0), 1u);
  EXPECT_EQ(pipeline_->Stats().applied, 0u);
}

TEST_F(PipelineTest, AResendOfARecordNotYetInTheStoreIsADuplicate) {
  // The applier is held before its store transaction until the resend has been submitted
  // and has had time to look: the resend must wait for the store rather than take the record
  // again.
  std::atomic<bool> hold{true};
  std::atomic<int> applies{0};
  PipelineOptions options;
  options.before_apply = [&] {
    while (hold.load()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    ++applies;
  };
  pipeline_.reset();
  pipeline_ = OpenPipeline(store_.get(), options);
  EXPECT_EQ(SubmitJson(Rec("a", "K1", "川A12345"))[0].outcome, Outcome::kAccepted);
  std::thread release([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    hold.store(false);
  });
  EXPECT_EQ(SubmitJson(Rec("a", "K1", "川A12345"))[0].outcome, Outcome::kDuplicate);
  release.join();
  ASSERT_TRUE(pipeline_->Flush().ok());
  EXPECT_GE(applies.load(), 1);
  auto stats = store_->GetPassageStats();
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->passages, 1);
  EXPECT_EQ(pipeline_->Stats().accepted, 1u);
  EXPECT_EQ(pipeline_->Stats().duplicates, 1u);
}

TEST_F(PipelineTest, BeforeApplyRunsBeforeTheRecordsAreStored) {
  std::vector<bool> stored_when_called;
  PipelineOptions options;
  options.before_apply = [&] {
    auto got = store_->GetPassage("a");
    stored_when_called.push_back(got.ok() && got->has_value());
  };
  pipeline_.reset();
  pipeline_ = OpenPipeline(store_.get(), options);
  EXPECT_EQ(SubmitJson(Rec("a", "K1", "川A12345"))[0].outcome, Outcome::kAccepted);
  ASSERT_TRUE(pipeline_->Flush().ok());
  ASSERT_FALSE(stored_when_called.empty());
  EXPECT_FALSE(stored_when_called.front());
  auto got = store_->GetPassage("a");
  ASSERT_TRUE(got.ok());
  EXPECT_TRUE(got->has_value());
}

TEST_F(PipelineTest, CheckpointChangesTakeEffectAtOnce) {
  EXPECT_EQ(pipeline_->Lookup("K2"), events::CheckpointState::kFaulty);
  registry::Checkpoint cp;
  cp.id = "K2";
  cp.name = "修好了";
  cp.position = {104.07, 30.67};
  pipeline_->OnCheckpointChanged(cp);
  EXPECT_EQ(SubmitJson(Rec("x", "K2", "川A12345"))[0].outcome, Outcome::kAccepted);
  pipeline_->OnCheckpointDeleted("K2");
  EXPECT_EQ(SubmitJson(Rec("y", "K2", "川A12345"))[0].rejection.code, "unknown_checkpoint");
}

TEST_F(PipelineTest, ReplayingTheLogRebuildsTheSameStore) {
  std::string batch;
  for (int i = 0; i < 300; ++i) {
    batch +=
        Rec("r" + std::to_string(i), i % 7 == 0 ? "K9" : "K1", "川A" + std::to_string(10000 + i));
  }
  SubmitJson(batch);
  auto q = store_->ListQuarantine({});
  ASSERT_TRUE(pipeline_->Flush().ok());
  pipeline_->Close();
  auto before = store_->GetPassageStats();
  ASSERT_TRUE(before.ok());
  EXPECT_EQ(before->passages, 300 - 43);

  // A fresh store over the same log: Open replays everything.
  auto fresh = OpenStore(dir_ + "/b.db");
  registry::Checkpoint cp;
  cp.id = "K1";
  cp.name = "卡口一";
  cp.position = {104.07, 30.67};
  ASSERT_TRUE(fresh->PutCheckpoint(cp).ok());
  auto p2 = OpenPipeline(fresh.get());
  auto after = fresh->GetPassageStats();
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(after->passages, before->passages);
  EXPECT_EQ(after->quarantined_total, before->quarantined_total);
  auto one = fresh->GetPassage("r1");
  ASSERT_TRUE(one.ok() && one->has_value());
  EXPECT_EQ((*one)->plate, "川A10001");
}

// What the rules stage stores for a record (its alerts) must not be lost if the process dies
// after the store took the record: the store may take a record only once the stage is done,
// so that recovery, which re-evaluates what the store lacks, covers every unfinished stage.
TEST_F(PipelineTest, TheStoreTakesARecordOnlyAfterTheRulesStageIsDone) {
  pipeline_.reset();
  int calls = 0;
  bool stored_during_stage = false;
  PipelineOptions options;
  options.on_accepted = [&](std::span<const events::PassageRecord* const> records, bool) {
    ++calls;
    // Long enough for the applier to have stored the record had it been handed over.
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    for (const events::PassageRecord* r : records) {
      auto got = store_->GetPassage(r->id);
      stored_during_stage |= got.ok() && got->has_value();
    }
  };
  auto p = Pipeline::Open(store_.get(), log_.get(), &clock_, options);
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  pipeline_ = std::move(p).value();
  SubmitJson(Rec("s1", "K1", "川A54321") + Rec("s2", "K1", "川B54321"));
  EXPECT_EQ(calls, 1);
  EXPECT_FALSE(stored_during_stage);
  ASSERT_TRUE(pipeline_->Flush().ok());
  auto got = store_->GetPassage("s2");
  ASSERT_TRUE(got.ok() && got->has_value());
}

TEST_F(PipelineTest, ReplayAndDiscardQuarantineEntries) {
  auto r = SubmitJson(Rec("q1", "K9", "川A12345") + Rec("q2", "K1", "川A1"));
  ASSERT_TRUE(pipeline_->Flush().ok());
  // Unchanged, still rejected: stays open.
  auto again = pipeline_->Replay(r[0].quarantine_id, std::nullopt, "");
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->outcome, Outcome::kRejected);
  EXPECT_EQ(store_->GetQuarantine(r[0].quarantine_id)->state, "open");
  // Corrected: accepted and closed.
  auto fixed = pipeline_->Replay(
      r[0].quarantine_id,
      Rec("q1", "K1", "川A12345").substr(0, Rec("q1", "K1", "川A12345").size() - 1),
      "checkpoint id corrected");
  ASSERT_TRUE(fixed.ok()) << fixed.status().ToString();
  EXPECT_EQ(fixed->outcome, Outcome::kAccepted);
  auto closed = store_->GetQuarantine(r[0].quarantine_id);
  EXPECT_EQ(closed->state, "replayed");
  EXPECT_EQ(closed->resolution_note, "checkpoint id corrected");
  EXPECT_EQ(pipeline_->Replay(r[0].quarantine_id, std::nullopt, "").status().code(),
            StatusCode::kFailedPrecondition);
  // Discard needs a note.
  EXPECT_EQ(pipeline_->Discard(r[1].quarantine_id, "").code(), StatusCode::kInvalidArgument);
  ASSERT_TRUE(pipeline_->Discard(r[1].quarantine_id, "test record from installer").ok());
  EXPECT_EQ(store_->GetQuarantine(r[1].quarantine_id)->state, "discarded");
}

TEST_F(PipelineTest, ClosedPipelineRefuses) {
  pipeline_->Close();
  EXPECT_EQ(SubmitRefused(Rec("z", "K1", "川A12345")).code(), StatusCode::kUnavailable);
}

}  // namespace
}  // namespace quanyu::ingest
