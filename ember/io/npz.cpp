// .npz: a zip archive of .npy members, stored (savez) or deflated
// (savez_compressed). Stored members written here start 64-byte aligned, so
// loading maps them without a copy.
#include <set>
#include <stdexcept>

#include "ember/io/formats.h"
#include "ember/io/npy.h"
#include "ember/io/zip.h"

namespace ember::io {

LoadResult load_npz_format(const std::shared_ptr<Reader>& in,
                           StreamOrDevice s) {
  const char* op = "load";
  LoadResult out;
  out.format = "npz";
  for (auto& e : read_zip_directory(in, op)) {
    // NumPy only turns ".npy" members into arrays; directories and other
    // files are not arrays.
    const std::string suffix = ".npy";
    if (e.name.size() < suffix.size() ||
        e.name.compare(e.name.size() - suffix.size(), suffix.size(), suffix) !=
            0) {
      continue;
    }
    std::string key = e.name.substr(0, e.name.size() - suffix.size());
    try {
      out.arrays.emplace_back(key, load_npy_content(e.location(in), s, op));
    } catch (const std::invalid_argument& err) {
      throw std::invalid_argument(std::string(err.what()) + " (member '" +
                                  printable(e.name) + "')");
    }
  }
  return out;
}

void save_npz(Writer& out, const NamedArrays& arrays, bool compressed,
              bool force_zip64) {
  const char* op = compressed ? "savez_compressed" : "savez";
  std::set<std::string> seen;
  for (auto& [name, a] : arrays) {
    if (!seen.insert(name).second) {
      throw std::invalid_argument(std::string("[") + op +
                                  "] Duplicate array name '" + name + "'.");
    }
  }
  ZipWriter zip(out, force_zip64);
  // One array at a time: only its contiguous copy (if any) is alive.
  for (auto& [name, a] : arrays) {
    array c = contiguous_for_save(a, true);
    std::string header = npy_header(c, saves_fortran(c));
    zip.add(name + ".npy", header, c.nbytes() ? c.raw_data() : nullptr,
            c.nbytes(), compressed, op);
  }
  zip.finish();
}

}  // namespace ember::io
