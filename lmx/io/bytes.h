// Little-endian binary reads bounded by the bytes really present, and the
// matching appends (internal to lmx/io: GGUF files and exported functions).
#pragma once

#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>
#include <type_traits>

#include "lmx/core/error.h"

namespace lmx::io {

class ByteReader {
 public:
  // Errors read "[who] <context>: <why>", e.g. "[load_gguf] Invalid GGUF
  // file f.gguf: ...".
  ByteReader(const std::string& bytes, const char* who, std::string context)
      : b_(bytes), who_(who), context_(std::move(context)) {}

  [[noreturn]] void bad(const std::string& why) const {
    fail_as<std::runtime_error>(who_, context_, ": ", why);
  }
  uint64_t remaining() const { return b_.size() - pos_; }
  uint64_t position() const { return pos_; }
  void need(uint64_t n, const char* what) const {
    if (n > remaining()) {
      bad(std::string(what) + " needs " + std::to_string(n) + " bytes at offset " +
          std::to_string(pos_) + " but the file has " + std::to_string(remaining()) + " left");
    }
  }
  template <typename T>
  T read(const char* what) {
    static_assert(std::is_trivially_copyable_v<T>);
    need(sizeof(T), what);
    T v;
    std::memcpy(&v, b_.data() + pos_, sizeof(T));
    pos_ += sizeof(T);
    return v;
  }
  std::string read_string(const char* what) {
    uint64_t n = read<uint64_t>(what);
    need(n, what);
    std::string s = b_.substr(pos_, n);
    pos_ += n;
    return s;
  }
  void skip(uint64_t n, const char* what) {
    need(n, what);
    pos_ += n;
  }
  const char* at(uint64_t offset) const { return b_.data() + offset; }

 private:
  const std::string& b_;
  const char* who_;
  std::string context_;
  uint64_t pos_ = 0;
};

// Appends to a byte string that is written in one piece afterwards.
template <typename T>
void put(std::string& out, T v) {
  static_assert(std::is_trivially_copyable_v<T>);
  out.append(reinterpret_cast<const char*>(&v), sizeof(T));
}

inline void put_string(std::string& out, const std::string& s) {
  put<uint64_t>(out, s.size());
  out += s;
}

}  // namespace lmx::io
