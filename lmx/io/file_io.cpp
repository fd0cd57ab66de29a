#include "lmx/io/file_io.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <vector>

#include "lmx/core/error.h"

namespace lmx::io {

std::string read_file(const std::string& path, const char* who) {
  std::ifstream f(path, std::ios::binary);
  if (!f) {
    fail_as<std::runtime_error>(who, "Could not open file ", path, ": ", std::strerror(errno), ".");
  }
  std::ostringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

namespace {
// Temporaries are named PATH.lmx-tmp.PID.N: the writer's process id says
// whether a leftover belongs to a writer that was killed mid-write, so the
// next write to PATH removes it instead of leaving it behind forever.
constexpr const char* kTempTag = ".lmx-tmp.";

void remove_stale_temporaries(const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::path target(path);
  fs::path dir = target.has_parent_path() ? target.parent_path() : fs::path(".");
  std::string prefix = target.filename().string() + kTempTag;
  for (auto it = fs::directory_iterator(dir, ec); !ec && it != fs::directory_iterator();
       it.increment(ec)) {
    std::string name = it->path().filename().string();
    if (name.rfind(prefix, 0) != 0) continue;
    std::string rest = name.substr(prefix.size());
    size_t dot = rest.find('.');
    if (dot == std::string::npos || dot == 0 ||
        rest.substr(0, dot).find_first_not_of("0123456789") != std::string::npos)
      continue;
    pid_t pid = static_cast<pid_t>(std::stol(rest.substr(0, dot)));
    if (::kill(pid, 0) != 0 && errno == ESRCH) fs::remove(it->path(), ec);
  }
}
}  // namespace

void write_file_atomic(const std::string& path, const std::string& bytes, const char* who) {
  static std::atomic<unsigned> counter{0};
  remove_stale_temporaries(path);
  std::string tmp =
      path + kTempTag + std::to_string(::getpid()) + "." + std::to_string(counter.fetch_add(1));
  std::vector<char> name(tmp.begin(), tmp.end());
  name.push_back('\0');
  int fd = ::open(name.data(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    fail_as<std::runtime_error>(who, "Could not create a file next to ", path, ": ",
                                std::strerror(errno), ".");
  }
  size_t written = 0;
  while (written < bytes.size()) {
    ssize_t n = ::write(fd, bytes.data() + written, bytes.size() - written);
    if (n < 0) {
      if (errno == EINTR) continue;
      int err = errno;
      ::close(fd);
      ::unlink(name.data());
      fail_as<std::runtime_error>(who, "Could not write ", path, ": ", std::strerror(err), ".");
    }
    written += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    ::unlink(name.data());
    fail_as<std::runtime_error>(who, "Could not write ", path, ".");
  }
  ::chmod(name.data(), 0644);
  if (std::rename(name.data(), path.c_str()) != 0) {
    int err = errno;
    ::unlink(name.data());
    fail_as<std::runtime_error>(who, "Could not rename into ", path, ": ", std::strerror(err), ".");
  }
}

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

}  // namespace lmx::io
