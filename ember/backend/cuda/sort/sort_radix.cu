// Radix sorts of (key, uint32 index) rows through CUB: one device-wide
// DeviceRadixSort per row when rows are few and long (all SMs on each row),
// else DeviceSegmentedRadixSort over batches of rows (< 2^31 items per
// call). Stable, so equal keys keep their index order. Traffic per pass:
// read and write of keys and values; passes = bits / radix digit width.
#include <cub/device/device_radix_sort.cuh>
#include <cub/device/device_segmented_radix_sort.cuh>

#include <climits>

#include "ember/backend/cuda/sort/sort.cuh"

namespace ember::cuda {

namespace {
__global__ void segment_offsets(int* off, int64_t count, int64_t n) {
  int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x;
  if (i <= count) off[i] = int(i * n);
}
}  // namespace

template <typename K>
void radix_sort_lines(const K* keys_in, K* keys_out, const uint32_t* vals_in,
                      uint32_t* vals_out, int64_t lines, int64_t n, int bits,
                      const Stream& s) {
  cudaStream_t cs = get_stream(s);
  if (lines == 1 || (lines <= 64 && n >= 65536) || n > INT_MAX / 2) {
    size_t bytes = 0;
    EMBER_CUDA_CHECK(cub::DeviceRadixSort::SortPairs(nullptr, bytes, keys_in, keys_out,
                                                     vals_in, vals_out, n, 0, bits, cs));
    Scratch tmp(std::max<size_t>(bytes, 1), s);
    for (int64_t l = 0; l < lines; ++l) {
      size_t b = bytes;
      EMBER_CUDA_CHECK(cub::DeviceRadixSort::SortPairs(
          tmp.get(), b, keys_in + l * n, keys_out + l * n, vals_in + l * n,
          vals_out + l * n, n, 0, bits, cs));
    }
    return;
  }
  int64_t per = std::max<int64_t>(1, (INT_MAX - 1) / n);
  int64_t nb_max = std::min(lines, per);
  int64_t rem = lines % nb_max;
  Scratch offs(size_t(nb_max + 1) * sizeof(int), s);
  int* op = static_cast<int*>(offs.get());
  segment_offsets<<<num_blocks(nb_max + 1), 256, 0, cs>>>(op, nb_max, n);
  check_launch("sort");
  size_t bytes = 0, b2 = 0;
  EMBER_CUDA_CHECK(cub::DeviceSegmentedRadixSort::SortPairs(
      nullptr, bytes, keys_in, keys_out, vals_in, vals_out, int(nb_max * n), int(nb_max),
      op, op + 1, 0, bits, cs));
  if (rem) {
    EMBER_CUDA_CHECK(cub::DeviceSegmentedRadixSort::SortPairs(
        nullptr, b2, keys_in, keys_out, vals_in, vals_out, int(rem * n), int(rem), op,
        op + 1, 0, bits, cs));
  }
  bytes = std::max(bytes, b2);
  Scratch tmp(std::max<size_t>(bytes, 1), s);
  for (int64_t l0 = 0; l0 < lines; l0 += nb_max) {
    int64_t nb = std::min(nb_max, lines - l0);
    size_t b = bytes;
    EMBER_CUDA_CHECK(cub::DeviceSegmentedRadixSort::SortPairs(
        tmp.get(), b, keys_in + l0 * n, keys_out + l0 * n, vals_in + l0 * n,
        vals_out + l0 * n, int(nb * n), int(nb), op, op + 1, 0, bits, cs));
  }
}

template void radix_sort_lines<uint16_t>(const uint16_t*, uint16_t*, const uint32_t*,
                                         uint32_t*, int64_t, int64_t, int, const Stream&);
template void radix_sort_lines<uint32_t>(const uint32_t*, uint32_t*, const uint32_t*,
                                         uint32_t*, int64_t, int64_t, int, const Stream&);
template void radix_sort_lines<uint64_t>(const uint64_t*, uint64_t*, const uint32_t*,
                                         uint32_t*, int64_t, int64_t, int, const Stream&);

}  // namespace ember::cuda
