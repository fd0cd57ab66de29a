// Random bits: word i of the output is a pure function of (key, i), so the
// result does not depend on how the work is split across threads.
#include <cstring>

#include "lmx/backend/cpu/kernel_utils.h"
#include "lmx/core/primitives.h"
#include "lmx/core/threefry.h"

namespace lmx {

void RandomBits::eval_cpu(const std::vector<array>& inputs, array& out) {
  const array& key = inputs[0];
  cpu::allocate(out);
  const uint32_t* k = key.data<uint32_t>();
  std::array<uint32_t, 2> kk{k[0], k[1 * static_cast<int>(key.strides()[0])]};
  size_t bytes = out.nbytes();
  size_t pairs = (bytes + 7) / 8;
  char* dst = out.data<char>();
  cpu::parallel_for(static_cast<int64_t>(pairs), 1 << 14, [&](int64_t b, int64_t e) {
    for (int64_t p = b; p < e; ++p) {
      auto w = threefry2x32(kk, {static_cast<uint32_t>(p), static_cast<uint32_t>(p >> 32)});
      size_t at = static_cast<size_t>(p) * 8;
      size_t n = std::min<size_t>(8, bytes - at);
      std::memcpy(dst + at, w.data(), n);
    }
  });
}

}  // namespace lmx
