// Matcher: the current alert-list entries, compiled for fast lookup by plate.
//
// A Matcher is immutable once built; the owner of the lists builds a new one after a change
// and swaps it in (AlertLists keeps it in an atomic shared_ptr), so evaluation on the hot path
// takes no lock and a caller may keep one snapshot for a whole batch of records.
//
// Inside, every plate is packed into a 64-bit key, 7 bits per character (digits, letters, the
// 31 province abbreviations, the suffix characters and 应急; plates have at most 9
// characters). Exact entries sit in an array sorted by key behind an open-addressing hash
// table of keys. Patterns are grouped by length and, within a length, by one known character
// (the anchor: a serial character where possible, chosen to keep the groups even), so that a
// plate is tested only against patterns of its length that agree with it at their anchor; a
// test is one AND and one compare of packed keys.
//
// Partly read plates ('?', '_' or '*' for each unknown character, as events marks them) match
// exact entries that agree at every known character (tried by enumerating, for each unknown
// position, the characters that occur there among the exact entries; a read with more than
// kMaxUnknownForExact unknowns matches patterns only, being too vague to name one vehicle),
// and patterns that agree wherever both are known. Such hits carry partial_read: a candidate
// for a person to confirm, not an identification.
//
// Usage:
//   ASSIGN_OR_RETURN(std::shared_ptr<const Matcher> m, Matcher::Build(std::move(entries)));
//   std::vector<Hit> hits;
//   m->Match(record.plate, record.pass_time, &hits);
//
// Thread safety: a built Matcher may be used from any number of threads at once.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/status.h"
#include "rules/alert_list.h"

namespace quanyu::rules {

// What a Matcher keeps of an entry.
struct MatchEntry {
  std::string entry_id;  // at most 255 bytes
  std::string list_id;
  std::string plate;  // normalised plate, or pattern with '?' for each unknown character
  EntryKind kind = EntryKind::kExact;
  Category category = Category::kWantedInCase;
  int priority = 2;
  UnixMicros valid_from = 0;  // matches when valid_from <= t < valid_until
  UnixMicros valid_until = 0;
  // What an alert shows of the entry, so that raising one reads nothing from the store.
  std::string owner_agency;
  std::string case_no;  // of the legal basis

  bool operator==(const MatchEntry&) const = default;
};
MatchEntry ToMatchEntry(const AlertEntry& e);

struct Hit {
  std::string_view entry_id;  // views into the Matcher: valid while it lives
  std::string_view list_id;
  EntryKind kind = EntryKind::kExact;
  Category category = Category::kWantedInCase;
  int priority = 2;
  UnixMicros valid_until = 0;
  bool partial_read = false;      // the plate looked up was read only in part
  std::string_view owner_agency;  // views into the Matcher too
  std::string_view case_no;
};

class Matcher {
 public:
  // Partly read plates with more unknown characters than this are not matched against exact
  // entries.
  static constexpr int kMaxUnknownForExact = 2;

  // InvalidArgument ("entries[i].plate") for a plate that is not made of plate characters or
  // is longer than 9 characters, "entries[i].entry_id" for an id longer than 255 bytes.
  static StatusOr<std::shared_ptr<const Matcher>> Build(std::vector<MatchEntry> entries);
  // An empty matcher.
  static std::shared_ptr<const Matcher> Empty();

  // Appends to *out every entry matching `plate` (normalised, as events stores it; '?', '_' or
  // '*' for an unknown character) whose window holds t (valid_from <= t < valid_until), and
  // returns how many it appended. Text that is not a plate matches nothing. Exact hits come
  // first, in entry order for equal plates.
  size_t Match(std::string_view plate, UnixMicros t, std::vector<Hit>* out) const;

  // Match for many records: appends (index into plates, hit) for every hit of plates[i] at
  // times[i], in index order, and returns how many. The hash-table slots of a group of plates
  // are prefetched together so that their cache misses overlap: the form for the pipeline.
  // REQUIRES: plates.size() == times.size().
  struct BatchHit {
    size_t index;
    Hit hit;
  };
  size_t MatchBatch(std::span<const std::string_view> plates, std::span<const UnixMicros> times,
                    std::vector<BatchHit>* out) const;

  // The earliest valid_until of any entry: when the next expiry is due. nullopt if empty.
  std::optional<UnixMicros> NextExpiry() const;
  // Ids of the entries whose valid_until <= t, earliest first.
  std::vector<std::string> ExpiredBy(UnixMicros t) const;

  // Every entry, decoded again (for building the next matcher after a change).
  std::vector<MatchEntry> Entries() const;

  size_t size() const { return recs_.size(); }
  size_t exact_count() const { return exact_count_; }
  size_t pattern_count() const { return recs_.size() - exact_count_; }
  // Heap bytes held (arrays, id arena), for sizing.
  size_t MemoryBytes() const;

  // Packs a plate or pattern; exposed for tests and benchmarks. false for text that is not
  // made of plate characters or has more than 9 of them.
  struct Packed {
    uint64_t key = 0;    // 7 bits per character from bit 0; 0 at unknown positions
    uint64_t known = 0;  // 0x7F at every known position
    uint8_t length = 0;  // characters
    uint8_t unknown = 0;
  };
  static bool Pack(std::string_view plate, Packed* out);

 private:
  struct Rec {
    uint64_t key;
    UnixMicros valid_from;
    UnixMicros valid_until;
    uint32_t id_offset;  // into ids_: one length byte, the id, its basis (4 bytes, into bases_)
    uint16_t list;       // into lists_
    uint8_t category;
    uint8_t priority_kind;  // priority in the low 4 bits, kind in bit 4
  };
  struct Basis {  // what an alert shows of an entry
    std::string owner_agency, case_no;
  };
  static constexpr int kMaxLength = 9;
  static constexpr int kCodes = 128;
  struct Range {
    uint32_t begin = 0, end = 0;
  };

  Matcher() = default;
  void AppendHit(uint32_t rec, bool partial, std::vector<Hit>* out) const;
  size_t MatchExact(uint64_t key, UnixMicros t, bool partial, std::vector<Hit>* out) const;
  size_t MatchPartialExact(const Packed& p, UnixMicros t, std::vector<Hit>* out) const;
  size_t MatchPatterns(const Packed& p, UnixMicros t, std::vector<Hit>* out) const;
  std::string_view IdOf(const Rec& r) const;
  const Basis& BasisOf(const Rec& r) const;
  // Bucket of patterns of `length` anchored at `pos` on character `code`.
  const Range& Bucket(int length, int pos, int code) const {
    return buckets_[((length - 1) * kMaxLength + pos) * kCodes + code];
  }

  std::vector<Rec> recs_;  // exact entries sorted by key, then patterns by bucket
  size_t exact_count_ = 0;
  struct PatternKey {
    uint64_t key, known;
  };
  // Per pattern (index - exact_count_), contiguous so that a bucket is scanned in one sweep.
  std::vector<PatternKey> pattern_keys_;
  std::vector<uint8_t> pattern_length_;  // per pattern, in characters
  struct Slot {
    uint64_t key;    // 0 = empty
    uint32_t first;  // recs_ [first, first + count) hold this key
    uint32_t count;
  };
  std::vector<Slot> table_;  // open addressing over exact keys: one cache line per probe
  int table_bits_ = 0;
  std::vector<Range> buckets_;  // kMaxLength * kMaxLength * kCodes; empty without patterns
  // Per length and position, the character codes found there among exact entries (2 words).
  std::vector<uint64_t> present_;
  std::vector<uint32_t> by_expiry_;  // rec indexes by valid_until
  std::string ids_;
  std::vector<std::string> lists_;
  std::vector<Basis> bases_;  // distinct pairs: the entries of one case share theirs
};

}  // namespace quanyu::rules
