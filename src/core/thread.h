// Naming and prioritising the server's own threads.
//
// Every long-lived thread carries a name ("qy-..."), shown by top -H, ps -L, perf and gdb.
// Background threads that only keep up with work already acknowledged (the store applier,
// the WAL checkpointer) run at a lower CPU priority than the threads that answer requests and
// deliver alerts: on a busy machine an alert then waits for a core less often behind a batch
// of store writes. Both calls are best effort: a failure is logged once at debug level.
#pragma once

#include <string_view>

namespace quanyu {

// Names the calling thread (at most 15 bytes are kept, as Linux allows).
void NameThisThread(std::string_view name);

// Raises the calling thread's nice value by `increment` (Linux schedules threads, not
// processes, so this affects this thread only). Background work uses kBackgroundNice.
inline constexpr int kBackgroundNice = 10;
void LowerThisThreadPriority(int increment);

}  // namespace quanyu
