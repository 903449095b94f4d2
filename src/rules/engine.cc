#include "rules/engine.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <set>

namespace quanyu::rules {

using nlohmann::json;

std::vector<Rule> DefaultRules() {
  std::vector<Rule> rules(3);
  rules[0].id = "list_hit";
  rules[0].type = AlertType::kListHit;
  rules[1].id = "ring_touch";
  rules[1].type = AlertType::kRingTouch;
  rules[2].id = "ring_entry";
  rules[2].type = AlertType::kRingEntry;
  return rules;
}

namespace {

bool IdChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '_' || c == ':' || c == '-';
}

std::string RuleField(size_t i, std::string_view f) {
  return "rules[" + std::to_string(i) + "]." + std::string(f);
}

}  // namespace

Status ValidateRules(const std::vector<Rule>& rules) {
  std::set<std::string> ids;
  for (size_t i = 0; i < rules.size(); ++i) {
    const Rule& r = rules[i];
    if (r.id.empty() || r.id.size() > 64 || !std::all_of(r.id.begin(), r.id.end(), IdChar)) {
      return InvalidArgument(RuleField(i, "id"), "must be 1-64 of A-Z a-z 0-9 . _ : -");
    }
    if (!ids.insert(r.id).second) {
      return InvalidArgument(RuleField(i, "id"), "\"" + r.id + "\" is used twice");
    }
    if (r.ring_id.empty() || r.ring_id.size() > 64 ||
        (r.ring_id != "*" && !std::all_of(r.ring_id.begin(), r.ring_id.end(), IdChar))) {
      return InvalidArgument(RuleField(i, "ring_id"), "must be \"*\" (every ring) or a ring id");
    }
    if (r.priority != 0 && (r.priority < kHighestPriority || r.priority > kLowestPriority)) {
      return InvalidArgument(RuleField(i, "priority"),
                             "must be 1 (highest) to 4 (lowest), or 0 for the entry's own");
    }
  }
  return Status::Ok();
}

json RulesToJson(const std::vector<Rule>& rules) {
  json out = json::array();
  for (const Rule& r : rules) {
    out.push_back(
        {{"id", r.id},
         {"type", std::string(AlertTypeName(r.type))},
         {"ring_id", r.ring_id},
         {"category", r.category ? json(std::string(CategoryName(*r.category))) : json(nullptr)},
         {"priority", r.priority},
         {"enabled", r.enabled}});
  }
  return out;
}

StatusOr<std::vector<Rule>> RulesFromJson(const json& j) {
  if (!j.is_array()) return InvalidArgument("rules", "must be an array of rules");
  std::vector<Rule> rules;
  for (size_t i = 0; i < j.size(); ++i) {
    const json& o = j[i];
    if (!o.is_object()) {
      return InvalidArgument("rules[" + std::to_string(i) + "]", "must be an object");
    }
    Rule r;
    auto str = [&](const char* k, std::string* out, bool required) -> Status {
      auto it = o.find(k);
      if (it == o.end() || it->is_null()) {
        return required ? InvalidArgument(RuleField(i, k), "is required") : Status::Ok();
      }
      if (!it->is_string()) return InvalidArgument(RuleField(i, k), "must be a string");
      *out = it->get<std::string>();
      return Status::Ok();
    };
    RETURN_IF_ERROR(str("id", &r.id, true));
    std::string type;
    RETURN_IF_ERROR(str("type", &type, true));
    ASSIGN_OR_RETURN(r.type, ParseAlertType(type, RuleField(i, "type")));
    RETURN_IF_ERROR(str("ring_id", &r.ring_id, false));
    std::string category;
    RETURN_IF_ERROR(str("category", &category, false));
    if (!category.empty()) {
      ASSIGN_OR_RETURN(r.category, ParseCategory(category, RuleField(i, "category")));
    }
    if (auto it = o.find("priority"); it != o.end() && !it->is_null()) {
      if (!it->is_number_integer()) {
        return InvalidArgument(RuleField(i, "priority"), "must be a whole number");
      }
      r.priority = it->get<int>();
    }
    if (auto it = o.find("enabled"); it != o.end() && !it->is_null()) {
      if (!it->is_boolean()) return InvalidArgument(RuleField(i, "enabled"), "must be a boolean");
      r.enabled = it->get<bool>();
    }
    rules.push_back(std::move(r));
  }
  RETURN_IF_ERROR(ValidateRules(rules));
  return rules;
}

Engine::Engine(EngineOptions options) : options_(options) {
  rules_.store(std::make_shared<const RuleSet>(RuleSet{DefaultRules()}));
}

void Engine::SetRules(std::vector<Rule> rules) {
  rules_.store(std::make_shared<const RuleSet>(RuleSet{std::move(rules)}));
}

std::vector<Rule> Engine::rules() const { return rules_.load()->rules; }

const Rule* Engine::Find(const RuleSet& rs, AlertType type, std::string_view ring_id,
                         Category category) {
  const Rule* best = nullptr;
  int best_score = -1;
  for (const Rule& r : rs.rules) {
    if (r.type != type) continue;
    int score = 0;
    if (type != AlertType::kListHit && r.ring_id != "*") {
      if (r.ring_id != ring_id) continue;
      score += 2;
    }
    if (r.category) {
      if (*r.category != category) continue;
      score += 1;
    }
    if (score > best_score) {
      best = &r;
      best_score = score;
    }
  }
  // The most specific rule decides, so a disabled rule for one ring silences the general one.
  return best != nullptr && best->enabled ? best : nullptr;
}

bool Engine::WasInside(const Sighting& s, const std::string& ring_id,
                       const registry::RingContext& rings) const {
  if (auto g = rings.guards.find(s.checkpoint_id); g != rings.guards.end()) {
    for (const registry::RingWatch& w : g->second) {
      if (w.ring_id != ring_id) continue;
      if (w.inbound && !w.outbound) return true;   // it passed inwards
      if (w.outbound && !w.inbound) return false;  // it passed outwards
    }
  }
  auto in = rings.inside.find(s.checkpoint_id);
  return in != rings.inside.end() &&
         std::find(in->second.begin(), in->second.end(), ring_id) != in->second.end();
}

void Engine::EvaluateHit(const events::PassageRecord& r, const Hit& hit, const RuleSet& rs,
                         const registry::RingContext& rings, const Sighting* previous,
                         std::vector<Trigger>* out) const {
  auto emit = [&](const Rule& rule, std::string ring_id) {
    Trigger& t = out->emplace_back();
    t.type = rule.type;
    t.rule_id = rule.id;
    t.priority = rule.priority != 0 ? rule.priority : hit.priority;
    t.ring_id = std::move(ring_id);
    t.list_id = std::string(hit.list_id);
    t.entry_id = std::string(hit.entry_id);
    t.category = hit.category;
    t.partial_read = hit.partial_read;
    t.owner_agency = std::string(hit.owner_agency);
    t.case_no = std::string(hit.case_no);
    t.record = &r;
  };
  bool ring_fired = false;
  if (auto g = rings.guards.find(r.checkpoint_id); g != rings.guards.end()) {
    for (const registry::RingWatch& w : g->second) {
      const Rule* rule = nullptr;
      if (w.inbound) {
        if (const Rule* entry = Find(rs, AlertType::kRingEntry, w.ring_id, hit.category)) {
          bool unseen = previous == nullptr || r.pass_time - previous->time > options_.sighting_ttl;
          bool was_outside =
              !unseen && previous->time <= r.pass_time && !WasInside(*previous, w.ring_id, rings);
          if (unseen || was_outside) rule = entry;
        }
      }
      if (rule == nullptr) rule = Find(rs, AlertType::kRingTouch, w.ring_id, hit.category);
      if (rule != nullptr) {
        emit(*rule, w.ring_id);
        ring_fired = true;
      }
    }
  }
  if (!ring_fired) {
    if (const Rule* rule = Find(rs, AlertType::kListHit, "", hit.category)) emit(*rule, "");
  }
}

size_t Engine::Evaluate(std::span<const events::PassageRecord> records, const Matcher& matcher,
                        const registry::RingContext& rings, std::vector<Trigger>* out) {
  thread_local std::vector<const events::PassageRecord*> ptrs;
  ptrs.clear();
  for (const events::PassageRecord& r : records) ptrs.push_back(&r);
  return Evaluate(std::span<const events::PassageRecord* const>(ptrs), matcher, rings, out);
}

size_t Engine::Evaluate(std::span<const events::PassageRecord* const> records,
                        const Matcher& matcher, const registry::RingContext& rings,
                        std::vector<Trigger>* out) {
  thread_local std::vector<std::string_view> plates;
  thread_local std::vector<UnixMicros> times;
  thread_local std::vector<Matcher::BatchHit> hits;
  plates.clear();
  times.clear();
  hits.clear();
  for (const events::PassageRecord* rp : records) {
    const events::PassageRecord& r = *rp;
    bool readable = r.plate_status == events::PlateStatus::kValid ||
                    r.plate_status == events::PlateStatus::kPartial;
    plates.push_back(readable ? std::string_view(r.plate) : std::string_view());
    times.push_back(r.pass_time);
  }
  evaluated_.fetch_add(records.size(), std::memory_order_relaxed);
  if (matcher.size() == 0) return 0;
  matcher.MatchBatch(plates, times, &hits);
  if (hits.empty()) return 0;
  hits_.fetch_add(hits.size(), std::memory_order_relaxed);

  std::shared_ptr<const RuleSet> rs = rules_.load();
  const size_t before = out->size();
  std::lock_guard lock(mu_);
  for (size_t h = 0; h < hits.size();) {
    const size_t i = hits[h].index;
    const events::PassageRecord& r = *records[i];
    const bool partial = r.plate_status == events::PlateStatus::kPartial;
    std::optional<Sighting> previous;
    if (!partial) {
      if (auto it = sightings_.find(r.plate); it != sightings_.end()) previous = it->second;
    }
    for (; h < hits.size() && hits[h].index == i; ++h) {
      EvaluateHit(r, hits[h].hit, *rs, rings, previous ? &*previous : nullptr, out);
    }
    // A partly read plate names no one vehicle: it does not move a sighting.
    if (!partial && (!previous || previous->time <= r.pass_time)) {
      sightings_[r.plate] = Sighting{r.checkpoint_id, r.pass_time};
    }
  }
  if (sightings_.size() > options_.max_sightings) {
    // Drop the sightings too old to matter, then, if still too many, the older half.
    UnixMicros newest = 0;
    for (const auto& [plate, s] : sightings_) newest = std::max(newest, s.time);
    std::erase_if(sightings_,
                  [&](const auto& kv) { return newest - kv.second.time > options_.sighting_ttl; });
    if (sightings_.size() > options_.max_sightings) {
      std::vector<UnixMicros> t;
      for (const auto& [plate, s] : sightings_) t.push_back(s.time);
      std::nth_element(t.begin(), t.begin() + t.size() / 2, t.end());
      UnixMicros median = t[t.size() / 2];
      std::erase_if(sightings_, [&](const auto& kv) { return kv.second.time < median; });
    }
  }
  size_t n = out->size() - before;
  triggers_.fetch_add(n, std::memory_order_relaxed);
  return n;
}

EngineStats Engine::Stats() const {
  return {evaluated_.load(std::memory_order_relaxed), hits_.load(std::memory_order_relaxed),
          triggers_.load(std::memory_order_relaxed)};
}

size_t Engine::sightings() const {
  std::lock_guard lock(mu_);
  return sightings_.size();
}

}  // namespace quanyu::rules
