#include "tools/import.h"

#include <fstream>
#include <sstream>

#include "core/progress.h"

namespace quanyu::tools {

StatusOr<ImportSummary> ImportCheckpoints(store::Store* store, const std::string& path,
                                          geo::Crs crs, const std::string& format) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return NotFound("cannot read " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  std::string text = ss.str();
  std::string fmt = format;
  if (fmt == "auto") {
    auto ends = [&](const char* suf) {
      std::string s(suf);
      return path.size() >= s.size() && path.compare(path.size() - s.size(), s.size(), s) == 0;
    };
    if (ends(".csv")) {
      fmt = "csv";
    } else if (ends(".geojson") || ends(".json")) {
      fmt = "geojson";
    } else {
      return InvalidArgument("format", "cannot tell the format of " + path +
                                           " from its name; pass --format geojson or csv");
    }
  }
  StatusOr<std::vector<registry::ImportRow>> rows =
      fmt == "csv"       ? registry::ParseCheckpointsCsv(text, crs)
      : fmt == "geojson" ? registry::ParseCheckpointsGeoJson(text, crs)
                         : StatusOr<std::vector<registry::ImportRow>>(
                               InvalidArgument("format", "must be auto, geojson or csv"));
  if (!rows.ok()) return rows.status();
  ImportSummary summary;
  summary.rows = rows->size();
  Progress progress("importing checkpoints", rows->size());
  std::vector<registry::Checkpoint> chunk;
  UnixMicros now = SystemClock::Get()->Now();
  size_t done = 0;
  auto flush = [&]() -> Status {
    if (chunk.empty()) return Status::Ok();
    for (auto& c : chunk) {
      auto existing = store->GetCheckpoint(c.id);
      c.created = existing.ok() ? existing->created : now;
      c.updated = now;
    }
    RETURN_IF_ERROR(store->PutCheckpoints(chunk));
    summary.accepted += chunk.size();
    chunk.clear();
    return Status::Ok();
  };
  for (auto& row : *rows) {
    if (row.checkpoint.ok()) {
      chunk.push_back(std::move(row.checkpoint).value());
      if (chunk.size() >= 1000) RETURN_IF_ERROR(flush());
    } else {
      ++summary.rejected;
      summary.rejections.push_back(
          "row " + std::to_string(row.row) + ": " +
          (row.checkpoint.status().field().empty() ? "" : row.checkpoint.status().field() + ": ") +
          row.checkpoint.status().message());
    }
    progress.Update(++done);
  }
  RETURN_IF_ERROR(flush());
  progress.Finish();
  return summary;
}

}  // namespace quanyu::tools
