#include "rings/ring_service.h"

#include <spdlog/spdlog.h>

#include <set>

namespace quanyu::rings {
namespace {

using nlohmann::json;

// The watches of `list` whose ring is in `tree`.
std::vector<registry::RingWatch> Existing(const std::vector<registry::RingWatch>& list,
                                          const geo::RingTree& tree) {
  std::vector<registry::RingWatch> out;
  for (const registry::RingWatch& w : list) {
    if (tree.Find(w.ring_id) != nullptr) out.push_back(w);
  }
  return out;
}

}  // namespace

RingService::RingService(store::Store* store, const Clock* clock, RingServiceOptions options)
    : store_(store),
      clock_(clock),
      options_(options),
      tree_(std::make_shared<const geo::RingTree>()) {}

StatusOr<std::unique_ptr<RingService>> RingService::Open(store::Store* store, const Clock* clock,
                                                         RingServiceOptions options) {
  std::unique_ptr<RingService> s(new RingService(store, clock, options));
  RETURN_IF_ERROR(s->Load());
  return s;
}

Status RingService::Load() {
  std::lock_guard lock(mu_);
  ASSIGN_OR_RETURN(std::vector<geo::Ring> rings, LoadRings(store_));
  ASSIGN_OR_RETURN(geo::RingTree tree, geo::RingTree::Build(std::move(rings)));
  tree_ = std::make_shared<const geo::RingTree>(std::move(tree));

  store::CheckpointQuery q;
  q.limit = 10000;
  for (;;) {
    ASSIGN_OR_RETURN(std::vector<registry::Checkpoint> page, store_->ListCheckpoints(q));
    for (registry::Checkpoint& c : page) checkpoints_[c.id] = std::move(c);
    if (page.size() < q.limit) break;
    q.after_id = checkpoints_.rbegin()->first;
  }

  ASSIGN_OR_RETURN(std::vector<store::Document> docs,
                   store_->ListDocuments(kManualWatchDocumentKind));
  for (const store::Document& d : docs) {
    json j = json::parse(d.body, nullptr, /*allow_exceptions=*/false);
    StatusOr<std::vector<registry::RingWatch>> w =
        j.is_object() && j.contains("rings")
            ? registry::ManualRingWatchesFromJson(j["rings"], nullptr)
            : StatusOr<std::vector<registry::RingWatch>>(InvalidArgument("rings", "missing"));
    if (!w.ok()) {
      return DataLoss("stored ring assignment of checkpoint \"" + d.id +
                      "\" is unreadable: " + w.status().ToString());
    }
    manual_[d.id] = std::move(w).value();
  }
  DeriveAll();
  Publish();
  return Status::Ok();
}

void RingService::OnChange(Listener fn) {
  std::lock_guard lock(mu_);
  listeners_.push_back(std::move(fn));
}

void RingService::Derive(const registry::Checkpoint& c) {
  derived_[c.id] = registry::DeriveRingWatches(c, *tree_, options_.tolerance_m);
  inside_[c.id] = tree_->Locate(c.position);
}

void RingService::DeriveAll() {
  derived_.clear();
  inside_.clear();
  for (const auto& [id, c] : checkpoints_) Derive(c);
}

void RingService::Publish() {
  auto ctx = std::make_shared<registry::RingContext>();
  ctx->tree = tree_;
  ctx->guards.reserve(checkpoints_.size());
  ctx->inside.reserve(checkpoints_.size());
  for (const auto& [id, c] : checkpoints_) {
    auto m = manual_.find(id);
    std::vector<registry::RingWatch> effective =
        m != manual_.end() ? Existing(m->second, *tree_) : derived_[id];
    if (!effective.empty()) ctx->guards.emplace(id, std::move(effective));
    ctx->inside.emplace(id, inside_[id]);
  }
  std::shared_ptr<const registry::RingContext> published = std::move(ctx);
  snapshot_.store(published);
  for (const Listener& fn : listeners_) fn(published);
}

StatusOr<RingImport> RingService::Import(std::string_view geojson, geo::Crs crs,
                                         geo::RingLevel level) {
  ASSIGN_OR_RETURN(std::vector<RingFeature> features, ParseRingFeatures(geojson, crs, level));
  RingImport out;
  std::vector<geo::Ring> added;
  for (RingFeature& f : features) {
    if (f.ring.ok()) {
      added.push_back(std::move(f.ring).value());
    } else {
      out.rejected.push_back({f.index, f.ring.status().field(), f.ring.status().message()});
    }
  }
  if (added.empty()) {
    const RingImport::Rejected& first = out.rejected.front();
    return InvalidArgument(
        first.field, "no feature could be imported; the first refused: " + first.message + " (" +
                         std::to_string(out.rejected.size()) + " refused)");
  }
  std::lock_guard lock(mu_);
  ASSIGN_OR_RETURN(Placement placed,
                   PlaceRings(tree_->rings(), std::move(added), {}, clock_->Now()));
  RETURN_IF_ERROR(store_->PutDocuments(placed.writes));
  out.accepted = std::move(placed.rings);
  out.replaced = placed.replaced;
  out.reparented = placed.reparented;
  tree_ = std::make_shared<const geo::RingTree>(std::move(placed.tree));
  DeriveAll();
  Publish();
  return out;
}

Status RingService::Delete(const std::string& ring_id) {
  std::lock_guard lock(mu_);
  if (tree_->Find(ring_id) == nullptr) return NotFound("no ring has the id \"" + ring_id + "\"");
  ASSIGN_OR_RETURN(Placement placed, PlaceRings(tree_->rings(), {}, {ring_id}, clock_->Now()));
  // The reparented children first: were the removal to fail, the ring would still be there and
  // parents are derived again at every build anyway.
  RETURN_IF_ERROR(store_->PutDocuments(placed.writes));
  RETURN_IF_ERROR(store_->DeleteDocument(kRingDocumentKind, ring_id).status());
  tree_ = std::make_shared<const geo::RingTree>(std::move(placed.tree));
  DeriveAll();
  Publish();
  return Status::Ok();
}

void RingService::OnCheckpointChanged(const registry::Checkpoint& c) {
  std::lock_guard lock(mu_);
  checkpoints_[c.id] = c;
  Derive(c);
  Publish();
}

void RingService::OnCheckpointDeleted(const std::string& checkpoint_id) {
  std::lock_guard lock(mu_);
  checkpoints_.erase(checkpoint_id);
  derived_.erase(checkpoint_id);
  inside_.erase(checkpoint_id);
  if (manual_.erase(checkpoint_id) != 0) {
    auto st = store_->DeleteDocument(kManualWatchDocumentKind, checkpoint_id);
    if (!st.ok()) {
      spdlog::warn("ring assignment of deleted checkpoint {} stays stored: {}", checkpoint_id,
                   st.status().ToString());
    }
  }
  Publish();
}

RingAssignment RingService::AssignmentLocked(const std::string& id) const {
  RingAssignment a;
  if (auto d = derived_.find(id); d != derived_.end()) a.derived = d->second;
  if (auto in = inside_.find(id); in != inside_.end()) a.inside = in->second;
  if (auto m = manual_.find(id); m != manual_.end()) {
    a.manual = Existing(m->second, *tree_);
    a.effective = *a.manual;
  } else {
    a.effective = a.derived;
  }
  return a;
}

StatusOr<RingAssignment> RingService::Assignment(const std::string& checkpoint_id) const {
  std::lock_guard lock(mu_);
  if (checkpoints_.count(checkpoint_id) == 0) {
    return NotFound("checkpoint \"" + checkpoint_id + "\" not found");
  }
  return AssignmentLocked(checkpoint_id);
}

StatusOr<RingAssignment> RingService::SetManual(const std::string& checkpoint_id,
                                                const json& rings) {
  std::lock_guard lock(mu_);
  if (checkpoints_.count(checkpoint_id) == 0) {
    return NotFound("checkpoint \"" + checkpoint_id + "\" not found");
  }
  ASSIGN_OR_RETURN(std::vector<registry::RingWatch> watches,
                   registry::ManualRingWatchesFromJson(rings, tree_.get()));
  store::Document d;
  d.kind = kManualWatchDocumentKind;
  d.id = checkpoint_id;
  d.body = json{{"rings", registry::RingWatchesToJson(watches)}}.dump();
  d.updated = clock_->Now();
  RETURN_IF_ERROR(store_->PutDocument(d));
  manual_[checkpoint_id] = std::move(watches);
  Publish();
  return AssignmentLocked(checkpoint_id);
}

StatusOr<bool> RingService::ClearManual(const std::string& checkpoint_id) {
  std::lock_guard lock(mu_);
  if (checkpoints_.count(checkpoint_id) == 0) {
    return NotFound("checkpoint \"" + checkpoint_id + "\" not found");
  }
  if (manual_.count(checkpoint_id) == 0) return false;
  RETURN_IF_ERROR(store_->DeleteDocument(kManualWatchDocumentKind, checkpoint_id).status());
  manual_.erase(checkpoint_id);
  Publish();
  return true;
}

}  // namespace quanyu::rings
