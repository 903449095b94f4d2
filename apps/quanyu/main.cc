// quanyu: the one binary. Parses the command line and wires the modules together.
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <csignal>
#include <cstdio>
#include <iostream>

#include "api/app.h"
#include "api/http_client.h"
#include "store/store.h"
#include "tools/import.h"
#include "tools/loadgen.h"

namespace {

constexpr const char* kVersion = "0.1.0";

int Fail(const quanyu::Status& s) {
  std::fprintf(stderr, "error: %s\n", s.ToString().c_str());
  return s.code() == quanyu::StatusCode::kInvalidArgument ? 2 : 1;
}

int Serve(const quanyu::api::AppOptions& options) {
  // Block the signals in every thread; this thread waits for them.
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);

  auto app = quanyu::api::App::Open(options);
  if (!app.ok()) return Fail(app.status());
  quanyu::Status st = (*app)->Start();
  if (!st.ok()) return Fail(st);
  const char* scheme = options.server.tls_cert_file.empty() ? "http" : "https";
  spdlog::info("quanyu {} serving {}://{}:{}/ with data in {} ({} threads)", kVersion, scheme,
               options.server.host, (*app)->port(), options.data_dir, options.server.threads);
  std::printf("quanyu is listening on %s://%s:%u/\n", scheme, options.server.host.c_str(),
              (*app)->port());
  std::fflush(stdout);
  int sig = 0;
  sigwait(&set, &sig);
  spdlog::info("{} received: stopping", sig == SIGTERM ? "SIGTERM" : "SIGINT");
  (*app)->Stop();
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App cli{
      "quanyu (全域): public-safety operations platform — ring-layer checkpoint "
      "monitoring, ingest of GA/T 1400 passage records, and more.\n"
      "Every command that reads or changes state takes --data DIR."};
  cli.require_subcommand(1);
  cli.fallthrough();  // global options may also follow the subcommand
  cli.set_version_flag("--version", kVersion);
  std::string log_level = "info";
  cli.add_option("--log-level", log_level, "trace, debug, info, warn, error")
      ->capture_default_str();

  // serve
  quanyu::api::AppOptions app_opts;
  std::string listen = "127.0.0.1:8080";
  int clock_skew_s = 300;
  int retention_days = 30;
  auto* serve = cli.add_subcommand("serve",
                                   "Run the server on a data directory (embedded: no "
                                   "other server needed)");
  serve->add_option("--data", app_opts.data_dir, "Data directory (created if missing)")
      ->capture_default_str();
  serve->add_option("--listen", listen, "Address to listen on, HOST:PORT (port 0: any free port)")
      ->capture_default_str();
  serve->add_option("--threads", app_opts.server.threads, "HTTP worker threads")
      ->capture_default_str()
      ->check(CLI::Range(1, 256));
  serve
      ->add_option("--partitions", app_opts.log_partitions,
                   "Event-log partitions (fixed when the data directory is created)")
      ->capture_default_str()
      ->check(CLI::Range(1, 64));
  serve
      ->add_option("--max-clock-skew", clock_skew_s,
                   "Seconds a pass time may lie in the future (device clock skew)")
      ->capture_default_str();
  serve
      ->add_option("--passage-retention-days", retention_days,
                   "Passage records older than this are rejected (and later deleted)")
      ->capture_default_str();
  serve
      ->add_option("--max-speed", app_opts.validation.max_speed_kmh,
                   "Highest plausible speed, km/h")
      ->capture_default_str();
  auto* tls_cert =
      serve->add_option("--tls-cert", app_opts.server.tls_cert_file,
                        "PEM certificate chain: serve HTTPS/WSS only (with --tls-key)");
  auto* tls_key =
      serve->add_option("--tls-key", app_opts.server.tls_key_file, "PEM private key of --tls-cert");
  tls_cert->needs(tls_key);
  tls_key->needs(tls_cert);

  // import
  auto* import = cli.add_subcommand("import", "Load data from files into a data directory");
  import->require_subcommand(1);
  std::string import_file, import_crs = "wgs84", import_format = "auto", import_data = "./data";
  bool import_strict = false;
  auto* import_cp = import->add_subcommand(
      "checkpoints",
      "Import checkpoints (卡口) from GeoJSON points or CSV (id,name,lng,lat,"
      "directions,lanes,status); existing ids are replaced");
  import_cp->add_option("FILE", import_file, "GeoJSON (.geojson/.json) or CSV (.csv) file")
      ->required()
      ->check(CLI::ExistingFile);
  import_cp->add_option("--data", import_data, "Data directory")->capture_default_str();
  import_cp->add_option("--crs", import_crs, "Coordinate system of the file: wgs84 or gcj02")
      ->capture_default_str();
  import_cp->add_option("--format", import_format, "auto (by extension), geojson or csv")
      ->capture_default_str();
  import_cp->add_flag("--strict", import_strict, "Exit non-zero if any row is rejected");

  // loadgen
  quanyu::tools::LoadgenOptions lg;
  auto* loadgen = cli.add_subcommand(
      "loadgen", "Send simulated checkpoint traffic to a running server (demo and benchmarks)");
  loadgen->add_option("--target", lg.target, "Server URL")->capture_default_str();
  loadgen
      ->add_option("--format", lg.format,
                   "gat1400 (/VIID/MotorVehicles) or ndjson "
                   "(/api/v1/passages)")
      ->capture_default_str();
  loadgen->add_option("--batch", lg.batch, "Records per request")->capture_default_str();
  loadgen->add_option("--connections", lg.connections, "Concurrent connections")
      ->capture_default_str();
  loadgen->add_option("--records", lg.records,
                      "Pre-generate this many records and send them (benchmark mode)");
  loadgen->add_option("--rate", lg.rate, "Records per second (0: as fast as possible)")
      ->capture_default_str();
  loadgen
      ->add_option("--duration", lg.duration_seconds,
                   "Seconds to run without --records (0: until interrupted)")
      ->capture_default_str();
  loadgen
      ->add_option("--invalid-share", lg.invalid_share,
                   "Share of deliberately invalid records, to exercise the quarantine")
      ->capture_default_str();
  loadgen->add_option("--seed", lg.seed, "Random seed")->capture_default_str();

  // db version
  std::string db_data = "./data";
  auto* db = cli.add_subcommand("db", "Inspect the store of a data directory");
  db->require_subcommand(1);
  auto* db_version = db->add_subcommand("version", "Print the schema version of the store");
  db_version->add_option("--data", db_data, "Data directory")->capture_default_str();

  CLI11_PARSE(cli, argc, argv);
  spdlog::set_level(spdlog::level::from_str(log_level));

  if (serve->parsed()) {
    std::string host;
    uint16_t port = 0;
    quanyu::Status st = quanyu::api::ParseHostPort(listen, &host, &port);
    if (!st.ok()) return Fail(st);
    app_opts.server.host = host;
    app_opts.server.port = port;
    app_opts.validation.max_clock_skew =
        static_cast<int64_t>(clock_skew_s) * quanyu::kMicrosPerSecond;
    app_opts.validation.retention = static_cast<int64_t>(retention_days) * quanyu::kMicrosPerDay;
    app_opts.version = kVersion;
    return Serve(app_opts);
  }
  if (import_cp->parsed()) {
    auto crs = quanyu::geo::ParseCrs(import_crs);
    if (!crs) return Fail(quanyu::InvalidArgument("crs", "must be wgs84 or gcj02"));
    auto lock = quanyu::api::DataDirLock::Acquire(import_data);
    if (!lock.ok()) return Fail(lock.status());
    auto store = quanyu::api::OpenStore(import_data);
    if (!store.ok()) return Fail(store.status());
    auto summary = quanyu::tools::ImportCheckpoints(store->get(), import_file, *crs, import_format);
    if (!summary.ok()) return Fail(summary.status());
    for (const auto& r : summary->rejections) std::fprintf(stderr, "rejected %s\n", r.c_str());
    std::printf("checkpoints: %zu rows, %zu imported, %zu rejected\n", summary->rows,
                summary->accepted, summary->rejected);
    return import_strict && summary->rejected > 0 ? 1 : 0;
  }
  if (loadgen->parsed()) {
    auto rep = quanyu::tools::RunLoadgen(lg);
    if (!rep.ok()) return Fail(rep.status());
    std::printf(
        "simulated records sent: %llu in %.2f s = %.0f records/s; requests %llu (failed %llu); "
        "accepted %llu, rejected %llu; latency p50 %.2f ms, p99 %.2f ms, max %.2f ms\n",
        static_cast<unsigned long long>(rep->records), rep->seconds,
        static_cast<double>(rep->records) / std::max(rep->seconds, 1e-9),
        static_cast<unsigned long long>(rep->requests),
        static_cast<unsigned long long>(rep->failed_requests),
        static_cast<unsigned long long>(rep->accepted),
        static_cast<unsigned long long>(rep->rejected), rep->p50_ms, rep->p99_ms, rep->max_ms);
    return rep->failed_requests > 0 ? 1 : 0;
  }
  if (db_version->parsed()) {
    auto lock = quanyu::api::DataDirLock::Acquire(db_data);
    if (!lock.ok()) return Fail(lock.status());
    auto store = quanyu::api::OpenStore(db_data);
    if (!store.ok()) return Fail(store.status());
    std::printf("schema version %d (this build supports up to %d)\n", (*store)->SchemaVersion(),
                quanyu::store::Store::LatestSchemaVersion());
    return 0;
  }
  return 0;
}
