// quanyu: the one binary. Parses the command line and wires the modules together.
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <csignal>
#include <cstdio>
#include <iostream>

#include "api/app.h"
#include "api/http_client.h"
#include "govern/roles.h"
#include "store/store.h"
#include "tools/admin.h"
#include "tools/audit_verify.h"
#include "tools/closure.h"
#include "tools/import.h"
#include "tools/import_alert_list.h"
#include "tools/import_osm.h"
#include "tools/import_places.h"
#include "tools/import_rings.h"
#include "tools/loadgen.h"
#include "tools/reach.h"
#include "tools/simulate.h"

namespace {

std::atomic<bool> g_stop_simulation{false};

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
                   "Event-log partitions, fixed when the data directory is created; 0: as the "
                   "data directory has them, and for a new one, one per two cores (1 to 4)")
      ->capture_default_str()
      ->check(CLI::Range(0, 64));
  serve
      ->add_option("--max-clock-skew", clock_skew_s,
                   "Seconds a pass time may lie in the future (device clock skew)")
      ->capture_default_str();
  serve
      ->add_option("--passage-retention-days", retention_days,
                   "Passage records older than this are rejected at ingest and deleted by the "
                   "retention job")
      ->capture_default_str();
  std::vector<std::string> retention_specs;
  serve->add_option("--retention", retention_specs,
                    "Retention period of a data class, CLASS=DAYS (0 keeps for ever); classes: "
                    "passages, passages_alert, tracks, alerts, incidents, audit. Repeatable.");
  int retention_interval_min = 60;
  serve
      ->add_option("--retention-interval", retention_interval_min,
                   "Minutes between retention runs (0: no background job)")
      ->capture_default_str()
      ->check(CLI::Range(0, 7 * 24 * 60));
  int alert_max_validity_days = 90;
  serve
      ->add_option("--alert-max-validity-days", alert_max_validity_days,
                   "Longest validity window of an alert-list (布控) entry, in days: a longer one "
                   "is refused (API and CSV import over the API)")
      ->capture_default_str()
      ->check(CLI::Range(1, 3650));
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
  serve->add_option("--web", app_opts.web_dir,
                    "Built web front end (the command map) to serve at / (e.g. web/dist)");
  serve->add_option("--notice", app_opts.notice,
                    "A banner the command map shows, e.g. that the traffic is simulated");

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
  std::string rings_level;
  bool rings_dry_run = false;
  auto* import_rings = import->add_subcommand(
      "rings",
      "Import rings (圈层) from GeoJSON Polygon/MultiPolygon features (id: properties.adcode "
      "or properties.id; name: properties.name) and place them in the containment tree with "
      "the rings already stored; existing ids are replaced");
  import_rings->add_option("FILE", import_file, "GeoJSON file")
      ->required()
      ->check(CLI::ExistingFile);
  import_rings->add_option("--data", import_data, "Data directory")->capture_default_str();
  import_rings->add_option("--crs", import_crs, "Coordinate system of the file: wgs84 or gcj02")
      ->capture_default_str();
  import_rings
      ->add_option("--level", rings_level,
                   "Level of every ring in the file: province, city, county (or district), "
                   "urban_core or custom")
      ->required();
  import_rings->add_flag("--dry-run", rings_dry_run,
                         "Parse, validate and place the file's rings among themselves; store "
                         "nothing and do not open --data");

  quanyu::tools::AlertListCommand alc;
  auto* import_alerts = import->add_subcommand(
      "alert-list",
      "Import alert-list (布控) entries from CSV (plate,kind,category,priority,case_no,"
      "approving_authority,approver,valid_from,valid_until,note); bad rows are reported and "
      "skipped, good rows added in one transaction");
  import_alerts->add_option("FILE", alc.file, "CSV file")->required()->check(CLI::ExistingFile);
  import_alerts->add_option("--list", alc.list_id, "Alert list id")->required();
  import_alerts->add_option("--agency", alc.agency,
                            "Owner agency of the list, if the import creates it");
  import_alerts->add_option("--data", alc.data_dir, "Data directory")->capture_default_str();
  import_alerts->add_flag("--strict", alc.strict, "Exit non-zero if any row is rejected");

  quanyu::tools::ImportOsmCommand osm_cmd;
  auto* import_osm = import->add_subcommand(
      "osm",
      "Make an OpenStreetMap extract the road network routes and drive times run on: builds "
      "the road graph (one-way streets, turn restrictions, speed limits or the class speed "
      "profile) and its contraction hierarchies to check the file, prints a summary, and "
      "copies it to DIR/roads/network.osm.pbf, which quanyu serve loads at start");
  import_osm->add_option("FILE", osm_cmd.file, "OpenStreetMap file (.osm.pbf or .osm)")
      ->required()
      ->check(CLI::ExistingFile);
  import_osm->add_option("--data", osm_cmd.data_dir, "Data directory")->capture_default_str();

  quanyu::tools::ImportPlacesCommand places_cmd;
  auto* import_places = import->add_subcommand(
      "places",
      "Protected places (重点防护目标) of an OpenStreetMap extract: schools, hospitals, government "
      "offices, police stations, key enterprises and transport hubs (nodes and closed ways), "
      "stored as place documents; a place already stored is replaced");
  import_places->add_option("FILE", places_cmd.file, "OpenStreetMap file (.osm.pbf or .osm)")
      ->required()
      ->check(CLI::ExistingFile);
  import_places->add_option("--data", places_cmd.data_dir, "Data directory")->capture_default_str();
  import_places->add_flag("--replace", places_cmd.replace,
                          "Also delete stored OSM places that the file no longer has");

  // closure
  quanyu::tools::ClosureCommand clo;
  auto* closure = cli.add_subcommand(
      "closure",
      "Ring closure (围闭度): where drivable OSM roads cross each stored ring's boundary, which "
      "crossing directions an active checkpoint within the tolerance watches, and the ratio by "
      "count and weighted by road class (motorway/trunk 5, primary 4, secondary 3, tertiary 2, "
      "others 1). Without --save the store is only read, so a server may keep running");
  closure->add_option("--osm", clo.osm_file, "OpenStreetMap file (.osm.pbf or .osm)")
      ->required()
      ->check(CLI::ExistingFile);
  closure->add_option("--data", clo.data_dir, "Data directory")->capture_default_str();
  closure->add_option("--ring", clo.ring_ids, "Only this ring id (repeatable; default: all)");
  closure
      ->add_option("--tolerance-m", clo.tolerance_m,
                   "Metres within which a checkpoint covers a crossing")
      ->capture_default_str();
  closure->add_option("--geojson", clo.geojson_out,
                      "Write the uncovered crossings as a GeoJSON FeatureCollection here");
  closure->add_flag("--save", clo.save,
                    "Store each ring's crossings (kind ring_crossings) for GET "
                    "/api/v1/rings/{id}/closure (locks the data directory; audited)");
  closure->add_option("--place-checkpoints", clo.place_checkpoints,
                      "Write a SIMULATED checkpoint set placed at the crossings found (every "
                      "motorway/trunk/primary crossing, a deterministic share of the others) as "
                      "CSV for quanyu import checkpoints, for demonstrations");

  // reach
  quanyu::tools::ReachCommand reach_cmd;
  auto* reach = cli.add_subcommand(
      "reach",
      "Quick-reaction circles (1-3-5 分钟快速反应圈): the road and the protected places that "
      "on-duty police units (unit documents, at their position or else home) reach within each "
      "drive time over DIR/roads/network.osm.pbf, and the places left uncovered. The store is "
      "only read, so a server may keep running");
  reach->add_option("--data", reach_cmd.data_dir, "Data directory")->capture_default_str();
  reach->add_option("--minutes", reach_cmd.minutes, "Drive-time thresholds in minutes")
      ->delimiter(',')
      ->capture_default_str();
  reach->add_option("--geojson", reach_cmd.geojson_file,
                    "Write the areas (one MultiPolygon per threshold) and the uncovered places "
                    "(Points) as a GeoJSON FeatureCollection here");

  // export
  auto* export_cmd = cli.add_subcommand("export", "Write data of a data directory to stdout");
  export_cmd->require_subcommand(1);
  auto* export_alerts = export_cmd->add_subcommand(
      "alert-list", "The entries in force of an alert list, as CSV (the read is audited)");
  export_alerts->add_option("--list", alc.list_id, "Alert list id")->required();
  export_alerts->add_option("--data", alc.data_dir, "Data directory")->capture_default_str();

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

  loadgen->add_option("--token", lg.token, "Bearer token to send with")->envname("QUANYU_TOKEN");
  loadgen->add_option("--device", lg.device, "Log in as this device (with --secret)");
  loadgen->add_option("--secret", lg.secret, "The device's secret")
      ->envname("QUANYU_DEVICE_SECRET");
  loadgen->add_option("--checkpoints", lg.checkpoints_files,
                      "Simulate the active checkpoints of this GeoJSON/CSV file (repeatable; "
                      "else list them over the API)");
  loadgen->add_option("--listed-plates", lg.listed_plates_file,
                      "Alert-list CSV whose plates (first column) some records carry, so that "
                      "alerts are raised");
  loadgen
      ->add_option("--listed-share", lg.listed_share,
                   "Share of readable records with a listed plate")
      ->capture_default_str();
  loadgen
      ->add_option("--alerts-token", lg.alerts_token,
                   "Token of a user who may read alerts: subscribe to the alert stream and "
                   "report the latency from sending a listed record to its alert event")
      ->envname("QUANYU_ALERTS_TOKEN");

  // simulate
  quanyu::tools::SimulateOptions sim;
  auto* simulate = cli.add_subcommand(
      "simulate",
      "Run a SIMULATED city against a running server (demo and benchmarks): simulated vehicles "
      "drive between protected places along real routes and pass checkpoints, simulated patrol "
      "units report positions and answer incidents, simulated calls become incidents. All it "
      "sends is simulated and labelled so");
  simulate->add_option("--target", sim.target, "Server URL")->capture_default_str();
  simulate
      ->add_option("--token", sim.token,
                   "An operator's bearer token: reads checkpoints, places, units and routes, "
                   "creates the simulated calls' incidents and dispatches")
      ->envname("QUANYU_TOKEN");
  simulate->add_option("--device", sim.device,
                       "The device that submits the passages and unit positions (allowed '*')");
  simulate->add_option("--secret", sim.secret, "The device's secret")
      ->envname("QUANYU_DEVICE_SECRET");
  simulate->add_option("--vehicles", sim.vehicles, "Simulated vehicles")->capture_default_str();
  simulate
      ->add_option("--listed-vehicles", sim.listed_vehicles,
                   "Vehicles carrying a plate of --listed-plates")
      ->capture_default_str();
  simulate->add_option("--listed-plates", sim.listed_plates_file,
                       "Alert-list CSV whose plates (first column) the listed vehicles carry");
  simulate->add_option("--speedup", sim.speedup, "Simulated seconds per real second")
      ->capture_default_str();
  simulate->add_option("--duration", sim.duration_s, "Simulated seconds to run (0: until Ctrl-C)")
      ->capture_default_str();
  simulate->add_option("--seed", sim.seed, "Random seed")->capture_default_str();
  simulate
      ->add_option("--checkpoint-radius", sim.checkpoint_radius_m,
                   "A vehicle passing this close (m) to a checkpoint is recorded")
      ->capture_default_str();
  simulate
      ->add_option("--fix-interval", sim.fix_interval_s,
                   "Simulated seconds between a unit's position fixes")
      ->capture_default_str();
  simulate
      ->add_option("--on-scene-minutes", sim.on_scene_minutes,
                   "Simulated minutes a unit stays at an incident")
      ->capture_default_str();
  simulate
      ->add_option("--call-every", sim.call_every_s,
                   "Simulated seconds between simulated calls (0: none)")
      ->capture_default_str();
  simulate->add_flag("--auto-dispatch", sim.auto_dispatch,
                     "Dispatch the recommended unit to each simulated call");
  simulate
      ->add_option("--dispatch-delay", sim.dispatch_delay_s,
                   "Simulated seconds from a call to its automatic dispatch")
      ->capture_default_str();
  simulate->add_option("--batch", sim.batch, "Passages per request at most")->capture_default_str();

  // admin
  quanyu::tools::AdminCommand adm;
  bool password_stdin = false;
  auto* admin = cli.add_subcommand(
      "admin",
      "Agencies, users and device credentials of a data directory (server stopped; "
      "with a server running use the API)");
  admin->require_subcommand(1);
  auto with_data = [&](CLI::App* c) {
    c->add_option("--data", adm.data_dir, "Data directory")->capture_default_str();
    return c;
  };
  auto* admin_init = with_data(admin->add_subcommand(
      "init",
      "Create the first agency and administrator (password generated and printed once, "
      "or read from stdin with --password-stdin)"));
  adm.id = "admin";
  adm.agency_id = "bureau";
  adm.agency_name = "市公安局";
  adm.agency_kind = "police_bureau";
  admin_init->add_option("--user", adm.id, "Administrator's login name")->capture_default_str();
  admin_init->add_option("--agency-id", adm.agency_id, "The agency's id")->capture_default_str();
  admin_init->add_option("--agency-name", adm.agency_name, "The agency's name")
      ->capture_default_str();
  admin_init->add_flag("--password-stdin", password_stdin, "Read the password from stdin");
  auto* admin_user = admin->add_subcommand("user", "Manage users");
  admin_user->require_subcommand(1);
  auto* user_add = with_data(admin_user->add_subcommand("add", "Add a user"));
  user_add->add_option("ID", adm.id, "Login name")->required();
  user_add->add_option("--role", adm.role, quanyu::govern::RoleTable::Builtin().RoleNames())
      ->required();
  user_add->add_option("--agency", adm.agency, "Agency id")->required();
  user_add->add_option("--name", adm.name, "Display name");
  user_add->add_option("--scope", adm.scope, "all or agency")->capture_default_str();
  user_add
      ->add_option("--districts", adm.districts,
                   "Limit to these 6-digit district codes (comma-separated)")
      ->delimiter(',');
  user_add->add_flag("--password-stdin", password_stdin, "Read the password from stdin");
  auto* user_disable = with_data(admin_user->add_subcommand("disable", "Disable a user"));
  user_disable->add_option("ID", adm.id, "Login name")->required();
  auto* user_enable = with_data(admin_user->add_subcommand("enable", "Enable a user"));
  user_enable->add_option("ID", adm.id, "Login name")->required();
  auto* user_reset = with_data(admin_user->add_subcommand("reset", "Reset a user's password"));
  user_reset->add_option("ID", adm.id, "Login name")->required();
  user_reset->add_flag("--password-stdin", password_stdin, "Read the password from stdin");
  auto* user_list = with_data(admin_user->add_subcommand("list", "List users"));
  auto* admin_device = admin->add_subcommand("device", "Manage device credentials");
  admin_device->require_subcommand(1);
  auto* device_add = with_data(admin_device->add_subcommand(
      "add", "Add a device credential (secret generated and printed once)"));
  device_add->add_option("ID", adm.id, "GA/T 1400 DeviceID or a local id")->required();
  device_add->add_option("--agency", adm.agency, "Agency id")->required();
  device_add->add_option("--name", adm.name, "Name");
  device_add
      ->add_option("--allow", adm.allowed,
                   "Checkpoint (TollgateID) ids it may submit for, comma-separated; * = any")
      ->delimiter(',');
  device_add->add_flag("--password-stdin", password_stdin, "Read the secret from stdin");
  auto* device_revoke = with_data(admin_device->add_subcommand("revoke", "Revoke a device"));
  device_revoke->add_option("ID", adm.id, "Device id")->required();
  auto* device_list = with_data(admin_device->add_subcommand("list", "List device credentials"));
  auto* admin_agency = admin->add_subcommand("agency", "Manage agencies");
  admin_agency->require_subcommand(1);
  auto* agency_add = with_data(admin_agency->add_subcommand("add", "Add an agency"));
  agency_add->add_option("ID", adm.id, "Agency id")->required();
  agency_add->add_option("--name", adm.name, "Name")->required();
  agency_add
      ->add_option("--kind", adm.agency_kind,
                   quanyu::govern::RoleTable::Builtin().AgencyKindNames())
      ->required();
  agency_add->add_option("--parent", adm.agency, "The agency above it");
  auto* agency_list = with_data(admin_agency->add_subcommand("list", "List agencies"));
  auto* admin_roles = admin->add_subcommand(
      "roles", "Print the permission matrix (roles × permissions) as Markdown");

  // db version
  std::string db_data = "./data";
  auto* db = cli.add_subcommand("db", "Inspect the store of a data directory");
  db->require_subcommand(1);
  auto* db_version = db->add_subcommand("version", "Print the schema version of the store");
  db_version->add_option("--data", db_data, "Data directory")->capture_default_str();

  // audit verify
  std::string audit_data = "./data";
  auto* audit = cli.add_subcommand("audit", "Inspect the audit log of a data directory");
  audit->require_subcommand(1);
  auto* audit_verify = audit->add_subcommand(
      "verify",
      "Check the audit log's hash chain (and its head file); exit 0 intact, 1 broken, 2 error. "
      "Safe while a server runs");
  audit_verify->add_option("--data", audit_data, "Data directory")->capture_default_str();

  CLI11_PARSE(cli, argc, argv);
  // Logs go to stderr: stdout carries what commands print (the listening line, summaries).
  spdlog::set_default_logger(spdlog::stderr_color_mt("quanyu"));
  spdlog::set_level(spdlog::level::from_str(log_level));

  if (admin->parsed()) {
    if (admin_roles->parsed()) {
      std::fputs(quanyu::govern::RoleTable::Builtin().MatrixMarkdown().c_str(), stdout);
      return 0;
    }
    const std::pair<CLI::App*, const char*> actions[] = {
        {admin_init, "init"},           {user_add, "user add"},
        {user_disable, "user disable"}, {user_enable, "user enable"},
        {user_reset, "user reset"},     {user_list, "users"},
        {device_add, "device add"},     {device_revoke, "device revoke"},
        {device_list, "devices"},       {agency_add, "agency add"},
        {agency_list, "agencies"}};
    for (const auto& [sub, action] : actions) {
      if (sub->parsed()) adm.action = action;
    }
    if (password_stdin) adm.password = quanyu::tools::ReadSecretLine();
    return quanyu::tools::RunAdmin(adm, stdout, stderr);
  }

  if (serve->parsed()) {
    std::string host;
    uint16_t port = 0;
    quanyu::Status st = quanyu::api::ParseHostPort(listen, &host, &port);
    if (!st.ok()) return Fail(st);
    app_opts.server.host = host;
    app_opts.server.port = port;
    app_opts.validation.max_clock_skew =
        static_cast<int64_t>(clock_skew_s) * quanyu::kMicrosPerSecond;
    st = app_opts.retention.Set("passages=" + std::to_string(retention_days));
    if (!st.ok()) return Fail(st);
    for (const auto& spec : retention_specs) {
      st = app_opts.retention.Set(spec);
      if (!st.ok()) return Fail(st);
    }
    app_opts.retention_interval =
        static_cast<int64_t>(retention_interval_min) * 60 * quanyu::kMicrosPerSecond;
    const quanyu::UnixMicros passages = app_opts.retention.Period("passages");
    app_opts.validation.retention = passages > 0 ? passages : INT64_MAX / 4;
    app_opts.alert_max_validity =
        static_cast<int64_t>(alert_max_validity_days) * quanyu::kMicrosPerDay;
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
  if (import_rings->parsed()) {
    auto crs = quanyu::geo::ParseCrs(import_crs);
    if (!crs) return Fail(quanyu::InvalidArgument("--crs", "must be wgs84 or gcj02"));
    auto level = quanyu::geo::ParseRingLevel(rings_level, "--level");
    if (!level.ok()) return Fail(level.status());
    std::unique_ptr<quanyu::store::Store> store;
    std::unique_ptr<quanyu::api::DataDirLock> lock;
    if (!rings_dry_run) {
      auto l = quanyu::api::DataDirLock::Acquire(import_data);
      if (!l.ok()) return Fail(l.status());
      lock = std::move(l).value();
      auto s = quanyu::api::OpenStore(import_data);
      if (!s.ok()) return Fail(s.status());
      store = std::move(s).value();
    }
    auto summary = quanyu::tools::ImportRings(store.get(), import_file, *crs, *level);
    if (!summary.ok()) return Fail(summary.status());
    for (const auto& r : summary->rings) {
      std::string parent = r.parent_id.empty() ? "none" : r.parent_id + " " + r.parent_name;
      std::printf("%s %s: %s, %.1f km², parent %s\n", r.id.c_str(), r.name.c_str(),
                  std::string(quanyu::geo::RingLevelName(r.level)).c_str(), r.area_km2,
                  parent.c_str());
    }
    if (rings_dry_run) {
      std::printf("rings: %zu checked, none stored\n", summary->rings.size());
    } else {
      std::printf("rings: %zu imported (%zu replaced), %zu stored rings moved to a new parent\n",
                  summary->rings.size(), summary->replaced, summary->reparented);
    }
    return 0;
  }
  if (import_alerts->parsed()) return quanyu::tools::RunImportAlertList(alc, stdout, stderr);
  if (import_osm->parsed()) return quanyu::tools::RunImportOsm(osm_cmd, stdout, stderr);
  if (import_places->parsed()) {
    return quanyu::tools::RunImportPlaces(places_cmd, stdout, stderr);
  }
  if (export_alerts->parsed()) return quanyu::tools::RunExportAlertList(alc, stdout, stderr);
  if (loadgen->parsed()) {
    auto rep = quanyu::tools::RunLoadgen(lg);
    if (!rep.ok()) return Fail(rep.status());
    std::printf(
        "simulated records sent: %llu in %.2f s = %.0f records/s; requests %llu (failed %llu, "
        "refused as busy and sent again %llu); accepted %llu, rejected %llu; latency p50 %.2f "
        "ms, p99 %.2f ms, max %.2f ms\n",
        static_cast<unsigned long long>(rep->records), rep->seconds,
        static_cast<double>(rep->records) / std::max(rep->seconds, 1e-9),
        static_cast<unsigned long long>(rep->requests),
        static_cast<unsigned long long>(rep->failed_requests),
        static_cast<unsigned long long>(rep->busy_resent),
        static_cast<unsigned long long>(rep->accepted),
        static_cast<unsigned long long>(rep->rejected), rep->p50_ms, rep->p99_ms, rep->max_ms);
    if (!lg.alerts_token.empty()) {
      std::printf(
          "alerts: %llu records with a listed plate sent, %llu alert events received; latency "
          "from send to alert event p50 %.2f ms, p90 %.2f ms, p99 %.2f ms, max %.2f ms\n",
          static_cast<unsigned long long>(rep->listed_sent),
          static_cast<unsigned long long>(rep->alert_events), rep->alert_p50_ms, rep->alert_p90_ms,
          rep->alert_p99_ms, rep->alert_max_ms);
    }
    return rep->failed_requests > 0 ? 1 : 0;
  }
  if (simulate->parsed()) {
    std::signal(SIGINT, [](int) { g_stop_simulation.store(true); });
    std::signal(SIGTERM, [](int) { g_stop_simulation.store(true); });
    sim.stop = &g_stop_simulation;
    return quanyu::tools::RunSimulate(sim, stdout, stderr);
  }
  if (closure->parsed()) return quanyu::tools::RunClosure(clo, stdout, stderr);
  if (reach->parsed()) return quanyu::tools::RunReach(reach_cmd, stdout, stderr);
  if (audit_verify->parsed()) return quanyu::tools::RunAuditVerify(audit_data, stdout, stderr);
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
