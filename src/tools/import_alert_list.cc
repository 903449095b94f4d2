#include "tools/import_alert_list.h"

#include <cstdlib>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <sstream>

#include "api/app.h"
#include "rules/alert_csv.h"

namespace quanyu::tools {
namespace {

int Report(const Status& s, std::FILE* err) {
  std::fprintf(err, "error: %s\n", s.ToString().c_str());
  return s.code() == StatusCode::kInvalidArgument ? 2 : 1;
}

govern::Principal CommandLine(const std::string& agency) {
  govern::Principal p;
  p.kind = govern::PrincipalKind::kSystem;
  p.agency = agency;
  p.role = "cli";
  return p;
}

// Opens the store, audit log and lists of a locked data directory, then runs fn.
int WithLists(const AlertListCommand& cmd, std::FILE* err,
              const std::function<int(rules::AlertLists&, govern::AuditLog&)>& fn) {
  auto lock = api::DataDirLock::Acquire(cmd.data_dir);
  if (!lock.ok()) return Report(lock.status(), err);
  auto store = api::OpenStore(cmd.data_dir);
  if (!store.ok()) return Report(store.status(), err);
  auto audit = govern::AuditLog::Open(store->get(), SystemClock::Get(), cmd.data_dir);
  if (!audit.ok()) return Report(audit.status(), err);
  rules::AlertLists lists(store->get(), audit->get(), SystemClock::Get());
  Status st = lists.Load();
  if (!st.ok()) return Report(st, err);
  return fn(lists, **audit);
}

}  // namespace

StatusOr<AlertListImportSummary> ImportAlertList(rules::AlertLists& lists,
                                                 const govern::Principal& who,
                                                 const std::string& path,
                                                 const std::string& list_id,
                                                 const std::string& agency, const Clock* clock) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return NotFound("cannot read " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string text = std::move(ss).str();

  AlertListImportSummary summary;
  auto list = lists.GetList(who, list_id);
  if (list.status().code() == StatusCode::kNotFound) {
    if (agency.empty()) return InvalidArgument("--agency", "required to create list " + list_id);
    rules::AlertList l;
    l.id = list_id;
    l.name = list_id;
    l.owner_agency = agency;
    l.description = "created by quanyu import alert-list from " + path;
    list = lists.CreateList(who, l);
    summary.list_created = true;
  }
  if (!list.ok()) return list.status();

  rules::CsvImportContext ctx;
  ctx.list_id = list_id;
  ctx.owner_agency = list->owner_agency;
  ctx.created_by = who.Actor();
  ctx.now = clock->Now();
  ASSIGN_OR_RETURN(rules::AlertCsv csv, rules::ParseAlertCsv(text, ctx));
  summary.rows = csv.rows;
  for (const auto& e : csv.errors) summary.rejections.push_back(e.ToString());
  summary.imported = csv.entries.size();
  if (!csv.entries.empty()) {
    RETURN_IF_ERROR(lists.AddEntries(who, list_id, std::move(csv.entries)).status());
  }
  return summary;
}

StatusOr<std::string> ExportAlertList(rules::AlertLists& lists, govern::AuditLog& audit,
                                      const govern::Principal& who, const std::string& list_id) {
  ASSIGN_OR_RETURN(std::vector<rules::AlertEntry> entries, lists.Entries(who, list_id));
  store::AuditRecord r;
  r.actor = who.Actor();
  r.agency = who.agency;
  r.role = who.role;
  r.action = "alert_list.export";
  r.target = "alert_list:" + list_id;
  r.outcome = "ok";
  r.detail = nlohmann::json({{"count", entries.size()}}).dump();
  // The read is recorded before the entries are handed out.
  RETURN_IF_ERROR(audit.Append(std::move(r)));
  return rules::FormatAlertCsv(entries);
}

int RunImportAlertList(const AlertListCommand& cmd, std::FILE* out, std::FILE* err) {
  if (cmd.list_id.empty()) return Report(InvalidArgument("--list", "required"), err);
  return WithLists(cmd, err, [&](rules::AlertLists& lists, govern::AuditLog&) {
    const int64_t start = MonotonicNanos();
    auto summary = ImportAlertList(lists, CommandLine(cmd.agency), cmd.file, cmd.list_id,
                                   cmd.agency, SystemClock::Get());
    if (!summary.ok()) return Report(summary.status(), err);
    for (const auto& r : summary->rejections) std::fprintf(err, "rejected %s\n", r.c_str());
    if (summary->list_created) std::fprintf(out, "created alert list %s\n", cmd.list_id.c_str());
    std::fprintf(out, "alert list %s: %zu rows, %zu imported, %zu rejected in %.2f s\n",
                 cmd.list_id.c_str(), summary->rows, summary->imported, summary->rejections.size(),
                 static_cast<double>(MonotonicNanos() - start) / 1e9);
    return cmd.strict && !summary->rejections.empty() ? 1 : 0;
  });
}

int RunExportAlertList(const AlertListCommand& cmd, std::FILE* out, std::FILE* err) {
  if (cmd.list_id.empty()) return Report(InvalidArgument("--list", "required"), err);
  return WithLists(cmd, err, [&](rules::AlertLists& lists, govern::AuditLog& audit) {
    auto csv = ExportAlertList(lists, audit, CommandLine(""), cmd.list_id);
    if (!csv.ok()) return Report(csv.status(), err);
    std::fwrite(csv->data(), 1, csv->size(), out);
    return 0;
  });
}

}  // namespace quanyu::tools
