#include "lmx/io/file_io.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <vector>

namespace lmx::io {

std::string read_file(const std::string& path, const char* who) {
  std::ifstream f(path, std::ios::binary);
  if (!f) {
    throw std::runtime_error(std::string("[") + who + "] Could not open file " + path + ": " +
                             std::strerror(errno) + ".");
  }
  std::ostringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

void write_file_atomic(const std::string& path, const std::string& bytes, const char* who) {
  std::string tmpl = path + ".tmp.XXXXXX";
  std::vector<char> name(tmpl.begin(), tmpl.end());
  name.push_back('\0');
  int fd = mkstemp(name.data());
  if (fd < 0) {
    throw std::runtime_error(std::string("[") + who + "] Could not create a file next to " + path +
                             ": " + std::strerror(errno) + ".");
  }
  size_t written = 0;
  while (written < bytes.size()) {
    ssize_t n = ::write(fd, bytes.data() + written, bytes.size() - written);
    if (n < 0) {
      if (errno == EINTR) continue;
      int err = errno;
      ::close(fd);
      ::unlink(name.data());
      throw std::runtime_error(std::string("[") + who + "] Could not write " + path + ": " +
                               std::strerror(err) + ".");
    }
    written += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    ::unlink(name.data());
    throw std::runtime_error(std::string("[") + who + "] Could not write " + path + ".");
  }
  ::chmod(name.data(), 0644);
  if (std::rename(name.data(), path.c_str()) != 0) {
    int err = errno;
    ::unlink(name.data());
    throw std::runtime_error(std::string("[") + who + "] Could not rename into " + path + ": " +
                             std::strerror(err) + ".");
  }
}

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

}  // namespace lmx::io
