#include "registry/checkpoint.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <nlohmann/json.hpp>

namespace quanyu::registry {
namespace {

using nlohmann::json;

// Travel directions as GA/T 1400 devices and Chinese operators write them, with the bearing
// of the traffic flow.
struct NamedDirection {
  std::string_view name;
  int bearing;
};
constexpr NamedDirection kNamedDirections[] = {
    {"N", 0},          {"NE", 45},          {"E", 90},           {"SE", 135},
    {"S", 180},        {"SW", 225},         {"W", 270},          {"NW", 315},
    {"NORTH", 0},      {"EAST", 90},        {"SOUTH", 180},      {"WEST", 270},
    {"NORTHBOUND", 0}, {"EASTBOUND", 90},   {"SOUTHBOUND", 180}, {"WESTBOUND", 270},
    {"南向北", 0},     {"西南向东北", 45},  {"西向东", 90},      {"西北向东南", 135},
    {"北向南", 180},   {"东北向西南", 225}, {"东向西", 270},     {"东南向西北", 315},
};

std::string Upper(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == ' ' || c == '_' || c == '-') continue;
    out += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  return out;
}

StatusOr<double> NumberField(const json& obj, const char* key, bool required) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) {
    if (required) return InvalidArgument(key, "is required");
    return std::nan("");
  }
  if (it->is_number()) return it->get<double>();
  if (it->is_string()) {
    const std::string& s = it->get_ref<const std::string&>();
    double v = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec == std::errc() && p == s.data() + s.size()) return v;
  }
  return InvalidArgument(key, "must be a number, got " + it->dump());
}

StatusOr<std::string> StringField(const json& obj, const char* key, bool required) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) {
    if (required) return InvalidArgument(key, "is required");
    return std::string();
  }
  if (it->is_string()) return it->get<std::string>();
  if (it->is_number_integer()) return std::to_string(it->get<int64_t>());
  return InvalidArgument(key, "must be a string, got " + it->dump());
}

bool IsLocalIdChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.';
}

}  // namespace

std::string_view CheckpointStatusName(CheckpointStatus s) {
  switch (s) {
    case CheckpointStatus::kActive:
      return "active";
    case CheckpointStatus::kFaulty:
      return "faulty";
    case CheckpointStatus::kRetired:
      return "retired";
  }
  return "active";
}

StatusOr<CheckpointStatus> ParseCheckpointStatus(std::string_view s) {
  std::string u = Upper(s);
  if (u == "ACTIVE" || s == "正常" || s == "在用") return CheckpointStatus::kActive;
  if (u == "FAULTY" || s == "故障") return CheckpointStatus::kFaulty;
  if (u == "RETIRED" || s == "停用" || s == "撤除") return CheckpointStatus::kRetired;
  return InvalidArgument("status",
                         "must be one of active, faulty, retired; got \"" + std::string(s) + "\"");
}

bool IsGat1400Id(std::string_view id) {
  if (id.size() != 20) return false;
  for (char c : id) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

Status ValidateCheckpoint(const Checkpoint& c) {
  if (c.id.empty()) return InvalidArgument("id", "is required");
  if (c.id.size() > 64) return InvalidArgument("id", "must be at most 64 characters");
  for (char ch : c.id) {
    if (!IsLocalIdChar(ch)) {
      return InvalidArgument(
          "id", "may contain only letters, digits, '-', '_' and '.'; got \"" + c.id + "\"");
    }
  }
  if (c.name.empty()) return InvalidArgument("name", "is required");
  if (c.name.size() > 200) return InvalidArgument("name", "must be at most 200 bytes");
  if (!std::isfinite(c.position.lng) || std::abs(c.position.lng) > 180) {
    return InvalidArgument("lng", "must be a longitude in [-180, 180]");
  }
  if (!std::isfinite(c.position.lat) || std::abs(c.position.lat) > 90) {
    return InvalidArgument("lat", "must be a latitude in [-90, 90]");
  }
  for (int d : c.directions) {
    if (d < 0 || d > 359) return InvalidArgument("directions", "bearings must be in [0, 359]");
  }
  if (c.lanes < 0 || c.lanes > 64) return InvalidArgument("lanes", "must be in [0, 64]");
  return Status::Ok();
}

StatusOr<int> ParseDirection(const json& v, std::string_view field) {
  std::string f(field);
  if (v.is_number()) {
    double d = v.get<double>();
    if (!std::isfinite(d) || d < 0 || d >= 360) {
      return InvalidArgument(f, "bearing must be in [0, 360), got " + v.dump());
    }
    return static_cast<int>(std::lround(d)) % 360;
  }
  if (!v.is_string()) return InvalidArgument(f, "must be a bearing or a direction name");
  const std::string& s = v.get_ref<const std::string&>();
  double d = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), d);
  if (ec == std::errc() && p == s.data() + s.size()) return ParseDirection(json(d), field);
  std::string u = Upper(s);
  for (const auto& nd : kNamedDirections) {
    if (u == nd.name || s == nd.name) return nd.bearing;
  }
  return InvalidArgument(f,
                         "unknown direction \"" + s +
                             "\" (use a bearing in degrees, N/NE/E/SE/S/SW/W/NW, or 西向东 etc.)");
}

StatusOr<Checkpoint> CheckpointFromJson(const json& obj, geo::Crs default_crs) {
  if (!obj.is_object()) return InvalidArgument("", "a checkpoint must be a JSON object");
  Checkpoint c;
  ASSIGN_OR_RETURN(c.id, StringField(obj, "id", true));
  ASSIGN_OR_RETURN(c.name, StringField(obj, "name", true));
  ASSIGN_OR_RETURN(double lng, NumberField(obj, "lng", true));
  ASSIGN_OR_RETURN(double lat, NumberField(obj, "lat", true));
  geo::Crs crs = default_crs;
  ASSIGN_OR_RETURN(std::string crs_name, StringField(obj, "crs", false));
  if (!crs_name.empty()) {
    auto parsed = geo::ParseCrs(crs_name);
    if (!parsed) return InvalidArgument("crs", "must be wgs84 or gcj02, got \"" + crs_name + "\"");
    crs = *parsed;
  }
  c.position = geo::ToWgs84({lng, lat}, crs);
  if (auto it = obj.find("directions"); it != obj.end() && !it->is_null()) {
    if (it->is_array()) {
      for (size_t i = 0; i < it->size(); ++i) {
        ASSIGN_OR_RETURN(int d, ParseDirection((*it)[i], "directions[" + std::to_string(i) + "]"));
        c.directions.push_back(d);
      }
    } else {
      ASSIGN_OR_RETURN(int d, ParseDirection(*it, "directions"));
      c.directions.push_back(d);
    }
  }
  ASSIGN_OR_RETURN(double lanes, NumberField(obj, "lanes", false));
  if (!std::isnan(lanes)) {
    if (lanes != std::floor(lanes)) return InvalidArgument("lanes", "must be a whole number");
    c.lanes = static_cast<int>(lanes);
  }
  ASSIGN_OR_RETURN(std::string status, StringField(obj, "status", false));
  if (!status.empty()) {
    ASSIGN_OR_RETURN(c.status, ParseCheckpointStatus(status));
  }
  if (IsGat1400Id(c.id)) c.division_code = c.id.substr(0, 6);
  RETURN_IF_ERROR(ValidateCheckpoint(c));
  return c;
}

json CheckpointToJson(const Checkpoint& c) {
  json j = {{"id", c.id},
            {"name", c.name},
            {"lng", c.position.lng},
            {"lat", c.position.lat},
            {"directions", c.directions},
            {"lanes", c.lanes},
            {"status", std::string(CheckpointStatusName(c.status))}};
  if (!c.division_code.empty()) j["division_code"] = c.division_code;
  return j;
}

StatusOr<std::vector<ImportRow>> ParseCheckpointsGeoJson(std::string_view text, geo::Crs crs) {
  if (text.size() >= 3 && text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);
  json doc = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) return InvalidArgument("", "not valid JSON");
  if (!doc.is_object() || doc.value("type", "") != "FeatureCollection" ||
      !doc.contains("features") || !doc["features"].is_array()) {
    return InvalidArgument("type", "expected a GeoJSON FeatureCollection with a features array");
  }
  if (auto it = doc.find("crs"); it != doc.end() && it->is_object()) {
    std::string name = it->value("properties", json::object()).value("name", "");
    if (auto parsed = geo::ParseCrs(name)) crs = *parsed;
  } else if (it != doc.end() && it->is_string()) {
    if (auto parsed = geo::ParseCrs(it->get<std::string>())) crs = *parsed;
  }
  std::vector<ImportRow> rows;
  const json& features = doc["features"];
  for (size_t i = 0; i < features.size(); ++i) {
    const json& f = features[i];
    ImportRow row;
    row.row = i + 1;
    const json* geom = f.is_object() && f.contains("geometry") ? &f["geometry"] : nullptr;
    if (geom == nullptr || !geom->is_object() || geom->value("type", "") != "Point" ||
        !geom->contains("coordinates") || !(*geom)["coordinates"].is_array() ||
        (*geom)["coordinates"].size() < 2 || !(*geom)["coordinates"][0].is_number() ||
        !(*geom)["coordinates"][1].is_number()) {
      row.checkpoint = InvalidArgument("geometry", "must be a Point with [lng, lat]");
      rows.push_back(std::move(row));
      continue;
    }
    json props = f.value("properties", json::object());
    if (!props.is_object()) props = json::object();
    if (!props.contains("id") && f.contains("id")) props["id"] = f["id"];
    props["lng"] = (*geom)["coordinates"][0];
    props["lat"] = (*geom)["coordinates"][1];
    row.checkpoint = CheckpointFromJson(props, crs);
    rows.push_back(std::move(row));
  }
  return rows;
}

namespace {

// Splits one CSV line into fields (RFC 4180 quoting). Returns false on an unterminated quote.
bool SplitCsvLine(std::string_view line, std::vector<std::string>* out) {
  out->clear();
  std::string cur;
  bool quoted = false;
  for (size_t i = 0; i < line.size(); ++i) {
    char c = line[i];
    if (quoted) {
      if (c == '"') {
        if (i + 1 < line.size() && line[i + 1] == '"') {
          cur += '"';
          ++i;
        } else {
          quoted = false;
        }
      } else {
        cur += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      out->push_back(std::move(cur));
      cur.clear();
    } else {
      cur += c;
    }
  }
  out->push_back(std::move(cur));
  return !quoted;
}

std::string Trim(std::string s) {
  size_t b = s.find_first_not_of(" \t\r");
  size_t e = s.find_last_not_of(" \t\r");
  return b == std::string::npos ? std::string() : s.substr(b, e - b + 1);
}

}  // namespace

StatusOr<std::vector<ImportRow>> ParseCheckpointsCsv(std::string_view text, geo::Crs crs) {
  if (text.size() >= 3 && text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);
  std::vector<ImportRow> rows;
  std::vector<std::string> header, fields;
  size_t line_no = 0;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    std::string_view line =
        text.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
    pos = nl == std::string_view::npos ? text.size() : nl + 1;
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.find_first_not_of(" \t") == std::string_view::npos) continue;
    if (header.empty()) {
      SplitCsvLine(line, &header);
      for (auto& h : header) h = Trim(h);
      for (const char* need : {"id", "name", "lng", "lat"}) {
        if (std::find(header.begin(), header.end(), need) == header.end()) {
          return InvalidArgument(need, std::string("CSV header must name column \"") + need + "\"");
        }
      }
      continue;
    }
    ImportRow row;
    row.row = line_no;
    if (!SplitCsvLine(line, &fields)) {
      row.checkpoint = InvalidArgument("", "unterminated quoted field");
      rows.push_back(std::move(row));
      continue;
    }
    if (fields.size() != header.size()) {
      row.checkpoint = InvalidArgument("", "expected " + std::to_string(header.size()) +
                                               " fields, got " + std::to_string(fields.size()));
      rows.push_back(std::move(row));
      continue;
    }
    json obj = json::object();
    for (size_t i = 0; i < header.size(); ++i) {
      std::string v = Trim(fields[i]);
      if (v.empty()) continue;
      if (header[i] == "directions") {
        json arr = json::array();
        size_t start = 0;
        while (start <= v.size()) {
          size_t sep = v.find_first_of("|;", start);
          std::string part =
              Trim(v.substr(start, sep == std::string::npos ? std::string::npos : sep - start));
          if (!part.empty()) arr.push_back(part);
          if (sep == std::string::npos) break;
          start = sep + 1;
        }
        obj["directions"] = arr;
      } else {
        obj[header[i]] = v;
      }
    }
    row.checkpoint = CheckpointFromJson(obj, crs);
    rows.push_back(std::move(row));
  }
  if (header.empty()) return InvalidArgument("", "empty CSV: expected a header row");
  return rows;
}

}  // namespace quanyu::registry
