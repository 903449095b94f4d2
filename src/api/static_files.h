// Bodies served as they are or gzip-compressed, with a strong ETag: the web front end's files
// (`quanyu serve --web DIR`) and the basemap.
//
// StaticFiles reads every file under a directory once, at start-up, into memory (a built front
// end is a few hundred kilobytes): a request can only name a file that was there, so no path
// reaches outside the directory. `/` and any path without a file extension that names no file
// answer index.html (the single-page application routes on the client); a missing file with an
// extension is a 404. Files under `assets/` (content-hashed names) may be cached for a year;
// the others are revalidated with their ETag.
//
// Thread safety: after Load, every method may be called from any number of threads at once.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "api/router.h"
#include "core/status.h"

namespace quanyu::api {

struct CachedBody {
  std::string content_type;
  std::string cache_control;
  std::string body;
  std::string gzip;  // empty when compressing does not pay (images, small files)
  std::string etag;  // quoted, strong
};

// Compresses `body` (gzip) when the type is text-like and it saves space; computes the ETag.
CachedBody MakeCachedBody(std::string body, std::string content_type, std::string cache_control);

// 304 when If-None-Match names the ETag; the gzip body when Accept-Encoding allows it.
Response ServeCached(const Request& req, const CachedBody& b);

// gzip (RFC 1952) of `data` at the best compression.
std::string Gzip(std::string_view data);

// The content type of a file name by its extension ("application/octet-stream" if unknown).
std::string_view ContentTypeOf(std::string_view file_name);

class StaticFiles {
 public:
  // Reads every regular file under `dir`. NotFound if `dir` does not exist or has no
  // index.html; Unavailable if a file cannot be read.
  static StatusOr<std::unique_ptr<StaticFiles>> Load(const std::string& dir);

  Response Serve(const Request& req) const;
  size_t files() const { return files_.size(); }
  size_t bytes() const { return bytes_; }

 private:
  std::map<std::string, CachedBody, std::less<>> files_;  // key: "/index.html", "/assets/…"
  size_t bytes_ = 0;
};

// A CachedBody made once in the background and then read by every request (the basemap).
class CachedBodySlot {
 public:
  void Set(std::shared_ptr<const CachedBody> body);
  void SetFailed(Status why);
  // The body; FailedPrecondition with the reason if it could not be made, or Unavailable while
  // it is being made (`pending` says what is missing).
  StatusOr<std::shared_ptr<const CachedBody>> Get(std::string_view pending) const;

 private:
  mutable std::mutex mu_;
  std::shared_ptr<const CachedBody> body_;
  Status failure_;
};

}  // namespace quanyu::api
