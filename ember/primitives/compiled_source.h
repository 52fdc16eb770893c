// CUDA C++ source of a fused elementwise group (a Compiled primitive's
// tape), compiled at run time by NVRTC in backend/cuda/compiled.cpp. Plain
// text generation, so that it builds (and is tested) without CUDA. The
// source is self-contained: it defines its own f16/bf16 conversions and
// calls only CUDA built-ins, so NVRTC needs no include paths.
#pragma once

#include <string>
#include <vector>

#include "ember/primitives/compiled.h"

namespace ember::detail {

/// Most dims of the strided kernel's layout (after collapsing).
inline constexpr int kFusedMaxDims = 8;

/// How float16/bfloat16 node results are kept inside a fused kernel:
/// `rounded` to their dtype after every op (as the unfused kernels store
/// them), or in float (`float_chain`: rounded once at the store; chains that
/// feed an op not continuous in them, such as comparisons, floor or astype,
/// are still computed as unfused). compiled_source.cpp says why.
enum class FusedHalf { rounded, float_chain };
inline constexpr FusedHalf kFusedHalfDefault = FusedHalf::float_chain;

/// C expression of `p` applied to the argument expressions `args` (values of
/// the `in` dtypes) with result dtype `out`, with the semantics of the CUDA
/// functors (device/unary_ops.cuh, binary_ops.cuh, cast_to); empty when the
/// generator does not implement this primitive on these dtypes.
std::string fused_expr(const Primitive& p, const std::vector<Dtype>& in,
                       Dtype out, const std::vector<std::string>& args,
                       FusedHalf mode = kFusedHalfDefault);

/// Elements per thread of the contiguous kernel: one 16-byte access of the
/// widest operand that is not a scalar (`scalar[i]`: input i is one value).
int fused_vec_width(const CompiledTape& t, const std::vector<char>& scalar);

/// Source of `extern "C" __global__ void em_kernel(...)` for the group.
/// Parameters: the input pointers (in tape order), the output pointers,
/// `long long n`, then `int vec_ok` (contiguous kernel: every operand dense
/// with one layout or a scalar; vector accesses of `vec` elements when
/// vec_ok) or `EmMeta m` (strided kernel: {ndim, shape[kFusedMaxDims],
/// strides[num_inputs][kFusedMaxDims]} as int64, outputs row-contiguous).
std::string fused_kernel_source(const CompiledTape& t, bool strided,
                                 const std::vector<char>& scalar, int vec,
                                 FusedHalf mode = kFusedHalfDefault);

/// Source of the rows kernel for a layout that collapses to R x C (R rows
/// of C columns, the output row-contiguous): the common broadcast patterns
/// (a (R, 1) column such as a logsumexp, a (1, C) row such as a bias) cost
/// no division per element. `modes[i]` says how input i is read at (r, c):
/// 'd' dense, at the flat index r * C + c (vector accesses of `vec`
/// elements when vec_ok); 's' one value (read once per thread); 'c' a
/// column, at r * rs[i] (read once per task); 'r' a contiguous row, at c;
/// 'g' general, at r * rs[i] + c * cs[i]. Parameters: the input pointers,
/// the output pointers, `long long n` (= R * C), then `EmRows m` =
/// {C, CH, nchunk, tasks, vec_ok, rs[num_inputs], cs[num_inputs]} as int64:
/// a warp takes task t = (r, k), columns [k * CH, min(C, (k + 1) * CH)),
/// with 1 <= CH <= C, nchunk = ceil(C / CH), tasks = R * nchunk.
std::string fused_rows_kernel_source(const CompiledTape& t,
                                      const std::string& modes, int vec,
                                      FusedHalf mode = kFusedHalfDefault);

}  // namespace ember::detail
