#include "lmx/core/device.h"

#include <atomic>
#include <mutex>
#include <stdexcept>
#include <unordered_map>

#include "lmx/core/error.h"
#include "lmx/core/ops.h"

namespace lmx {

namespace {
Device& default_device_ref() {
  static Device d(Device::cpu);
  return d;
}
std::atomic<int> next_stream_index{1};
Stream& default_cpu_stream() {
  static Stream s(0, Device::cpu);
  return s;
}
struct StreamRegistry {
  std::mutex mutex;
  std::vector<Stream> streams{Stream(0, Device::cpu)};
};
StreamRegistry& registry() {
  static StreamRegistry r;
  return r;
}
}  // namespace

int device_count(Device::DeviceType type) {
  return type == Device::cpu ? 1 : 0;
}

std::optional<Stream> peek_default_stream(Device d) {
  if (!is_available(d)) return std::nullopt;
  return default_cpu_stream();
}

std::vector<Stream> get_streams() {
  auto& r = registry();
  std::lock_guard<std::mutex> lock(r.mutex);
  return r.streams;
}

void clear_streams() {
  synchronize();
}

StreamContext::StreamContext(StreamOrDevice s)
    : previous_(default_stream(default_device())),
      previous_device_(default_device()),
      owner_(std::this_thread::get_id()) {
  if (std::holds_alternative<std::monostate>(s)) {
    fail_as<std::runtime_error>("StreamContext",
                                "Invalid argument, please specify a stream or device.");
  }
  auto st = to_stream(s);
  set_default_device(st.device);
  set_default_stream(st);
}

StreamContext::~StreamContext() noexcept(false) {
  if (std::this_thread::get_id() != owner_) {
    fail_as<std::runtime_error>("StreamContext",
                                "Destroyed in a different thread than it was constructed in.");
  }
  set_default_device(previous_device_);
  set_default_stream(previous_);
}

bool is_available(const Device& d) {
  return d.type == Device::cpu;
}

const Device& default_device() {
  return default_device_ref();
}

void set_default_device(const Device& d) {
  if (!is_available(d)) {
    fail("set_default_device", "Cannot set gpu device without gpu backend.");
  }
  default_device_ref() = d;
}

Stream default_stream(Device d) {
  if (!is_available(d)) {
    fail("default_stream", "Cannot get gpu stream without gpu backend.");
  }
  return default_cpu_stream();
}

void set_default_stream(Stream s) {
  if (!is_available(s.device)) {
    fail("set_default_stream", "Cannot set gpu stream without gpu backend.");
  }
  default_cpu_stream() = s;
}

Stream new_stream(Device d) {
  if (!is_available(d)) {
    fail("new_stream", "Cannot make gpu stream without gpu backend.");
  }
  Stream s(next_stream_index++, d);
  auto& r = registry();
  std::lock_guard<std::mutex> lock(r.mutex);
  r.streams.push_back(s);
  return s;
}

Stream new_thread_unsafe_stream(Device d) {
  return new_stream(d);
}

ThreadLocalStream new_thread_local_stream(Device d) {
  Stream s = new_stream(d);
  return ThreadLocalStream(s.index, s.device);
}

Stream stream_from_thread_local_stream(ThreadLocalStream tls) {
  // Each thread keeps the streams it was given, by the index of the stream
  // that stands for them.
  thread_local std::unordered_map<int, Stream> mine;
  auto it = mine.find(tls.index);
  if (it == mine.end()) it = mine.emplace(tls.index, new_stream(tls.device)).first;
  return it->second;
}

Stream to_stream(StreamOrDevice s) {
  if (std::holds_alternative<std::monostate>(s)) return default_stream(default_device());
  if (std::holds_alternative<Device>(s)) return default_stream(std::get<Device>(s));
  const Stream& st = std::get<Stream>(s);
  if (!is_available(st.device)) {
    fail("to_stream", "Stream is on a device that is not available.");
  }
  return st;
}

void synchronize() {
  eval(std::vector<array>{});
}
void synchronize(Stream) {
  synchronize();
}
void synchronize(ThreadLocalStream s) {
  synchronize(stream_from_thread_local_stream(s));
}

std::ostream& operator<<(std::ostream& os, const Device& d) {
  return os << "Device(" << (d.type == Device::cpu ? "cpu" : "gpu") << ", " << d.index << ")";
}
std::ostream& operator<<(std::ostream& os, const Stream& s) {
  return os << "Stream(" << s.device << ", " << s.index << ")";
}

}  // namespace lmx
