#include "lmx/core/device.h"

#include <atomic>
#include <mutex>
#include <stdexcept>

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
}  // namespace

bool is_available(const Device& d) {
  return d.type == Device::cpu;
}

const Device& default_device() {
  return default_device_ref();
}

void set_default_device(const Device& d) {
  if (!is_available(d)) {
    throw std::invalid_argument("[set_default_device] Cannot set gpu device without gpu backend.");
  }
  default_device_ref() = d;
}

Stream default_stream(Device d) {
  if (!is_available(d)) {
    throw std::invalid_argument("[default_stream] Cannot get gpu stream without gpu backend.");
  }
  return default_cpu_stream();
}

void set_default_stream(Stream s) {
  if (!is_available(s.device)) {
    throw std::invalid_argument("[set_default_stream] Cannot set gpu stream without gpu backend.");
  }
  default_cpu_stream() = s;
}

Stream new_stream(Device d) {
  if (!is_available(d)) {
    throw std::invalid_argument("[new_stream] Cannot make gpu stream without gpu backend.");
  }
  return Stream(next_stream_index++, d);
}

Stream to_stream(StreamOrDevice s) {
  if (std::holds_alternative<std::monostate>(s)) return default_stream(default_device());
  if (std::holds_alternative<Device>(s)) return default_stream(std::get<Device>(s));
  const Stream& st = std::get<Stream>(s);
  if (!is_available(st.device)) {
    throw std::invalid_argument("[to_stream] Stream is on a device that is not available.");
  }
  return st;
}

void synchronize() {
  eval(std::vector<array>{});
}
void synchronize(Stream) {
  synchronize();
}

std::ostream& operator<<(std::ostream& os, const Device& d) {
  return os << "Device(" << (d.type == Device::cpu ? "cpu" : "gpu") << ", " << d.index << ")";
}
std::ostream& operator<<(std::ostream& os, const Stream& s) {
  return os << "Stream(" << s.device << ", " << s.index << ")";
}

}  // namespace lmx
