#include "tools/import_osm.h"

#include <filesystem>
#include <system_error>

#include "api/app.h"
#include "roads/network.h"

namespace quanyu::tools {

int RunImportOsm(const ImportOsmCommand& cmd, std::FILE* out, std::FILE* err) {
  namespace fs = std::filesystem;
  auto fail = [&](const Status& s) {
    std::fprintf(err, "quanyu import osm: %s\n", s.ToString().c_str());
    return 1;
  };
  auto lock = api::DataDirLock::Acquire(cmd.data_dir);
  if (!lock.ok()) return fail(lock.status());
  roads::NetworkOptions options;
  options.progress = cmd.progress;
  auto net = roads::RoadNetwork::Build(cmd.file, options);
  if (!net.ok()) return fail(net.status());
  const roads::NetworkStats& st = (*net)->stats();
  std::fprintf(out,
               "road network of %s: %llu drivable ways of %llu; graph %llu vertices (%llu "
               "turn-restriction copies), %llu edges, %llu strongly connected components (the "
               "largest has %llu vertices); %llu restrictions applied, %llu ignored; shortcuts "
               "%llu (time), %llu (distance); read %.2f s, graph %.2f s, contraction %.2f s\n",
               cmd.file.c_str(), static_cast<unsigned long long>(st.osm.drivable_ways),
               static_cast<unsigned long long>(st.osm.ways),
               static_cast<unsigned long long>(st.graph.vertices),
               static_cast<unsigned long long>(st.graph.restriction_copies),
               static_cast<unsigned long long>(st.graph.edges),
               static_cast<unsigned long long>(st.graph.strong_components),
               static_cast<unsigned long long>(st.graph.largest_strong_component),
               static_cast<unsigned long long>(st.graph.restrictions_applied),
               static_cast<unsigned long long>(st.graph.restrictions_ignored),
               static_cast<unsigned long long>(st.ch_time.shortcuts),
               static_cast<unsigned long long>(st.ch_distance.shortcuts), st.read_seconds,
               st.graph_seconds, st.contract_seconds);
  const fs::path target = fs::path(cmd.data_dir) / roads::kNetworkFile;
  const fs::path tmp = target.string() + ".tmp";
  std::error_code ec;
  fs::create_directories(target.parent_path(), ec);
  if (!ec) fs::copy_file(cmd.file, tmp, fs::copy_options::overwrite_existing, ec);
  if (!ec) fs::rename(tmp, target, ec);
  if (ec) return fail(Unavailable("cannot write " + target.string() + ": " + ec.message()));
  std::fprintf(out, "saved as %s; quanyu serve routes on it from its next start\n",
               target.string().c_str());
  return 0;
}

}  // namespace quanyu::tools
