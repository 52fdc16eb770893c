// The public entry points: format dispatch for `load`, the path-based
// loaders and savers (extension handling, atomic file replacement).
#include <algorithm>
#include <stdexcept>

#include "ember/io/formats.h"
#include "ember/io/npy.h"

namespace ember {

namespace io {

using Loader = LoadResult (*)(const std::shared_ptr<Reader>&, StreamOrDevice);
struct Format {
  const char* name;
  Loader load;
};
// TODO(#5): a "gguf" row once its loader exists.
constexpr Format kFormats[] = {
    {"npy", load_npy_format},
    {"npz", load_npz_format},
    {"safetensors", load_safetensors_format},
};

LoadResult load_npy_format(const std::shared_ptr<Reader>& in,
                           StreamOrDevice s) {
  TensorLocation loc;
  loc.reader = in;
  loc.length = in->size();
  loc.decoded_size = in->size();
  LoadResult out;
  out.format = "npy";
  out.arrays.emplace_back("", load_npy_content(std::move(loc), s, "load"));
  return out;
}

void save_npy(Writer& out, const array& a) {
  write_npy(out, contiguous_for_save(a, true));
}

std::string with_extension(const std::string& path, const std::string& ext) {
  if (path.size() >= ext.size() &&
      path.compare(path.size() - ext.size(), ext.size(), ext) == 0) {
    return path;
  }
  return path + ext;
}

std::string extension_of(const std::string& path) {
  size_t slash = path.find_last_of('/');
  size_t dot = path.find_last_of('.');
  if (dot == std::string::npos || (slash != std::string::npos && dot < slash)) {
    return "";
  }
  return path.substr(dot + 1);
}

}  // namespace io

const array& LoadResult::at(const std::string& name) const {
  for (auto& [k, v] : arrays) {
    if (k == name) return v;
  }
  throw std::out_of_range("[load] No array named '" + name + "' in the " +
                          format + " file.");
}

namespace {
io::Loader find_loader(const std::string& format) {
  for (auto& f : io::kFormats) {
    if (format == f.name) return f.load;
  }
  if (format == "gguf") {
    throw std::invalid_argument("[load] GGUF files are not supported yet.");
  }
  throw std::invalid_argument(
      "[load] Unknown file format '" + format +
      "'; expected one of npy, npz, safetensors.");
}
}  // namespace

LoadResult load(std::shared_ptr<io::Reader> in, const std::string& format,
                StreamOrDevice s) {
  return find_loader(format)(in, s);
}

LoadResult load(const std::string& file, const std::string& format,
                StreamOrDevice s) {
  std::string fmt = format.empty() ? io::extension_of(file) : format;
  if (fmt.empty()) {
    throw std::invalid_argument(
        "[load] Cannot infer the format of '" + file +
        "' (no extension); pass the format explicitly.");
  }
  io::Loader loader = find_loader(fmt);  // before touching the file
  return loader(io::open_reader(file, "load"), s);
}

array load_npy(const std::string& file, StreamOrDevice s) {
  return io::load_npy_format(io::open_reader(file, "load"), s).arrays[0].second;
}

std::unordered_map<std::string, array> load_npz(const std::string& file,
                                                StreamOrDevice s) {
  auto r = io::load_npz_format(io::open_reader(file, "load"), s);
  return {r.arrays.begin(), r.arrays.end()};
}

SafetensorsLoad load_safetensors(const std::string& file, StreamOrDevice s) {
  auto r = io::load_safetensors_format(
      io::open_reader(file, "load_safetensors"), s);
  return {{r.arrays.begin(), r.arrays.end()},
          {r.metadata.begin(), r.metadata.end()}};
}

void save(const std::string& file, const array& a) {
  auto w = io::file_writer(io::with_extension(file, ".npy"), "save");
  io::save_npy(*w, a);
  w->close();
}

void savez(const std::string& file, const NamedArrays& arrays) {
  auto w = io::file_writer(io::with_extension(file, ".npz"), "savez");
  io::save_npz(*w, arrays, false);
  w->close();
}

void savez_compressed(const std::string& file, const NamedArrays& arrays) {
  auto w = io::file_writer(io::with_extension(file, ".npz"),
                           "savez_compressed");
  io::save_npz(*w, arrays, true);
  w->close();
}

void save_safetensors(
    const std::string& file,
    const std::unordered_map<std::string, array>& arrays,
    const std::unordered_map<std::string, std::string>& metadata) {
  NamedArrays named(arrays.begin(), arrays.end());
  std::sort(named.begin(), named.end(),
            [](auto& x, auto& y) { return x.first < y.first; });
  StringPairs meta(metadata.begin(), metadata.end());
  std::sort(meta.begin(), meta.end());
  auto w = io::file_writer(io::with_extension(file, ".safetensors"),
                           "save_safetensors");
  io::save_safetensors(*w, named, meta);
  w->close();
}

}  // namespace ember
