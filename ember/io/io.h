// Loading and saving arrays: .npy, .npz and .safetensors (spec/submodules.md
// §6). Reading memory-maps the file: aligned tensors are views of the
// mapping, others are read when evaluated, so files larger than RAM load.
#pragma once

#include <memory>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "ember/core/array.h"
#include "ember/io/reader.h"

namespace ember {

/// Arrays by name, in file (or saving) order.
using NamedArrays = std::vector<std::pair<std::string, array>>;
/// String metadata (safetensors `__metadata__`), in file order.
using StringPairs = std::vector<std::pair<std::string, std::string>>;
/// load_safetensors result as in MLX: arrays and metadata by name.
using SafetensorsLoad =
    std::pair<std::unordered_map<std::string, array>,
              std::unordered_map<std::string, std::string>>;

/// What `load` found in a file of any supported format.
struct LoadResult {
  std::string format;    // "npy", "npz" or "safetensors"
  NamedArrays arrays;    // npy: a single entry named ""
  StringPairs metadata;  // safetensors only
  /// The array named `name`; throws std::out_of_range if there is none.
  const array& at(const std::string& name) const;
};

/// Loads `file` in `format` ("npy", "npz", "safetensors"; empty = the text
/// after the last '.' of the path). Throws std::invalid_argument for unknown
/// formats, missing files and malformed or truncated content.
LoadResult load(const std::string& file, const std::string& format = "",
                StreamOrDevice s = {});
/// Loads from any byte source (e.g. a Python file object's bytes).
LoadResult load(std::shared_ptr<io::Reader> in, const std::string& format,
                StreamOrDevice s = {});

/// The array of a .npy file.
array load_npy(const std::string& file, StreamOrDevice s = {});
/// The arrays of a .npz file, by member name without ".npy".
std::unordered_map<std::string, array> load_npz(const std::string& file,
                                                StreamOrDevice s = {});
/// Arrays and metadata of a .safetensors file.
SafetensorsLoad load_safetensors(const std::string& file,
                                 StreamOrDevice s = {});

/// Saves `a` as .npy (".npy" appended if missing); evaluates `a`.
/// Column-contiguous arrays are written with fortran_order.
void save(const std::string& file, const array& a);
/// Saves arrays as the members "<name>.npy" of an uncompressed .npz
/// (".npz" appended if missing).
void savez(const std::string& file, const NamedArrays& arrays);
/// Same as savez with deflate-compressed members.
void savez_compressed(const std::string& file, const NamedArrays& arrays);
/// Saves arrays and string metadata as .safetensors (".safetensors"
/// appended if missing); names are written in sorted order. float64 is not
/// supported (as in MLX); cast first.
void save_safetensors(
    const std::string& file, const std::unordered_map<std::string, array>& arrays,
    const std::unordered_map<std::string, std::string>& metadata = {});

namespace io {

/// Writers behind the path-based functions (they keep the given order).
void save_npy(Writer& out, const array& a);
void save_npz(Writer& out, const NamedArrays& arrays, bool compressed,
              bool force_zip64 = false);
void save_safetensors(Writer& out, const NamedArrays& arrays,
                      const StringPairs& metadata = {});
/// `path` with `ext` (e.g. ".npy") appended unless it already ends with it.
std::string with_extension(const std::string& path, const std::string& ext);
/// The text after the last '.' of a path's file name ("" if none).
std::string extension_of(const std::string& path);

}  // namespace io

}  // namespace ember
