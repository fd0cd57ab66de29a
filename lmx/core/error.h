// The library's one error format: "[who] message", where `who` is the op or
// function the user called. Every layer throws through these helpers, so the
// format (and the exception type chosen for a kind of failure) is decided in
// one place.
#pragma once

#include <cstdint>
#include <ostream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace lmx {

// Shapes and strides print as (2,3) in messages (defined in utils.cpp; declared
// here so the template below finds them).
std::ostream& operator<<(std::ostream& os, const std::vector<int32_t>& shape);
std::ostream& operator<<(std::ostream& os, const std::vector<int64_t>& strides);

// "[who] " followed by the streamed pieces.
template <typename... Args>
std::string error_message(const std::string& who, const Args&... args) {
  std::ostringstream msg;
  msg << "[" << who << "] ";
  (msg << ... << args);
  return msg.str();
}

// Throws E (std::invalid_argument unless given) with error_message(who, args...).
template <typename E = std::invalid_argument, typename... Args>
[[noreturn]] void fail_as(const std::string& who, const Args&... args) {
  throw E(error_message(who, args...));
}

// Bad arguments: the common case.
template <typename... Args>
[[noreturn]] void fail(const std::string& who, const Args&... args) {
  fail_as<std::invalid_argument>(who, args...);
}

}  // namespace lmx
