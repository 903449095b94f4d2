// How the SQLite backend lays out passage records (private to the store module). Pure
// functions, unit-tested on their own (passage_layout_test.cc); sqlite_store.cc puts them
// together and sqlite_migrations.cc describes the tables.
//
// Partitions. Passages live in one table per local day of pass_time, "passages_YYYYMMDD",
// the day taken in UTC+8 (China Standard Time, which has no daylight saving time). A row's
// key k orders the table by pass_time: k = (microseconds since the local midnight) << 26 | seq,
// where seq (26 bits) only tells apart rows with the same pass_time. Rows arrive roughly in
// pass_time order, so inserts append to the end of the table's B-tree.
//
// Index runs. The secondary indexes (by id, by plate, by checkpoint) are not SQLite indexes,
// whose per-row random B-tree inserts cost more than the row itself: each Apply writes, per day
// and kind, one sorted run of 12-byte entries (a 32-bit key, the row's k) cut into blocks, and
// runs of similar size are merged as they accumulate, as in a log-structured merge tree. A
// key is the KeyHash of the id or plate (readers compare the text to drop hash collisions) or
// the checkpoint's number in the name dictionary (exact).
#pragma once

#include <compare>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "events/passage.h"

namespace quanyu::store::internal {

// --- Days and row keys.

inline constexpr UnixMicros kPartitionUtcOffset = 8 * kMicrosPerHour;
inline constexpr int kSeqBits = 26;
inline constexpr uint64_t kSeqMask = (uint64_t{1} << kSeqBits) - 1;

// A pass_time as a local day (days since 1970-01-01 in UTC+8) and the microseconds since that
// day's local midnight, in [0, kMicrosPerDay). Defined for every int64 value.
struct DayTime {
  int64_t day = 0;
  int64_t offset = 0;
  bool operator==(const DayTime&) const = default;
};
DayTime SplitPassTime(UnixMicros t);
// The inverse of SplitPassTime. REQUIRES: the result fits in an int64 (it does for every
// (day, offset) that SplitPassTime returned).
UnixMicros JoinPassTime(int64_t day, int64_t offset);

// "passages_20261129" for the local day 2026-11-29; days outside years 0..9999 get
// "passages_d<day>" ("passages_dm<-day>" when negative). Distinct days get distinct names.
std::string PartitionTableName(int64_t day);

// REQUIRES: 0 <= offset < kMicrosPerDay.
inline int64_t RowKey(int64_t offset, uint64_t seq) {
  return static_cast<int64_t>((static_cast<uint64_t>(offset) << kSeqBits) | (seq & kSeqMask));
}
inline int64_t RowKeyOffset(int64_t k) { return k >> kSeqBits; }
// The smallest k of any row with this offset (to bound a range).
inline int64_t FirstRowKey(int64_t offset) { return RowKey(offset, 0); }

// --- Index keys.

// A 32-bit hash of an id or a plate, stored in the database: it must never change.
uint32_t KeyHash(std::string_view s);
// For tests: makes KeyHash return fn(s) (nullptr restores the real hash), e.g. a constant to
// force collisions. Affects every store in the process; use it only on fresh databases.
void SetKeyHashForTesting(uint32_t (*fn)(std::string_view));

enum class IndexKind : int { kId = 0, kPlate = 1, kCheckpoint = 2 };
inline constexpr int kIndexKinds = 3;

struct IndexEntry {
  uint32_t key = 0;
  int64_t k = 0;
  auto operator<=>(const IndexEntry&) const = default;
};
inline constexpr size_t kIndexEntryBytes = 12;

// Little-endian key then k, kIndexEntryBytes each.
void AppendIndexEntries(std::span<const IndexEntry> entries, std::string* out);
// The i-th entry. REQUIRES: (i + 1) * kIndexEntryBytes <= data.size().
IndexEntry IndexEntryAt(std::string_view data, size_t i);

// Sorts *entries in ascending order, as std::sort would, using *scratch as room: a radix sort
// on the 32-bit key (passes whose digit is the same throughout are skipped), then each run of
// equal keys by k. Several times faster than std::sort for the tens of thousands of entries an
// Apply writes.
void SortIndexEntries(std::vector<IndexEntry>* entries, std::vector<IndexEntry>* scratch);

// Merges sorted runs of encoded entries (AppendIndexEntries' form) into one sorted run,
// appended to *out, reading and writing the encoded form directly. REQUIRES: every run's size
// is a multiple of kIndexEntryBytes and its entries are sorted.
void MergeIndexRuns(std::span<const std::string_view> runs, std::string* out);

// Size class of a run of n entries for the merge policy: runs of the same class are merged
// once kRunsPerMerge of them exist. Class 0 below 4096 entries, then one class per factor 8.
inline constexpr int kRunsPerMerge = 8;
int RunSizeClass(int64_t n);

// --- The rest of a row: the fields no query filters on, in one compact blob.

// Encodes every field of p except id, checkpoint_id, pass_time and plate (columns of their
// own), with device_num standing for device_id. Image refs are stored as UTF-8: bytes that are
// not well-formed UTF-8 become U+FFFD; an occurrence of the record id in one (and of the
// checkpoint id before it) is stored as a marker. A NaN speed is stored as -1 (unknown).
void EncodePassageRest(const events::PassageRecord& p, int64_t device_num, std::string* out);
// Fills the fields EncodePassageRest wrote. REQUIRES: p->pass_time, p->id and
// p->checkpoint_id are set (received is stored relative to pass_time, and image references
// that contain the ids without them). False if the blob is malformed.
bool DecodePassageRest(std::string_view blob, events::PassageRecord* p, int64_t* device_num);

}  // namespace quanyu::store::internal
