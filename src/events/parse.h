// Parsers for passage records as they arrive: GA/T 1400 MotorVehicleObject lists and the
// platform's own JSON form (a JSON array or NDJSON).
//
// A parse never fails as a whole for one bad object: each object becomes a ParsedItem that
// holds either a record or a Rejection, plus the object's original JSON text for quarantine.
// Only a body that is not JSON at all, or lacks the envelope, is an error (Status).
//
// Tolerance (real devices differ): numbers may arrive as strings and strings as numbers;
// optional fields may be missing; member names match without regard to case ("PlateNO");
// unknown (vendor) fields are checked as JSON (`tru` in one makes the body invalid) but not
// read; image data in SubImageList is never kept, only its references (StoragePath, else
// ImageID; StorageUrl1..5).
// Every object is classified with CheckPlate while parsing: text that is not a plate makes the
// item !ok with "invalid_plate". A field that cannot be converted ("Speed":"fast",
// "PassTime":"2026-13-40") makes the item !ok with a Rejection naming the field as sent.
//
// The JSON is checked strictly (RFC 8259 grammar, UTF-8, escapes, unescaped control
// characters), skipped members included, in one pass over the body where it lies: the body is
// not copied, and nothing before or after it is read. Numbers are kept as written where text
// is wanted, so ids beyond 64 bits arrive intact; image data is scanned, never copied.
// Thread safety: a Parser is not thread-safe; use one per thread. Parsers are meant to be
// reused: they keep their buffers and the member names of the objects they saw last (objects
// of one device share their layout, which makes the next ones quicker to read).
#pragma once

#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "events/passage.h"
#include "events/validator.h"

namespace quanyu::events {

struct ParsedItem {
  bool ok = false;
  PassageRecord record;  // valid when ok
  Rejection rejection;   // valid when !ok
  // The object's JSON text as received, for quarantine, except that image data is cut: Data
  // members, and any string longer than 1 KiB, become "<omitted>". For an NDJSON line that is
  // not JSON, the line. Set for every item, accepted ones too: the ingest pipeline validates
  // accepted items again (checkpoint known and active, time window, duplicates) and quarantines
  // those it refuses with this text.
  std::string raw;
  std::string record_id;  // the id if one could be read, also when !ok
};

// A list of ParsedItems meant to be parsed into again and again (one per thread, say): Clear
// keeps the items and their strings' storage, and Add hands out a kept item reset to its
// defaults, so that once warm a parse allocates nothing for most records.
class ParsedItems {
 public:
  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  ParsedItem& operator[](size_t i) { return slots_[i]; }
  const ParsedItem& operator[](size_t i) const { return slots_[i]; }
  ParsedItem* begin() { return slots_.data(); }
  ParsedItem* end() { return slots_.data() + size_; }
  const ParsedItem* begin() const { return slots_.data(); }
  const ParsedItem* end() const { return slots_.data() + size_; }
  std::span<ParsedItem> span() { return {slots_.data(), size_}; }

  // A new last item, equal to ParsedItem() but for its strings' capacity.
  ParsedItem& Add();
  // Keeps the first n items. REQUIRES: n <= size().
  void Truncate(size_t n) { size_ = n; }
  void Clear() { size_ = 0; }
  // Keeps the storage of at most n items (after a batch far larger than the usual ones).
  void ShrinkTo(size_t n);
  // Moves the items to the end of `out`, leaving this list empty.
  void MoveTo(std::vector<ParsedItem>* out);

 private:
  std::vector<ParsedItem> slots_;  // slots_[size_..] are kept for later Adds
  size_t size_ = 0;
};

struct ParseOptions {
  // Offset of devices' local time (PassTime) east of UTC, seconds. Default: China, UTC+8.
  int local_offset_seconds = 8 * 3600;
  // Stamped into PassageRecord::received.
  UnixMicros received = 0;
};

class Parser {
 public:
  Parser();
  ~Parser();
  Parser(const Parser&) = delete;
  Parser& operator=(const Parser&) = delete;

  // Parses {"MotorVehicleListObject":{"MotorVehicleObject":[...]}}. Also accepts a single
  // {"MotorVehicleObject":{...}}. Appends one item per object to `out`; on an error nothing
  // is appended. PassTime is yyyyMMddHHmmss (or "yyyy-MM-dd HH:mm:ss") local time at
  // opts.local_offset_seconds; TollgateID is the checkpoint, DeviceID when there is none.
  // Rejections use GA/T 1400 names.
  Status ParseGat1400MotorVehicles(std::string_view body, const ParseOptions& opts,
                                   ParsedItems* out);
  Status ParseGat1400MotorVehicles(std::string_view body, const ParseOptions& opts,
                                   std::vector<ParsedItem>* out);

  // Parses the platform's own form: a JSON array of objects, or NDJSON (one object per
  // line, blank lines ignored). Fields: id, checkpoint_id, pass_time (RFC 3339), device_id,
  // lane, plate, has_plate, plate_color (code or name), plate_class, speed_kmh,
  // vehicle_class, vehicle_color, direction, image_refs. Appends one item per object. A UTF-8
  // byte-order mark is skipped. In NDJSON a line that is not a JSON object becomes a !ok item
  // with code "invalid_json" and the line as raw; a body with no valid line at all, an empty
  // body or a broken JSON array is an error (nothing appended). Rejections use these names.
  Status ParsePassagesJson(std::string_view body, const ParseOptions& opts, ParsedItems* out);
  Status ParsePassagesJson(std::string_view body, const ParseOptions& opts,
                           std::vector<ParsedItem>* out);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// The platform's own JSON form of a record (the inverse of ParsePassagesJson), with times in
// RFC 3339 at `offset_seconds`. Members at their defaults are left out; "plate_status" and
// "received" are written for readers and ignored by the parser (status is recomputed from
// plate and has_plate; received comes from ParseOptions).
std::string PassageToJson(const PassageRecord& r, int offset_seconds = 8 * 3600);

}  // namespace quanyu::events
