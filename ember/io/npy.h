// The .npy format (NumPy format versions 1.0, 2.0 and 3.0): header parsing
// and writing, used directly and by .npz members.
#pragma once

#include <string>

#include "ember/core/array.h"
#include "ember/io/reader.h"
#include "ember/io/tensor.h"

namespace ember::io {

/// What a .npy header describes.
struct NpyHeader {
  Dtype dtype = Dtype::float32;
  Shape shape;  // as written (reversed axes order if fortran_order)
  bool fortran_order = false;
  int swap_size = 0;         // >1: big-endian data, swap groups of this size
  uint64_t data_offset = 0;  // bytes before the data
  uint64_t nbytes = 0;
};

/// Parses the .npy header at the start of `loc`'s decoded content; checks
/// that the data fits. Throws std::invalid_argument naming `op`.
NpyHeader read_npy_header(const TensorLocation& loc, const char* op);
/// The array stored as .npy content at `loc` (lazy or a mapped view).
array load_npy_content(TensorLocation loc, StreamOrDevice s, const char* op);

/// The .npy header for `a` (padded so that the data starts 64-byte aligned).
std::string npy_header(const array& a, bool fortran_order);
/// Whether an array from contiguous_for_save(a, true) is saved in Fortran
/// order (column-contiguous but not row-contiguous).
bool saves_fortran(const array& c);
/// Writes evaluated contiguous `c` as .npy content.
void write_npy(Writer& w, const array& c);

}  // namespace ember::io
