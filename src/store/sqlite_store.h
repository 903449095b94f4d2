// The SQLite backend of Store (private to the store module; callers use Store::Open).
//
// One writer connection, serialized by a mutex, and a small pool of reader connections: in WAL
// mode readers see the last committed transaction and never wait for the writer. An in-memory
// database (":memory:") is private to one connection, so there all calls share the writer
// connection and reads wait for writes.
#pragma once

#include <memory>
#include <string>

#include "core/status.h"
#include "store/store.h"

namespace quanyu::store {

// Opens (creating if missing) the database file at `path`, or a fresh private in-memory
// database if `path` is ":memory:", and migrates its schema. FailedPrecondition if the file's
// schema is newer than this build knows; DataLoss if the file is not a database.
StatusOr<std::unique_ptr<Store>> OpenSqliteStore(const std::string& path,
                                                 const StoreOptions& options);

}  // namespace quanyu::store
