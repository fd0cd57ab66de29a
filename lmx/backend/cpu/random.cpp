// Random bits in MLX's (and JAX's) layout, so a seed gives MLX's numbers bit
// for bit: the W words a key fills are split into two halves, and threefry of
// the counter pair (i, i + ceil(W / 2)) gives word i of the first half and
// word i + ceil(W / 2) of the second. An odd middle word comes from the pair
// (W / 2, 0). Every word is a pure function of (key, position), so the result
// does not depend on how the work is split across threads.
#include <cstring>

#include "lmx/backend/cpu/kernel_utils.h"
#include "lmx/core/primitives.h"
#include "lmx/core/threefry.h"

namespace lmx {

namespace {

// Writes the low `n` bytes (at most 4) of `word` at `dst`.
void put_word(char* dst, uint32_t word, size_t n) {
  std::memcpy(dst, &word, std::min<size_t>(n, 4));
}

}  // namespace

void RandomBits::eval_cpu(const std::vector<array>& inputs, array& out) {
  // The key input is (..., 2): one block of `out` per key (vmap batches keys).
  const array key = cpu::ensure_row_contiguous(inputs[0]);
  cpu::allocate(out);
  const uint32_t* keys = key.data<uint32_t>();
  int64_t num_keys = static_cast<int64_t>(key.size() / 2);
  size_t bytes = num_keys == 0 ? 0 : out.nbytes() / static_cast<size_t>(num_keys);
  uint32_t words = static_cast<uint32_t>((bytes + 3) / 4);
  uint32_t half = words / 2, odd = words % 2;
  // Work item t: key t / (half + odd), pair t % (half + odd) (the last pair
  // of an odd block is the middle word).
  int64_t per_key = half + odd;
  char* base = out.data<char>();
  cpu::parallel_for(num_keys * per_key, 1 << 14, [&](int64_t b, int64_t e) {
    for (int64_t t = b; t < e; ++t) {
      int64_t k = t / per_key;
      uint32_t i = static_cast<uint32_t>(t % per_key);
      std::array<uint32_t, 2> kk{keys[2 * k], keys[2 * k + 1]};
      char* dst = base + static_cast<size_t>(k) * bytes;
      if (i < half) {
        auto w = threefry2x32(kk, {i, i + half + odd});
        size_t second = 4 * static_cast<size_t>(i + half + odd);
        put_word(dst + 4 * static_cast<size_t>(i), w[0], 4);
        put_word(dst + second, w[1], bytes - second);
      } else {
        auto w = threefry2x32(kk, {half, 0});
        put_word(dst + 4 * static_cast<size_t>(half), w[0], bytes - 4 * static_cast<size_t>(half));
      }
    }
  });
}

}  // namespace lmx
