// A set of 64-bit keys in one flat array (open addressing, linear probing, at most half full),
// for the duplicate filter that sees every accepted record: no allocation per key, one cache
// line per lookup in the common case. Erase shifts the following keys back instead of leaving
// tombstones, so lookups stay short after many erasures.
//
// Growing never stops the caller for long: the set moves to an array twice the size and then
// carries the keys of the old one over a few slots at each insert, looking in both arrays
// meanwhile. (Rehashing a filter of millions of keys at once, under the ingest lock, held up
// every request for tens of milliseconds.) Large arrays come from the kernel already zeroed,
// page by page as they are first touched (huge pages where allowed: core/zeroed_array.h), so
// neither growing nor clear() writes them out whole.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <utility>

#include "core/prefetch.h"
#include "core/zeroed_array.h"

namespace quanyu::ingest {

class U64Set {
 public:
  U64Set() : table_(kMinSlots) {}

  bool contains(uint64_t key) const {
    if (key < 2) return (specials_ & (1u << key)) != 0;
    return table_.Find(key) != kNone || (old_.size() != 0 && old_.Find(key) != kNone);
  }

  // Starts loading the cache line where a lookup of key begins: a large set misses the cache
  // on nearly every lookup, and a batch can overlap those misses by prefetching a few keys
  // ahead. Changes nothing.
  void prefetch(uint64_t key) const {
    if (key < 2) return;
    PrefetchLine(table_.slots.data() + table_.Home(key));
    if (old_.size() != 0) PrefetchLine(old_.slots.data() + old_.Home(key));
  }

  // True if the key was not in the set.
  bool insert(uint64_t key) {
    if (key < 2) {
      const bool had = (specials_ & (1u << key)) != 0;
      specials_ |= 1u << key;
      return !had;
    }
    if (2 * (size_ + 1) > table_.size()) {
      FinishMove();
      StartGrow();
    }
    if (old_.size() != 0 && old_.Find(key) != kNone) return false;  // not carried over yet
    if (!table_.Place(key)) return false;
    ++size_;
    if (old_.size() != 0) MoveSome(kMovePerInsert);
    return true;
  }

  // True if the key was in the set.
  bool erase(uint64_t key) {
    if (key < 2) {
      const bool had = (specials_ & (1u << key)) != 0;
      specials_ &= ~(1u << key);
      return had;
    }
    bool found = table_.Erase(key);
    if (old_.size() != 0) {
      // Carried over or not, it must not be found in the old array again (nor carried over
      // later): a tombstone keeps the probe chains of the keys after it intact.
      const size_t at = old_.Find(key);
      if (at != kNone) {
        old_.slots[at] = kTombstone;
        found = true;
      }
    }
    if (found) --size_;
    return found;
  }

  // Empties the set and keeps its room.
  void clear() {
    table_ = Table(table_.size());
    old_ = Table();
    move_at_ = 0;
    size_ = 0;
    specials_ = 0;
  }

  size_t size() const {
    return size_ + ((specials_ & 1u) != 0 ? 1 : 0) + ((specials_ & 2u) != 0 ? 1 : 0);
  }

  void swap(U64Set& other) noexcept {
    std::swap(table_, other.table_);
    std::swap(old_, other.old_);
    std::swap(move_at_, other.move_at_);
    std::swap(size_, other.size_);
    std::swap(specials_, other.specials_);
  }

 private:
  // In an array, 0 marks an empty slot and 1 a removed key of the old array; keys 0 and 1 are
  // kept in specials_.
  static constexpr uint64_t kEmpty = 0, kTombstone = 1;
  static constexpr size_t kNone = ~size_t{0};
  static constexpr size_t kMinSlots = 16;
  // Old slots carried over per insert: the old array (N slots) is done before the new one
  // (2N slots, a quarter full after the move) fills to half, N / 2 inserts later.
  static constexpr size_t kMovePerInsert = 8;

  struct Table {
    ZeroedArray<uint64_t> slots;  // a power of two of them, or none
    size_t mask = 0;
    int shift = 64;  // 64 - log2(size)

    Table() = default;
    explicit Table(size_t n) : slots(n), mask(n - 1) {
      for (size_t r = n; r > 1; r >>= 1) --shift;
    }
    Table(Table&& o) noexcept { *this = std::move(o); }
    Table& operator=(Table&& o) noexcept {
      if (this != &o) {
        slots = std::move(o.slots);
        mask = std::exchange(o.mask, 0);
        shift = std::exchange(o.shift, 64);
      }
      return *this;
    }
    size_t size() const { return slots.size(); }

    // Fibonacci hashing: the top bits of key × 2^64/φ, so that keys differing only in low
    // bits still spread.
    size_t Home(uint64_t key) const {
      return static_cast<size_t>((key * 0x9E3779B97F4A7C15ull) >> shift);
    }
    size_t Find(uint64_t key) const {
      for (size_t i = Home(key);; i = (i + 1) & mask) {
        if (slots[i] == key) return i;
        if (slots[i] == kEmpty) return kNone;
      }
    }
    // False if the key is there already. REQUIRES: a free slot; no tombstones.
    bool Place(uint64_t key) {
      size_t i = Home(key);
      for (; slots[i] != kEmpty; i = (i + 1) & mask) {
        if (slots[i] == key) return false;
      }
      slots[i] = key;
      return true;
    }
    // REQUIRES: no tombstones.
    bool Erase(uint64_t key) {
      size_t i = Find(key);
      if (i == kNone) return false;
      // Backward shift: move each following key whose home is not between the hole and it.
      for (size_t j = (i + 1) & mask; slots[j] != kEmpty; j = (j + 1) & mask) {
        const size_t home = Home(slots[j]);
        const bool stays = i <= j ? (i < home && home <= j) : (i < home || home <= j);
        if (!stays) {
          slots[i] = slots[j];
          i = j;
        }
      }
      slots[i] = kEmpty;
      return true;
    }
  };

  void StartGrow() {
    old_ = std::move(table_);
    table_ = Table(2 * old_.size());
    move_at_ = 0;
  }

  // Carries `count` slots of the old array over; drops it when all are.
  void MoveSome(size_t count) {
    const size_t end = std::min(old_.size(), move_at_ + count);
    for (; move_at_ < end; ++move_at_) {
      const uint64_t key = old_.slots[move_at_];
      if (key > kTombstone) table_.Place(key);
    }
    if (move_at_ == old_.size()) old_ = Table();
  }

  void FinishMove() {
    if (old_.size() != 0) MoveSome(old_.size());
  }

  Table table_;
  Table old_;           // being carried over into table_ when it has slots
  size_t move_at_ = 0;  // old_ slots before this are carried over (and stay, for lookups)
  size_t size_ = 0;     // keys >= 2, in either array
  unsigned specials_ = 0;
};

}  // namespace quanyu::ingest
