#include "rules/alert_csv.h"

#include <array>
#include <charconv>

namespace quanyu::rules {
namespace {

enum Column {
  kPlate,
  kKind,
  kCategory,
  kPriority,
  kCaseNo,
  kAuthority,
  kApprover,
  kFrom,
  kUntil,
  kNote,
  kColumns
};
constexpr std::array<std::string_view, kColumns> kColumnNames = {
    "plate",    "kind",       "category",    "priority", "case_no", "approving_authority",
    "approver", "valid_from", "valid_until", "note"};

// Reads one record (RFC 4180) from text at *pos into fields (reusing their storage). Returns
// false at the end of the text. *ok is false for a quote left open.
bool ReadRecord(std::string_view text, size_t* pos, std::vector<std::string>* fields, size_t* count,
                bool* ok) {
  *ok = true;
  *count = 0;
  size_t i = *pos;
  if (i >= text.size()) return false;
  auto next_field = [&]() -> std::string& {
    if (*count == fields->size()) fields->emplace_back();
    std::string& f = (*fields)[(*count)++];
    f.clear();
    return f;
  };
  std::string* f = &next_field();
  while (i < text.size()) {
    const char c = text[i];
    if (c == '"' && f->empty()) {
      ++i;
      while (true) {
        const size_t q = text.find('"', i);
        if (q == std::string_view::npos) {
          *ok = false;
          *pos = text.size();
          return true;
        }
        f->append(text.substr(i, q - i));
        i = q + 1;
        if (i < text.size() && text[i] == '"') {
          f->push_back('"');
          ++i;
          continue;
        }
        break;
      }
      continue;
    }
    if (c == ',') {
      f = &next_field();
      ++i;
      continue;
    }
    if (c == '\n' || c == '\r') {
      i += (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ? 2 : 1;
      break;
    }
    const size_t end = text.find_first_of(",\r\n\"", i);
    const size_t stop = end == std::string_view::npos ? text.size() : end;
    if (stop == i) {  // a quote inside an unquoted field: keep it as text
      f->push_back(c);
      ++i;
    } else {
      f->append(text.substr(i, stop - i));
      i = stop;
    }
  }
  *pos = i;
  return true;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Column names for ValidateEntry's field names.
std::string CsvField(const std::string& field) {
  constexpr std::string_view kLegal = "legal_basis.";
  if (field.starts_with(kLegal)) return field.substr(kLegal.size());
  return field;
}

void AppendCsvField(std::string_view v, std::string* out) {
  const bool quote = v.find_first_of(",\"\r\n") != std::string_view::npos ||
                     (!v.empty() && (v.front() == ' ' || v.back() == ' '));
  if (!quote) {
    out->append(v);
    return;
  }
  out->push_back('"');
  for (char c : v) {
    if (c == '"') out->push_back('"');
    out->push_back(c);
  }
  out->push_back('"');
}

}  // namespace

std::string CsvRowError::ToString() const {
  return "row " + std::to_string(row) + ": " + field + ": " + reason;
}

StatusOr<AlertCsv> ParseAlertCsv(std::string_view text, const CsvImportContext& ctx) {
  if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);
  size_t pos = 0;
  std::vector<std::string> fields;
  size_t count = 0;
  bool ok = true;
  // Skips blank lines before the header.
  while (ReadRecord(text, &pos, &fields, &count, &ok) && count == 1 && Trim(fields[0]).empty()) {
  }
  if (count == 0 || (count == 1 && Trim(fields[0]).empty())) {
    return InvalidArgument(
        "header", "the file is empty; expected the header " + std::string(kAlertCsvHeader));
  }
  if (!ok) return InvalidArgument("header", "a quote is left open");
  std::array<int, kColumns> index;
  index.fill(-1);
  for (size_t i = 0; i < count; ++i) {
    const std::string_view name = Trim(fields[i]);
    size_t c = 0;
    while (c < kColumns && kColumnNames[c] != name) ++c;
    if (c == kColumns) {
      return InvalidArgument("header", "unknown column \"" + std::string(name) + "\"; expected " +
                                           std::string(kAlertCsvHeader));
    }
    if (index[c] >= 0) {
      return InvalidArgument("header", "column \"" + std::string(name) + "\" appears twice");
    }
    index[c] = static_cast<int>(i);
  }
  for (size_t c = 0; c < kColumns; ++c) {
    if (index[c] < 0 && c != kNote) {
      return InvalidArgument("header", "column \"" + std::string(kColumnNames[c]) +
                                           "\" is missing; expected " +
                                           std::string(kAlertCsvHeader));
    }
  }
  const size_t columns = count;

  AlertCsv out;
  size_t row = 1;
  auto col = [&](Column c) -> std::string_view {
    return index[c] < 0 ? std::string_view() : Trim(fields[index[c]]);
  };
  while (ReadRecord(text, &pos, &fields, &count, &ok)) {
    ++row;
    if (count == 1 && Trim(fields[0]).empty()) continue;  // a blank line
    ++out.rows;
    auto fail = [&](std::string field, std::string reason) {
      out.errors.push_back(CsvRowError{row, std::move(field), std::move(reason)});
    };
    if (!ok) {
      fail("row", "a quote is left open");
      break;
    }
    if (count != columns) {
      fail("row", "expected " + std::to_string(columns) + " fields, got " + std::to_string(count));
      continue;
    }
    AlertEntry e;
    e.list_id = ctx.list_id;
    e.owner_agency = ctx.owner_agency;
    e.created_by = ctx.created_by;
    e.created = ctx.now;
    e.plate = std::string(col(kPlate));
    if (col(kKind).empty()) {
      e.kind = e.plate.find_first_of("?_*") != std::string::npos ? EntryKind::kPattern
                                                                 : EntryKind::kExact;
    } else {
      auto kind = ParseEntryKind(col(kKind));
      if (!kind.ok()) {
        fail("kind", kind.status().message());
        continue;
      }
      e.kind = *kind;
    }
    auto category = ParseCategory(col(kCategory));
    if (!category.ok()) {
      fail("category", category.status().message());
      continue;
    }
    e.category = *category;
    const std::string_view priority = col(kPriority);
    auto [end, ec] =
        std::from_chars(priority.data(), priority.data() + priority.size(), e.priority);
    if (priority.empty() || ec != std::errc() || end != priority.data() + priority.size()) {
      fail("priority", "must be a number from 1 (highest) to 4 (lowest), got \"" +
                           std::string(priority) + "\"");
      continue;
    }
    e.legal_basis.case_no = std::string(col(kCaseNo));
    e.legal_basis.approving_authority = std::string(col(kAuthority));
    e.legal_basis.approver = std::string(col(kApprover));
    e.note = std::string(col(kNote));
    if (col(kFrom).empty()) {
      e.valid_from = ctx.now;
    } else {
      auto from = ParseRfc3339(col(kFrom), "valid_from");
      if (!from.ok()) {
        fail("valid_from", from.status().message());
        continue;
      }
      e.valid_from = *from;
    }
    if (!col(kUntil).empty()) {
      auto until = ParseRfc3339(col(kUntil), "valid_until");
      if (!until.ok()) {
        fail("valid_until", until.status().message());
        continue;
      }
      e.valid_until = *until;
    }
    Status st = ValidateEntry(&e, ctx.rules);
    if (!st.ok()) {
      fail(CsvField(st.field()), st.message());
      continue;
    }
    if (e.valid_until <= ctx.now) {  // AlertLists refuses it too, failing the whole batch
      fail("valid_until", "the entry would have expired already");
      continue;
    }
    out.entries.push_back(std::move(e));
  }
  return out;
}

std::string FormatAlertCsv(std::span<const AlertEntry> entries, int offset_seconds) {
  std::string out(kAlertCsvHeader);
  out += '\n';
  out.reserve(entries.size() * 160);
  for (const AlertEntry& e : entries) {
    AppendCsvField(e.plate, &out);
    out += ',';
    out += EntryKindName(e.kind);
    out += ',';
    out += CategoryName(e.category);
    out += ',';
    out += std::to_string(e.priority);
    out += ',';
    AppendCsvField(e.legal_basis.case_no, &out);
    out += ',';
    AppendCsvField(e.legal_basis.approving_authority, &out);
    out += ',';
    AppendCsvField(e.legal_basis.approver, &out);
    out += ',';
    out += FormatRfc3339(e.valid_from, offset_seconds);
    out += ',';
    out += FormatRfc3339(e.valid_until, offset_seconds);
    out += ',';
    AppendCsvField(e.note, &out);
    out += '\n';
  }
  return out;
}

}  // namespace quanyu::rules
