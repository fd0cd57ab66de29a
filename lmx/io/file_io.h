// Whole-file reads and atomic writes (internal to lmx/io).
#pragma once

#include <string>

namespace lmx::io {

// Reads a whole file; throws std::runtime_error naming `who` and the path.
std::string read_file(const std::string& path, const char* who);
// Writes through a temporary file in the same directory, then renames it over
// `path`, so readers see the old file or the new one, never a partial one.
void write_file_atomic(const std::string& path, const std::string& bytes, const char* who);
bool ends_with(const std::string& s, const std::string& suffix);

}  // namespace lmx::io
