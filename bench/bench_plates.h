// Simulated plates for the benchmarks: 川/渝/陕/贵 plates with random serials, one in five a
// new-energy plate (D after the authority letter). Authority letters are A-T, so a plate with
// 'Z' there is on no list built from these.
#pragma once

#include <random>
#include <string>

namespace quanyu::bench {

inline std::string RandomPlate(std::mt19937_64& rng) {
  static const char* const kProvinces[] = {"川", "渝", "陕", "贵"};
  static constexpr char kSerial[] = "0123456789ABCDEFGHJKLMNPQRSTUVWXYZ";  // no I, O
  std::string p = kProvinces[rng() % 4];
  p += static_cast<char>('A' + rng() % 20);
  const bool new_energy = rng() % 5 == 0;
  if (new_energy) p += 'D';
  for (int i = 0; i < 5; ++i) p += kSerial[rng() % (i < 2 ? 34 : 10)];
  return p;
}

}  // namespace quanyu::bench
