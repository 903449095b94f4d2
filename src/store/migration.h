// Versioned schema migrations (private to the store module).
//
// Each backend keeps an ordered list of migrations, version 1, 2, ... with no gaps; version N
// means the same logical schema in every backend. Open applies the missing ones in one
// transaction and records each in the table schema_migrations(version, description, applied).
// To change the schema, append a migration (never edit one that has shipped) and bump
// kLatestSchemaVersion.
#pragma once

#include <span>
#include <string>
#include <string_view>

namespace quanyu::store {

inline constexpr int kLatestSchemaVersion = 6;

struct Migration {
  int version;
  std::string_view description;
  std::string_view sql;  // one or more statements
};

// Ordered by version; the last one is kLatestSchemaVersion.
std::span<const Migration> SqliteMigrations();

// SQLite (schema 2): the statement that creates one day's passage table.
std::string PassagePartitionDdl(std::string_view table);

}  // namespace quanyu::store
