// `quanyu import alert-list` and `quanyu export alert-list`: alert-list entries (布控) from and
// to CSV (rules/alert_csv.h) in a data directory's store. Both are audited like the API's
// changes and reads, the actor being the command line.
#pragma once

#include <cstdio>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/status.h"
#include "govern/audit.h"
#include "govern/identity.h"
#include "rules/alert_lists.h"
#include "store/store.h"

namespace quanyu::tools {

struct AlertListImportSummary {
  bool list_created = false;            // the list did not exist and was created
  size_t rows = 0;                      // data rows read
  size_t imported = 0;                  // entries added
  std::vector<std::string> rejections;  // "row N: field: reason", in file order
};

// Reads the CSV file at `path` into list `list_id` (created, owned by `agency`, if it does not
// exist). Good rows are added in one store transaction; bad rows are reported and skipped.
// The actor is `who`. NotFound if the file cannot be read; the CSV header's errors as
// ParseAlertCsv gives them.
StatusOr<AlertListImportSummary> ImportAlertList(rules::AlertLists& lists,
                                                 const govern::Principal& who,
                                                 const std::string& path,
                                                 const std::string& list_id,
                                                 const std::string& agency, const Clock* clock);

// The entries of a list in force now, as CSV; the read is audited ("alert_list.export").
StatusOr<std::string> ExportAlertList(rules::AlertLists& lists, govern::AuditLog& audit,
                                      const govern::Principal& who, const std::string& list_id);

// The commands on a data directory (locked while they run). Return the exit code: 0 done,
// 1 failed or (import with strict) a row was rejected, 2 bad arguments.
struct AlertListCommand {
  std::string data_dir = "./data";
  std::string file;  // import: the CSV file
  std::string list_id;
  std::string agency;  // import: owner agency of a list created by the import
  bool strict = false;
};
int RunImportAlertList(const AlertListCommand& cmd, std::FILE* out, std::FILE* err);
int RunExportAlertList(const AlertListCommand& cmd, std::FILE* out, std::FILE* err);

}  // namespace quanyu::tools
