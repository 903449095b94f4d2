// `quanyu audit verify`: checks the tamper-evident audit chain of a data directory.
#pragma once

#include <cstdio>
#include <string>

namespace quanyu::tools {

// Verifies the audit chain in the store of data_dir (govern::VerifyAudit), and that it reaches
// the head recorded in data_dir/audit.head when that file exists. The store is opened
// read-only and without the directory's lock, so a running server may keep writing meanwhile.
// Writes "audit chain intact: N records (seq A..B)" or "audit chain BROKEN at record SEQ:
// reason" to out and other errors to err. Returns the exit status: 0 intact, 1 broken, 2 the
// chain could not be read (no such directory, not a quanyu store, I/O error).
int RunAuditVerify(const std::string& data_dir, std::FILE* out, std::FILE* err);

}  // namespace quanyu::tools
