#include "api/static_files.h"

#include <zlib.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <system_error>

namespace quanyu::api {
namespace {

bool Compressible(std::string_view type) {
  return type.starts_with("text/") || type.starts_with("application/json") ||
         type.starts_with("application/geo+json") || type.starts_with("application/javascript") ||
         type.starts_with("image/svg+xml") || type.starts_with("application/manifest+json");
}

// Whether the Accept-Encoding header value allows gzip (a "gzip;q=0" refuses it).
bool AcceptsGzip(std::string_view accept) {
  size_t at = accept.find("gzip");
  if (at == std::string_view::npos) return false;
  std::string_view rest = accept.substr(at + 4);
  size_t comma = rest.find(',');
  std::string_view params = rest.substr(0, comma);
  size_t q = params.find("q=");
  if (q == std::string_view::npos) return true;
  return params.substr(q + 2).find_first_not_of("0. ") != std::string_view::npos;
}

}  // namespace

std::string Gzip(std::string_view data) {
  z_stream zs{};
  if (deflateInit2(&zs, Z_BEST_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
    return {};
  }
  std::string out(deflateBound(&zs, data.size()), '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  zs.avail_in = static_cast<uInt>(data.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  const int rc = deflate(&zs, Z_FINISH);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return rc == Z_STREAM_END ? out : std::string();
}

std::string_view ContentTypeOf(std::string_view name) {
  static const std::pair<std::string_view, std::string_view> kTypes[] = {
      {".html", "text/html; charset=utf-8"},
      {".js", "application/javascript; charset=utf-8"},
      {".mjs", "application/javascript; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},
      {".json", "application/json"},
      {".geojson", "application/geo+json"},
      {".webmanifest", "application/manifest+json"},
      {".svg", "image/svg+xml"},
      {".png", "image/png"},
      {".jpg", "image/jpeg"},
      {".ico", "image/x-icon"},
      {".woff2", "font/woff2"},
      {".txt", "text/plain; charset=utf-8"},
      {".map", "application/json"},
  };
  for (const auto& [ext, type] : kTypes) {
    if (name.ends_with(ext)) return type;
  }
  return "application/octet-stream";
}

CachedBody MakeCachedBody(std::string body, std::string content_type, std::string cache_control) {
  CachedBody b;
  char etag[40];
  std::snprintf(etag, sizeof etag, "\"%016zx-%zx\"", std::hash<std::string>{}(body), body.size());
  b.etag = etag;
  if (body.size() > 256 && Compressible(content_type)) {
    std::string z = Gzip(body);
    if (!z.empty() && z.size() < body.size() * 9 / 10) b.gzip = std::move(z);
  }
  b.body = std::move(body);
  b.content_type = std::move(content_type);
  b.cache_control = std::move(cache_control);
  return b;
}

Response ServeCached(const Request& req, const CachedBody& b) {
  Response r;
  r.content_type = b.content_type;
  r.headers.emplace_back("ETag", b.etag);
  r.headers.emplace_back("Cache-Control", b.cache_control);
  r.headers.emplace_back("Vary", "Accept-Encoding");
  if (const std::string& inm = req.Header("if-none-match");
      !inm.empty() && inm.find(b.etag) != std::string::npos) {
    r.status = 304;
    return r;
  }
  if (!b.gzip.empty() && AcceptsGzip(req.Header("accept-encoding"))) {
    r.headers.emplace_back("Content-Encoding", "gzip");
    r.body = b.gzip;
  } else {
    r.body = b.body;
  }
  return r;
}

StatusOr<std::unique_ptr<StaticFiles>> StaticFiles::Load(const std::string& dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    return NotFound("web directory " + dir + " does not exist (build the front end: make web)");
  }
  if (!fs::is_regular_file(fs::path(dir) / "index.html", ec)) {
    return NotFound("web directory " + dir + " has no index.html");
  }
  auto files = std::unique_ptr<StaticFiles>(new StaticFiles());
  for (fs::recursive_directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    if (!it->is_regular_file()) continue;
    const std::string rel = "/" + fs::relative(it->path(), dir).generic_string();
    std::ifstream in(it->path(), std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    if (!in) return Unavailable("cannot read " + it->path().string());
    const bool hashed = rel.starts_with("/assets/");
    std::string body = text.str();
    files->bytes_ += body.size();
    files->files_.emplace(
        rel, MakeCachedBody(std::move(body), std::string(ContentTypeOf(rel)),
                            hashed ? "public, max-age=31536000, immutable" : "no-cache"));
  }
  if (ec) return Unavailable("cannot list " + dir + ": " + ec.message());
  return files;
}

Response StaticFiles::Serve(const Request& req) const {
  std::string_view path = req.path;
  if (path == "/") path = "/index.html";
  if (auto it = files_.find(path); it != files_.end()) return ServeCached(req, it->second);
  const std::string_view last = path.substr(path.rfind('/') + 1);
  if (last.find('.') == std::string_view::npos) {
    return ServeCached(req, files_.find("/index.html")->second);
  }
  return Response::Error(NotFound("no file " + std::string(path)));
}

void CachedBodySlot::Set(std::shared_ptr<const CachedBody> body) {
  std::lock_guard<std::mutex> lock(mu_);
  body_ = std::move(body);
  failure_ = Status::Ok();
}

void CachedBodySlot::SetFailed(Status why) {
  std::lock_guard<std::mutex> lock(mu_);
  failure_ = std::move(why);
}

StatusOr<std::shared_ptr<const CachedBody>> CachedBodySlot::Get(std::string_view pending) const {
  std::lock_guard<std::mutex> lock(mu_);
  if (body_) return body_;
  if (!failure_.ok()) return failure_;
  return Unavailable(std::string(pending));
}

}  // namespace quanyu::api
