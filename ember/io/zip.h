// A minimal zip archive reader and writer (stored and deflated members,
// zip64 where sizes, offsets or counts need it), enough for .npz.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "ember/io/reader.h"
#include "ember/io/tensor.h"

namespace ember::io {

/// One member of an archive, validated against the archive's size.
struct ZipEntry {
  std::string name;
  bool deflated = false;
  uint32_t crc = 0;
  uint64_t compressed_size = 0;
  uint64_t size = 0;
  uint64_t data_offset = 0;  // first byte of the (compressed) data
  /// Location of the member's content, for decode/make_loaded_array.
  TensorLocation location(const std::shared_ptr<Reader>& r) const;
};

/// Reads the central directory. Throws std::invalid_argument naming `op`
/// for anything that is not a well-formed single-disk, unencrypted archive
/// of stored/deflated members that lie inside the file.
std::vector<ZipEntry> read_zip_directory(const std::shared_ptr<Reader>& r,
                                         const char* op);

/// Writes an archive member by member to a Writer (no seeking: deflated
/// members end with a data descriptor). Stored members are padded so that
/// the data after a 64-byte multiple header starts 64-byte aligned.
class ZipWriter {
 public:
  /// `force_zip64` writes zip64 records even for small archives (tests).
  explicit ZipWriter(Writer& w, bool force_zip64 = false)
      : w_(w), force64_(force_zip64) {}
  /// Adds member `name` whose content is `header` followed by `n` bytes at
  /// `data`; deflated (zlib level 6, like NumPy) or stored.
  void add(const std::string& name, const std::string& header,
           const void* data, uint64_t n, bool deflate, const char* op);
  /// Writes the central directory and end records.
  void finish();

 private:
  struct Central {
    std::string name;
    uint16_t flags, method;
    uint32_t crc;
    uint64_t csize, usize, offset;
  };
  Writer& w_;
  bool force64_;
  std::vector<Central> entries_;
};

}  // namespace ember::io
