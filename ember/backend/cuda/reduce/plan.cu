// Host-side planning of reductions (see reduce.cuh): dims in memory order,
// merged, split into the row or column plan.
#include <algorithm>
#include <cstdlib>
#include <limits>

#include "ember/backend/cuda/reduce/reduce.cuh"

namespace ember::cuda {

namespace {

struct D {
  int64_t n, sin, sout;
  bool red;
};

void push(Dims& d, int64_t n, int64_t s0, int64_t s1) {
  d.shape[d.n] = n;
  d.s0[d.n] = s0;
  d.s1[d.n] = s1;
  d.n += 1;
}

}  // namespace

ReducePlan plan_reduce(const Shape& shape, const Strides& strides,
                       const std::vector<int>& axes, const char* op) {
  int nd = int(shape.size());
  std::vector<bool> is_red(nd, false);
  for (int a : axes) is_red[a] = true;
  // Output strides: row-major over the keepdims shape.
  Strides ostr(nd);
  int64_t acc = 1;
  for (int i = nd - 1; i >= 0; --i) {
    ostr[i] = acc;
    acc *= is_red[i] ? 1 : shape[i];
  }
  std::vector<D> dims;
  for (int i = 0; i < nd; ++i) {
    if (shape[i] == 1) continue;
    dims.push_back({shape[i], strides[i], is_red[i] ? 0 : ostr[i], is_red[i]});
  }
  // Memory order: largest |stride| first; broadcast (stride 0) dims outermost.
  auto key = [](const D& d) {
    return d.sin == 0 ? std::numeric_limits<int64_t>::max() : std::abs(d.sin);
  };
  std::stable_sort(dims.begin(), dims.end(),
                   [&](const D& a, const D& b) { return key(a) > key(b); });
  std::vector<D> merged;
  for (auto& d : dims) {
    if (!merged.empty()) {
      D& p = merged.back();
      if (p.red == d.red && p.sin == d.sin * d.n &&
          (d.red || p.sout == d.sout * d.n)) {
        p.n *= d.n;
        p.sin = d.sin;
        p.sout = d.sout;
        continue;
      }
    }
    merged.push_back(d);
  }
  if (int(merged.size()) > kMaxDims) {
    throw std::runtime_error(std::string("[") + op +
                             "] Too many non-mergeable dimensions for the GPU "
                             "kernel; got " + std::to_string(merged.size()) +
                             ", at most " + std::to_string(kMaxDims) + ".");
  }
  ReducePlan p;
  if (merged.empty() || merged.back().red) {
    p.row = true;
    RowArgs& r = p.r;
    r.kept.n = 0;
    r.outer.n = 0;
    if (merged.empty()) {
      r.L = 1;
      r.s = 0;
    } else {
      r.L = merged.back().n;
      r.s = merged.back().sin;
      merged.pop_back();
    }
    for (auto& d : merged) {
      if (d.red) {
        push(r.outer, d.n, d.sin, 0);
      } else {
        push(r.kept, d.n, d.sin, d.sout);
      }
    }
    r.nrows = r.kept.count();
    r.nouter = r.outer.count();
    r.flat = false;
    return p;
  }
  p.row = false;
  ColArgs& c = p.c;
  c.kept.n = 0;
  c.red.n = 0;
  D last = merged.back();
  merged.pop_back();
  c.M = last.n;
  c.s_in = last.sin;
  c.s_out = last.sout;
  for (auto& d : merged) {
    if (d.red) {
      push(c.red, d.n, d.sin, 0);
    } else {
      push(c.kept, d.n, d.sin, d.sout);
    }
  }
  c.nk = c.kept.count();
  c.nred = c.red.count();
  return p;
}

}  // namespace ember::cuda
