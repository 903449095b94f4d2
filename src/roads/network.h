// RoadNetwork: the road network `quanyu serve` routes on — the graph of the OSM extract
// imported into the data directory (`quanyu import osm`), one contraction hierarchy per metric
// and a snapper — with the queries the API answers: routes, drive-time matrices and the road
// reached within a time (isochrones). Built once, then immutable and shared.
//
// Example:
//   ASSIGN_OR_RETURN(auto net, RoadNetwork::Build("data/roads/network.osm.pbf", {}));
//   ASSIGN_OR_RETURN(RouteResult r, net->Route({104.06, 30.66}, {104.08, 30.65}, Metric::kTime));
//
// Thread safety: a built RoadNetwork may be used from any number of threads at once (each
// thread keeps its own query state).
#pragma once

#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "geo/lnglat.h"
#include "geo/polygon.h"
#include "roads/ch.h"
#include "roads/graph.h"
#include "roads/osm_reader.h"
#include "roads/snap.h"

namespace quanyu::roads {

// The file `quanyu import osm` copies the extract to, under the data directory.
inline constexpr const char* kNetworkFile = "roads/network.osm.pbf";

struct NetworkOptions {
  bool progress = false;  // progress lines on stderr while reading and contracting
  SnapOptions snap;
};

struct NetworkStats {
  OsmReadStats osm;
  GraphStats graph;
  ChStats ch_time, ch_distance;
  double read_seconds = 0, graph_seconds = 0, contract_seconds = 0;
};

// Where a query coordinate landed on the road network.
struct Snapped {
  geo::LngLat input;
  geo::LngLat point;
  double distance_m = 0;
};

struct RouteResult {
  Metric metric = Metric::kTime;
  bool reachable = false;
  double duration_s = 0;  // of the route found (least time, or least distance)
  double distance_m = 0;
  Snapped from, to;
  std::vector<geo::LngLat> geometry;  // from the snapped start to the snapped end
};

struct MatrixResult {
  Metric metric = Metric::kTime;
  size_t sources = 0, destinations = 0;
  // Row-major, sources x destinations; nullopt where unreachable. Seconds for kTime, metres
  // for kDistance.
  std::vector<std::optional<double>> values;
  std::vector<Snapped> snapped_sources, snapped_destinations;
};

struct IsochroneResult {
  Snapped at;
  double limit_s = 0;
  // The stretches of road reached, each once (a two-way road reached from both ends gives
  // the union), in the direction of the road's points.
  std::vector<std::vector<geo::LngLat>> segments;
  double road_length_m = 0;  // total length of the segments
  // The area within 100 m of the segments (area.h: BufferSegments), for maps.
  geo::MultiPolygon polygon;
};

class RoadNetwork {
 public:
  // Reads the OSM file at `path` and builds the graph, the hierarchies and the snapper.
  // NotFound / DataLoss as ReadRoads; FailedPrecondition if it holds no drivable road.
  static StatusOr<std::shared_ptr<const RoadNetwork>> Build(const std::string& path,
                                                            const NetworkOptions& options = {});

  const RoadGraph& graph() const { return graph_; }
  const NetworkStats& stats() const { return stats_; }
  const std::string& source() const { return source_; }
  // Unique per network built in this process (for query state kept per thread).
  uint64_t id() const { return id_; }
  // The hierarchy of a metric, for callers that keep their own ChQuery (pinned searches).
  const ContractionHierarchy& hierarchy(Metric m) const { return ch(m); }

  // Snaps p; InvalidArgument naming `field` if no usable road is within the snap distance.
  StatusOr<RoutePoint> SnapPoint(geo::LngLat p, const std::string& field, Snapped* out) const;

  // The best route between two coordinates (snapped). InvalidArgument naming "from" or "to" when a
  // coordinate is off the network; an unreachable pair gives reachable = false.
  StatusOr<RouteResult> Route(geo::LngLat from, geo::LngLat to, Metric metric) const;

  // Drive times (or distances) from every source to every destination.
  StatusOr<MatrixResult> Matrix(std::span<const geo::LngLat> sources,
                                std::span<const geo::LngLat> destinations, Metric metric) const;

  // The roads reachable from `at` within `limit_s` seconds of driving, as segments (partial
  // at the limit).
  // The area (IsochroneResult::polygon, within 100 m of those roads) only if `with_area`: it
  // costs far more than the search.
  StatusOr<IsochroneResult> Isochrone(geo::LngLat at, double limit_s, bool with_area = false) const;

 private:
  RoadNetwork() = default;
  const ContractionHierarchy& ch(Metric m) const {
    return m == Metric::kTime ? *ch_time_ : *ch_distance_;
  }
  ChQuery& Query(Metric m) const;

  std::string source_;
  RoadGraph graph_;
  std::unique_ptr<ContractionHierarchy> ch_time_, ch_distance_;
  std::unique_ptr<Snapper> snapper_;
  NetworkStats stats_;
  uint64_t id_ = 0;  // unique per network built in this process
  double snap_max_distance_m_ = 0;
};

// The network a server routes on. The server answers from the start; the network is built in
// the background and swapped in when ready.
class NetworkSlot {
 public:
  enum class State { kNone, kLoading, kReady, kFailed };
  static std::string_view StateName(State s);  // "none", "loading", "ready", "failed"

  void SetLoading(const std::string& source);
  void Set(std::shared_ptr<const RoadNetwork> network);
  void SetFailed(const Status& why);

  State state() const;
  // The network; else FailedPrecondition (none imported, or its build failed, with the reason)
  // or Unavailable (still loading).
  StatusOr<std::shared_ptr<const RoadNetwork>> Get() const;
  // The source file, and the reason of a failed build.
  std::string source() const;
  Status failure() const;

 private:
  mutable std::mutex mu_;
  State state_ = State::kNone;
  std::string source_;
  Status failure_;
  std::shared_ptr<const RoadNetwork> network_;
};

// "time" or "distance"; errors name `field`.
StatusOr<Metric> ParseMetric(std::string_view text, std::string_view field = "metric");
std::string_view MetricName(Metric m);

}  // namespace quanyu::roads
