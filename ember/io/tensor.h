// Turning stored tensor bytes into arrays (mapped views or lazy reads) and
// writing array bytes out; shared by every file format.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "ember/core/array.h"
#include "ember/io/reader.h"

namespace ember::io {

/// Where a tensor's bytes live: a region of a reader whose decoded content
/// (the region itself, or its raw-deflate inflation) holds the tensor at
/// `skip`. Zip members carry the CRC-32 of the whole decoded content.
struct TensorLocation {
  std::shared_ptr<Reader> reader;
  uint64_t offset = 0;        // start of the region in the reader
  uint64_t length = 0;        // bytes of the region in the reader
  bool deflated = false;      // region is raw deflate (zip method 8)
  uint64_t decoded_size = 0;  // bytes of decoded content
  uint64_t skip = 0;          // decoded bytes before the tensor data
  std::optional<uint32_t> crc;
  int swap_size = 0;  // byte-swap groups of this many bytes (big-endian data)
};

/// An array for the tensor at `loc`. Raw, native-order data whose address is
/// aligned to the itemsize becomes a view of the mapping (kept alive by the
/// array); everything else is read when the array is evaluated, on a CPU
/// stream chosen from `s`. Checks that the tensor fits in the region.
array make_loaded_array(TensorLocation loc, Shape shape, Dtype dtype,
                        StreamOrDevice s, const char* op);

/// Streams the decoded content of `loc` (from the start, ignoring `skip`) to
/// `sink` until `limit` bytes were produced or the content ends. With
/// `verify`, requires the whole content: checks its size, the end of the
/// deflate stream and the CRC. Returns the number of decoded bytes.
uint64_t decode(const TensorLocation& loc, uint64_t limit,
                const std::function<void(const uint8_t*, size_t)>& sink,
                bool verify, const char* op);

/// The first `n` decoded bytes of `loc` (fewer if the content is shorter).
std::string decode_prefix(const TensorLocation& loc, uint64_t n,
                          const char* op);

/// Evaluates `a` and returns it with a row-contiguous layout (or column-
/// contiguous when `allow_col_major` and it already is).
array contiguous_for_save(const array& a, bool allow_col_major);

/// Checked product of dims times itemsize; throws std::invalid_argument
/// naming `op` on negative dims, dims beyond int32 or overflow.
uint64_t checked_nbytes(const std::vector<int64_t>& dims, int itemsize,
                        const char* op, const std::string& what);

/// CRC-32 (zip polynomial) of `n` bytes continuing from `crc`.
uint32_t crc32_update(uint32_t crc, const void* p, uint64_t n);

}  // namespace ember::io
