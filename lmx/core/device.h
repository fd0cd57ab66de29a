// Devices and streams. lmx evaluates on the CPU today; every op still takes a
// StreamOrDevice so that another backend can be added without changing a
// signature.
#pragma once

#include <optional>
#include <ostream>
#include <thread>
#include <tuple>
#include <variant>
#include <vector>

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
  return a.index == b.index && a.device == b.device;
}
inline bool operator!=(const Stream& a, const Stream& b) {
  return !(a == b);
}
inline bool operator<(const Stream& a, const Stream& b) {
  return std::tie(a.device.type, a.device.index, a.index) <
         std::tie(b.device.type, b.device.index, b.index);
}

// A stream that stands for one stream per thread: each thread that asks
// (stream_from_thread_local_stream) gets its own, made on first use.
struct ThreadLocalStream : public Stream {
  using Stream::Stream;
};

// The number of devices of a type (one CPU; no GPU backend yet).
int device_count(Device::DeviceType type);

Stream default_stream(Device d);
// The default stream of d, if d has one.
std::optional<Stream> peek_default_stream(Device d);
void set_default_stream(Stream s);
Stream new_stream(Device d);
// A stream any thread may use (every lmx stream may be; MLX's name for it).
Stream new_thread_unsafe_stream(Device d);
ThreadLocalStream new_thread_local_stream(Device d);
// The calling thread's stream of `tls`.
Stream stream_from_thread_local_stream(ThreadLocalStream tls);
// Every stream made so far, the default ones first.
std::vector<Stream> get_streams();
// Waits for all streams; on the CPU backend streams hold nothing to free,
// so they stay valid.
void clear_streams();
void synchronize();
void synchronize(Stream s);
void synchronize(ThreadLocalStream s);

using StreamOrDevice = std::variant<std::monostate, Stream, Device>;
Stream to_stream(StreamOrDevice s);

// Makes `s` the default stream (and its device the default device) for the
// scope, on the thread that made it.
class StreamContext {
 public:
  StreamContext(StreamOrDevice s);
  ~StreamContext() noexcept(false);
  StreamContext(const StreamContext&) = delete;
  StreamContext& operator=(const StreamContext&) = delete;

 private:
  Stream previous_;
  Device previous_device_;
  std::thread::id owner_;
};

std::ostream& operator<<(std::ostream& os, const Device& d);
std::ostream& operator<<(std::ostream& os, const Stream& s);

}  // namespace lmx
