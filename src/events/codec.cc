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
    std::string_view v;
    if (!View(&v)) return false;
    out->assign(v);
    return true;
  }

  // A length-prefixed string, as a view into the input.
  bool View(std::string_view* out) {
    uint64_t n;
    if (!Varint(&n) || n > static_cast<uint64_t>(end_ - p_)) return false;
    *out = std::string_view(p_, static_cast<size_t>(n));
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
  std::string_view rest() const { return std::string_view(p_, left()); }

 private:
  const char* p_;
  const char* end_;
};

}  // namespace

void EncodePassage(const PassageRecord& r, std::string* out) {
  // One allocation, not one per doubling: the text plus room for every length and number.
  size_t bytes = 96 + r.id.size() + r.device_id.size() + r.checkpoint_id.size() + r.plate.size() +
                 r.plate_class.size() + r.vehicle_class.size() + r.vehicle_color.size() +
                 r.direction.size();
  for (const auto& ref : r.image_refs) bytes += 10 + ref.size();
  out->reserve(out->size() + bytes);
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
  // First the whole value is checked, reading strings as views into `in`; only then is *r
  // assigned, field by field, so that a record decoded into again and again reuses its
  // strings' storage (the replay and the rules stage decode millions).
  Reader rd(in);
  uint8_t version, status;
  std::string_view id, device_id, checkpoint_id, plate, plate_class, vehicle_class, vehicle_color,
      direction;
  int64_t pass_time, received;
  int32_t lane, plate_color;
  double speed_kmh;
  uint64_t refs;
  if (!rd.Byte(&version) || version != kPassageV1) return false;
  if (!rd.View(&id) || !rd.View(&device_id) || !rd.View(&checkpoint_id) || !rd.Signed(&pass_time) ||
      !rd.Int32(&lane) || !rd.Byte(&status) ||
      status > static_cast<uint8_t>(PlateStatus::kAbsent) || !rd.View(&plate) ||
      !rd.Int32(&plate_color) || !rd.View(&plate_class) || !rd.Double(&speed_kmh) ||
      !rd.View(&vehicle_class) || !rd.View(&vehicle_color) || !rd.View(&direction) ||
      !rd.Varint(&refs)) {
    return false;
  }
  // Each reference takes at least its length byte: a larger count is garbage, and must not
  // drive an allocation.
  if (refs > rd.left()) return false;
  const std::string_view refs_start = rd.rest();
  for (uint64_t i = 0; i < refs; ++i) {
    std::string_view ref;
    if (!rd.View(&ref)) return false;
  }
  const std::string_view ref_bytes = refs_start.substr(0, refs_start.size() - rd.left());
  if (!rd.Signed(&received) || !rd.done()) return false;

  r->id.assign(id);
  r->device_id.assign(device_id);
  r->checkpoint_id.assign(checkpoint_id);
  r->pass_time = pass_time;
  r->lane = lane;
  r->plate_status = static_cast<PlateStatus>(status);
  r->plate.assign(plate);
  r->plate_color = plate_color;
  r->plate_class.assign(plate_class);
  r->speed_kmh = speed_kmh;
  r->vehicle_class.assign(vehicle_class);
  r->vehicle_color.assign(vehicle_color);
  r->direction.assign(direction);
  r->image_refs.resize(static_cast<size_t>(refs));
  Reader again(ref_bytes);
  for (auto& ref : r->image_refs) {
    std::string_view v;
    again.View(&v);  // checked above
    ref.assign(v);
  }
  r->received = received;
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
