// The format table behind `load`: one loader per file format. A new format
// (e.g. gguf) adds a loader in its own file and one row in load.cpp.
#pragma once

#include <memory>

#include "ember/io/io.h"

namespace ember::io {

LoadResult load_npy_format(const std::shared_ptr<Reader>& in, StreamOrDevice s);
LoadResult load_npz_format(const std::shared_ptr<Reader>& in, StreamOrDevice s);
LoadResult load_safetensors_format(const std::shared_ptr<Reader>& in,
                                   StreamOrDevice s);

}  // namespace ember::io
