// Devices, streams (and the `with mx.stream(...)` context) and the memory
// functions.
#include "python/src/python.h"

namespace lmx::python {

namespace {
std::string to_text(const auto& v) {
  std::ostringstream os;
  os << v;
  return os.str();
}

// `with mx.stream(s):` makes s (or a device's default stream) the default
// for the block.
struct StreamContext {
  StreamOrDevice target;
  std::optional<Device> saved_device;
  std::optional<Stream> saved_stream;
  void enter() {
    saved_device = default_device();
    saved_stream = default_stream(default_device());
    if (auto* d = std::get_if<Device>(&target)) {
      set_default_device(*d);
    } else if (auto* s = std::get_if<Stream>(&target)) {
      set_default_device(s->device);
      set_default_stream(*s);
    }
  }
  void exit() {
    if (saved_device) set_default_device(*saved_device);
    if (saved_stream) set_default_stream(*saved_stream);
  }
};
}  // namespace

void init_device(nb::module_& m) {
  nb::enum_<Device::DeviceType>(m, "DeviceType")
      .value("cpu", Device::DeviceType::cpu)
      .value("gpu", Device::DeviceType::gpu);
  m.attr("cpu") = m.attr("DeviceType").attr("cpu");
  m.attr("gpu") = m.attr("DeviceType").attr("gpu");

  nb::class_<Device>(m, "Device", "A device to run operations on.")
      .def(nb::init<Device::DeviceType, int>(), nb::arg("type"), nb::arg("index") = 0)
      .def_ro("type", &Device::type)
      .def("__repr__", [](const Device& d) { return to_text(d); })
      .def("__eq__", [](const Device& a, nb::handle b) {
        if (nb::isinstance<Device>(b)) return a == nb::cast<Device>(b);
        if (nb::isinstance<Device::DeviceType>(b)) return a.type == nb::cast<Device::DeviceType>(b);
        return false;
      });
  nb::implicitly_convertible<Device::DeviceType, Device>();

  nb::class_<Stream>(m, "Stream", "A stream of operations on a device.")
      .def_ro("device", &Stream::device)
      .def("__repr__", [](const Stream& s) { return to_text(s); })
      .def("__eq__", [](const Stream& a, nb::handle b) {
        return nb::isinstance<Stream>(b) && a == nb::cast<Stream>(b);
      });

  nb::class_<ThreadLocalStream, Stream>(m, "ThreadLocalStream",
                                        "A stream that is a different stream in every thread.")
      .def("__repr__", [](const ThreadLocalStream& s) {
        return "ThreadLocalStream(" + to_text(s.device) + ", " + std::to_string(s.index) + ")";
      });
  m.def("new_thread_local_stream", &new_thread_local_stream, nb::arg("device"));

  m.def("default_device", &default_device, nb::rv_policy::copy);
  m.def("set_default_device", &set_default_device, nb::arg("device"));
  m.def("is_available", &is_available, nb::arg("device"));
  m.def("default_stream", &default_stream, nb::arg("device"));
  m.def("set_default_stream", &set_default_stream, nb::arg("stream"));
  m.def("new_stream", &new_stream, nb::arg("device"));
  m.def(
      "synchronize",
      [](std::optional<Stream> s) {
        nb::gil_scoped_release release;
        s ? synchronize(*s) : synchronize();
      },
      nb::arg("stream") = nb::none());

  nb::class_<StreamContext>(m, "StreamContext")
      .def(
          "__init__",
          [](StreamContext* self, StreamOrDevice s) {
            new (self) StreamContext{s, {}, {}};
          },
          nb::arg("s"))
      .def("__enter__", [](StreamContext& c) { c.enter(); })
      .def("__exit__", [](StreamContext& c, nb::args) { c.exit(); });
  m.def(
      "stream",
      [](StreamOrDevice s) {
        return StreamContext{s, {}, {}};
      },
      nb::arg("s"), "A context manager that sets the default device and stream for its block.");

  m.def(
      "_set_print_precision", [](int precision) { set_printoptions(PrintOptions{precision}); },
      nb::arg("precision"));
  m.def("get_active_memory", &get_active_memory);
  m.def("get_peak_memory", &get_peak_memory);
  m.def("reset_peak_memory", &reset_peak_memory);
  m.def("get_cache_memory", &get_cache_memory);
  m.def("set_cache_limit", &set_cache_limit, nb::arg("limit"));
  m.def("set_memory_limit", &set_memory_limit, nb::arg("limit"));
  m.def("get_memory_limit", &get_memory_limit);
  m.def("clear_cache", &clear_cache);
}

}  // namespace lmx::python
