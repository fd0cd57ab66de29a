// The .npy format: a magic string, a version, a Python-dict header giving
// dtype, order and shape, then the raw little-endian data.
#include <cstring>
#include <sstream>

#include "lmx/core/error.h"
#include "lmx/core/ops.h"
#include "lmx/core/sizes.h"
#include "lmx/core/utils.h"
#include "lmx/io/file_io.h"
#include "lmx/io/load_save.h"

namespace lmx {

namespace io {

namespace {

[[noreturn]] void bad(const std::string& what, const std::string& why) {
  fail_as<std::runtime_error>("load", "Invalid .npy data in ", what, ": ", why);
}

const char* descr_of(Dtype t, const char* who) {
  switch (t.val) {
    case Dtype::Val::bool_:
      return "|b1";
    case Dtype::Val::uint8:
      return "|u1";
    case Dtype::Val::uint16:
      return "<u2";
    case Dtype::Val::uint32:
      return "<u4";
    case Dtype::Val::uint64:
      return "<u8";
    case Dtype::Val::int8:
      return "|i1";
    case Dtype::Val::int16:
      return "<i2";
    case Dtype::Val::int32:
      return "<i4";
    case Dtype::Val::int64:
      return "<i8";
    case Dtype::Val::float16:
      return "<f2";
    case Dtype::Val::float32:
      return "<f4";
    case Dtype::Val::float64:
      return "<f8";
    case Dtype::Val::complex64:
      return "<c8";
    case Dtype::Val::bfloat16:
      fail(who, "bfloat16 has no .npy dtype; use .safetensors or cast first.");
  }
  fail(who, "Unsupported dtype.");
}

bool dtype_from_descr(const std::string& d, Dtype& out) {
  static const std::pair<const char*, Dtype> table[] = {
      {"b1", bool_},   {"u1", uint8},   {"u2", uint16},   {"u4", uint32}, {"u8", uint64},
      {"i1", int8},    {"i2", int16},   {"i4", int32},    {"i8", int64},  {"f2", float16},
      {"f4", float32}, {"f8", float64}, {"c8", complex64}};
  if (d.size() != 3) return false;
  char order = d[0];
  std::string code = d.substr(1);
  for (auto& [c, t] : table) {
    if (code == c) {
      bool single_byte = t.size == 1;
      if (order == '<' || order == '|' || (order == '=') || (single_byte && order == '>')) {
        out = t;
        return true;
      }
      return false;  // big-endian multi-byte data is not supported
    }
  }
  return false;
}

// Extracts the value text following 'key': in the header dict.
std::string dict_value(const std::string& header, const std::string& key, const std::string& what) {
  auto k = header.find("'" + key + "'");
  if (k == std::string::npos) bad(what, "header has no '" + key + "'");
  auto colon = header.find(':', k);
  if (colon == std::string::npos) bad(what, "malformed header");
  size_t start = header.find_first_not_of(' ', colon + 1);
  if (start == std::string::npos) bad(what, "malformed header");
  size_t end;
  if (header[start] == '(') {
    end = header.find(')', start);
    if (end == std::string::npos) bad(what, "malformed shape");
    return header.substr(start, end - start + 1);
  }
  if (header[start] == '\'') {
    end = header.find('\'', start + 1);
    if (end == std::string::npos) bad(what, "malformed string");
    return header.substr(start + 1, end - start - 1);
  }
  end = header.find_first_of(",}", start);
  if (end == std::string::npos) bad(what, "malformed header");
  auto v = header.substr(start, end - start);
  while (!v.empty() && v.back() == ' ') v.pop_back();
  return v;
}

}  // namespace

std::string npy_bytes(const array& a_in, const char* who) {
  array a = a_in;
  const char* descr = descr_of(a.dtype(), who);
  std::ostringstream h;
  h << "{'descr': '" << descr << "', 'fortran_order': False, 'shape': (";
  for (int i = 0; i < a.ndim(); ++i)
    h << a.shape(i) << (a.ndim() == 1 ? "," : (i + 1 < a.ndim() ? ", " : ""));
  h << "), }";
  std::string header = h.str();
  // Pad so that magic + version + length + header is a multiple of 64.
  size_t total = 10 + header.size() + 1;
  header.append((64 - total % 64) % 64, ' ');
  header.push_back('\n');
  std::string out = std::string("\x93NUMPY\x01\x00", 8);
  uint16_t len = static_cast<uint16_t>(header.size());
  out.push_back(static_cast<char>(len & 0xff));
  out.push_back(static_cast<char>(len >> 8));
  out += header;
  auto c = full(a.shape(), a);  // row-contiguous copy of any view
  c.eval();
  out.append(reinterpret_cast<const char*>(c.data<char>()), c.nbytes());
  return out;
}

array npy_from_bytes(const std::string& b, const std::string& what) {
  if (b.size() < 10 || b.compare(0, 6, "\x93NUMPY") != 0)
    bad(what, "missing the NUMPY magic string");
  int major = static_cast<unsigned char>(b[6]);
  size_t header_len, header_start;
  if (major == 1) {
    header_len = static_cast<unsigned char>(b[8]) | (static_cast<unsigned char>(b[9]) << 8);
    header_start = 10;
  } else if (major == 2 || major == 3) {
    if (b.size() < 12) bad(what, "truncated header");
    header_len = 0;
    for (int i = 3; i >= 0; --i)
      header_len = (header_len << 8) | static_cast<unsigned char>(b[8 + i]);
    header_start = 12;
  } else {
    bad(what, "unsupported version " + std::to_string(major));
  }
  if (header_start + header_len > b.size()) bad(what, "header runs past the end of the data");
  std::string header = b.substr(header_start, header_len);
  Dtype dtype = float32;
  std::string descr = dict_value(header, "descr", what);
  if (!dtype_from_descr(descr, dtype)) bad(what, "unsupported dtype '" + descr + "'");
  std::string fortran = dict_value(header, "fortran_order", what);
  if (fortran != "False" && fortran != "True") bad(what, "bad fortran_order");
  std::string shape_text = dict_value(header, "shape", what);
  if (shape_text.size() < 2 || shape_text.front() != '(' || shape_text.back() != ')')
    bad(what, "bad shape '" + shape_text + "'");
  Shape shape;
  uint64_t count = 1;
  {
    std::string inner = shape_text.substr(1, shape_text.size() - 2);
    std::stringstream ss(inner);
    std::string item;
    std::vector<uint64_t> dims;
    while (std::getline(ss, item, ',')) {
      size_t s = item.find_first_not_of(' ');
      if (s == std::string::npos) continue;
      item = item.substr(s);
      while (!item.empty() && (item.back() == ' ' || item.back() == 'L')) item.pop_back();
      if (item.empty() || item.find_first_not_of("0123456789") != std::string::npos ||
          item.size() > 10) {
        bad(what, "bad shape " + shape_text);
      }
      uint64_t d = std::stoull(item);
      if (d > INT32_MAX) bad(what, "dimension too large in shape " + shape_text);
      dims.push_back(d);
      shape.push_back(static_cast<int>(d));
    }
    count = checked_size(dims, "load");
  }
  size_t data_start = header_start + header_len;
  uint64_t nbytes = checked_bytes(count, dtype.size, "load");
  if (b.size() - data_start != nbytes) {
    bad(what, "expected " + std::to_string(nbytes) + " bytes of data for shape " + shape_text +
                  " but found " + std::to_string(b.size() - data_start));
  }
  if (fortran == "True") {
    Shape rev(shape.rbegin(), shape.rend());
    array a(allocator::malloc(std::max<uint64_t>(nbytes, 1)), rev, dtype);
    std::memcpy(a.data<char>(), b.data() + data_start, nbytes);
    return full(shape, transpose(a));  // materialise in row-major order
  }
  array a(allocator::malloc(std::max<uint64_t>(nbytes, 1)), shape, dtype);
  std::memcpy(a.data<char>(), b.data() + data_start, nbytes);
  if (dtype == bool_) {
    // Only 0 and 1 are valid bools.
    auto* p = a.data<uint8_t>();
    for (uint64_t i = 0; i < count; ++i)
      if (p[i] > 1) bad(what, "bool data holds a value other than 0 or 1");
  }
  return a;
}

}  // namespace io

void save(std::string file, array a) {
  if (!io::ends_with(file, ".npy")) file += ".npy";
  io::write_file_atomic(file, io::npy_bytes(a, "save"), "save");
}

array load(std::string file, StreamOrDevice) {
  if (io::ends_with(file, ".npz") || io::ends_with(file, ".safetensors")) {
    fail("load", "Use load_npz or load_safetensors for ", file, ".");
  }
  return io::npy_from_bytes(io::read_file(file, "load"), file);
}

}  // namespace lmx
