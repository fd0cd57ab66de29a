// Devices and streams. lmx evaluates on the CPU today; every op still takes a
// StreamOrDevice so that another backend can be added without changing a
// signature.
#pragma once

#include <ostream>
#include <variant>

namespace lmx {

struct Device {
  enum class DeviceType { cpu, gpu };
  static constexpr DeviceType cpu = DeviceType::cpu;
  static constexpr DeviceType gpu = DeviceType::gpu;

  DeviceType type;
  int index;

  constexpr Device(DeviceType type, int index = 0) : type(type), index(index) {}
};

inline bool operator==(const Device& a, const Device& b) {
  return a.type == b.type && a.index == b.index;
}
inline bool operator!=(const Device& a, const Device& b) {
  return !(a == b);
}

const Device& default_device();
void set_default_device(const Device& d);
bool is_available(const Device& d);

struct Stream {
  int index;
  Device device;
  explicit Stream(int index, Device device) : index(index), device(device) {}
};

inline bool operator==(const Stream& a, const Stream& b) {
  return a.index == b.index;
}
inline bool operator!=(const Stream& a, const Stream& b) {
  return !(a == b);
}

Stream default_stream(Device d);
void set_default_stream(Stream s);
Stream new_stream(Device d);
void synchronize();
void synchronize(Stream s);

using StreamOrDevice = std::variant<std::monostate, Stream, Device>;
Stream to_stream(StreamOrDevice s);

std::ostream& operator<<(std::ostream& os, const Device& d);
std::ostream& operator<<(std::ostream& os, const Stream& s);

}  // namespace lmx
