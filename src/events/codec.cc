#include "events/codec.h"

#include <bit>
#include <cstdint>
#include <utility>

namespace quanyu::events {
namespace {

// Leading bytes: the record kind and its format version.
constexpr uint8_t kPassageV1 = 0x01;
constexpr uint8_t kQuarantineV1 = 0x81;

void PutVarint(uint64_t v, std::string* out) {
  while (v >= 0x80) {
    out->push_back(static_cast<char>(static_cast<uint8_t>(v) | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<char>(v));
}

void PutSigned(int64_t v, std::string* out) {
  // Zig-zag: small magnitudes of either sign take few bytes.
  PutVarint((static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63), out);
}

void PutString(std::string_view s, std::string* out) {
  PutVarint(s.size(), out);
  out->append(s);
}

void PutDouble(double d, std::string* out) {
  uint64_t bits = std::bit_cast<uint64_t>(d);
  for (int i = 0; i < 8; ++i) out->push_back(static_cast<char>(bits >> (8 * i)));
}

// Reads from a bounded view; every read checks what is left, so malformed input can only
// make it fail.
class Reader {
 public:
  explicit Reader(std::string_view in) : p_(in.data()), end_(in.data() + in.size()) {}

  bool done() const { return p_ == end_; }

  bool Byte(uint8_t* out) {
    if (p_ == end_) return false;
    *out = static_cast<uint8_t>(*p_++);
    return true;
  }

  bool Varint(uint64_t* out) {
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      uint8_t b;
      if (!Byte(&b)) return false;
      // The tenth byte holds only the top bit of a 64-bit value.
      if (shift == 63 && b > 1) return false;
      // Only the shortest form is valid, so that every value has one encoding.
      if (shift > 0 && b == 0) return false;
      v |= static_cast<uint64_t>(b & 0x7F) << shift;
      if ((b & 0x80) == 0) {
        *out = v;
        return true;
      }
    }
    return false;
  }

  bool Signed(int64_t* out) {
    uint64_t v;
    if (!Varint(&v)) return false;
    *out = static_cast<int64_t>((v >> 1) ^ (~(v & 1) + 1));
    return true;
  }

  bool Int32(int32_t* out) {
    int64_t v;
    if (!Signed(&v) || v < INT32_MIN || v > INT32_MAX) return false;
    *out = static_cast<int32_t>(v);
    return true;
  }

  bool String(std::string* out) {
    uint64_t n;
    if (!Varint(&n) || n > static_cast<uint64_t>(end_ - p_)) return false;
    out->assign(p_, static_cast<size_t>(n));
    p_ += n;
    return true;
  }

  bool Double(double* out) {
    if (end_ - p_ < 8) return false;
    uint64_t bits = 0;
    for (int i = 0; i < 8; ++i)
      bits |= static_cast<uint64_t>(static_cast<uint8_t>(p_[i])) << (8 * i);
    p_ += 8;
    *out = std::bit_cast<double>(bits);
    return true;
  }

  size_t left() const { return static_cast<size_t>(end_ - p_); }

 private:
  const char* p_;
  const char* end_;
};

}  // namespace

void EncodePassage(const PassageRecord& r, std::string* out) {
  out->push_back(static_cast<char>(kPassageV1));
  PutString(r.id, out);
  PutString(r.device_id, out);
  PutString(r.checkpoint_id, out);
  PutSigned(r.pass_time, out);
  PutSigned(r.lane, out);
  out->push_back(static_cast<char>(r.plate_status));
  PutString(r.plate, out);
  PutSigned(r.plate_color, out);
  PutString(r.plate_class, out);
  PutDouble(r.speed_kmh, out);
  PutString(r.vehicle_class, out);
  PutString(r.vehicle_color, out);
  PutString(r.direction, out);
  PutVarint(r.image_refs.size(), out);
  for (const auto& ref : r.image_refs) PutString(ref, out);
  PutSigned(r.received, out);
}

bool DecodePassage(std::string_view in, PassageRecord* r) {
  Reader rd(in);
  PassageRecord p;
  uint8_t version, status;
  uint64_t refs;
  if (!rd.Byte(&version) || version != kPassageV1) return false;
  if (!rd.String(&p.id) || !rd.String(&p.device_id) || !rd.String(&p.checkpoint_id) ||
      !rd.Signed(&p.pass_time) || !rd.Int32(&p.lane) || !rd.Byte(&status) ||
      status > static_cast<uint8_t>(PlateStatus::kAbsent) || !rd.String(&p.plate) ||
      !rd.Int32(&p.plate_color) || !rd.String(&p.plate_class) || !rd.Double(&p.speed_kmh) ||
      !rd.String(&p.vehicle_class) || !rd.String(&p.vehicle_color) || !rd.String(&p.direction) ||
      !rd.Varint(&refs)) {
    return false;
  }
  p.plate_status = static_cast<PlateStatus>(status);
  // Each reference takes at least its length byte: a larger count is garbage, and must not
  // drive an allocation.
  if (refs > rd.left()) return false;
  p.image_refs.resize(static_cast<size_t>(refs));
  for (auto& ref : p.image_refs) {
    if (!rd.String(&ref)) return false;
  }
  if (!rd.Signed(&p.received) || !rd.done()) return false;
  *r = std::move(p);
  return true;
}

void EncodeQuarantine(const QuarantineEntry& q, std::string* out) {
  out->push_back(static_cast<char>(kQuarantineV1));
  PutString(q.id, out);
  PutSigned(q.received, out);
  out->push_back(static_cast<char>(q.source));
  PutString(q.record_id, out);
  PutString(q.code, out);
  PutString(q.field, out);
  PutString(q.message, out);
  PutString(q.payload, out);
  PutString(q.state, out);
  PutSigned(q.resolved, out);
  PutString(q.resolution_note, out);
}

bool DecodeQuarantine(std::string_view in, QuarantineEntry* q) {
  Reader rd(in);
  QuarantineEntry e;
  uint8_t version, source;
  if (!rd.Byte(&version) || version != kQuarantineV1) return false;
  if (!rd.String(&e.id) || !rd.Signed(&e.received) || !rd.Byte(&source) ||
      source > static_cast<uint8_t>(Source::kReplay) || !rd.String(&e.record_id) ||
      !rd.String(&e.code) || !rd.String(&e.field) || !rd.String(&e.message) ||
      !rd.String(&e.payload) || !rd.String(&e.state) || !rd.Signed(&e.resolved) ||
      !rd.String(&e.resolution_note) || !rd.done()) {
    return false;
  }
  e.source = static_cast<Source>(source);
  *q = std::move(e);
  return true;
}

}  // namespace quanyu::events
