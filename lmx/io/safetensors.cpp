// .safetensors: an 8-byte little-endian header length, a JSON header naming
// each tensor's dtype, shape and byte range, then the tensor bytes.
#include <nlohmann/json.hpp>

#include <cstring>

#include "lmx/core/error.h"
#include "lmx/core/ops.h"
#include "lmx/core/sizes.h"
#include "lmx/io/file_io.h"
#include "lmx/io/load_save.h"

namespace lmx {

namespace io {

namespace {

[[noreturn]] void bad(const std::string& file, const std::string& why) {
  fail_as<std::runtime_error>("load_safetensors", "Invalid .safetensors file ", file, ": ", why);
}

const std::pair<const char*, Dtype> kDtypes[] = {
    {"BOOL", bool_},    {"U8", uint8},    {"U16", uint16},  {"U32", uint32},   {"U64", uint64},
    {"I8", int8},       {"I16", int16},   {"I32", int32},   {"I64", int64},    {"F16", float16},
    {"BF16", bfloat16}, {"F32", float32}, {"F64", float64}, {"C64", complex64}};

const char* name_of(Dtype t) {
  for (auto& [n, d] : kDtypes)
    if (d == t) return n;
  return "F32";
}

}  // namespace

std::vector<std::pair<std::string, array>> load_safetensors_ordered(
    const std::string& file, std::unordered_map<std::string, std::string>* metadata) {
  std::string b = read_file(file, "load_safetensors");
  if (b.size() < 8) bad(file, "shorter than its 8-byte header length");
  uint64_t n = 0;
  for (int i = 7; i >= 0; --i) n = (n << 8) | static_cast<unsigned char>(b[i]);
  if (n > b.size() - 8) bad(file, "header length " + std::to_string(n) + " exceeds the file size");
  nlohmann::json header;
  try {
    header = nlohmann::json::parse(b.begin() + 8, b.begin() + 8 + static_cast<std::ptrdiff_t>(n));
  } catch (const std::exception& e) {
    bad(file, std::string("header is not valid JSON (") + e.what() + ")");
  }
  if (!header.is_object()) bad(file, "header is not a JSON object");
  uint64_t data_start = 8 + n;
  uint64_t data_size = b.size() - data_start;
  std::vector<std::tuple<uint64_t, std::string, array>> items;
  for (auto& [key, value] : header.items()) {
    if (key == "__metadata__") {
      if (!value.is_object()) bad(file, "__metadata__ is not an object");
      for (auto& [mk, mv] : value.items()) {
        if (!mv.is_string()) bad(file, "metadata value for '" + mk + "' is not a string");
        if (metadata) (*metadata)[mk] = mv.get<std::string>();
      }
      continue;
    }
    if (!value.is_object() || !value.contains("dtype") || !value.contains("shape") ||
        !value.contains("data_offsets")) {
      bad(file, "entry '" + key + "' needs dtype, shape and data_offsets");
    }
    auto& jd = value["dtype"];
    auto& js = value["shape"];
    auto& jo = value["data_offsets"];
    if (!jd.is_string() || !js.is_array() || !jo.is_array() || jo.size() != 2) {
      bad(file, "entry '" + key + "' is malformed");
    }
    Dtype dtype = float32;
    bool known = false;
    for (auto& [nm, d] : kDtypes) {
      if (jd.get<std::string>() == nm) {
        dtype = d;
        known = true;
      }
    }
    if (!known) bad(file, "entry '" + key + "' has unsupported dtype " + jd.get<std::string>());
    Shape shape;
    std::vector<uint64_t> dims;
    for (auto& d : js) {
      if (!d.is_number_unsigned() || d.get<uint64_t>() > INT32_MAX)
        bad(file, "entry '" + key + "' has a bad shape");
      dims.push_back(d.get<uint64_t>());
      shape.push_back(static_cast<int>(d.get<uint64_t>()));
    }
    uint64_t count = checked_size(dims, "load_safetensors");
    if (!jo[0].is_number_unsigned() || !jo[1].is_number_unsigned())
      bad(file, "entry '" + key + "' has bad offsets");
    uint64_t begin = jo[0].get<uint64_t>(), end = jo[1].get<uint64_t>();
    if (begin > end || end > data_size) {
      bad(file, "entry '" + key + "' has offsets [" + std::to_string(begin) + ", " +
                    std::to_string(end) + ") outside the " + std::to_string(data_size) +
                    " data bytes");
    }
    uint64_t need = checked_bytes(count, dtype.size, "load_safetensors");
    if (end - begin != need) {
      bad(file, "entry '" + key + "' has " + std::to_string(end - begin) +
                    " bytes but its shape and dtype need " + std::to_string(need));
    }
    array a(allocator::malloc(std::max<uint64_t>(end - begin, 1)), shape, dtype);
    std::memcpy(a.data<char>(), b.data() + data_start + begin, end - begin);
    items.emplace_back(begin, key, a);
  }
  // Keep file order (by offset), as written.
  std::sort(items.begin(), items.end(),
            [](auto& x, auto& y) { return std::get<0>(x) < std::get<0>(y); });
  std::vector<std::pair<std::string, array>> out;
  for (auto& [off, k, a] : items) out.emplace_back(k, a);
  return out;
}

void save_safetensors_ordered(const std::string& file,
                              const std::vector<std::pair<std::string, array>>& arrays,
                              const std::unordered_map<std::string, std::string>& metadata) {
  nlohmann::ordered_json header = nlohmann::ordered_json::object();
  if (!metadata.empty()) {
    nlohmann::ordered_json m = nlohmann::ordered_json::object();
    for (auto& [k, v] : metadata) m[k] = v;
    header["__metadata__"] = m;
  }
  std::string data;
  for (auto& [key, a] : arrays) {
    if (key == "__metadata__") fail("save_safetensors", "'__metadata__' is reserved.");
    auto c = full(a.shape(), a);
    c.eval();
    nlohmann::ordered_json entry;
    entry["dtype"] = name_of(a.dtype());
    entry["shape"] = a.shape();
    entry["data_offsets"] = {data.size(), data.size() + c.nbytes()};
    header[key] = entry;
    data.append(c.data<char>(), c.nbytes());
  }
  std::string h = header.dump();
  h.append((8 - h.size() % 8) % 8, ' ');
  std::string out(8, '\0');
  uint64_t n = h.size();
  for (int i = 0; i < 8; ++i) out[i] = static_cast<char>((n >> (8 * i)) & 0xff);
  out += h;
  out += data;
  write_file_atomic(file, out, "save_safetensors");
}

}  // namespace io

SafetensorsLoad load_safetensors(const std::string& file, StreamOrDevice) {
  SafetensorsLoad out;
  for (auto& [k, v] : io::load_safetensors_ordered(file, &out.second))
    out.first.insert_or_assign(k, v);
  return out;
}

void save_safetensors(std::string file, std::unordered_map<std::string, array> arrays,
                      std::unordered_map<std::string, std::string> metadata) {
  if (!io::ends_with(file, ".safetensors")) file += ".safetensors";
  std::vector<std::pair<std::string, array>> items(arrays.begin(), arrays.end());
  std::sort(items.begin(), items.end(), [](auto& a, auto& b) { return a.first < b.first; });
  io::save_safetensors_ordered(file, items, metadata);
}

}  // namespace lmx
