// CRC-32C (Castagnoli, as in iSCSI, ext4 and LevelDB): the checksum of event-log frames.
// Uses the SSE4.2 crc32 instruction when the CPU has it, a table-driven loop otherwise; both
// give the same values. Private to the bus module. Thread safety: pure functions.
#pragma once

#include <cstddef>
#include <cstdint>

namespace quanyu::bus::internal {

// The CRC-32C of `data` appended to the bytes whose CRC-32C is `crc`:
// Crc32cExtend(Crc32cExtend(0, a), b) == CRC-32C of a followed by b. Crc32c("123456789") is
// 0xe3069283.
uint32_t Crc32cExtend(uint32_t crc, const void* data, size_t n);
inline uint32_t Crc32c(const void* data, size_t n) { return Crc32cExtend(0, data, n); }

// The portable implementation, for tests that compare it with the hardware one.
uint32_t Crc32cExtendPortable(uint32_t crc, const void* data, size_t n);
// Whether Crc32cExtend uses the crc32 instruction.
bool Crc32cIsHardware();

}  // namespace quanyu::bus::internal
