#include "store/passage_layout.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <functional>
#include <utility>
#include <vector>

#include "core/json_text.h"

namespace quanyu::store::internal {
namespace {

// floor(a / b) for b > 0, on 128 bits so that no int64 input overflows.
__int128 FloorDiv(__int128 a, __int128 b) {
  __int128 q = a / b;
  if (a % b != 0 && a < 0) --q;
  return q;
}

// Howard Hinnant's civil_from_days: the proleptic Gregorian date of a day since 1970-01-01.
void CivilFromDays(int64_t z, int64_t* y, unsigned* m, unsigned* d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  *d = doy - (153 * mp + 2) / 5 + 1;
  *m = mp < 10 ? mp + 3 : mp - 9;
  *y = static_cast<int64_t>(yoe) + era * 400 + (*m <= 2 ? 1 : 0);
}

uint64_t Load64(const unsigned char* p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

uint64_t Fmix64(uint64_t x) {
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdULL;
  x ^= x >> 33;
  x *= 0xc4ceb9fe1a85ec53ULL;
  x ^= x >> 33;
  return x;
}

uint32_t StableKeyHash(std::string_view s) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const size_t n = s.size();
  uint64_t h = 0x9E3779B97F4A7C15ULL ^ (static_cast<uint64_t>(n) * 0xC2B2AE3D27D4EB4FULL);
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    h = (h ^ Fmix64(Load64(p + i))) * 0x9E3779B97F4A7C15ULL;
    h = (h << 29) | (h >> 35);
  }
  uint64_t tail = 0;
  for (size_t j = n; j > i; --j) tail = (tail << 8) | p[j - 1];
  h ^= Fmix64(tail ^ 0x165667B19E3779F9ULL);
  return static_cast<uint32_t>(Fmix64(h) >> 32);
}

std::atomic<uint32_t (*)(std::string_view)> key_hash_override{nullptr};

// --- Varints.

void PutVarint(uint64_t v, std::string* out) {
  while (v >= 0x80) {
    out->push_back(static_cast<char>(v | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<char>(v));
}

uint64_t ZigZag(int64_t v) {
  return (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63);
}
int64_t UnZigZag(uint64_t v) { return static_cast<int64_t>((v >> 1) ^ (~(v & 1) + 1)); }

void PutString(std::string_view s, std::string* out) {
  PutVarint(s.size(), out);
  out->append(s);
}

// Reads from a blob, failing (sticky) on any overrun.
class Reader {
 public:
  explicit Reader(std::string_view s) : s_(s) {}
  bool ok() const { return ok_; }
  bool done() const { return pos_ == s_.size(); }

  uint64_t Varint() {
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (pos_ >= s_.size()) return Fail();
      auto b = static_cast<unsigned char>(s_[pos_++]);
      v |= static_cast<uint64_t>(b & 0x7F) << shift;
      if ((b & 0x80) == 0) return v;
    }
    return Fail();
  }
  uint8_t Byte() {
    if (pos_ >= s_.size()) return static_cast<uint8_t>(Fail());
    return static_cast<uint8_t>(s_[pos_++]);
  }
  void String(std::string* out) {
    uint64_t n = Varint();
    if (!ok_ || n > s_.size() - pos_) {
      Fail();
      return;
    }
    out->assign(s_.substr(pos_, n));
    pos_ += n;
  }
  uint64_t Fixed64() {
    if (s_.size() - pos_ < 8) return Fail();
    uint64_t v = Load64(reinterpret_cast<const unsigned char*>(s_.data() + pos_));
    pos_ += 8;
    return v;
  }

 private:
  uint64_t Fail() {
    ok_ = false;
    pos_ = s_.size();
    return 0;
  }
  std::string_view s_;
  size_t pos_ = 0;
  bool ok_ = true;
};

constexpr uint8_t kRestFormat = 1;
// How a speed is stored.
constexpr uint8_t kSpeedUnknown = 0;  // -1 (or NaN)
constexpr uint8_t kSpeedTenths = 1;   // a varint n, speed = n / 10.0 exactly
constexpr uint8_t kSpeedDouble = 2;   // 8 bytes, IEEE 754 little-endian
// How an image reference is stored: a form byte, then [before the checkpoint id] text
// [after the id] (the parts the flags say).
constexpr uint8_t kRefHasId = 1;          // the record id is cut out (its first occurrence)
constexpr uint8_t kRefHasCheckpoint = 2;  // so is the checkpoint id (first, before the id)

bool IsAscii(std::string_view s) {
  for (char c : s) {
    if (static_cast<unsigned char>(c) >= 0x80) return false;
  }
  return true;
}

}  // namespace

DayTime SplitPassTime(UnixMicros t) {
  __int128 local = static_cast<__int128>(t) + kPartitionUtcOffset;
  __int128 day = FloorDiv(local, kMicrosPerDay);
  return {static_cast<int64_t>(day), static_cast<int64_t>(local - day * kMicrosPerDay)};
}

UnixMicros JoinPassTime(int64_t day, int64_t offset) {
  return static_cast<UnixMicros>(static_cast<__int128>(day) * kMicrosPerDay + offset -
                                 kPartitionUtcOffset);
}

std::string PartitionTableName(int64_t day) {
  int64_t y = 0;
  unsigned m = 0, d = 0;
  CivilFromDays(day, &y, &m, &d);
  char buf[48];
  if (y >= 0 && y <= 9999) {
    std::snprintf(buf, sizeof buf, "passages_%04d%02u%02u", static_cast<int>(y), m, d);
  } else if (day >= 0) {
    std::snprintf(buf, sizeof buf, "passages_d%lld", static_cast<long long>(day));
  } else {
    std::snprintf(buf, sizeof buf, "passages_dm%llu",
                  static_cast<unsigned long long>(0 - static_cast<uint64_t>(day)));
  }
  return buf;
}

uint32_t KeyHash(std::string_view s) {
  uint32_t (*fn)(std::string_view) = key_hash_override.load(std::memory_order_relaxed);
  return fn != nullptr ? fn(s) : StableKeyHash(s);
}

void SetKeyHashForTesting(uint32_t (*fn)(std::string_view)) { key_hash_override.store(fn); }

void AppendIndexEntries(std::span<const IndexEntry> entries, std::string* out) {
  size_t at = out->size();
  out->resize(at + entries.size() * kIndexEntryBytes);
  auto* p = reinterpret_cast<unsigned char*>(out->data() + at);
  for (const IndexEntry& e : entries) {
    for (int i = 0; i < 4; ++i) *p++ = static_cast<unsigned char>(e.key >> (8 * i));
    auto k = static_cast<uint64_t>(e.k);
    for (int i = 0; i < 8; ++i) *p++ = static_cast<unsigned char>(k >> (8 * i));
  }
}

IndexEntry IndexEntryAt(std::string_view data, size_t i) {
  const auto* p = reinterpret_cast<const unsigned char*>(data.data()) + i * kIndexEntryBytes;
  uint32_t key = static_cast<uint32_t>(p[0]) | static_cast<uint32_t>(p[1]) << 8 |
                 static_cast<uint32_t>(p[2]) << 16 | static_cast<uint32_t>(p[3]) << 24;
  return {key, static_cast<int64_t>(Load64(p + 4))};
}

void SortIndexEntries(std::vector<IndexEntry>* entries, std::vector<IndexEntry>* scratch) {
  const size_t n = entries->size();
  if (n < 256) {
    std::sort(entries->begin(), entries->end());
    return;
  }
  // Three stable counting passes of 11, 11 and 10 bits, least significant first; all three
  // histograms are taken in one read.
  constexpr int kDigitBits = 11;
  constexpr uint32_t kDigitMask = (1u << kDigitBits) - 1;
  constexpr int kPasses = 3;
  std::array<uint32_t, (kPasses << kDigitBits)> counts{};
  for (const IndexEntry& e : *entries) {
    for (int pass = 0; pass < kPasses; ++pass) {
      ++counts[(pass << kDigitBits) + ((e.key >> (pass * kDigitBits)) & kDigitMask)];
    }
  }
  scratch->resize(n);
  for (int pass = 0; pass < kPasses; ++pass) {
    uint32_t* count = counts.data() + (pass << kDigitBits);
    const int shift = pass * kDigitBits;
    if (count[((*entries)[0].key >> shift) & kDigitMask] == n) continue;  // one digit throughout
    uint32_t sum = 0;
    for (uint32_t d = 0; d <= kDigitMask; ++d) sum += std::exchange(count[d], sum);
    IndexEntry* dst = scratch->data();
    for (const IndexEntry& e : *entries) dst[count[(e.key >> shift) & kDigitMask]++] = e;
    entries->swap(*scratch);
  }
  // Equal keys kept their order from the input: sort each such run by k.
  auto by_k = [](const IndexEntry& a, const IndexEntry& b) { return a.k < b.k; };
  auto it = entries->begin();
  while (it != entries->end()) {
    auto run_end = std::find_if(it + 1, entries->end(),
                                [key = it->key](const IndexEntry& e) { return e.key != key; });
    if (!std::is_sorted(it, run_end, by_k)) std::sort(it, run_end, by_k);
    it = run_end;
  }
}

void MergeIndexRuns(std::span<const std::string_view> runs, std::string* out) {
  // A binary min-heap of the runs' next entries, ordered by (entry, run) so that the merge is
  // deterministic. At most a few dozen runs are merged at once.
  struct Head {
    IndexEntry e;
    size_t run;
    size_t next;  // index of the entry after e in its run
    bool operator>(const Head& o) const { return e != o.e ? e > o.e : run > o.run; }
  };
  std::vector<Head> heap;
  size_t total = 0;
  for (size_t r = 0; r < runs.size(); ++r) {
    total += runs[r].size();
    if (!runs[r].empty()) heap.push_back({IndexEntryAt(runs[r], 0), r, 1});
  }
  std::make_heap(heap.begin(), heap.end(), std::greater<>());
  size_t at = out->size();
  out->resize(at + total);
  auto* p = reinterpret_cast<unsigned char*>(out->data() + at);
  while (!heap.empty()) {
    std::pop_heap(heap.begin(), heap.end(), std::greater<>());
    Head& h = heap.back();
    const std::string_view run = runs[h.run];
    // Copy the bytes of every entry of this run that comes before the other runs' heads.
    size_t end = h.next;
    const size_t n = run.size() / kIndexEntryBytes;
    if (heap.size() == 1) {
      end = n;
    } else {
      const Head& rival = heap.front();  // the smallest of the other heads
      while (end < n) {
        const IndexEntry e = IndexEntryAt(run, end);
        if (e > rival.e || (e == rival.e && h.run > rival.run)) break;
        ++end;
      }
    }
    const size_t first = h.next - 1;
    std::memcpy(p, run.data() + first * kIndexEntryBytes, (end - first) * kIndexEntryBytes);
    p += (end - first) * kIndexEntryBytes;
    if (end < n) {
      h.e = IndexEntryAt(run, end);
      h.next = end + 1;
      std::push_heap(heap.begin(), heap.end(), std::greater<>());
    } else {
      heap.pop_back();
    }
  }
}

int RunSizeClass(int64_t n) {
  if (n < 4096) return 0;
  int c = 1;
  for (int64_t limit = 4096 * 8; n >= limit && c < 20; limit *= 8) ++c;
  return c;
}

void EncodePassageRest(const events::PassageRecord& p, int64_t device_num, std::string* out) {
  out->clear();
  out->push_back(static_cast<char>(kRestFormat));
  PutVarint(static_cast<uint64_t>(device_num), out);
  PutVarint(ZigZag(p.lane), out);
  out->push_back(static_cast<char>(p.plate_status));
  PutVarint(ZigZag(p.plate_color), out);
  PutString(p.plate_class, out);
  double speed = std::isnan(p.speed_kmh) ? -1.0 : p.speed_kmh;
  double tenths = speed * 10.0;
  if (speed == -1.0) {
    out->push_back(static_cast<char>(kSpeedUnknown));
  } else if (!std::signbit(speed) && tenths < 1e15 && tenths == std::floor(tenths) &&
             static_cast<double>(static_cast<uint64_t>(tenths)) / 10.0 == speed) {
    out->push_back(static_cast<char>(kSpeedTenths));
    PutVarint(static_cast<uint64_t>(tenths), out);
  } else {
    out->push_back(static_cast<char>(kSpeedDouble));
    uint64_t bits = 0;
    std::memcpy(&bits, &speed, sizeof bits);
    for (int i = 0; i < 8; ++i) out->push_back(static_cast<char>(bits >> (8 * i)));
  }
  PutString(p.vehicle_class, out);
  PutString(p.vehicle_color, out);
  PutString(p.direction, out);
  PutVarint(p.image_refs.size(), out);
  std::string clean;
  for (const std::string& ref : p.image_refs) {
    std::string_view text = ref;
    if (!IsAscii(text)) {
      clean.clear();
      AppendSanitizedUtf8(ref, &clean);
      text = clean;
    }
    // Image references often name the record and its checkpoint: store those as markers.
    size_t at_id = p.id.empty() ? std::string_view::npos : text.find(p.id);
    std::string_view head = text.substr(0, at_id);
    size_t at_cp = p.checkpoint_id.empty() ? std::string_view::npos : head.find(p.checkpoint_id);
    uint8_t form = (at_id != std::string_view::npos ? kRefHasId : 0) |
                   (at_cp != std::string_view::npos ? kRefHasCheckpoint : 0);
    out->push_back(static_cast<char>(form));
    if (at_cp != std::string_view::npos) {
      PutString(head.substr(0, at_cp), out);
      head.remove_prefix(at_cp + p.checkpoint_id.size());
    }
    PutString(head, out);
    if (at_id != std::string_view::npos) PutString(text.substr(at_id + p.id.size()), out);
  }
  // Wrapping arithmetic: any pair of int64 values round-trips.
  PutVarint(ZigZag(static_cast<int64_t>(static_cast<uint64_t>(p.received) -
                                        static_cast<uint64_t>(p.pass_time))),
            out);
}

bool DecodePassageRest(std::string_view blob, events::PassageRecord* p, int64_t* device_num) {
  Reader r(blob);
  if (r.Byte() != kRestFormat) return false;
  *device_num = static_cast<int64_t>(r.Varint());
  p->lane = static_cast<int32_t>(UnZigZag(r.Varint()));
  uint8_t plate_status = r.Byte();
  if (plate_status > static_cast<uint8_t>(events::PlateStatus::kAbsent)) return false;
  p->plate_status = static_cast<events::PlateStatus>(plate_status);
  p->plate_color = static_cast<int32_t>(UnZigZag(r.Varint()));
  r.String(&p->plate_class);
  switch (r.Byte()) {
    case kSpeedUnknown:
      p->speed_kmh = -1.0;
      break;
    case kSpeedTenths:
      p->speed_kmh = static_cast<double>(r.Varint()) / 10.0;
      break;
    case kSpeedDouble: {
      uint64_t bits = r.Fixed64();
      std::memcpy(&p->speed_kmh, &bits, sizeof bits);
      break;
    }
    default:
      return false;
  }
  r.String(&p->vehicle_class);
  r.String(&p->vehicle_color);
  r.String(&p->direction);
  uint64_t refs = r.Varint();
  if (!r.ok() || refs > blob.size()) return false;
  p->image_refs.resize(refs);
  std::string part;
  for (std::string& ref : p->image_refs) {
    uint8_t form = r.Byte();
    if ((form & ~(kRefHasId | kRefHasCheckpoint)) != 0) return false;
    ref.clear();
    if (form & kRefHasCheckpoint) {
      r.String(&ref);
      ref += p->checkpoint_id;
    }
    r.String(&part);
    ref += part;
    if (form & kRefHasId) {
      r.String(&part);
      ref += p->id;
      ref += part;
    }
  }
  p->received = static_cast<UnixMicros>(static_cast<uint64_t>(p->pass_time) +
                                        static_cast<uint64_t>(UnZigZag(r.Varint())));
  return r.ok() && r.done();
}

}  // namespace quanyu::store::internal
