// File functions (mx.save, mx.load, mx.savez, mx.savez_compressed,
// mx.save_safetensors, mx.load_safetensors) and the data sets (lmx.data).
#include <nanobind/stl/unordered_map.h>

#include "lmx/io/datasets.h"
#include "lmx/io/file_io.h"
#include "lmx/io/gguf.h"
#include "lmx/io/load_save.h"
#include "python/src/python.h"

namespace lmx::python {

namespace {

std::string path_of(nb::handle file) {
  return nb::cast<std::string>(nb::module_::import_("os").attr("fspath")(file));
}

// The path with `ext` appended unless it already ends with it, as MLX names files.
std::string with_extension(nb::handle file, const std::string& ext) {
  std::string path = path_of(file);
  return io::ends_with(path, ext) ? path : path + ext;
}

nb::dict ordered_dict(const std::vector<std::pair<std::string, array>>& items) {
  nb::dict out;
  for (auto& [k, v] : items) out[nb::str(k.c_str())] = nb::cast(v);
  return out;
}

// savez(file, *args, **kwargs): positional arrays are named arr_0, arr_1, ...
std::vector<std::pair<std::string, array>> savez_items(nb::args args, nb::kwargs kwargs) {
  std::vector<std::pair<std::string, array>> items;
  for (size_t i = 0; i < args.size(); ++i)
    items.emplace_back("arr_" + std::to_string(i), to_array(args[i]));
  for (auto [k, v] : kwargs) items.emplace_back(nb::cast<std::string>(k), to_array(v));
  return items;
}

std::vector<std::pair<std::string, array>> dict_items(nb::handle d, const char* who) {
  if (!PyDict_Check(d.ptr())) type_error(who, "Expected a dict of arrays.");
  std::vector<std::pair<std::string, array>> items;
  for (auto [k, v] : nb::borrow<nb::dict>(d)) {
    if (!PyUnicode_Check(k.ptr())) type_error(who, "Dictionary keys must be strings.");
    items.emplace_back(nb::cast<std::string>(k), to_array(v));
  }
  return items;
}

nb::dict gguf_metadata_dict(const std::vector<std::pair<std::string, GGUFMetaData>>& items) {
  nb::dict out;
  for (auto& [k, v] : items) {
    nb::object value = nb::none();
    if (auto* a = std::get_if<array>(&v)) value = nb::cast(*a);
    if (auto* s = std::get_if<std::string>(&v)) value = nb::cast(*s);
    if (auto* l = std::get_if<std::vector<std::string>>(&v)) value = nb::cast(*l);
    out[nb::str(k.c_str())] = value;
  }
  return out;
}

std::vector<std::pair<std::string, GGUFMetaData>> gguf_metadata_items(nb::handle d) {
  std::vector<std::pair<std::string, GGUFMetaData>> items;
  if (d.is_none()) return items;
  if (!PyDict_Check(d.ptr())) type_error("save_gguf", "Expected a dict for the metadata.");
  for (auto [k, v] : nb::borrow<nb::dict>(d)) {
    if (!PyUnicode_Check(k.ptr())) type_error("save_gguf", "Metadata keys must be strings.");
    auto key = nb::cast<std::string>(k);
    if (PyUnicode_Check(v.ptr())) {
      items.emplace_back(key, nb::cast<std::string>(v));
    } else if (PyList_Check(v.ptr()) && nb::len(v) > 0 && PyUnicode_Check(v[0].ptr())) {
      items.emplace_back(key, nb::cast<std::vector<std::string>>(v));
    } else {
      items.emplace_back(key, to_array(v));
    }
  }
  return items;
}

nb::object load_gguf_py(const std::string& path, bool return_metadata) {
  std::vector<std::pair<std::string, GGUFMetaData>> metadata;
  auto items = io::load_gguf_ordered(path, &metadata);
  if (return_metadata) return nb::make_tuple(ordered_dict(items), gguf_metadata_dict(metadata));
  return ordered_dict(items);
}

nb::tuple dataset_tuple(const io::ImageDataset& d) {
  return nb::make_tuple(d.train_images, d.train_labels, d.test_images, d.test_labels);
}

}  // namespace

void init_io(nb::module_& m) {
  m.def(
      "save",
      [](nb::handle file, const ArrayLike& arr) {
        save(with_extension(file, ".npy"), to_array(arr));
      },
      nb::arg("file"), nb::arg("arr"), "Saves an array to a .npy file.");
  for (bool compressed : {false, true}) {
    m.def(
        compressed ? "savez_compressed" : "savez",
        [compressed](nb::handle file, nb::args args, nb::kwargs kwargs) {
          io::save_npz_ordered(with_extension(file, ".npz"), savez_items(args, kwargs), compressed);
        },
        nb::arg("file"), nb::arg("args"), nb::arg("kwargs"));
  }
  m.def(
      "save_safetensors",
      [](nb::handle file, nb::handle arrays,
         std::optional<std::unordered_map<std::string, std::string>> metadata) {
        io::save_safetensors_ordered(
            with_extension(file, ".safetensors"), dict_items(arrays, "save_safetensors"),
            metadata.value_or(std::unordered_map<std::string, std::string>{}));
      },
      nb::arg("file"), nb::arg("arrays"), nb::arg("metadata") = nb::none());
  m.def(
      "save_gguf",
      [](nb::handle file, nb::handle arrays, nb::handle metadata) {
        io::save_gguf_ordered(with_extension(file, ".gguf"), dict_items(arrays, "save_gguf"),
                              gguf_metadata_items(metadata));
      },
      nb::arg("file"), nb::arg("arrays"), nb::arg("metadata") = nb::none(),
      "Saves arrays and metadata (arrays, strings, lists of strings) to a .gguf file.");
  m.def(
      "load_safetensors",
      [](nb::handle file, bool return_metadata) -> nb::object {
        std::unordered_map<std::string, std::string> metadata;
        auto items = io::load_safetensors_ordered(path_of(file), &metadata);
        if (return_metadata) return nb::make_tuple(ordered_dict(items), metadata);
        return ordered_dict(items);
      },
      nb::arg("file"), nb::arg("return_metadata") = false);
  m.def(
      "load",
      [](nb::handle file, std::optional<std::string> format, bool return_metadata,
         StreamOrDevice s) -> nb::object {
        std::string path = path_of(file);
        std::string fmt = format.value_or("");
        if (fmt.empty()) {
          auto dot = path.rfind('.');
          if (dot == std::string::npos)
            throw std::invalid_argument("[load] Could not infer the file format of '" + path +
                                        "'; pass format=.");
          fmt = path.substr(dot + 1);
        }
        if (fmt == "npy") {
          if (return_metadata)
            throw std::invalid_argument(
                "[load] metadata is only available for safetensors and gguf.");
          return nb::cast(load(path, s));
        }
        if (fmt == "npz") {
          if (return_metadata)
            throw std::invalid_argument(
                "[load] metadata is only available for safetensors and gguf.");
          return ordered_dict(io::load_npz_ordered(path));
        }
        if (fmt == "gguf") return load_gguf_py(path, return_metadata);
        if (fmt == "safetensors") {
          std::unordered_map<std::string, std::string> metadata;
          auto items = io::load_safetensors_ordered(path, &metadata);
          if (return_metadata) return nb::make_tuple(ordered_dict(items), metadata);
          return ordered_dict(items);
        }
        throw std::invalid_argument("[load] Unknown file format '" + fmt + "'.");
      },
      nb::arg("file"), nb::arg("format") = nb::none(), nb::arg("return_metadata") = false,
      nb::kw_only(), nb::arg("stream") = nb::none());

  auto data = m.def_submodule("_data", "Data sets over the C++ loader.");
  data.def(
      "mnist",
      [](std::optional<std::string> dir, bool download) {
        io::ImageDataset d = [&] {
          nb::gil_scoped_release release;
          return io::mnist(dir, download);
        }();
        return dataset_tuple(d);
      },
      nb::arg("dir") = nb::none(), nb::arg("download") = true);
  data.def(
      "fashion_mnist",
      [](std::optional<std::string> dir, bool download) {
        io::ImageDataset d = [&] {
          nb::gil_scoped_release release;
          return io::fashion_mnist(dir, download);
        }();
        return dataset_tuple(d);
      },
      nb::arg("dir") = nb::none(), nb::arg("download") = true);
  data.def("default_cache_dir", &io::default_cache_dir, nb::arg("name"));
}

}  // namespace lmx::python
