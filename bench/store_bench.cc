// Throughput of Store::Apply for passage records on an SQLite file, and the latency of the
// passage queries on the database it leaves.
//
// Applies --rows realistic records (default 5,000,000) in --batch-row transactions (10,000),
// spread over --days days of pass_time (2): GA/T 1400-style ids (device id + time + serial),
// plates drawn from a pool of --vehicles vehicles (300,000; 2% unreadable), --checkpoints
// checkpoints (400) with two devices each, one image reference, pass times with up to 2 s of
// jitter and 1% arriving up to 10 minutes late. Records are generated before each Apply and
// only Apply is timed. Every 10 batches it prints the rate of those batches:
//
//   rows/s        rows per second of Apply (wall clock)
//   rows/cpu-s    rows per CPU-second of the process while not generating records (includes
//                 the store's background WAL checkpointer), so less sensitive to other load
//   written/read  bytes per row through write/read system calls (WAL frames, checkpoints)
//
// then the first and last 10 batches and the whole run, and query latencies: FindPassages by
// plate (whole range and one day), by checkpoint, GetPassage hit and miss, GetPassageStats,
// ForEachPassageIdSince over the last day, and DropPassagesBefore of the oldest day.
//
//   build/release/bench/store_bench [--rows=N] [--batch=N] [--days=D] [--checkpoints=N]
//       [--vehicles=N] [--ids=gat|random] [--dir=DIR] [--keep]
//
// The database lives in a temporary directory under $TMPDIR (default /tmp) unless --dir is
// given, and is removed afterwards unless --keep.
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "store/store.h"

namespace {

using quanyu::kMicrosPerDay;
using quanyu::kMicrosPerHour;
using quanyu::kMicrosPerSecond;
using quanyu::UnixMicros;
using quanyu::events::PassageRecord;
using quanyu::store::Store;

struct Options {
  long rows = 5'000'000;
  int batch = 10'000;
  double days = 2;
  int checkpoints = 400;
  int vehicles = 300'000;
  std::string ids = "gat";
  std::string dir;
  bool keep = false;
};

double Now() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}
double CpuSeconds(int who) {
  rusage ru{};
  getrusage(who, &ru);
  return static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
         static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}
// Bytes this process has written and read through system calls (/proc/self/io).
std::pair<double, double> IoBytes() {
  std::ifstream in("/proc/self/io");
  std::string key;
  double value = 0, wchar = 0, rchar = 0;
  while (in >> key >> value) {
    if (key == "wchar:") wchar = value;
    if (key == "rchar:") rchar = value;
  }
  return {wchar, rchar};
}
std::string LoadAverage() {
  std::ifstream in("/proc/loadavg");
  std::string a, b, c;
  in >> a >> b >> c;
  return a + " " + b + " " + c;
}

// 2026-11-29T00:00:00+08:00.
constexpr UnixMicros kStart = 1'795'881'600 * kMicrosPerSecond;

class Generator {
 public:
  explicit Generator(const Options& o) : o_(o) {
    const char* const kPrefixes[] = {"川A", "川A", "川A", "川S", "川B", "川F", "川R",
                                     "渝A", "渝B", "陕A", "贵A", "云A", "京A", "粤B"};
    const char kSerial[] = "0123456789ABCDEFGHJKLMNPQRSTUVWXYZ";
    for (int i = 0; i < o.vehicles; ++i) {
      std::string p = kPrefixes[rng_() % std::size(kPrefixes)];
      bool ev = rng_() % 10 == 0;
      if (ev) p += (rng_() % 2) ? 'D' : 'F';
      for (int k = 0; k < 5; ++k) {
        p += (rng_() % 4 == 0 && !ev) ? kSerial[10 + rng_() % 24] : kSerial[rng_() % 10];
      }
      plates_.push_back(std::move(p));
    }
    for (int i = 0; i < o.checkpoints; ++i) {
      char buf[32];
      std::snprintf(buf, sizeof buf, "511702000012100%05d", i);
      checkpoints_.push_back(buf);
    }
  }

  void Next(PassageRecord* r) {
    const double span = o_.days * static_cast<double>(kMicrosPerDay);
    UnixMicros base = kStart + static_cast<UnixMicros>(span * static_cast<double>(n_) /
                                                       static_cast<double>(o_.rows));
    UnixMicros delay = static_cast<UnixMicros>(rng_() % 2'000'000);
    if (rng_() % 100 == 0) delay += static_cast<UnixMicros>(rng_() % 600'000'000);
    r->pass_time = (base - delay) / kMicrosPerSecond * kMicrosPerSecond;  // whole seconds
    int cp = static_cast<int>(rng_() % checkpoints_.size());
    r->checkpoint_id = checkpoints_[cp];
    char device[32];
    std::snprintf(device, sizeof device, "511702000011900%05d", 2 * cp + static_cast<int>(n_ & 1));
    r->device_id = device;
    if (o_.ids == "gat") {
      time_t secs = static_cast<time_t>(r->pass_time / kMicrosPerSecond) + 8 * 3600;
      tm t{};
      gmtime_r(&secs, &t);
      char buf[96];
      std::snprintf(buf, sizeof buf, "%s02%04d%02d%02d%02d%02d%02d%05ld0200001", device,
                    t.tm_year + 1900, t.tm_mon + 1, t.tm_mday, t.tm_hour, t.tm_min, t.tm_sec,
                    n_ % 100000);
      r->id = buf;
    } else {
      char buf[40];
      std::snprintf(buf, sizeof buf, "%016" PRIx64 "%016" PRIx64, rng_(), rng_());
      r->id = buf;
    }
    r->lane = 1 + static_cast<int>(rng_() % 4);
    if (rng_() % 50 == 0) {
      r->plate_status = quanyu::events::PlateStatus::kUnreadable;
      r->plate.clear();
      r->plate_color = 0;
    } else {
      r->plate_status = quanyu::events::PlateStatus::kValid;
      r->plate = plates_[rng_() % plates_.size()];
      r->plate_color = r->plate.size() > 8 ? 9 : 2;
    }
    r->plate_class = "02";
    r->speed_kmh = 20 + static_cast<double>(rng_() % 700) / 10.0;
    r->vehicle_class = "K33";
    r->vehicle_color = std::to_string(1 + rng_() % 12);
    r->direction = std::to_string(1 + rng_() % 8);
    r->image_refs = {"http://10.12.3.4:8080/img/" + r->checkpoint_id + "/" + r->id + "_1.jpg"};
    r->received = r->pass_time + 3 * kMicrosPerSecond;
    ++n_;
  }

  const std::vector<std::string>& plates() const { return plates_; }
  const std::vector<std::string>& checkpoints() const { return checkpoints_; }

 private:
  Options o_;
  std::mt19937_64 rng_{20261129};
  std::vector<std::string> plates_, checkpoints_;
  long n_ = 0;
};

struct Latency {
  std::vector<double> micros;
  size_t results = 0;
  void Print(const char* what) {
    std::sort(micros.begin(), micros.end());
    double sum = 0;
    for (double m : micros) sum += m;
    auto pct = [&](double p) { return micros[static_cast<size_t>(p * (micros.size() - 1))]; };
    std::printf("  %-44s n=%-5zu mean %8.0f us  p50 %8.0f us  p99 %8.0f us  (%.1f rows each)\n",
                what, micros.size(), sum / static_cast<double>(micros.size()), pct(0.5), pct(0.99),
                static_cast<double>(results) / static_cast<double>(micros.size()));
  }
};

template <typename Fn>
void Time(Latency* l, Fn fn) {
  double t0 = Now();
  l->results += fn();
  l->micros.push_back((Now() - t0) * 1e6);
}

void Die(const quanyu::Status& s, const char* what) {
  std::fprintf(stderr, "%s: %s\n", what, s.ToString().c_str());
  std::exit(1);
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&](const char* name) -> const char* {
      size_t n = std::strlen(name);
      if (a.compare(0, n, name) == 0 && a.size() > n && a[n] == '=') return a.c_str() + n + 1;
      return nullptr;
    };
    if (const char* v = value("--rows")) {
      o.rows = std::atol(v);
    } else if (const char* v = value("--batch")) {
      o.batch = std::atoi(v);
    } else if (const char* v = value("--days")) {
      o.days = std::atof(v);
    } else if (const char* v = value("--checkpoints")) {
      o.checkpoints = std::atoi(v);
    } else if (const char* v = value("--vehicles")) {
      o.vehicles = std::atoi(v);
    } else if (const char* v = value("--ids")) {
      o.ids = v;
    } else if (const char* v = value("--dir")) {
      o.dir = v;
    } else if (a == "--keep") {
      o.keep = true;
    } else {
      std::fprintf(stderr, "unknown argument %s (see the comment at the top of store_bench.cc)\n",
                   a.c_str());
      return 2;
    }
  }
  if (o.rows <= 0 || o.batch <= 0 || o.days <= 0 || o.checkpoints <= 0 || o.vehicles <= 0) {
    std::fprintf(stderr, "sizes must be positive\n");
    return 2;
  }
  bool temp_dir = o.dir.empty();
  if (temp_dir) {
    const char* base = std::getenv("TMPDIR");
    std::string tmpl = std::string(base != nullptr ? base : "/tmp") + "/quanyu-store-bench-XXXXXX";
    if (::mkdtemp(tmpl.data()) == nullptr) {
      std::perror("mkdtemp");
      return 1;
    }
    o.dir = tmpl;
  }
  std::string path = o.dir + "/quanyu.db";
  std::printf(
      "store_bench: %ld rows in batches of %d over %.1f days, %d checkpoints, %d "
      "vehicles, %s ids\n  db %s; load average %s; %ld CPUs\n",
      o.rows, o.batch, o.days, o.checkpoints, o.vehicles, o.ids.c_str(), path.c_str(),
      LoadAverage().c_str(), sysconf(_SC_NPROCESSORS_ONLN));
  std::fflush(stdout);

  auto opened = Store::Open({.url = "sqlite:" + path, .sync_full = false});
  if (!opened.ok()) Die(opened.status(), "open");
  std::unique_ptr<Store> store = std::move(opened).value();

  Generator gen(o);
  const long batches = (o.rows + o.batch - 1) / o.batch;
  quanyu::store::ApplyBatch batch;
  batch.passages.resize(static_cast<size_t>(o.batch));
  double apply_wall = 0, gen_cpu = 0;
  double window_wall = 0, window_gen_cpu = 0;
  long window_rows = 0, rows = 0;
  double window_cpu0 = CpuSeconds(RUSAGE_SELF), run_cpu0 = window_cpu0;
  auto [window_w0, window_r0] = IoBytes();
  const auto [run_w0, run_r0] = IoBytes();
  struct Window {
    long first_batch, rows;
    double wall, cpu;
  };
  std::vector<Window> windows;
  for (long b = 0; b < batches; ++b) {
    size_t n = static_cast<size_t>(std::min<long>(o.batch, o.rows - b * o.batch));
    batch.passages.resize(n);
    double g0 = CpuSeconds(RUSAGE_THREAD);
    for (PassageRecord& r : batch.passages) gen.Next(&r);
    double g = CpuSeconds(RUSAGE_THREAD) - g0;
    gen_cpu += g;
    window_gen_cpu += g;
    batch.log_positions[0] = static_cast<uint64_t>(b + 1);
    double t0 = Now();
    quanyu::Status s = store->Apply(batch);
    double dt = Now() - t0;
    if (!s.ok()) Die(s, "Apply");
    apply_wall += dt;
    window_wall += dt;
    window_rows += static_cast<long>(n);
    rows += static_cast<long>(n);
    if ((b + 1) % 10 == 0 || b + 1 == batches) {
      double cpu = CpuSeconds(RUSAGE_SELF) - window_cpu0 - window_gen_cpu;
      windows.push_back({b + 1 - (b % 10), window_rows, window_wall, cpu});
      auto [w, r] = IoBytes();
      std::printf(
          "batches %5ld-%-5ld %9ld rows  %8.0f rows/s  %8.0f rows/cpu-s  written %4.0f "
          "read %4.0f B/row  load %s\n",
          b + 1 - (b % 10), b + 1, rows, static_cast<double>(window_rows) / window_wall,
          static_cast<double>(window_rows) / cpu, (w - window_w0) / window_rows,
          (r - window_r0) / window_rows, LoadAverage().c_str());
      window_w0 = w;
      window_r0 = r;
      std::fflush(stdout);
      window_wall = 0;
      window_gen_cpu = 0;
      window_rows = 0;
      window_cpu0 = CpuSeconds(RUSAGE_SELF);
    }
  }
  double run_cpu = CpuSeconds(RUSAGE_SELF) - run_cpu0 - gen_cpu;
  auto rate = [](const Window& w) {
    return std::make_pair(static_cast<double>(w.rows) / w.wall,
                          static_cast<double>(w.rows) / w.cpu);
  };
  auto [first_wall, first_cpu] = rate(windows.front());
  auto [last_wall, last_cpu] = rate(windows.back());
  std::printf("\nApply, %d-row batches:\n", o.batch);
  std::printf("  first 10 batches  %8.0f rows/s  %8.0f rows/cpu-s\n", first_wall, first_cpu);
  std::printf("  last 10 batches   %8.0f rows/s  %8.0f rows/cpu-s\n", last_wall, last_cpu);
  std::printf("  all %ld rows  %8.0f rows/s  %8.0f rows/cpu-s  (%.1f s of Apply)\n", rows,
              static_cast<double>(rows) / apply_wall, static_cast<double>(rows) / run_cpu,
              apply_wall);
  auto [run_w, run_r] = IoBytes();
  std::printf("  written %.0f, read %.0f bytes per row (WAL, checkpoints)\n",
              (run_w - run_w0) / static_cast<double>(rows),
              (run_r - run_r0) / static_cast<double>(rows));
  std::error_code ec;
  uintmax_t db_bytes = std::filesystem::file_size(path, ec);
  uintmax_t wal_bytes = std::filesystem::file_size(path + "-wal", ec);
  std::printf("  database %.0f MB (+ WAL %.0f MB), %.0f bytes per row\n", db_bytes / 1e6,
              wal_bytes / 1e6, static_cast<double>(db_bytes) / static_cast<double>(rows));
  std::fflush(stdout);

  // Queries on the finished database.
  std::printf("\nQueries (load %s):\n", LoadAverage().c_str());
  std::mt19937_64 rng(7);
  const UnixMicros end =
      kStart + static_cast<UnixMicros>(o.days * static_cast<double>(kMicrosPerDay));
  {
    Latency all, day, few;
    for (int i = 0; i < 1000; ++i) {
      const std::string& plate = gen.plates()[rng() % gen.plates().size()];
      Time(&all, [&] {
        auto r = store->FindPassages({.plate = plate});
        if (!r.ok()) Die(r.status(), "FindPassages");
        return r->size();
      });
      Time(&day, [&] {
        auto r = store->FindPassages({.plate = plate, .from = end - kMicrosPerDay, .to = end});
        if (!r.ok()) Die(r.status(), "FindPassages");
        return r->size();
      });
      Time(&few, [&] {
        auto r = store->FindPassages({.plate = plate, .limit = 5});
        if (!r.ok()) Die(r.status(), "FindPassages");
        return r->size();
      });
    }
    all.Print("FindPassages plate, all days");
    day.Print("FindPassages plate, last day");
    few.Print("FindPassages plate, all days, limit 5");
  }
  {
    Latency cp, cp_hour;
    for (int i = 0; i < 100; ++i) {
      const std::string& c = gen.checkpoints()[rng() % gen.checkpoints().size()];
      Time(&cp, [&] {
        auto r = store->FindPassages({.checkpoint_id = c});
        if (!r.ok()) Die(r.status(), "FindPassages");
        return r->size();
      });
      Time(&cp_hour, [&] {
        auto r = store->FindPassages(
            {.checkpoint_id = c, .from = end - 3 * kMicrosPerHour, .to = end - 2 * kMicrosPerHour});
        if (!r.ok()) Die(r.status(), "FindPassages");
        return r->size();
      });
    }
    cp.Print("FindPassages checkpoint, limit 1000");
    cp_hour.Print("FindPassages checkpoint, one hour");
  }
  {
    Latency window;
    for (int i = 0; i < 100; ++i) {
      UnixMicros from =
          kStart + static_cast<UnixMicros>(rng() % static_cast<uint64_t>(end - kStart));
      Time(&window, [&] {
        auto r = store->FindPassages({.from = from, .to = from + kMicrosPerHour, .limit = 100});
        if (!r.ok()) Die(r.status(), "FindPassages");
        return r->size();
      });
    }
    window.Print("FindPassages time window, limit 100");
  }
  {
    // Ids of stored records: regenerate the first records of the run.
    Options again = o;
    Generator gen2(again);
    std::vector<std::string> ids;
    PassageRecord r;
    for (int i = 0; i < 200'000; ++i) {
      gen2.Next(&r);
      if (i % 200 == 0) ids.push_back(r.id);
    }
    Latency hit, miss;
    for (const std::string& id : ids) {
      Time(&hit, [&] {
        auto p = store->GetPassage(id);
        if (!p.ok()) Die(p.status(), "GetPassage");
        return p->has_value() ? 1 : 0;
      });
      Time(&miss, [&] {
        auto p = store->GetPassage(id + "-missing");
        if (!p.ok()) Die(p.status(), "GetPassage");
        return p->has_value() ? 1 : 0;
      });
    }
    hit.Print("GetPassage, an early record");
    miss.Print("GetPassage, absent");
  }
  {
    Latency stats;
    for (int i = 0; i < 20; ++i) {
      Time(&stats, [&] {
        auto s = store->GetPassageStats();
        if (!s.ok()) Die(s.status(), "GetPassageStats");
        return static_cast<size_t>(s->passages);
      });
    }
    stats.Print("GetPassageStats");
    Latency since;
    Time(&since, [&] {
      size_t n = 0;
      quanyu::Status s =
          store->ForEachPassageIdSince(end - kMicrosPerDay, [&](std::string_view) { ++n; });
      if (!s.ok()) Die(s, "ForEachPassageIdSince");
      return n;
    });
    since.Print("ForEachPassageIdSince, last day");
    Latency drop;
    Time(&drop, [&] {
      auto n = store->DropPassagesBefore(kStart + kMicrosPerDay);
      if (!n.ok()) Die(n.status(), "DropPassagesBefore");
      return static_cast<size_t>(*n);
    });
    drop.Print("DropPassagesBefore, the first day");
  }
  store.reset();
  if (!o.keep) {
    std::filesystem::remove_all(temp_dir ? o.dir : path, ec);
    if (!temp_dir) {
      std::filesystem::remove(path + "-wal", ec);
      std::filesystem::remove(path + "-shm", ec);
    }
  }
  return 0;
}
