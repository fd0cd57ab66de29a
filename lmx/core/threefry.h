// The threefry2x32 block cipher (20 rounds), the counter-based generator
// behind lmx::random. Shared by the global key sequence and the CPU kernel.
#pragma once

#include <array>
#include <cstdint>

namespace lmx {

inline std::array<uint32_t, 2> threefry2x32(std::array<uint32_t, 2> key,
                                            std::array<uint32_t, 2> count) {
  constexpr uint32_t rotations[2][4] = {{13, 15, 26, 6}, {17, 29, 16, 24}};
  uint32_t ks[3] = {key[0], key[1], 0x1BD11BDAu ^ key[0] ^ key[1]};
  uint32_t x0 = count[0] + ks[0];
  uint32_t x1 = count[1] + ks[1];
  auto rotl = [](uint32_t v, uint32_t r) { return (v << r) | (v >> (32 - r)); };
  for (int block = 0; block < 5; ++block) {
    const uint32_t* rot = rotations[block % 2];
    for (int r = 0; r < 4; ++r) {
      x0 += x1;
      x1 = rotl(x1, rot[r]);
      x1 ^= x0;
    }
    x0 += ks[(block + 1) % 3];
    x1 += ks[(block + 2) % 3] + static_cast<uint32_t>(block + 1);
  }
  return {x0, x1};
}

}  // namespace lmx
