// The cryptography governance needs, on libsodium (Argon2id, SHA-256, random bytes) and
// OpenSSL (MD5, only because HTTP Digest as GA/T 1400 devices speak it requires it).
// Thread safety: every function may be called from any thread.
#pragma once

#include <string>
#include <string_view>

#include "core/status.h"

namespace quanyu::govern {

// Argon2id cost. kInteractive is libsodium's interactive level (64 MiB, 2 passes): for people
// logging in. kMinimal is for tests only.
enum class PasswordCost { kInteractive, kMinimal };

// libsodium's self-describing string ("$argon2id$v=19$m=...,t=...,p=1$salt$hash").
StatusOr<std::string> HashPassword(std::string_view password, PasswordCost cost);
// False for a wrong password or a malformed hash.
bool VerifyPassword(std::string_view hash, std::string_view password);

// Lower-case hex SHA-256 / MD5 of the bytes.
std::string Sha256Hex(std::string_view bytes);
std::string Md5Hex(std::string_view bytes);

// `n` random bytes as lower-case hex (2n characters).
std::string RandomHex(size_t n);
// A random password of `n` characters from an alphabet without look-alikes (no 0/O, 1/l/I).
std::string RandomPassword(size_t n);

// Constant-time comparison of equal-length strings (false if the lengths differ).
bool ConstantTimeEquals(std::string_view a, std::string_view b);

}  // namespace quanyu::govern
