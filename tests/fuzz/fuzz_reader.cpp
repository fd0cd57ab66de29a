// libFuzzer target for one file reader, chosen at build time with
// LMX_FUZZ_READER (npy, npz, safetensors, gguf, idx, weights, export: exported
// functions, imported without running them). The input is written
// to a file in /dev/shm and read back through the public loader, so the whole
// path a user's file takes is exercised. A clean exception is a pass; a crash,
// a sanitizer report or an allocation above the limit is a finding.
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <exception>
#include <string>

#include "lmx/io/datasets.h"
#include "lmx/io/export.h"
#include "lmx/io/gguf.h"
#include "lmx/io/load_save.h"
#include "lmx/io/weights.h"
#include "lmx/lmx.h"

namespace {
std::string temp_path(const char* ext) {
  return "/dev/shm/lmx_fuzz_" + std::to_string(getpid()) + ext;
}

void write(const std::string& path, const uint8_t* data, size_t size) {
  FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) std::abort();
  if (size) std::fwrite(data, 1, size, f);
  std::fclose(f);
}

void read_one(const uint8_t* data, size_t size) {
  const std::string reader = LMX_FUZZ_READER;
  if (reader == "npy") {
    lmx::io::npy_from_bytes(std::string(reinterpret_cast<const char*>(data), size), "fuzz");
    return;
  }
  const char* ext = reader == "npz"           ? ".npz"
                    : reader == "safetensors" ? ".safetensors"
                    : reader == "gguf"        ? ".gguf"
                    : reader == "export"      ? ".lmxfn"
                    : reader == "idx"         ? ".gz"
                                              : (size && data[0] == 'P' ? ".npz" : ".safetensors");
  auto path = temp_path(ext);
  write(path, data, size);
  if (reader == "npz") {
    lmx::io::load_npz_ordered(path);
  } else if (reader == "safetensors") {
    lmx::io::load_safetensors_ordered(path);
  } else if (reader == "gguf") {
    lmx::io::load_gguf_ordered(path);
  } else if (reader == "export") {
    lmx::import_function(path);
  } else if (reader == "idx") {
    lmx::io::read_idx_gz(path);
  } else {
    lmx::io::load_weights(path);
  }
}
}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  // A hostile header may ask for anything; the limit turns it into an error.
  lmx::set_memory_limit(size_t{1} << 30);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    read_one(data, size);
  } catch (const std::exception&) {
    // Rejected cleanly: what a reader must do with a bad file.
  }
  return 0;
}
