// Simulated checkpoint traffic: passage records with realistic Chinese plates at given
// checkpoints, for the demo, the load generator and tests. Everything it makes is simulated
// and labelled so wherever it is reported.
//
// Thread safety: a TrafficGenerator is not thread-safe; use one per thread (seeded apart).
#pragma once

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "core/clock.h"
#include "events/passage.h"

namespace quanyu::sim {

struct TrafficOptions {
  uint64_t seed = 1;
  // Distinct vehicles on the road; records pick among them (so plates repeat, as in life).
  size_t vehicles = 50'000;
  // Share of records whose plate could not be read (accepted, flagged).
  double unreadable_share = 0.02;
  // Share of records that are deliberately invalid (bad plate, bad time, unknown checkpoint):
  // they exercise the quarantine. Default: none.
  double invalid_share = 0.0;
  // A tag made part of every record id, so that runs never collide. Default: from the seed.
  std::string run_tag;
  // Plates on an alert list (布控), and the share of readable records that carry one of them,
  // so that a demonstration or a benchmark raises alerts. Default: none.
  std::vector<std::string> listed_plates;
  double listed_share = 0.0;
};

class TrafficGenerator {
 public:
  TrafficGenerator(std::vector<std::string> checkpoint_ids, TrafficOptions options);

  // One record passing now-ish (pass_time = t).
  events::PassageRecord Next(UnixMicros t);
  // Whether the last record from Next carries a listed plate.
  bool last_listed() const { return last_listed_; }

  // A batch as a GA/T 1400 MotorVehicleListObject body (PassTime local at offset). The ids of
  // the batch's records with listed plates are appended to *listed_ids if given.
  std::string Gat1400Body(size_t n, UnixMicros t, int offset_seconds = 8 * 3600,
                          std::vector<std::string>* listed_ids = nullptr);
  // A batch in the platform's NDJSON form.
  std::string NdjsonBody(size_t n, UnixMicros t, int offset_seconds = 8 * 3600,
                         std::vector<std::string>* listed_ids = nullptr);

  // A plate of the vehicle pool, for tests that need a known vehicle.
  const std::string& Plate(size_t vehicle) const { return plates_[vehicle % plates_.size()]; }

 private:
  std::string MakePlate();
  std::vector<std::string> checkpoints_;
  TrafficOptions options_;
  std::mt19937_64 rng_;
  std::vector<std::string> plates_;
  uint64_t counter_ = 0;
  bool last_invalid_ = false;
  bool last_listed_ = false;
};

}  // namespace quanyu::sim
