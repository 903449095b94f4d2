#include "tools/audit_verify.h"

#include <filesystem>

#include "api/app.h"
#include "govern/audit.h"
#include "store/store.h"

namespace quanyu::tools {

int RunAuditVerify(const std::string& data_dir, std::FILE* out, std::FILE* err) {
  auto fail = [&](const Status& s) {
    std::fprintf(err, "error: %s\n", s.ToString().c_str());
    return 2;
  };
  std::error_code ec;
  if (!std::filesystem::is_directory(data_dir, ec)) {
    return fail(InvalidArgument("data", "no data directory at " + data_dir));
  }
  store::StoreOptions options;
  options.url = api::StoreUrlFor(data_dir);
  options.read_only = true;
  StatusOr<std::unique_ptr<store::Store>> store = store::Store::Open(options);
  if (!store.ok()) return fail(store.status());
  StatusOr<std::optional<govern::AuditHead>> head = govern::ReadAuditHead(data_dir);
  if (!head.ok()) return fail(head.status());
  if (!head->has_value()) {
    std::fprintf(err,
                 "note: no %s in %s: records removed from the end of the chain cannot be "
                 "detected\n",
                 std::string(govern::kAuditHeadFile).c_str(), data_dir.c_str());
  }
  StatusOr<govern::VerifyReport> report = govern::VerifyAudit(**store, *head);
  if (!report.ok()) return fail(report.status());
  if (!report->ok) {
    std::fprintf(out, "audit chain BROKEN at record %llu: %s\n",
                 static_cast<unsigned long long>(report->first_broken_seq), report->reason.c_str());
    return 1;
  }
  if (report->records_checked == 0) {
    std::fprintf(out, "audit chain intact: 0 records\n");
  } else {
    std::fprintf(out, "audit chain intact: %llu records (seq %llu..%llu)\n",
                 static_cast<unsigned long long>(report->records_checked),
                 static_cast<unsigned long long>(report->first_seq),
                 static_cast<unsigned long long>(report->last_seq));
  }
  return 0;
}

}  // namespace quanyu::tools
