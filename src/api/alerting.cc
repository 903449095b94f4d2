#include "api/alerting.h"

#include <spdlog/spdlog.h>

#include <nlohmann/json.hpp>

namespace quanyu::api {

Alerting::Alerting(store::Store* store, rules::AlertLists* lists, rules::Alerts* alerts,
                   Metrics* metrics)
    : store_(store), lists_(lists), alerts_(alerts) {
  auto empty = std::make_shared<registry::RingContext>();
  empty->tree = std::make_shared<const geo::RingTree>();
  rings_.store(std::move(empty));
  m_alerts_raised_ =
      metrics->GetCounter("quanyu_alerts_raised_total", "Alerts raised (folded hits excluded)");
  m_alert_failures_ = metrics->GetCounter(
      "quanyu_alert_failures_total", "Batches of alerts that could not be stored (see the log)");
  m_hits_ = metrics->GetCounter("quanyu_alert_triggers_total",
                                "Rule firings (alert-list hits at a checkpoint, per rule)");
  alerts_->SetWriteFailureHandler(
      [counter = m_alert_failures_](size_t, const Status&) { counter->Inc(); });
  alerts_->AddListener([counter = m_alerts_raised_](const rules::Alert&, bool is_new) {
    if (is_new) counter->Inc();
  });
}

Status Alerting::Load() {
  auto doc = store_->GetDocument(kAlertRulesDoc, "current");
  if (doc.status().code() == StatusCode::kNotFound) return Status::Ok();
  if (!doc.ok()) return doc.status();
  nlohmann::json j = nlohmann::json::parse(doc->body, nullptr, false);
  if (j.is_discarded()) return DataLoss("stored alert rules are not JSON");
  ASSIGN_OR_RETURN(std::vector<rules::Rule> rules, rules::RulesFromJson(j));
  engine_.SetRules(std::move(rules));
  return Status::Ok();
}

Status Alerting::SetRules(std::vector<rules::Rule> rules, UnixMicros now) {
  RETURN_IF_ERROR(rules::ValidateRules(rules));
  RETURN_IF_ERROR(
      store_->PutDocument({kAlertRulesDoc, "current", rules::RulesToJson(rules).dump(), now}));
  engine_.SetRules(std::move(rules));
  return Status::Ok();
}

void Alerting::SetRings(std::shared_ptr<const registry::RingContext> rings) {
  rings_.store(std::move(rings));
}

void Alerting::OnAccepted(std::span<const events::PassageRecord* const> records, bool recovered) {
  std::shared_ptr<const rules::Matcher> matcher = lists_->matcher();
  if (matcher->size() == 0) return;
  std::shared_ptr<const registry::RingContext> rings = rings_.load();
  thread_local std::vector<rules::Trigger> triggers;
  triggers.clear();
  if (engine_.Evaluate(records, *matcher, *rings, &triggers) == 0) return;
  if (recovered) {
    std::erase_if(triggers, [&](const rules::Trigger& t) {
      store::AlertQuery q;
      q.record_id = t.record->id;
      q.limit = 1;
      auto found = store_->ListAlerts(q);
      return found.ok() && !found->empty();
    });
  }
  for (const rules::Trigger& t : triggers) lists_->RecordHit(t.entry_id, t.record->pass_time);
  m_hits_->Inc(triggers.size());
  rules::RaiseContext ctx;
  ctx.rings = rings.get();
  ctx.checkpoint = [this](std::string_view id) { return CheckpointInfo(id); };
  auto raised = alerts_->Raise(triggers, ctx);
  if (!raised.ok()) {
    // The records go on to the log; their alerts are not stored. Say so loudly.
    m_alert_failures_->Inc();
    spdlog::error("{} alert(s) could not be stored: {}", triggers.size(),
                  raised.status().ToString());
    return;
  }
}

std::optional<rules::CheckpointInfo> Alerting::CheckpointInfo(std::string_view id) {
  const int64_t now = MonotonicNanos();
  std::string key(id);
  {
    std::lock_guard lock(cache_mu_);
    auto it = checkpoints_.find(key);
    if (it != checkpoints_.end() &&
        now - it->second.read_nanos < kCheckpointInfoSeconds * 1'000'000'000) {
      return it->second.info;
    }
  }
  std::optional<rules::CheckpointInfo> info;
  auto c = store_->GetCheckpoint(key);
  if (c.ok()) {
    info = rules::CheckpointInfo{c->name, c->division_code, c->position};
  } else if (c.status().code() != StatusCode::kNotFound) {
    return std::nullopt;  // a failed read is not kept
  }
  std::lock_guard lock(cache_mu_);
  if (checkpoints_.size() >= kMaxCached) checkpoints_.clear();
  checkpoints_[key] = CachedCheckpoint{info, now};
  return info;
}

void Alerting::OnCheckpointChanged(const std::string& checkpoint_id) {
  std::lock_guard lock(cache_mu_);
  checkpoints_.erase(checkpoint_id);
}

}  // namespace quanyu::api
