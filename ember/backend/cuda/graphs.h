// What graphs.cpp (CUDA-graph capture of repeated segments) and
// residency.cpp (streams, memory) need from each other.
#pragma once

#include <cuda_runtime.h>

#include <cstdint>

namespace ember::cuda {

// graphs.cpp
/// The capture stream of ember stream `index` when the calling thread is
/// capturing a segment of it, else null.
cudaStream_t capture_stream(int index);
/// Bit i set: ember stream i is being captured (its frees are deferred).
uint64_t capturing_streams();
/// Installs the scheduler's segment hooks.
void install_graph_hooks();

// residency.cpp
/// The CUDA stream of ember stream `index` (never a capture stream).
cudaStream_t base_stream(int index);
/// Runs the frees deferred while streams were captured, for the buffers whose
/// streams are no longer being captured.
void release_deferred();

}  // namespace ember::cuda
