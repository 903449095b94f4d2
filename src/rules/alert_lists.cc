#include "rules/alert_lists.h"

#include <algorithm>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <set>
#include <unordered_set>

namespace quanyu::rules {
namespace {

using nlohmann::json;

bool InScope(const govern::Principal& who, const AlertList& l) {
  return who.scope.kind != govern::ScopeKind::kAgency || who.agency == l.owner_agency;
}

int64_t FloorDiv(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

}  // namespace

AlertLists::AlertLists(store::Store* store, govern::AuditLog* audit, const Clock* clock,
                       AlertListsOptions options)
    : store_(store), audit_(audit), clock_(clock), options_(options) {
  matcher_.store(Matcher::Empty());
}

Status AlertLists::Load() {
  std::lock_guard lock(mu_);
  ASSIGN_OR_RETURN(std::vector<store::Document> list_docs, store_->ListDocuments(kAlertListDoc));
  std::map<std::string, AlertList> lists;
  for (const auto& d : list_docs) {
    ASSIGN_OR_RETURN(AlertList l, AlertListFromDocument(d));
    lists.emplace(l.id, std::move(l));
  }
  std::vector<MatchEntry> entries;
  {
    ASSIGN_OR_RETURN(std::vector<store::Document> docs, store_->ListDocuments(kAlertEntryDoc));
    entries.reserve(docs.size());
    for (auto& d : docs) {
      ASSIGN_OR_RETURN(AlertEntry e, AlertEntryFromDocument(d));
      d.body.clear();
      d.body.shrink_to_fit();
      if (e.removed != 0 || e.expiry_audited) continue;
      entries.push_back(ToMatchEntry(e));
    }
  }
  lists_ = std::move(lists);
  return Swap(std::move(entries));
}

Status AlertLists::Swap(std::vector<MatchEntry> entries) {
  auto m = Matcher::Build(std::move(entries));
  if (!m.ok()) return Internal("building the alert matcher: " + m.status().ToString());
  matcher_.store(std::move(m).value());
  return Status::Ok();
}

Status AlertLists::Audit(const govern::Principal& who, std::string action, std::string target,
                         std::string case_no, std::string detail) {
  store::AuditRecord r;
  r.actor = who.Actor();
  r.agency = who.agency;
  r.role = who.role;
  r.action = std::move(action);
  r.target = std::move(target);
  r.case_no = std::move(case_no);
  r.outcome = "ok";
  r.detail = std::move(detail);
  return audit_->Append(std::move(r));
}

std::string AlertLists::NewEntryId(UnixMicros now) {
  // Time first, so that ids sort by creation; the counter separates entries of one moment.
  char buf[32];
  std::snprintf(buf, sizeof buf, "%013llx%06x", static_cast<unsigned long long>(now),
                static_cast<unsigned>(id_counter_.fetch_add(1) & 0xFFFFFF));
  return buf;
}

std::string AlertLists::DayId(UnixMicros t) const {
  const int64_t offset = int64_t{options_.offset_seconds} * kMicrosPerSecond;
  const UnixMicros day_start = FloorDiv(t + offset, kMicrosPerDay) * kMicrosPerDay - offset;
  return FormatCompactLocalTime(day_start, options_.offset_seconds).substr(0, 8);
}

StatusOr<AlertList> AlertLists::ListInScope(const govern::Principal& who,
                                            const std::string& id) const {
  std::lock_guard lock(mu_);
  auto it = lists_.find(id);
  if (it == lists_.end()) return NotFound("alert list \"" + id + "\" not found");
  if (!InScope(who, it->second)) {
    return PermissionDenied("alert list \"" + id + "\" belongs to another agency");
  }
  return it->second;
}

StatusOr<AlertList> AlertLists::CreateList(const govern::Principal& who, AlertList list) {
  RETURN_IF_ERROR(ValidateList(list));
  if (!InScope(who, list)) {
    return PermissionDenied("a list of agency \"" + list.owner_agency +
                            "\" is outside the caller's agency scope");
  }
  list.created = clock_->Now();
  list.created_by = who.Actor();
  {
    std::lock_guard lock(mu_);
    if (lists_.count(list.id) != 0) {
      return AlreadyExists("alert list \"" + list.id + "\" already exists");
    }
    RETURN_IF_ERROR(store_->CreateDocument(ToDocument(list, list.created)));
    lists_.emplace(list.id, list);
  }
  json detail = {{"name", list.name}, {"owner_agency", list.owner_agency}};
  RETURN_IF_ERROR(Audit(who, "alert_list.create", "alert_list:" + list.id, "", detail.dump()));
  return list;
}

StatusOr<std::vector<AlertList>> AlertLists::Lists(const govern::Principal& who) const {
  std::lock_guard lock(mu_);
  std::vector<AlertList> out;
  for (const auto& [id, l] : lists_) {
    if (InScope(who, l)) out.push_back(l);
  }
  return out;
}

StatusOr<AlertList> AlertLists::GetList(const govern::Principal& who, const std::string& id) const {
  return ListInScope(who, id);
}

StatusOr<AlertEntry> AlertLists::AddEntry(const govern::Principal& who, AlertEntry e) {
  const std::string list_id = e.list_id;
  std::vector<AlertEntry> one;
  one.push_back(std::move(e));
  ASSIGN_OR_RETURN(std::vector<AlertEntry> added, AddEntries(who, list_id, std::move(one)));
  return std::move(added.front());
}

StatusOr<std::vector<AlertEntry>> AlertLists::AddEntries(const govern::Principal& who,
                                                         const std::string& list_id,
                                                         std::vector<AlertEntry> entries) {
  ASSIGN_OR_RETURN(AlertList list, ListInScope(who, list_id));
  if (entries.empty()) return InvalidArgument("entries", "no entry to add");
  const UnixMicros now = clock_->Now();
  std::vector<store::Document> docs;
  docs.reserve(entries.size());
  for (size_t i = 0; i < entries.size(); ++i) {
    AlertEntry& e = entries[i];
    e.list_id = list_id;
    if (e.owner_agency.empty()) e.owner_agency = list.owner_agency;
    e.created = now;
    e.created_by = who.Actor();
    e.removed = 0;
    e.removed_by.clear();
    e.removed_reason.clear();
    e.expiry_audited = false;
    Status st = ValidateEntry(&e, options_.rules);
    if (!st.ok()) {
      return entries.size() == 1 ? st : st.WithFieldPrefix("entries[" + std::to_string(i) + "].");
    }
    if (e.valid_until <= now) {
      return InvalidArgument(
          entries.size() == 1 ? "valid_until" : "entries[" + std::to_string(i) + "].valid_until",
          "the entry would have expired already");
    }
    e.id = NewEntryId(now);
    docs.push_back(ToDocument(e, now));
  }
  {
    std::lock_guard lock(mu_);
    RETURN_IF_ERROR(store_->PutDocuments(docs));
    docs.clear();
    docs.shrink_to_fit();
    std::vector<MatchEntry> next = matcher_.load()->Entries();
    next.reserve(next.size() + entries.size());
    for (const AlertEntry& e : entries) next.push_back(ToMatchEntry(e));
    RETURN_IF_ERROR(Swap(std::move(next)));
  }
  if (entries.size() == 1) {
    const AlertEntry& e = entries.front();
    json detail = {{"list", e.list_id},
                   {"plate", e.plate},
                   {"kind", EntryKindName(e.kind)},
                   {"category", CategoryName(e.category)},
                   {"priority", e.priority},
                   {"approving_authority", e.legal_basis.approving_authority},
                   {"approver", e.legal_basis.approver},
                   {"valid_from", e.valid_from},
                   {"valid_until", e.valid_until}};
    RETURN_IF_ERROR(
        Audit(who, "alert_entry.add", "alert_entry:" + e.id, e.legal_basis.case_no, detail.dump()));
  } else {
    std::set<std::string> cases;
    for (const AlertEntry& e : entries) cases.insert(e.legal_basis.case_no);
    json detail = {{"count", entries.size()},
                   {"first_id", entries.front().id},
                   {"last_id", entries.back().id},
                   {"case_count", cases.size()}};
    constexpr size_t kMaxCasesListed = 100;
    if (cases.size() <= kMaxCasesListed) detail["case_nos"] = cases;
    RETURN_IF_ERROR(Audit(who, "alert_entry.import", "alert_list:" + list_id,
                          cases.size() == 1 ? *cases.begin() : "", detail.dump()));
  }
  return entries;
}

Status AlertLists::RemoveEntry(const govern::Principal& who, const std::string& entry_id,
                               const std::string& reason) {
  if (reason.empty()) return InvalidArgument("reason", "required: say why the entry is removed");
  ASSIGN_OR_RETURN(store::Document d, store_->GetDocument(kAlertEntryDoc, entry_id));
  ASSIGN_OR_RETURN(AlertEntry e, AlertEntryFromDocument(d));
  RETURN_IF_ERROR(ListInScope(who, e.list_id).status());
  if (e.removed != 0) {
    return FailedPrecondition("alert entry \"" + entry_id + "\" is already removed");
  }
  const UnixMicros now = clock_->Now();
  e.removed = now;
  e.removed_by = who.Actor();
  e.removed_reason = reason;
  {
    std::lock_guard lock(mu_);
    RETURN_IF_ERROR(store_->PutDocument(ToDocument(e, now)));
    std::vector<MatchEntry> next = matcher_.load()->Entries();
    std::erase_if(next, [&](const MatchEntry& m) { return m.entry_id == entry_id; });
    RETURN_IF_ERROR(Swap(std::move(next)));
  }
  json detail = {{"list", e.list_id}, {"plate", e.plate}, {"reason", reason}};
  return Audit(who, "alert_entry.remove", "alert_entry:" + entry_id, e.legal_basis.case_no,
               detail.dump());
}

StatusOr<std::vector<AlertEntry>> AlertLists::ListEntries(const std::string& list_id) const {
  ASSIGN_OR_RETURN(std::vector<store::Document> docs, store_->ListDocuments(kAlertEntryDoc));
  std::vector<AlertEntry> out;
  for (const auto& d : docs) {
    ASSIGN_OR_RETURN(AlertEntry e, AlertEntryFromDocument(d));
    if (e.list_id == list_id) out.push_back(std::move(e));
  }
  return out;
}

StatusOr<std::vector<AlertEntry>> AlertLists::Entries(const govern::Principal& who,
                                                      const std::string& list_id,
                                                      bool include_inactive) const {
  RETURN_IF_ERROR(ListInScope(who, list_id).status());
  ASSIGN_OR_RETURN(std::vector<AlertEntry> all, ListEntries(list_id));
  if (include_inactive) return all;
  const UnixMicros now = clock_->Now();
  std::erase_if(all, [now](const AlertEntry& e) {
    return e.removed != 0 || e.expiry_audited || e.valid_until <= now;
  });
  return all;
}

StatusOr<size_t> AlertLists::ExpireDue() {
  const UnixMicros now = clock_->Now();
  std::vector<AlertEntry> expired;
  {
    std::lock_guard lock(mu_);
    std::shared_ptr<const Matcher> m = matcher_.load();
    const std::vector<std::string> ids = m->ExpiredBy(now);
    if (ids.empty()) return size_t{0};
    std::vector<store::Document> docs;
    for (const std::string& id : ids) {
      ASSIGN_OR_RETURN(store::Document d, store_->GetDocument(kAlertEntryDoc, id));
      ASSIGN_OR_RETURN(AlertEntry e, AlertEntryFromDocument(d));
      e.expiry_audited = true;
      docs.push_back(ToDocument(e, now));
      expired.push_back(std::move(e));
    }
    RETURN_IF_ERROR(store_->PutDocuments(docs));
    const std::unordered_set<std::string> gone(ids.begin(), ids.end());
    std::vector<MatchEntry> next = m->Entries();
    std::erase_if(next, [&](const MatchEntry& e) { return gone.count(e.entry_id) != 0; });
    RETURN_IF_ERROR(Swap(std::move(next)));
  }
  govern::Principal system;
  system.kind = govern::PrincipalKind::kSystem;
  system.role = "system";
  for (const AlertEntry& e : expired) {
    json detail = {{"list", e.list_id}, {"plate", e.plate}, {"valid_until", e.valid_until}};
    RETURN_IF_ERROR(Audit(system, "alert_entry.expire", "alert_entry:" + e.id,
                          e.legal_basis.case_no, detail.dump()));
  }
  return expired.size();
}

std::optional<UnixMicros> AlertLists::NextExpiry() const { return matcher_.load()->NextExpiry(); }

void AlertLists::RecordHit(std::string_view entry_id, UnixMicros time) {
  std::string day = DayId(time);
  std::lock_guard lock(hits_mu_);
  ++pending_hits_[std::move(day)][std::string(entry_id)];
}

Status AlertLists::FlushHits() {
  std::map<std::string, std::unordered_map<std::string, int64_t>> pending;
  {
    std::lock_guard lock(hits_mu_);
    pending.swap(pending_hits_);
  }
  if (pending.empty()) return Status::Ok();
  std::vector<store::Document> docs;
  Status st;
  const UnixMicros now = clock_->Now();
  for (const auto& [day, counts] : pending) {
    json body = json::object();
    auto stored = store_->GetDocument(kAlertHitsDoc, day);
    if (stored.ok()) {
      body = json::parse(stored->body, nullptr, /*allow_exceptions=*/false);
      if (!body.is_object()) {
        st = DataLoss("alert hits of " + day + " are unreadable");
        break;
      }
    } else if (stored.status().code() != StatusCode::kNotFound) {
      st = stored.status();
      break;
    }
    for (const auto& [entry, n] : counts) body[entry] = body.value(entry, int64_t{0}) + n;
    docs.push_back(store::Document{kAlertHitsDoc, day, body.dump(), now});
  }
  if (st.ok()) st = store_->PutDocuments(docs);
  if (!st.ok()) {
    // Keeps the counts for the next flush.
    std::lock_guard lock(hits_mu_);
    for (auto& [day, counts] : pending) {
      for (auto& [entry, n] : counts) pending_hits_[day][entry] += n;
    }
  }
  return st;
}

StatusOr<ListReport> AlertLists::Report(const govern::Principal& who, const std::string& list_id,
                                        UnixMicros from, UnixMicros to, UnixMicros bucket) {
  ASSIGN_OR_RETURN(AlertList list, ListInScope(who, list_id));
  if (to <= from) return InvalidArgument("to", "must be after from");
  if (bucket <= 0 || bucket % kMicrosPerDay != 0) {
    return InvalidArgument("bucket", "must be a whole number of days: hits are counted per day");
  }
  constexpr int64_t kMaxPeriods = 1000;
  if ((to - from + bucket - 1) / bucket > kMaxPeriods) {
    return InvalidArgument("bucket", "more than 1000 periods; choose a longer bucket");
  }
  RETURN_IF_ERROR(FlushHits());
  ASSIGN_OR_RETURN(std::vector<AlertEntry> entries, ListEntries(list_id));

  ListReport report;
  report.list = list;
  report.from = from;
  report.to = to;
  report.bucket = bucket;
  const UnixMicros now = clock_->Now();
  for (UnixMicros p = from; p < to; p += bucket) {
    ReportPeriod& r = report.periods.emplace_back();
    r.from = p;
    r.to = std::min(to, p + bucket);
  }
  auto period_of = [&](UnixMicros t) -> ReportPeriod* {
    if (t < from || t >= to) return nullptr;
    return &report.periods[static_cast<size_t>((t - from) / bucket)];
  };
  std::unordered_set<std::string> ids;
  for (const AlertEntry& e : entries) {
    ids.insert(e.id);
    if (ReportPeriod* p = period_of(e.created)) ++p->added;
    if (e.removed != 0) {
      if (ReportPeriod* p = period_of(e.removed)) ++p->removed;
    }
    if ((e.removed == 0 || e.removed > e.valid_until) && e.valid_until <= now) {
      if (ReportPeriod* p = period_of(e.valid_until)) ++p->expired;
    }
    const UnixMicros start = std::max(e.valid_from, e.created);
    const UnixMicros end = e.removed != 0 ? std::min(e.valid_until, e.removed) : e.valid_until;
    for (ReportPeriod& p : report.periods) {
      if (start < p.to && end > p.from) ++p.active;
    }
  }
  // Hits: the day documents of the range, each day counted in the period holding its start.
  const int64_t offset = int64_t{options_.offset_seconds} * kMicrosPerSecond;
  for (UnixMicros day = FloorDiv(from + offset, kMicrosPerDay) * kMicrosPerDay - offset; day < to;
       day += kMicrosPerDay) {
    ReportPeriod* p = period_of(day);
    if (p == nullptr) continue;
    auto d = store_->GetDocument(kAlertHitsDoc, DayId(day));
    if (!d.ok()) {
      if (d.status().code() == StatusCode::kNotFound) continue;
      return d.status();
    }
    json body = json::parse(d->body, nullptr, /*allow_exceptions=*/false);
    if (!body.is_object()) return DataLoss("alert hits of " + d->id + " are unreadable");
    for (const auto& [entry, n] : body.items()) {
      if (ids.count(entry) != 0 && n.is_number_integer()) p->hits += n.get<int64_t>();
    }
  }
  return report;
}

}  // namespace quanyu::rules
