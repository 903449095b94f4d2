// RingService: the rings (圈层) of a running server and every checkpoint's place among them,
// published as immutable registry::RingContext snapshots.
//
// It loads the stored rings (documents of kind "ring"), checkpoints and manual assignments
// (documents of kind kManualWatchDocumentKind, id = checkpoint id, body {"rings": [RingWatch
// JSON]}), builds the RingTree, derives each checkpoint's watches (registry::DeriveRingWatches)
// and locates each checkpoint in the tree. A manual assignment replaces the derived one for its
// checkpoint; watches naming a ring that no longer exists are left out of the snapshot (and
// come back if a ring of that id is imported again). Every change — rings imported or deleted,
// a checkpoint created, changed or deleted, an assignment set or cleared — publishes a new
// snapshot and then calls the listeners with it.
//
// Example:
//   ASSIGN_OR_RETURN(auto rings, RingService::Open(store, clock));
//   rings->OnChange([&](auto ctx) { engine.SetRings(std::move(ctx)); });
//   std::shared_ptr<const registry::RingContext> ctx = rings->snapshot();  // never locks
//
// Thread safety: every method may be called from any thread. snapshot() is lock-free; changes
// are serialised, and listeners run on the changing thread, one change at a time, in order.
// A listener must not call back into the service's changing methods.
#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/status.h"
#include "registry/checkpoint.h"
#include "registry/ring_assignment.h"
#include "rings/ring_store.h"
#include "store/store.h"

namespace quanyu::rings {

inline constexpr const char* kManualWatchDocumentKind = "checkpoint_rings";

struct RingServiceOptions {
  // How near a ring's boundary a checkpoint must stand to guard it. Default: 200 m.
  double tolerance_m = registry::kDefaultRingTolerance;
};

// What an import did: the accepted features as placed in the tree, and the refused ones.
struct RingImport {
  struct Rejected {
    size_t index = 0;  // in the document's features
    std::string field;
    std::string message;
  };
  std::vector<PlacedRing> accepted;
  std::vector<Rejected> rejected;
  size_t replaced = 0;
  size_t reparented = 0;
};

// One checkpoint's rings.
struct RingAssignment {
  std::vector<registry::RingWatch> derived;                // from position and bearings
  std::optional<std::vector<registry::RingWatch>> manual;  // set by hand, if any
  std::vector<registry::RingWatch> effective;              // what the snapshot holds (manual wins)
  std::vector<std::string> inside;                         // rings containing it, innermost first
};

class RingService {
 public:
  using Listener = std::function<void(std::shared_ptr<const registry::RingContext>)>;

  // Loads everything from `store` and publishes the first snapshot. `store` must outlive it.
  static StatusOr<std::unique_ptr<RingService>> Open(store::Store* store, const Clock* clock,
                                                     RingServiceOptions options = {});

  // The current snapshot; never null.
  std::shared_ptr<const registry::RingContext> snapshot() const { return snapshot_.load(); }
  // Calls `fn` with each snapshot published from now on.
  void OnChange(Listener fn);

  // Imports the Polygon/MultiPolygon features of a GeoJSON document as rings of `level` (see
  // ParseRingFeatures): the valid ones are placed in the tree with the stored rings and stored
  // (replacing rings of the same id), the others are reported with field and reason.
  // InvalidArgument if the document is not GeoJSON or no feature is valid (naming the first
  // refused feature's field); nothing is then stored.
  StatusOr<RingImport> Import(std::string_view geojson, geo::Crs crs, geo::RingLevel level);
  // Removes a ring; its children are placed anew. NotFound if no ring has this id.
  Status Delete(const std::string& ring_id);

  // Keep the service in step with the checkpoint registry (the API's checkpoint handlers call
  // these after the store has the change).
  void OnCheckpointChanged(const registry::Checkpoint& c);
  void OnCheckpointDeleted(const std::string& checkpoint_id);

  // NotFound if the checkpoint is unknown.
  StatusOr<RingAssignment> Assignment(const std::string& checkpoint_id) const;
  // Replaces the checkpoint's derived watches by `rings` (JSON array of {ring_id, inbound,
  // outbound}, see registry::ManualRingWatchesFromJson; ring ids must exist). Errors name
  // "rings[i].<field>"; NotFound if the checkpoint is unknown.
  StatusOr<RingAssignment> SetManual(const std::string& checkpoint_id, const nlohmann::json& rings);
  // Back to the derived watches. Whether a manual assignment was there; NotFound if the
  // checkpoint is unknown.
  StatusOr<bool> ClearManual(const std::string& checkpoint_id);

 private:
  RingService(store::Store* store, const Clock* clock, RingServiceOptions options);
  Status Load();
  // REQUIRES: mu_ held.
  void Derive(const registry::Checkpoint& c);
  void DeriveAll();
  void Publish();
  RingAssignment AssignmentLocked(const std::string& id) const;

  store::Store* store_;
  const Clock* clock_;
  RingServiceOptions options_;

  mutable std::mutex mu_;  // serialises changes and guards what follows
  std::shared_ptr<const geo::RingTree> tree_;
  std::map<std::string, registry::Checkpoint> checkpoints_;
  std::map<std::string, std::vector<registry::RingWatch>> derived_;
  std::map<std::string, std::vector<std::string>> inside_;
  std::map<std::string, std::vector<registry::RingWatch>> manual_;
  std::vector<Listener> listeners_;

  std::atomic<std::shared_ptr<const registry::RingContext>> snapshot_;
};

}  // namespace quanyu::rings
