// CSV import and export of alert-list entries.
//
//   plate,kind,category,priority,case_no,approving_authority,approver,valid_from,valid_until,note
//   川A12345,exact,stolen_vehicle,1,2026-0042,达州市公安局,王伟,2026-11-29T08:00:00+08:00,2027-01-31T00:00:00+08:00,
//
// RFC 4180: fields may be quoted ("..." with "" for a quote, and may then hold commas and line
// breaks); lines end in LF or CRLF; a UTF-8 byte-order mark is ignored. The header names the
// columns, in any order; every one but `note` is required. Empty `kind` means pattern if the
// plate has a wildcard, else exact; empty `valid_from` means the time of the import. Times are
// RFC 3339 with an offset. Category names are those of Categories() (alert_list.h).
//
// Every row is validated as AlertLists would (ValidateEntry, and a window that has not ended by
// the context's `now`). A bad row is reported as
// "row N: field: reason", where N counts records from the header as row 1 (the row number a
// spreadsheet shows when no field holds a line break), and the good rows are kept.
// Thread safety: pure functions.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "core/time_format.h"
#include "rules/alert_list.h"

namespace quanyu::rules {

inline constexpr std::string_view kAlertCsvHeader =
    "plate,kind,category,priority,case_no,approving_authority,approver,valid_from,valid_until,"
    "note";

struct CsvRowError {
  size_t row = 0;
  std::string field;  // the column at fault ("valid_until"), or "row" for the row's shape
  std::string reason;
  std::string ToString() const;  // "row 7: valid_until: must be after valid_from"
};

// What every imported row gets besides its columns.
struct CsvImportContext {
  std::string list_id;
  std::string owner_agency;
  std::string created_by;  // the importing actor
  UnixMicros now = 0;      // created, and valid_from when the column is empty
  EntryRules rules;
};

struct AlertCsv {
  std::vector<AlertEntry> entries;  // the good rows, in file order, ids not yet assigned
  std::vector<CsvRowError> errors;  // the bad rows, in file order
  size_t rows = 0;                  // data rows read (good and bad)
};

// Parses and validates a whole file. Fails (InvalidArgument, field "header") only when the
// header is missing, names an unknown column twice or lacks a required one; everything else is
// a row error.
StatusOr<AlertCsv> ParseAlertCsv(std::string_view text, const CsvImportContext& ctx);

// The entries as CSV with kAlertCsvHeader, times in RFC 3339 at `offset_seconds` east of UTC.
// ParseAlertCsv reads it back to the same plates, kinds, categories, priorities, legal bases,
// windows and notes.
std::string FormatAlertCsv(std::span<const AlertEntry> entries,
                           int offset_seconds = kChinaOffsetSeconds);

}  // namespace quanyu::rules
