// The alert-list (布控) routes over rules::AlertLists.
//
// Permissions (src/govern/roles.json): the lists themselves (names, owners, counts) and the
// transparency report are alert_list.report, which is not personal; entries name plates, so
// reading them (entries, export) is alert_list.read, which is personal (purpose and case_no,
// the read audited before the answer leaves); creating lists and adding or removing entries is
// alert_list.write. Agency scope is AlertLists': a user whose scope is "agency" sees and
// changes only its own agency's lists (403 otherwise).
#include <algorithm>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>

#include "api/handlers.h"
#include "core/time_format.h"
#include "rules/alert_csv.h"

namespace quanyu::api {
namespace {

using nlohmann::json;

constexpr size_t kDefaultEntriesPage = 1000;
constexpr size_t kMaxEntriesPage = 10000;
constexpr int kDefaultReportDays = 30;
constexpr int kMaxBucketDays = 1000;

Response JsonResponse(int status, const json& j) { return Response::Json(status, j.dump()); }

StatusOr<json> BodyObject(const Request& req) {
  json j = json::parse(req.body, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return InvalidArgument("body", "request body is not valid JSON");
  if (!j.is_object()) return InvalidArgument("body", "request body must be a JSON object");
  return j;
}

// A whole number query parameter in [min, max], or `def` if absent.
StatusOr<int64_t> IntParam(const Request& req, const char* name, int64_t def, int64_t min,
                           int64_t max) {
  const std::string v = req.Query(name);
  if (v.empty()) return def;
  char* end = nullptr;
  const long long n = std::strtoll(v.c_str(), &end, 10);
  if (end == v.c_str() || *end != '\0' || n < min || n > max) {
    return InvalidArgument(
        name, "must be a whole number from " + std::to_string(min) + " to " + std::to_string(max));
  }
  return n;
}

StatusOr<bool> BoolParam(const Request& req, const char* name) {
  const std::string v = req.Query(name);
  if (v.empty() || v == "false" || v == "0") return false;
  if (v == "true" || v == "1") return true;
  return InvalidArgument(name, "must be true or false");
}

StatusOr<UnixMicros> TimeParam(const Request& req, const char* name, UnixMicros def) {
  const std::string v = req.Query(name);
  if (v.empty()) return def;
  return ParseRfc3339(v, name);
}

// An optional string member, "" if absent or null; InvalidArgument naming `field` otherwise.
StatusOr<std::string> OptString(const json& obj, const char* name, const std::string& field) {
  auto it = obj.find(name);
  if (it == obj.end() || it->is_null()) return std::string();
  if (!it->is_string()) return InvalidArgument(field, "must be a string");
  return it->get<std::string>();
}

// Reads one entry in its JSON form (see AlertEntry in api/openapi.yaml). The legal basis,
// window and plate are checked afterwards by AlertLists (ValidateEntry), which names the field.
StatusOr<rules::AlertEntry> EntryFromJson(const json& body, UnixMicros now) {
  static const std::vector<std::string> kMembers = {"plate",      "kind",         "category",
                                                    "priority",   "owner_agency", "legal_basis",
                                                    "valid_from", "valid_until",  "note"};
  for (const auto& [key, value] : body.items()) {
    if (std::find(kMembers.begin(), kMembers.end(), key) == kMembers.end()) {
      return InvalidArgument(key,
                             "unknown member; an entry has plate, kind, category, "
                             "priority, owner_agency, legal_basis, valid_from, "
                             "valid_until and note");
    }
  }
  rules::AlertEntry e;
  ASSIGN_OR_RETURN(e.plate, OptString(body, "plate", "plate"));
  ASSIGN_OR_RETURN(std::string kind, OptString(body, "kind", "kind"));
  if (kind.empty()) {
    e.kind = e.plate.find_first_of("?_*") != std::string::npos ? rules::EntryKind::kPattern
                                                               : rules::EntryKind::kExact;
  } else {
    ASSIGN_OR_RETURN(e.kind, rules::ParseEntryKind(kind));
  }
  ASSIGN_OR_RETURN(std::string category, OptString(body, "category", "category"));
  if (category.empty()) {
    return InvalidArgument("category", "required, e.g. stolen_vehicle or wanted_in_case");
  }
  ASSIGN_OR_RETURN(e.category, rules::ParseCategory(category));
  if (auto it = body.find("priority"); it != body.end() && !it->is_null()) {
    if (!it->is_number_integer()) {
      return InvalidArgument("priority", "must be a whole number from 1 (highest) to 4 (lowest)");
    }
    const int64_t p = it->get<int64_t>();
    if (p < rules::kHighestPriority || p > rules::kLowestPriority) {
      return InvalidArgument("priority",
                             "must be 1 (highest) to 4 (lowest), got " + std::to_string(p));
    }
    e.priority = static_cast<int>(p);
  }
  ASSIGN_OR_RETURN(e.owner_agency, OptString(body, "owner_agency", "owner_agency"));
  if (auto it = body.find("legal_basis"); it != body.end() && !it->is_null()) {
    if (!it->is_object()) {
      return InvalidArgument("legal_basis",
                             "must be an object {case_no, approving_authority, approver}");
    }
    ASSIGN_OR_RETURN(e.legal_basis.case_no, OptString(*it, "case_no", "legal_basis.case_no"));
    ASSIGN_OR_RETURN(e.legal_basis.approving_authority,
                     OptString(*it, "approving_authority", "legal_basis.approving_authority"));
    ASSIGN_OR_RETURN(e.legal_basis.approver, OptString(*it, "approver", "legal_basis.approver"));
  }
  ASSIGN_OR_RETURN(std::string from, OptString(body, "valid_from", "valid_from"));
  ASSIGN_OR_RETURN(std::string until, OptString(body, "valid_until", "valid_until"));
  if (from.empty()) {
    e.valid_from = now;
  } else {
    ASSIGN_OR_RETURN(e.valid_from, ParseRfc3339(from, "valid_from"));
  }
  if (!until.empty()) {
    ASSIGN_OR_RETURN(e.valid_until, ParseRfc3339(until, "valid_until"));
  }
  ASSIGN_OR_RETURN(e.note, OptString(body, "note", "note"));
  return e;
}

std::string_view EntryState(const rules::AlertEntry& e, UnixMicros now) {
  if (e.removed != 0) return "removed";
  if (e.expiry_audited || e.valid_until <= now) return "expired";
  if (e.valid_from > now) return "scheduled";
  return "in_force";
}

class AlertListRoutes {
 public:
  explicit AlertListRoutes(const Services* s) : s_(s) {}

  // alert_list.report: names, owners and counts, no plates.
  Response ListLists(Request& req) {
    auto lists = s_->alert_lists->Lists(req.principal);
    if (!lists.ok()) return Response::Error(lists.status());
    auto counts = InForceCounts();
    json items = json::array();
    for (const rules::AlertList& l : *lists) items.push_back(ListToJson(l, *counts));
    return JsonResponse(200, {{"items", items}});
  }

  Response GetList(Request& req) {
    auto list = s_->alert_lists->GetList(req.principal, req.path_params["id"]);
    if (!list.ok()) return Response::Error(list.status());
    return JsonResponse(200, ListToJson(*list, *InForceCounts()));
  }

  // Body {id, name, owner_agency (default: the caller's agency), description}.
  Response CreateList(Request& req) {
    auto body = BodyObject(req);
    if (!body.ok()) return Response::Error(body.status());
    rules::AlertList l;
    for (auto [name, field] : {std::pair{"id", &l.id},
                               {"name", &l.name},
                               {"owner_agency", &l.owner_agency},
                               {"description", &l.description}}) {
      auto v = OptString(*body, name, name);
      if (!v.ok()) return Response::Error(v.status());
      *field = *v;
    }
    if (l.owner_agency.empty()) l.owner_agency = req.principal.agency;
    req.audit_target = "alert_list:" + l.id;
    auto created = s_->alert_lists->CreateList(req.principal, l);
    if (!created.ok()) return Response::Error(created.status());
    return JsonResponse(201, ListToJson(*created, *InForceCounts()));
  }

  // alert_list.read (personal): a page of a list's entries in creation order.
  Response ListEntries(Request& req) {
    const std::string& id = req.path_params["id"];
    req.audit_target = "alert_list:" + id;
    auto all = BoolParam(req, "include_inactive");
    if (!all.ok()) return Response::Error(all.status());
    auto limit = IntParam(req, "limit", kDefaultEntriesPage, 1, kMaxEntriesPage);
    if (!limit.ok()) return Response::Error(limit.status());
    const std::string after = req.Query("after");
    auto entries = s_->alert_lists->Entries(req.principal, id, *all);
    if (!entries.ok()) return Response::Error(entries.status());
    const UnixMicros now = s_->clock->Now();
    json items = json::array();
    std::string last;
    bool more = false;
    for (const rules::AlertEntry& e : *entries) {
      if (!after.empty() && e.id <= after) continue;
      if (items.size() == static_cast<size_t>(*limit)) {
        more = true;
        break;
      }
      items.push_back(EntryToJson(e, now));
      last = e.id;
    }
    req.audit_detail = json{{"returned", items.size()}}.dump();
    json out = {{"items", items}};
    out["next_after"] = more ? json(last) : json(nullptr);
    return JsonResponse(200, out);
  }

  // alert_list.write: one entry as JSON, or many as CSV (Content-Type text/csv) where bad rows
  // are reported with row number, field and reason and the good rows are added.
  Response AddEntries(Request& req) {
    const std::string& id = req.path_params["id"];
    auto list = s_->alert_lists->GetList(req.principal, id);
    if (!list.ok()) return Response::Error(list.status());
    const std::string& type = req.Header("content-type");
    const bool csv = type.rfind("text/csv", 0) == 0;
    return csv ? ImportCsv(req, *list) : AddOne(req, *list);
  }

  // alert_list.write: soft removal with a reason (?reason=).
  Response RemoveEntry(Request& req) {
    const std::string& list_id = req.path_params["id"];
    const std::string& entry_id = req.path_params["entry_id"];
    req.audit_target = "alert_entry:" + entry_id;
    const std::string reason = req.Query("reason");
    if (reason.empty()) {
      return Response::Error(
          InvalidArgument("reason", "required: say why the entry is removed (?reason=...)"));
    }
    // The entry must belong to the list named in the path.
    auto list = s_->alert_lists->GetList(req.principal, list_id);
    if (!list.ok()) return Response::Error(list.status());
    auto doc = s_->store->GetDocument(rules::kAlertEntryDoc, entry_id);
    StatusOr<rules::AlertEntry> entry =
        doc.ok() ? rules::AlertEntryFromDocument(*doc) : StatusOr<rules::AlertEntry>(doc.status());
    if (!entry.ok() && entry.status().code() != StatusCode::kNotFound) {
      return Response::Error(entry.status());
    }
    if (!entry.ok() || entry->list_id != list_id) {
      return Response::Error(
          NotFound("alert entry \"" + entry_id + "\" not found in list \"" + list_id + "\""));
    }
    Status st = s_->alert_lists->RemoveEntry(req.principal, entry_id, reason);
    if (!st.ok()) return Response::Error(st);
    Changed();
    return Response::Json(204, "");
  }

  // alert_list.read (personal): the entries in force as CSV, the form the import reads.
  Response Export(Request& req) {
    const std::string& id = req.path_params["id"];
    req.audit_target = "alert_list:" + id;
    auto entries = s_->alert_lists->Entries(req.principal, id);
    if (!entries.ok()) return Response::Error(entries.status());
    req.audit_detail = json{{"returned", entries->size()}}.dump();
    Response r = Response::Text(200, rules::FormatAlertCsv(*entries, s_->local_offset_seconds),
                                "text/csv; charset=utf-8");
    r.headers.emplace_back("Content-Disposition", "attachment; filename=\"" + id + ".csv\"");
    return r;
  }

  // alert_list.report: entries, hits, expiries and removals per period. Default: the 30 local
  // days up to the end of today, one period a day.
  Response Report(Request& req) {
    const UnixMicros now = s_->clock->Now();
    const int64_t offset = int64_t{s_->local_offset_seconds} * kMicrosPerSecond;
    const UnixMicros today = (now + offset) / kMicrosPerDay * kMicrosPerDay - offset;
    auto to = TimeParam(req, "to", today + kMicrosPerDay);
    if (!to.ok()) return Response::Error(to.status());
    auto from = TimeParam(req, "from", *to - kDefaultReportDays * kMicrosPerDay);
    if (!from.ok()) return Response::Error(from.status());
    auto bucket_days = IntParam(req, "bucket_days", 1, 1, kMaxBucketDays);
    if (!bucket_days.ok()) return Response::Error(bucket_days.status());
    auto report = s_->alert_lists->Report(req.principal, req.path_params["id"], *from, *to,
                                          *bucket_days * kMicrosPerDay);
    if (!report.ok()) {
      const Status& st = report.status();
      if (st.field() == "bucket") {
        return Response::Error(Status(st.code(), st.message(), "bucket_days"));
      }
      return Response::Error(st);
    }
    const int off = s_->local_offset_seconds;
    json periods = json::array();
    json totals = {{"added", 0}, {"expired", 0}, {"removed", 0}, {"hits", 0}};
    for (const rules::ReportPeriod& p : report->periods) {
      periods.push_back({{"from", FormatRfc3339(p.from, off)},
                         {"to", FormatRfc3339(p.to, off)},
                         {"active", p.active},
                         {"added", p.added},
                         {"expired", p.expired},
                         {"removed", p.removed},
                         {"hits", p.hits}});
      totals["added"] = totals["added"].get<int64_t>() + p.added;
      totals["expired"] = totals["expired"].get<int64_t>() + p.expired;
      totals["removed"] = totals["removed"].get<int64_t>() + p.removed;
      totals["hits"] = totals["hits"].get<int64_t>() + p.hits;
    }
    return JsonResponse(200, {{"list",
                               {{"id", report->list.id},
                                {"name", report->list.name},
                                {"owner_agency", report->list.owner_agency}}},
                              {"from", FormatRfc3339(report->from, off)},
                              {"to", FormatRfc3339(report->to, off)},
                              {"bucket_days", *bucket_days},
                              {"periods", periods},
                              {"totals", totals}});
  }

 private:
  using Counts = std::map<std::string, size_t, std::less<>>;

  Response AddOne(Request& req, const rules::AlertList& list) {
    auto body = BodyObject(req);
    if (!body.ok()) return Response::Error(body.status());
    auto e = EntryFromJson(*body, s_->clock->Now());
    if (!e.ok()) return Response::Error(e.status());
    e->list_id = list.id;
    auto added = s_->alert_lists->AddEntry(req.principal, std::move(e).value());
    if (!added.ok()) return Response::Error(added.status());
    req.audit_target = "alert_entry:" + added->id;
    req.audit_detail = json{{"list", list.id}, {"case_no", added->legal_basis.case_no}}.dump();
    Changed();
    return JsonResponse(201, EntryToJson(*added, s_->clock->Now()));
  }

  Response ImportCsv(Request& req, const rules::AlertList& list) {
    req.audit_target = "alert_list:" + list.id;
    rules::CsvImportContext ctx;
    ctx.list_id = list.id;
    ctx.owner_agency = list.owner_agency;
    ctx.created_by = req.principal.Actor();
    ctx.now = s_->clock->Now();
    ctx.rules = s_->alert_entry_rules;
    auto csv = rules::ParseAlertCsv(req.body, ctx);
    if (!csv.ok()) return Response::Error(csv.status());
    json errors = json::array();
    for (const rules::CsvRowError& err : csv->errors) {
      errors.push_back({{"row", err.row}, {"field", err.field}, {"reason", err.reason}});
    }
    json out = {{"rows", csv->rows},
                {"imported", csv->entries.size()},
                {"rejected", csv->errors.size()},
                {"errors", errors}};
    if (!csv->entries.empty()) {
      auto added = s_->alert_lists->AddEntries(req.principal, list.id, std::move(csv->entries));
      if (!added.ok()) return Response::Error(added.status());
      out["first_id"] = added->front().id;
      out["last_id"] = added->back().id;
      Changed();
    }
    req.audit_detail =
        json{{"rows", csv->rows}, {"imported", out["imported"]}, {"rejected", csv->errors.size()}}
            .dump();
    return JsonResponse(200, out);
  }

  void Changed() const {
    if (s_->alert_lists_changed) s_->alert_lists_changed();
  }

  // Entries held by the current matcher (neither removed nor expired) per list, counted once
  // per matcher snapshot: listing the lists stays cheap however often it is called.
  std::shared_ptr<const Counts> InForceCounts() {
    std::shared_ptr<const rules::Matcher> m = s_->alert_lists->matcher();
    std::lock_guard lock(counts_mu_);
    if (counts_ != nullptr && counted_.lock() == m) return counts_;
    auto counts = std::make_shared<Counts>();
    for (const rules::MatchEntry& e : m->Entries()) ++(*counts)[e.list_id];
    counted_ = m;
    counts_ = std::move(counts);
    return counts_;
  }

  json ListToJson(const rules::AlertList& l, const Counts& counts) const {
    auto it = counts.find(l.id);
    return {{"id", l.id},
            {"name", l.name},
            {"owner_agency", l.owner_agency},
            {"description", l.description},
            {"created", FormatRfc3339(l.created, s_->local_offset_seconds)},
            {"created_by", l.created_by},
            {"entries_in_force", it == counts.end() ? 0 : it->second}};
  }

  json EntryToJson(const rules::AlertEntry& e, UnixMicros now) const {
    const int off = s_->local_offset_seconds;
    json j = {{"id", e.id},
              {"list_id", e.list_id},
              {"plate", e.plate},
              {"kind", rules::EntryKindName(e.kind)},
              {"category", rules::CategoryName(e.category)},
              {"priority", e.priority},
              {"owner_agency", e.owner_agency},
              {"legal_basis",
               {{"case_no", e.legal_basis.case_no},
                {"approving_authority", e.legal_basis.approving_authority},
                {"approver", e.legal_basis.approver}}},
              {"valid_from", FormatRfc3339(e.valid_from, off)},
              {"valid_until", FormatRfc3339(e.valid_until, off)},
              {"note", e.note},
              {"created", FormatRfc3339(e.created, off)},
              {"created_by", e.created_by},
              {"state", EntryState(e, now)}};
    if (e.removed != 0) {
      j["removed"] = FormatRfc3339(e.removed, off);
      j["removed_by"] = e.removed_by;
      j["removed_reason"] = e.removed_reason;
    }
    return j;
  }

  const Services* s_;
  std::mutex counts_mu_;
  std::weak_ptr<const rules::Matcher> counted_;  // guarded by counts_mu_
  std::shared_ptr<const Counts> counts_;         // guarded by counts_mu_
};

}  // namespace

void RegisterAlertListRoutes(Router* router, const Services* services) {
  auto routes = std::make_shared<AlertListRoutes>(services);
  auto bind = [routes](Response (AlertListRoutes::*fn)(Request&)) {
    return [routes, fn](Request& req) { return ((*routes).*fn)(req); };
  };
  router->Add("GET", "/api/v1/alert-lists", "List alert lists (names and counts, no plates)",
              Needs("alert_list.report"), bind(&AlertListRoutes::ListLists));
  router->Add("POST", "/api/v1/alert-lists", "Create an alert list", Needs("alert_list.write"),
              bind(&AlertListRoutes::CreateList));
  router->Add("GET", "/api/v1/alert-lists/{id}", "Get an alert list (name and counts, no plates)",
              Needs("alert_list.report"), bind(&AlertListRoutes::GetList));
  router->Add("GET", "/api/v1/alert-lists/{id}/entries",
              "A list's entries (personal: purpose and case_no)", Needs("alert_list.read"),
              bind(&AlertListRoutes::ListEntries));
  router->Add("POST", "/api/v1/alert-lists/{id}/entries",
              "Add an entry (JSON) or import entries (CSV)", Needs("alert_list.write"),
              bind(&AlertListRoutes::AddEntries));
  router->Add("DELETE", "/api/v1/alert-lists/{id}/entries/{entry_id}",
              "Remove an entry (soft, with a reason)", Needs("alert_list.write"),
              bind(&AlertListRoutes::RemoveEntry));
  router->Add("GET", "/api/v1/alert-lists/{id}/export",
              "A list's entries in force as CSV (personal: purpose and case_no)",
              Needs("alert_list.read"), bind(&AlertListRoutes::Export));
  router->Add("GET", "/api/v1/alert-lists/{id}/report",
              "Transparency report: entries, hits, expiries and removals per period",
              Needs("alert_list.report"), bind(&AlertListRoutes::Report));
}

}  // namespace quanyu::api
