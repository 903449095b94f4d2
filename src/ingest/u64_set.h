// A set of 64-bit keys in one flat array (open addressing, linear probing, at most half full),
// for the duplicate filter that sees every accepted record: no allocation per key, one cache
// line per lookup in the common case. Erase shifts the following keys back instead of leaving
// tombstones, so lookups stay short after many erasures.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

namespace quanyu::ingest {

class U64Set {
 public:
  bool contains(uint64_t key) const {
    if (key == 0) return has_zero_;
    for (size_t i = Home(key);; i = (i + 1) & mask_) {
      if (slots_[i] == key) return true;
      if (slots_[i] == 0) return false;
    }
  }

  // True if the key was not in the set.
  bool insert(uint64_t key) {
    if (key == 0) return !std::exchange(has_zero_, true);
    if (2 * (size_ + 1) > slots_.size()) Grow();
    size_t i = Home(key);
    for (; slots_[i] != 0; i = (i + 1) & mask_) {
      if (slots_[i] == key) return false;
    }
    slots_[i] = key;
    ++size_;
    return true;
  }

  // True if the key was in the set.
  bool erase(uint64_t key) {
    if (key == 0) return std::exchange(has_zero_, false);
    size_t i = Home(key);
    for (; slots_[i] != key; i = (i + 1) & mask_) {
      if (slots_[i] == 0) return false;
    }
    // Backward shift: move each following key whose home is not between the hole and it.
    for (size_t j = (i + 1) & mask_; slots_[j] != 0; j = (j + 1) & mask_) {
      const size_t home = Home(slots_[j]);
      const bool stays = i <= j ? (i < home && home <= j) : (i < home || home <= j);
      if (!stays) {
        slots_[i] = slots_[j];
        i = j;
      }
    }
    slots_[i] = 0;
    --size_;
    return true;
  }

  // Empties the set and keeps its room.
  void clear() {
    std::fill(slots_.begin(), slots_.end(), 0);
    size_ = 0;
    has_zero_ = false;
  }

  size_t size() const { return size_ + (has_zero_ ? 1 : 0); }

  void swap(U64Set& other) noexcept {
    slots_.swap(other.slots_);
    std::swap(size_, other.size_);
    std::swap(mask_, other.mask_);
    std::swap(shift_, other.shift_);
    std::swap(has_zero_, other.has_zero_);
  }

 private:
  // Fibonacci hashing: the top bits of key × 2^64/φ, so that keys differing only in low bits
  // still spread.
  size_t Home(uint64_t key) const {
    return static_cast<size_t>((key * 0x9E3779B97F4A7C15ull) >> shift_);
  }

  void Grow() {
    std::vector<uint64_t> old;
    old.swap(slots_);
    const size_t room = old.empty() ? 16 : 2 * old.size();
    slots_.assign(room, 0);
    mask_ = room - 1;
    shift_ = 64;
    for (size_t r = room; r > 1; r >>= 1) --shift_;
    size_ = 0;
    for (uint64_t key : old) {
      if (key == 0) continue;
      size_t i = Home(key);
      while (slots_[i] != 0) i = (i + 1) & mask_;
      slots_[i] = key;
      ++size_;
    }
  }

  std::vector<uint64_t> slots_ = std::vector<uint64_t>(16, 0);
  size_t size_ = 0;
  size_t mask_ = 15;
  int shift_ = 60;  // 64 - log2(slots_.size())
  bool has_zero_ = false;
};

}  // namespace quanyu::ingest
