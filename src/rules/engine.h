// Engine: evaluates accepted passage records against the alert lists and the ring rules, and
// says which rules fire ("triggers"). Folding triggers into alerts, ids, storage and the
// lifecycle belong to Alerts (alerts.h).
//
// For each record whose plate hits an alert-list entry (Matcher), at checkpoint C:
//   - for each ring R that C guards (registry::RingContext::guards):
//       ring_entry fires when C watches R inbound and the vehicle was last seen outside R, or
//         not seen within sighting_ttl (or never): "after being seen outside it or not at all";
//       else ring_touch fires ("a listed vehicle seen at any checkpoint of ring R");
//     each only if a rule of that type is enabled for R and the entry's category;
//   - if no ring rule fired, list_hit fires (when enabled for the category).
// "Last seen outside R": the previous sighting's checkpoint guards R outbound only (it left),
// or does not guard R and does not lie inside R; inside when it guards R inbound only (it
// entered) or lies inside R. Sightings are kept only for plates that hit an entry, so the state
// stays as small as the lists. A record older than the plate's last sighting is evaluated but
// does not move the sighting back.
//
// Usage:
//   Engine engine;
//   engine.SetRules(DefaultRules());
//   std::vector<Trigger> out;
//   engine.Evaluate(records, *matcher, *ring_context, &out);
//
// Thread safety: Evaluate and SetRules may be called from any number of threads; matching
// takes no lock, the sighting state of hits is behind a mutex.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/clock.h"
#include "core/status.h"
#include "events/passage.h"
#include "registry/ring_assignment.h"
#include "rules/alert.h"
#include "rules/matcher.h"

namespace quanyu::rules {

// A rule: which type of alert to raise for which rings and categories, at what priority.
struct Rule {
  std::string id;  // 1-64 of [A-Za-z0-9._:-]; alerts name it
  AlertType type = AlertType::kListHit;
  std::string ring_id = "*";         // "*" = every ring (ignored for list_hit)
  std::optional<Category> category;  // nullopt = every category
  int priority = 0;                  // 1..4 overrides the entry's; 0 = the entry's
  bool enabled = true;

  bool operator==(const Rule&) const = default;
};

// list_hit, ring_touch and ring_entry for every ring and category, at the entry's priority.
std::vector<Rule> DefaultRules();
// Checks ids (unique), ring ids ("*" or an id), priorities; errors name "rules[i].<field>".
Status ValidateRules(const std::vector<Rule>& rules);
nlohmann::json RulesToJson(const std::vector<Rule>& rules);
StatusOr<std::vector<Rule>> RulesFromJson(const nlohmann::json& j);

// One rule firing for one record.
struct Trigger {
  AlertType type = AlertType::kListHit;
  std::string rule_id;
  int priority = 2;
  std::string ring_id;  // for ring rules
  std::string list_id, entry_id;
  Category category = Category::kWantedInCase;
  bool partial_read = false;
  std::string owner_agency, case_no;              // of the entry
  const events::PassageRecord* record = nullptr;  // the caller's, valid during the call
};

struct EngineOptions {
  // A sighting older than this counts as "not seen" for ring entry. Default: 24 hours.
  UnixMicros sighting_ttl = kMicrosPerDay;
  // Sightings kept at most (oldest dropped first). Default: 1,000,000.
  size_t max_sightings = 1'000'000;
};

struct EngineStats {
  uint64_t evaluated = 0, hits = 0, triggers = 0;
};

class Engine {
 public:
  explicit Engine(EngineOptions options = {});

  // Replaces the rules. REQUIRES: ValidateRules(rules).ok().
  void SetRules(std::vector<Rule> rules);
  std::vector<Rule> rules() const;

  // Appends the triggers of `records` (in record order) to *out; returns how many.
  size_t Evaluate(std::span<const events::PassageRecord* const> records, const Matcher& matcher,
                  const registry::RingContext& rings, std::vector<Trigger>* out);
  size_t Evaluate(std::span<const events::PassageRecord> records, const Matcher& matcher,
                  const registry::RingContext& rings, std::vector<Trigger>* out);

  EngineStats Stats() const;
  size_t sightings() const;

 private:
  struct Sighting {
    std::string checkpoint_id;
    UnixMicros time = 0;
  };
  struct RuleSet {
    std::vector<Rule> rules;
  };
  // The enabled rule of `type` for ring and category with the most specific match (a rule for
  // the ring before "*", one for the category before any), or nullptr.
  static const Rule* Find(const RuleSet& rs, AlertType type, std::string_view ring_id,
                          Category category);
  bool WasInside(const Sighting& s, const std::string& ring_id,
                 const registry::RingContext& rings) const;
  void EvaluateHit(const events::PassageRecord& r, const Hit& hit, const RuleSet& rs,
                   const registry::RingContext& rings, const Sighting* previous,
                   std::vector<Trigger>* out) const;

  const EngineOptions options_;
  std::atomic<std::shared_ptr<const RuleSet>> rules_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, Sighting> sightings_;  // plate -> last sighting; guarded by mu_
  std::atomic<uint64_t> evaluated_{0}, hits_{0}, triggers_{0};
};

}  // namespace quanyu::rules
