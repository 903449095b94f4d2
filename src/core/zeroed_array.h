// A fixed-size, zero-filled array of a trivial type, for the open-addressing hash sets whose
// lookups land anywhere in millions of slots (the ingest duplicate filter, the store's ids of a
// day). Arrays of 1 MiB and more are mapped from the kernel, which zeroes them lazily, page by
// page as they are first touched, so neither creating nor dropping one writes it out whole;
// from 4 MiB on they ask for transparent huge pages (only a hint): in 2 MiB pages, random
// lookups fault and miss the TLB far less often. Smaller arrays come from calloc.
#pragma once

#include <sys/mman.h>

#include <cstddef>
#include <cstdlib>
#include <new>
#include <type_traits>
#include <utility>

namespace quanyu {

template <typename T>
class ZeroedArray {
  static_assert(std::is_trivial_v<T>, "the array's memory is only ever zeroed, never constructed");

 public:
  static constexpr size_t kMapBytes = size_t{1} << 20;
  static constexpr size_t kHugeBytes = size_t{4} << 20;

  ZeroedArray() = default;
  // Throws std::bad_alloc when there is no memory.
  explicit ZeroedArray(size_t n) : n_(n) {
    if (n == 0) return;
    const size_t bytes = n * sizeof(T);
    void* p = nullptr;
    if (bytes >= kMapBytes) {
      p = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
      if (p == MAP_FAILED) throw std::bad_alloc();
      if (bytes >= kHugeBytes) (void)::madvise(p, bytes, MADV_HUGEPAGE);
    } else {
      p = std::calloc(n, sizeof(T));
      if (p == nullptr) throw std::bad_alloc();
    }
    data_ = static_cast<T*>(p);
  }
  ZeroedArray(const ZeroedArray&) = delete;
  ZeroedArray& operator=(const ZeroedArray&) = delete;
  ZeroedArray(ZeroedArray&& o) noexcept
      : data_(std::exchange(o.data_, nullptr)), n_(std::exchange(o.n_, 0)) {}
  ZeroedArray& operator=(ZeroedArray&& o) noexcept {
    if (this != &o) {
      Free();
      data_ = std::exchange(o.data_, nullptr);
      n_ = std::exchange(o.n_, 0);
    }
    return *this;
  }
  ~ZeroedArray() { Free(); }

  T* data() { return data_; }
  const T* data() const { return data_; }
  size_t size() const { return n_; }
  bool empty() const { return n_ == 0; }
  T& operator[](size_t i) { return data_[i]; }
  const T& operator[](size_t i) const { return data_[i]; }
  T* begin() { return data_; }
  T* end() { return data_ + n_; }
  const T* begin() const { return data_; }
  const T* end() const { return data_ + n_; }

 private:
  void Free() {
    if (data_ == nullptr) return;
    if (n_ * sizeof(T) >= kMapBytes) {
      ::munmap(data_, n_ * sizeof(T));
    } else {
      std::free(data_);
    }
    data_ = nullptr;
    n_ = 0;
  }

  T* data_ = nullptr;
  size_t n_ = 0;
};

}  // namespace quanyu
