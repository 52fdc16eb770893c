// .safetensors: u64 little-endian header length N, N bytes of JSON
// {"name": {"dtype", "shape", "data_offsets": [begin, end]}, "__metadata__":
// {str: str}}, then the data buffer (offsets relative to its start).
#include <algorithm>
#include <cstring>
#include <set>
#include <stdexcept>

#include "ember/io/formats.h"
#include "ember/io/json.h"
#include "ember/io/tensor.h"

namespace ember::io {

namespace {

// The safetensors reference implementation refuses larger headers too.
constexpr uint64_t kMaxHeader = uint64_t(100) << 20;

struct StDtype {
  const char* name;
  Dtype dtype;
};
// F8 formats have no ember dtype: their bytes load as uint8 (as in MLX).
constexpr StDtype kDtypes[] = {
    {"BOOL", Dtype::bool_},      {"U8", Dtype::uint8},
    {"I8", Dtype::int8},         {"U16", Dtype::uint16},
    {"I16", Dtype::int16},       {"U32", Dtype::uint32},
    {"I32", Dtype::int32},       {"U64", Dtype::uint64},
    {"I64", Dtype::int64},       {"F16", Dtype::float16},
    {"BF16", Dtype::bfloat16},   {"F32", Dtype::float32},
    {"F64", Dtype::float64},     {"C64", Dtype::complex64},
    {"F8_E4M3", Dtype::uint8},   {"F8_E5M2", Dtype::uint8},
    {"F8_E8M0", Dtype::uint8},
};

const char* st_name(Dtype t) {
  for (auto& d : kDtypes) {
    if (d.dtype == t) return d.name;
  }
  return nullptr;
}

[[noreturn]] void bad(const Reader& r, const std::string& what) {
  throw std::invalid_argument("[load_safetensors] Invalid safetensors file " +
                              r.label() + ": " + what + ".");
}

const json::Value* field(const json::Value& obj, const char* key) {
  for (auto& [k, v] : obj.fields) {
    if (k == key) return &v;
  }
  return nullptr;
}

}  // namespace

LoadResult load_safetensors_format(const std::shared_ptr<Reader>& in,
                                   StreamOrDevice s) {
  const char* op = "load_safetensors";
  const Reader& r = *in;
  if (r.size() < 8) {
    bad(r, "file has " + std::to_string(r.size()) +
               " bytes, fewer than the 8-byte header length");
  }
  uint8_t len_bytes[8];
  r.read(0, len_bytes, 8, op);
  uint64_t n = 0;
  for (int k = 7; k >= 0; --k) n = (n << 8) | len_bytes[k];
  if (n > r.size() - 8) {
    bad(r, "header length " + std::to_string(n) + " exceeds the " +
               std::to_string(r.size() - 8) + " bytes after it");
  }
  if (n > kMaxHeader) {
    bad(r, "header length " + std::to_string(n) + " exceeds the 100 MiB limit");
  }
  std::string text(n, '\0');
  r.read(8, text.data(), n, op);
  json::Value root = json::parse(text, op, "the header of " + r.label());
  if (root.type != json::Value::Type::object) {
    bad(r, std::string("header must be a JSON object; got a ") +
               json::type_name(root.type));
  }
  uint64_t data_start = 8 + n;
  uint64_t data_size = r.size() - data_start;
  LoadResult out;
  out.format = "safetensors";
  for (auto& [name, info] : root.fields) {
    if (name == "__metadata__") {
      if (info.type != json::Value::Type::object) {
        bad(r, "__metadata__ must be an object of strings");
      }
      for (auto& [k, v] : info.fields) {
        if (v.type != json::Value::Type::string) {
          bad(r, "metadata value of '" + printable(k) + "' must be a string; got a " +
                     json::type_name(v.type));
        }
        out.metadata.emplace_back(k, v.text);
      }
      continue;
    }
    std::string what = "tensor '" + printable(name) + "'";
    if (info.type != json::Value::Type::object) bad(r, what + " must be an object");
    auto* dt = field(info, "dtype");
    auto* shp = field(info, "shape");
    auto* offs = field(info, "data_offsets");
    if (!dt || !shp || !offs) {
      bad(r, what + " lacks one of 'dtype', 'shape', 'data_offsets'");
    }
    if (dt->type != json::Value::Type::string) bad(r, what + " dtype must be a string");
    const StDtype* found = nullptr;
    for (auto& d : kDtypes) {
      if (dt->text == d.name) found = &d;
    }
    if (!found) bad(r, what + " has unknown dtype '" + printable(dt->text) + "'");
    if (shp->type != json::Value::Type::array) bad(r, what + " shape must be an array");
    std::vector<int64_t> dims;
    for (auto& d : shp->items) {
      if (d.type == json::Value::Type::number && !d.text.empty() &&
          d.text[0] == '-') {
        bad(r, what + " has a negative dimension " + printable(d.text));
      }
      uint64_t v = json::to_uint(d, op, what + " shape entry");
      if (v > uint64_t(INT32_MAX)) {
        bad(r, what + " has dimension " + printable(d.text) +
                   ", larger than the supported 2^31 - 1");
      }
      dims.push_back(int64_t(v));
    }
    if (offs->type != json::Value::Type::array || offs->items.size() != 2) {
      bad(r, what + " data_offsets must be [begin, end]");
    }
    uint64_t begin = json::to_uint(offs->items[0], op, what + " data_offsets");
    uint64_t end = json::to_uint(offs->items[1], op, what + " data_offsets");
    uint64_t nbytes = checked_nbytes(dims, size_of(found->dtype), op, what);
    if (begin > end || end > data_size) {
      bad(r, what + " data_offsets [" + std::to_string(begin) + ", " +
                 std::to_string(end) + "] lie outside the data buffer of " +
                 std::to_string(data_size) + " bytes");
    }
    if (end - begin != nbytes) {
      bad(r, what + " spans " + std::to_string(end - begin) +
                 " bytes but its shape and dtype need " +
                 std::to_string(nbytes));
    }
    TensorLocation loc;
    loc.reader = in;
    loc.offset = data_start + begin;
    loc.length = nbytes;
    loc.decoded_size = nbytes;
    Shape shape(dims.begin(), dims.end());
    out.arrays.emplace_back(
        name, make_loaded_array(std::move(loc), shape, found->dtype, s, op));
  }
  return out;
}

void save_safetensors(Writer& out, const NamedArrays& arrays,
                      const StringPairs& metadata) {
  std::set<std::string> seen;
  for (auto& [name, a] : arrays) {
    if (name == "__metadata__") {
      throw std::invalid_argument(
          "[save_safetensors] The name '__metadata__' is reserved for "
          "metadata.");
    }
    if (!seen.insert(name).second) {
      throw std::invalid_argument("[save_safetensors] Duplicate array name '" +
                                  name + "'.");
    }
    if (a.dtype() == Dtype::float64) {
      throw std::invalid_argument(
          "[save_safetensors] float64 arrays are not supported (as in MLX); "
          "got float64 for '" + name + "'. Cast to float32 first.");
    }
  }
  seen.clear();
  for (auto& [k, v] : metadata) {
    if (!seen.insert(k).second) {
      throw std::invalid_argument("[save_safetensors] Duplicate metadata key '" +
                                  k + "'.");
    }
  }
  // Data in decreasing itemsize order keeps every tensor aligned to its
  // itemsize (the header is padded to 8), so loading maps them all.
  std::vector<size_t> order(arrays.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](size_t x, size_t y) {
    return arrays[x].second.itemsize() > arrays[y].second.itemsize();
  });
  std::vector<uint64_t> begin(arrays.size());
  uint64_t pos = 0;
  for (size_t i : order) {
    begin[i] = pos;
    pos += arrays[i].second.nbytes();
  }
  std::string h = "{";
  if (!metadata.empty()) {
    h += "\"__metadata__\":{";
    for (size_t i = 0; i < metadata.size(); ++i) {
      if (i) h += ",";
      h += json::quote(metadata[i].first) + ":" + json::quote(metadata[i].second);
    }
    h += "}";
  }
  for (size_t i = 0; i < arrays.size(); ++i) {
    auto& [name, a] = arrays[i];
    if (h.size() > 1) h += ",";
    h += json::quote(name) + ":{\"dtype\":\"" + st_name(a.dtype()) +
         "\",\"shape\":[";
    for (int d = 0; d < a.ndim(); ++d) {
      if (d) h += ",";
      h += std::to_string(a.shape()[d]);
    }
    h += "],\"data_offsets\":[" + std::to_string(begin[i]) + "," +
         std::to_string(begin[i] + a.nbytes()) + "]}";
  }
  h += "}";
  h.append((8 - h.size() % 8) % 8, ' ');
  uint8_t len[8];
  for (int k = 0; k < 8; ++k) len[k] = uint8_t(uint64_t(h.size()) >> (8 * k));
  out.write(len, 8);
  out.write(h.data(), h.size());
  for (size_t i : order) {
    array c = contiguous_for_save(arrays[i].second, false);
    if (c.nbytes()) out.write(c.raw_data(), c.nbytes());
  }
}

}  // namespace ember::io
