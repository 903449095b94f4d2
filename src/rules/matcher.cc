#include "rules/matcher.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cstring>
#include <unordered_map>

#include "core/prefetch.h"

namespace quanyu::rules {
namespace {

// Character codes: 1-10 digits, 11-36 letters, 37-67 provinces, 68-75 suffixes, 76 应, 77 急.
// 0 is "no character" (past the end, or unknown in a key).
constexpr int kFirstCjkCode = 37;
constexpr std::array<char32_t, 41> kCjk = {
    U'京', U'津', U'沪', U'渝', U'冀', U'豫', U'云', U'辽', U'黑', U'湘', U'皖',
    U'鲁', U'新', U'苏', U'浙', U'赣', U'鄂', U'桂', U'甘', U'晋', U'蒙', U'陕',
    U'吉', U'闽', U'贵', U'粤', U'青', U'藏', U'川', U'宁', U'琼',  // provinces
    U'警', U'学', U'挂', U'领', U'港', U'澳', U'试', U'超',         // suffixes
    U'应', U'急'};
constexpr uint8_t kWildcardCode = 127;

struct Tables {
  std::array<uint8_t, 128> ascii{};                    // byte -> code, 0 if none
  std::array<std::pair<char32_t, uint8_t>, 41> cjk{};  // sorted by code point
  std::array<std::string, 128> text;                   // code -> UTF-8
  Tables() {
    for (int c = '0'; c <= '9'; ++c) ascii[c] = static_cast<uint8_t>(1 + c - '0');
    for (int c = 'A'; c <= 'Z'; ++c) ascii[c] = static_cast<uint8_t>(11 + c - 'A');
    ascii['?'] = ascii['_'] = ascii['*'] = kWildcardCode;
    for (int c = 1; c <= 36; ++c) {
      text[c] = std::string(1, static_cast<char>(c <= 10 ? '0' + c - 1 : 'A' + c - 11));
    }
    for (size_t i = 0; i < kCjk.size(); ++i) {
      const auto code = static_cast<uint8_t>(kFirstCjkCode + i);
      cjk[i] = {kCjk[i], code};
      const char32_t c = kCjk[i];  // all in the BMP, 3 UTF-8 bytes
      text[code] = {static_cast<char>(0xE0 | (c >> 12)),
                    static_cast<char>(0x80 | ((c >> 6) & 0x3F)),
                    static_cast<char>(0x80 | (c & 0x3F))};
    }
    text[kWildcardCode] = "?";
    std::sort(cjk.begin(), cjk.end());
  }
};
const Tables& T() {
  static const Tables t;
  return t;
}

uint64_t Hash(uint64_t key) { return key * 0x9E3779B97F4A7C15ull; }

}  // namespace

MatchEntry ToMatchEntry(const AlertEntry& e) {
  MatchEntry m;
  m.entry_id = e.id;
  m.list_id = e.list_id;
  m.plate = e.plate;
  m.kind = e.kind;
  m.category = e.category;
  m.priority = e.priority;
  m.valid_from = e.valid_from;
  m.valid_until = e.removed != 0 ? std::min(e.valid_until, e.removed) : e.valid_until;
  m.owner_agency = e.owner_agency;
  m.case_no = e.legal_basis.case_no;
  return m;
}

bool Matcher::Pack(std::string_view s, Packed* out) {
  const Tables& t = T();
  Packed p;
  int n = 0;
  for (size_t i = 0; i < s.size();) {
    if (n == kMaxLength) return false;
    const auto b = static_cast<unsigned char>(s[i]);
    uint8_t code;
    if (b < 0x80) {
      code = t.ascii[b];
      ++i;
    } else {
      if ((b & 0xF0) != 0xE0 || i + 3 > s.size()) return false;
      const char32_t c = (static_cast<char32_t>(b & 0x0F) << 12) |
                         (static_cast<char32_t>(s[i + 1] & 0x3F) << 6) |
                         static_cast<char32_t>(s[i + 2] & 0x3F);
      auto it = std::lower_bound(t.cjk.begin(), t.cjk.end(), std::pair<char32_t, uint8_t>{c, 0});
      code = it != t.cjk.end() && it->first == c ? it->second : 0;
      i += 3;
    }
    if (code == 0) return false;
    if (code == kWildcardCode) {
      ++p.unknown;
    } else {
      p.key |= static_cast<uint64_t>(code) << (7 * n);
      p.known |= uint64_t{0x7F} << (7 * n);
    }
    ++n;
  }
  if (n == 0) return false;
  p.length = static_cast<uint8_t>(n);
  *out = p;
  return true;
}

std::shared_ptr<const Matcher> Matcher::Empty() {
  return std::shared_ptr<const Matcher>(new Matcher());
}

StatusOr<std::shared_ptr<const Matcher>> Matcher::Build(std::vector<MatchEntry> entries) {
  std::shared_ptr<Matcher> m(new Matcher());
  struct Item {
    Rec rec;
    Packed packed;
    int anchor;  // patterns: the position of the known character they are grouped by
  };
  std::vector<Item> exact, patterns;
  std::unordered_map<std::string, uint16_t> list_index;
  std::unordered_map<std::string, uint32_t> basis_index;  // agency '\0' case_no
  std::string basis_key;
  size_t id_bytes = 0;
  for (const MatchEntry& e : entries) id_bytes += e.entry_id.size() + 1 + sizeof(uint32_t);
  m->ids_.reserve(id_bytes);
  for (size_t i = 0; i < entries.size(); ++i) {
    const MatchEntry& e = entries[i];
    const std::string field = "entries[" + std::to_string(i) + "].";
    Item item{};
    if (!Pack(e.plate, &item.packed) || (e.kind == EntryKind::kExact && item.packed.unknown != 0)) {
      return InvalidArgument(field + "plate", "\"" + e.plate +
                                                  "\" is not a plate the matcher "
                                                  "can hold");
    }
    if (e.entry_id.size() > 255) return InvalidArgument(field + "entry_id", "longer than 255");
    auto [it, inserted] = list_index.emplace(e.list_id, static_cast<uint16_t>(m->lists_.size()));
    if (inserted) {
      if (m->lists_.size() == UINT16_MAX)
        return InvalidArgument(field + "list_id", "too many lists");
      m->lists_.push_back(e.list_id);
    }
    item.rec.key = item.packed.key;
    item.rec.valid_from = e.valid_from;
    item.rec.valid_until = e.valid_until;
    item.rec.id_offset = static_cast<uint32_t>(m->ids_.size());
    m->ids_.push_back(static_cast<char>(e.entry_id.size()));
    m->ids_ += e.entry_id;
    basis_key.assign(e.owner_agency).push_back('\0');
    basis_key += e.case_no;
    auto [b, new_basis] = basis_index.emplace(basis_key, static_cast<uint32_t>(m->bases_.size()));
    if (new_basis) m->bases_.push_back({e.owner_agency, e.case_no});
    char basis[sizeof(uint32_t)];
    std::memcpy(basis, &b->second, sizeof basis);
    m->ids_.append(basis, sizeof basis);
    item.rec.list = it->second;
    item.rec.category = static_cast<uint8_t>(e.category);
    item.rec.priority_kind =
        static_cast<uint8_t>((e.priority & 0x0F) | (e.kind == EntryKind::kPattern ? 0x10 : 0));
    if (e.kind == EntryKind::kExact) {
      exact.push_back(item);
    } else {
      patterns.push_back(item);
    }
  }
  entries.clear();
  entries.shrink_to_fit();

  // Anchors: the known position whose group is smallest so far, among the serial characters
  // (from the third on) if the pattern knows any: province and issuing-authority letter are
  // shared by most plates of a region and would make one huge group.
  auto code_at = [](uint64_t key, int pos) { return static_cast<int>((key >> (7 * pos)) & 0x7F); };
  {
    std::vector<uint32_t> group(kMaxLength * kMaxLength * kCodes, 0);
    for (Item& it : patterns) {
      const int len = it.packed.length;
      bool serial_known = false;
      for (int pos = 2; pos < len; ++pos) serial_known |= code_at(it.rec.key, pos) != 0;
      int best = -1;
      uint32_t best_size = UINT32_MAX;
      for (int pos = serial_known ? 2 : 0; pos < len; ++pos) {
        const int code = code_at(it.rec.key, pos);
        if (code == 0) continue;
        const uint32_t size = group[((len - 1) * kMaxLength + pos) * kCodes + code];
        if (size <= best_size) {
          best = pos;
          best_size = size;
        }
      }
      it.anchor = best;
      ++group[((len - 1) * kMaxLength + best) * kCodes + code_at(it.rec.key, best)];
    }
  }

  std::stable_sort(exact.begin(), exact.end(),
                   [](const Item& a, const Item& b) { return a.rec.key < b.rec.key; });
  std::stable_sort(patterns.begin(), patterns.end(), [&](const Item& a, const Item& b) {
    auto rank = [&](const Item& x) {
      return std::make_tuple(x.packed.length, x.anchor, code_at(x.rec.key, x.anchor));
    };
    return rank(a) < rank(b);
  });
  m->exact_count_ = exact.size();
  m->recs_.reserve(exact.size() + patterns.size());
  m->present_.assign(kMaxLength * kMaxLength * 2, 0);
  for (const Item& it : exact) {
    m->recs_.push_back(it.rec);
    for (int pos = 0; pos < it.packed.length; ++pos) {
      const int code = code_at(it.rec.key, pos);
      m->present_[((it.packed.length - 1) * kMaxLength + pos) * 2 + code / 64] |= uint64_t{1}
                                                                                  << (code % 64);
    }
  }
  if (!patterns.empty()) {
    m->buckets_.assign(kMaxLength * kMaxLength * kCodes, Range{});
    for (const Item& it : patterns) {
      const auto index = static_cast<uint32_t>(m->recs_.size());
      m->recs_.push_back(it.rec);
      m->pattern_keys_.push_back(PatternKey{it.rec.key, it.packed.known});
      m->pattern_length_.push_back(it.packed.length);
      Range& r = m->buckets_[((it.packed.length - 1) * kMaxLength + it.anchor) * kCodes +
                             code_at(it.rec.key, it.anchor)];
      if (r.begin == r.end) r.begin = index;
      r.end = index + 1;
    }
  }

  // The hash table: one slot per distinct key, at most half full.
  size_t distinct = 0;
  for (size_t i = 0; i < m->exact_count_; ++i) {
    distinct += i == 0 || m->recs_[i].key != m->recs_[i - 1].key;
  }
  m->table_bits_ = 4;
  while ((size_t{1} << m->table_bits_) < distinct * 2) ++m->table_bits_;
  m->table_.assign(size_t{1} << m->table_bits_, Slot{0, 0, 0});
  const uint64_t mask = (uint64_t{1} << m->table_bits_) - 1;
  for (size_t i = 0; i < m->exact_count_;) {
    const uint64_t key = m->recs_[i].key;
    size_t end = i + 1;
    while (end < m->exact_count_ && m->recs_[end].key == key) ++end;
    uint64_t h = Hash(key) >> (64 - m->table_bits_);
    while (m->table_[h].key != 0) h = (h + 1) & mask;
    m->table_[h] = Slot{key, static_cast<uint32_t>(i), static_cast<uint32_t>(end - i)};
    i = end;
  }

  m->by_expiry_.resize(m->recs_.size());
  for (size_t i = 0; i < m->recs_.size(); ++i) m->by_expiry_[i] = static_cast<uint32_t>(i);
  std::sort(m->by_expiry_.begin(), m->by_expiry_.end(), [&](uint32_t a, uint32_t b) {
    return m->recs_[a].valid_until < m->recs_[b].valid_until;
  });
  return std::shared_ptr<const Matcher>(std::move(m));
}

std::string_view Matcher::IdOf(const Rec& r) const {
  return std::string_view(ids_).substr(r.id_offset + 1,
                                       static_cast<unsigned char>(ids_[r.id_offset]));
}

const Matcher::Basis& Matcher::BasisOf(const Rec& r) const {
  uint32_t b;
  std::memcpy(&b, ids_.data() + r.id_offset + 1 + static_cast<unsigned char>(ids_[r.id_offset]),
              sizeof b);
  return bases_[b];
}

void Matcher::AppendHit(uint32_t index, bool partial, std::vector<Hit>* out) const {
  const Rec& r = recs_[index];
  Hit& h = out->emplace_back();
  h.entry_id = IdOf(r);
  h.list_id = lists_[r.list];
  h.kind = (r.priority_kind & 0x10) != 0 ? EntryKind::kPattern : EntryKind::kExact;
  h.category = static_cast<Category>(r.category);
  h.priority = r.priority_kind & 0x0F;
  h.valid_until = r.valid_until;
  h.partial_read = partial;
  const Basis& b = BasisOf(r);
  h.owner_agency = b.owner_agency;
  h.case_no = b.case_no;
}

size_t Matcher::MatchExact(uint64_t key, UnixMicros t, bool partial, std::vector<Hit>* out) const {
  if (exact_count_ == 0) return 0;
  const uint64_t mask = (uint64_t{1} << table_bits_) - 1;
  uint64_t h = Hash(key) >> (64 - table_bits_);
  while (table_[h].key != key) {
    if (table_[h].key == 0) return 0;
    h = (h + 1) & mask;
  }
  size_t n = 0;
  const uint32_t end = table_[h].first + table_[h].count;
  for (uint32_t i = table_[h].first; i < end; ++i) {
    if (recs_[i].valid_from <= t && t < recs_[i].valid_until) {
      AppendHit(i, partial, out);
      ++n;
    }
  }
  return n;
}

size_t Matcher::MatchPartialExact(const Packed& p, UnixMicros t, std::vector<Hit>* out) const {
  if (p.unknown > kMaxUnknownForExact || exact_count_ == 0) return 0;
  int unknown_pos[kMaxUnknownForExact];
  int u = 0;
  for (int pos = 0; pos < p.length; ++pos) {
    if (((p.known >> (7 * pos)) & 0x7F) == 0) unknown_pos[u++] = pos;
  }
  // Tries every code found at the unknown positions among exact entries of this length.
  size_t n = 0;
  auto codes = [&](int pos) { return &present_[((p.length - 1) * kMaxLength + pos) * 2]; };
  auto each = [](const uint64_t* bits, auto&& fn) {
    for (int w = 0; w < 2; ++w) {
      for (uint64_t b = bits[w]; b != 0; b &= b - 1) fn(w * 64 + std::countr_zero(b));
    }
  };
  each(codes(unknown_pos[0]), [&](int c0) {
    const uint64_t k0 = p.key | static_cast<uint64_t>(c0) << (7 * unknown_pos[0]);
    if (u == 1) {
      n += MatchExact(k0, t, /*partial=*/true, out);
      return;
    }
    each(codes(unknown_pos[1]), [&](int c1) {
      n += MatchExact(k0 | static_cast<uint64_t>(c1) << (7 * unknown_pos[1]), t, true, out);
    });
  });
  return n;
}

size_t Matcher::MatchPatterns(const Packed& p, UnixMicros t, std::vector<Hit>* out) const {
  if (buckets_.empty()) return 0;
  size_t n = 0;
  for (int pos = 0; pos < p.length; ++pos) {
    const int code = static_cast<int>((p.key >> (7 * pos)) & 0x7F);
    uint32_t begin, end;
    if (code != 0) {
      const Range& r = Bucket(p.length, pos, code);
      begin = r.begin;
      end = r.end;
    } else {
      // Unknown in the plate: any pattern anchored here may agree.
      begin = UINT32_MAX;
      end = 0;
      for (int c = 1; c < kCodes; ++c) {
        const Range& r = Bucket(p.length, pos, c);
        if (r.begin == r.end) continue;
        begin = std::min(begin, r.begin);
        end = std::max(end, r.end);
      }
      if (begin > end) continue;
    }
    const PatternKey* keys = pattern_keys_.data() - exact_count_;
    for (uint32_t i = begin; i < end; ++i) {
      const uint64_t mask = keys[i].known & p.known;
      if ((p.key & mask) != (keys[i].key & mask)) continue;
      const Rec& r = recs_[i];
      if (r.valid_from <= t && t < r.valid_until) {
        AppendHit(i, p.unknown != 0, out);
        ++n;
      }
    }
  }
  return n;
}

size_t Matcher::Match(std::string_view plate, UnixMicros t, std::vector<Hit>* out) const {
  Packed p;
  if (!Pack(plate, &p)) return 0;
  size_t n =
      p.unknown == 0 ? MatchExact(p.key, t, /*partial=*/false, out) : MatchPartialExact(p, t, out);
  return n + MatchPatterns(p, t, out);
}

size_t Matcher::MatchBatch(std::span<const std::string_view> plates,
                           std::span<const UnixMicros> times, std::vector<BatchHit>* out) const {
  constexpr size_t kGroup = 16;
  Packed packed[kGroup];
  bool ok[kGroup];
  std::vector<Hit> hits;
  size_t n = 0;
  for (size_t base = 0; base < plates.size(); base += kGroup) {
    const size_t count = std::min(kGroup, plates.size() - base);
    for (size_t j = 0; j < count; ++j) {
      ok[j] = Pack(plates[base + j], &packed[j]);
      if (ok[j] && packed[j].unknown == 0 && !table_.empty()) {
        PrefetchLine(&table_[Hash(packed[j].key) >> (64 - table_bits_)]);
      }
    }
    for (size_t j = 0; j < count; ++j) {
      if (!ok[j]) continue;
      hits.clear();
      const Packed& p = packed[j];
      const UnixMicros t = times[base + j];
      if (p.unknown == 0) {
        MatchExact(p.key, t, /*partial=*/false, &hits);
      } else {
        MatchPartialExact(p, t, &hits);
      }
      MatchPatterns(p, t, &hits);
      for (const Hit& h : hits) out->push_back(BatchHit{base + j, h});
      n += hits.size();
    }
  }
  return n;
}

std::optional<UnixMicros> Matcher::NextExpiry() const {
  if (by_expiry_.empty()) return std::nullopt;
  return recs_[by_expiry_.front()].valid_until;
}

std::vector<std::string> Matcher::ExpiredBy(UnixMicros t) const {
  std::vector<std::string> out;
  for (uint32_t i : by_expiry_) {
    if (recs_[i].valid_until > t) break;
    out.emplace_back(IdOf(recs_[i]));
  }
  return out;
}

std::vector<MatchEntry> Matcher::Entries() const {
  const Tables& t = T();
  std::vector<MatchEntry> out;
  out.reserve(recs_.size());
  for (size_t i = 0; i < recs_.size(); ++i) {
    const Rec& r = recs_[i];
    MatchEntry& e = out.emplace_back();
    e.entry_id = IdOf(r);
    e.list_id = lists_[r.list];
    const bool pattern = (r.priority_kind & 0x10) != 0;
    const int length =
        pattern ? pattern_length_[i - exact_count_] : (63 - std::countl_zero(r.key)) / 7 + 1;
    for (int pos = 0; pos < length; ++pos) {
      const int code = static_cast<int>((r.key >> (7 * pos)) & 0x7F);
      e.plate += code == 0 ? t.text[kWildcardCode] : t.text[code];
    }
    e.kind = pattern ? EntryKind::kPattern : EntryKind::kExact;
    e.category = static_cast<Category>(r.category);
    e.priority = r.priority_kind & 0x0F;
    e.valid_from = r.valid_from;
    e.valid_until = r.valid_until;
    const Basis& b = BasisOf(r);
    e.owner_agency = b.owner_agency;
    e.case_no = b.case_no;
  }
  return out;
}

size_t Matcher::MemoryBytes() const {
  size_t strings = 0;
  for (const auto& l : lists_) strings += sizeof(l) + l.capacity();
  for (const auto& b : bases_) {
    strings += sizeof(b) + b.owner_agency.capacity() + b.case_no.capacity();
  }
  return recs_.capacity() * sizeof(Rec) + pattern_keys_.capacity() * sizeof(PatternKey) +
         pattern_length_.capacity() + table_.capacity() * sizeof(Slot) +
         buckets_.capacity() * sizeof(Range) + present_.capacity() * sizeof(uint64_t) +
         by_expiry_.capacity() * sizeof(uint32_t) + ids_.capacity() + strings;
}

}  // namespace quanyu::rules
