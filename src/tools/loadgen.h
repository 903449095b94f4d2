// `quanyu loadgen`: simulated checkpoint traffic sent to a running server over HTTP, for the
// demo (a steady rate, forever) and for end-to-end ingest benchmarks (as fast as possible,
// bodies generated before the clock starts). All traffic it sends is simulated.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/status.h"

namespace quanyu::tools {

struct LoadgenOptions {
  std::string target = "http://127.0.0.1:8080";
  std::string format = "gat1400";  // "gat1400" → /VIID/MotorVehicles, "ndjson" → /api/v1/passages
  size_t batch = 500;              // records per request
  int connections = 4;             // concurrent keep-alive connections
  uint64_t records = 0;            // >0: pre-generate this many, send as fast as allowed, stop
  double rate = 0;                 // records/s; 0 = unlimited
  double duration_seconds = 0;     // with records == 0: stop after this long; 0 = until killed
                                   // (with rate too, the traffic is generated before the start)
  double invalid_share = 0;        // share of deliberately invalid records (quarantine)
  uint64_t seed = 1;
  bool quiet = false;
  // Credentials: a bearer token, or a device id and secret to log in with (the records are
  // submitted as that device, which must be allowed the checkpoints used, e.g. with "*").
  std::string token;
  std::string device, secret;
  // The checkpoints to simulate, from import files (GeoJSON or CSV); without them the active
  // checkpoints are listed over the API, which needs a token that may read them.
  std::vector<std::string> checkpoints_files;
  // Plates to send now and then (the first column of an alert-list CSV, header skipped), and
  // the share of readable records that carry one, so that the server raises alerts.
  std::string listed_plates_file;
  double listed_share = 0.001;
  // With a token that may read alerts: subscribe to the alert stream and measure, for each
  // record with a listed plate, the time from just before its request is sent to the arrival
  // of the alert event that names it.
  std::string alerts_token;
};

struct LoadgenReport {
  uint64_t records = 0, requests = 0, failed_requests = 0;
  uint64_t busy_resent = 0;             // times a request was refused as busy (503) and sent again
  uint64_t accepted = 0, rejected = 0;  // from the server's answers
  double seconds = 0;
  double p50_ms = 0, p99_ms = 0, max_ms = 0;  // request latency
  // With alerts_token: records sent with a listed plate, alert events received for them, and
  // the latency from sending to the event.
  uint64_t listed_sent = 0, alert_events = 0;
  double alert_p50_ms = 0, alert_p90_ms = 0, alert_p99_ms = 0, alert_max_ms = 0;
};

StatusOr<LoadgenReport> RunLoadgen(const LoadgenOptions& options);

// The exact plates of an alert-list CSV (its first column; read by the parser the import
// uses). InvalidArgument naming "listed_plates" if the file is unreadable or lists none.
StatusOr<std::vector<std::string>> ListedPlatesFromFile(const std::string& path);

}  // namespace quanyu::tools
