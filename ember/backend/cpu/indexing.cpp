// CPU evaluation of indexing primitives.
//
// Slice / DynamicSlice: views (no copy), O(1). SliceUpdate: donate or copy
// src (one pass), then one strided copy of the update.
// Gather: per index position one base offset (indices read once, clamped),
// then rows of the slice copied with memcpy when the slice's inner dim is
// contiguous (embedding lookup = one memcpy per looked-up row); split across
// cores by rows. GatherAxis: same, rows of the output; an index constant
// along the row (take) copies the row with memcpy; an index per element is
// split across cores over all elements (a flat take is one long row).
// Scatter / ScatterAxis: donate or copy `a`, then apply updates; work is split
// across cores only along coordinates that every update keeps (non-indexed
// slice dims), so duplicate indices never race. Out-of-range indices are
// dropped. MaskedScatter: two passes (count per chunk, prefix, write).
#include <algorithm>
#include <cstring>

#include "ember/backend/common/utils.h"
#include "ember/backend/common/views.h"
#include "ember/backend/cpu/copy.h"
#include "ember/core/scheduler.h"
#include "ember/primitives/indexing.h"

namespace ember {

namespace {

constexpr int64_t kGrain = 1 << 15;

// Calls f(ptr) with the index data typed by its integer dtype.
template <typename F>
void dispatch_index(const array& idx, F&& f) {
  switch (idx.dtype()) {
    case Dtype::uint8: f(idx.data<uint8_t>()); break;
    case Dtype::uint16: f(idx.data<uint16_t>()); break;
    case Dtype::uint32: f(idx.data<uint32_t>()); break;
    case Dtype::uint64: f(idx.data<uint64_t>()); break;
    case Dtype::int8: f(idx.data<int8_t>()); break;
    case Dtype::int16: f(idx.data<int16_t>()); break;
    case Dtype::int32: f(idx.data<int32_t>()); break;
    case Dtype::int64: f(idx.data<int64_t>()); break;
    default:
      throw std::invalid_argument(std::string("[indexing] Indices must be "
                                              "integers; got dtype ") +
                                  dtype_name(idx.dtype()) + ".");
  }
}

// Unsigned type of the element size: gathers only move bytes.
template <typename F>
void dispatch_bytes(size_t itemsize, F&& f) {
  switch (itemsize) {
    case 1: f(uint8_t{}); break;
    case 2: f(uint16_t{}); break;
    case 4: f(uint32_t{}); break;
    default: f(uint64_t{}); break;
  }
}

template <typename I>
inline int64_t wrap_index(I v, int64_t dim) {
  int64_t x = int64_t(v);
  if constexpr (std::is_signed_v<I>) {
    if (x < 0) x += dim;
  }
  return x;
}

inline int64_t clamp_index(int64_t x, int64_t hi) {
  return x < 0 ? 0 : (x > hi ? hi : x);
}

size_t view_span(const Shape& shape, const Strides& strides) {
  int64_t span = 1;
  for (size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] == 0) return 0;
    span += int64_t(shape[i] - 1) * std::abs(strides[i]);
  }
  return size_t(span);
}

// Makes `out` a view of `in` starting at element `offset` with `strides`.
void set_view(const array& in, array& out, const Strides& strides,
              int64_t offset) {
  size_t ds = view_span(out.shape(), strides);
  out.copy_shared_buffer(in, strides, compute_flags(out.shape(), strides, ds),
                         ds, offset);
}

// Gives `out` src's values in a dense buffer: donates src when possible.
void copy_or_donate(const array& src, array& out) {
  if (src.is_donatable() && src.flags().contiguous &&
      src.data_size() == src.size() && src.size() > 0) {
    out.copy_shared_buffer(src);
    return;
  }
  out.set_data(allocator::malloc(std::max<size_t>(out.nbytes(), 1)));
  cpu::copy_strided(src, out, out.strides());
}

// Reads start indices of a dynamic slice clamped so the slice fits.
std::vector<int64_t> dynamic_offsets(const array& a, const array& start,
                                     const std::vector<int>& axes,
                                     const Shape& slice_shape) {
  std::vector<int64_t> pos(axes.size());
  dispatch_index(start, [&](auto* p) {
    for (size_t k = 0; k < axes.size(); ++k) {
      int64_t dim = a.shape(axes[k]);
      int64_t v = wrap_index(p[int64_t(k) * start.strides()[0]], dim);
      pos[k] = clamp_index(v, dim - slice_shape[axes[k]]);
    }
  });
  return pos;
}

// Copies n elements with a source stride (memcpy when contiguous).
template <typename U>
inline void copy_row(U* dst, const U* src, int64_t n, int64_t src_stride) {
  if (src_stride == 1) {
    std::memcpy(dst, src, size_t(n) * sizeof(U));
  } else {
    for (int64_t t = 0; t < n; ++t) dst[t] = src[t * src_stride];
  }
}

// Elementwise reduction of a scatter; f16/bf16 compute in float.
template <typename T>
inline void reduce_into(T& dst, T v, Scatter::ReduceType r) {
  using A = acc_t<T>;
  if constexpr (std::is_same_v<T, bool>) {
    switch (r) {
      case Scatter::None: dst = v; break;
      case Scatter::Sum:
      case Scatter::Max: dst = dst || v; break;
      case Scatter::Prod:
      case Scatter::Min: dst = dst && v; break;
    }
  } else if constexpr (std::is_same_v<T, complex64_t>) {
    switch (r) {
      case Scatter::Sum: dst += v; break;
      case Scatter::Prod: dst *= v; break;
      default: dst = v; break;  // max/min are rejected by the ops
    }
  } else {
    switch (r) {
      case Scatter::None: dst = v; break;
      case Scatter::Sum: dst = T(A(dst) + A(v)); break;
      case Scatter::Prod: dst = T(A(dst) * A(v)); break;
      case Scatter::Max: {
        A x = A(dst), y = A(v);
        if (y > x || y != y) dst = v;  // NaN propagates
        break;
      }
      case Scatter::Min: {
        A x = A(dst), y = A(v);
        if (y < x || y != y) dst = v;
        break;
      }
    }
  }
}

}  // namespace

// ---- slices ----

void Slice::eval_cpu(const std::vector<array>& inputs, array& out) {
  slice_view(inputs[0], out, start_, strides_);
}

void SliceUpdate::eval_cpu(const std::vector<array>& inputs, array& out) {
  auto& src = inputs[0];
  auto& upd = inputs[1];
  copy_or_donate(src, out);
  if (upd.size() == 0) return;
  Strides st(out.ndim());
  int64_t offset = 0;
  for (int i = 0; i < out.ndim(); ++i) {
    st[i] = out.strides()[i] * strides_[i];
    offset += int64_t(start_[i]) * out.strides()[i];
  }
  cpu::copy_strided(upd, out, st, offset);
}

void DynamicSlice::eval_cpu(const std::vector<array>& inputs, array& out) {
  auto& in = inputs[0];
  int64_t offset = 0;
  if (out.size() > 0) {
    auto pos = dynamic_offsets(in, inputs[1], axes_, out.shape());
    for (size_t k = 0; k < axes_.size(); ++k) {
      offset += pos[k] * in.strides()[axes_[k]];
    }
  }
  set_view(in, out, in.strides(), offset);
}

void DynamicSliceUpdate::eval_cpu(const std::vector<array>& inputs,
                                  array& out) {
  auto& src = inputs[0];
  auto& upd = inputs[1];
  copy_or_donate(src, out);
  if (upd.size() == 0) return;
  auto pos = dynamic_offsets(src, inputs[2], axes_, upd.shape());
  int64_t offset = 0;
  for (size_t k = 0; k < axes_.size(); ++k) {
    offset += pos[k] * out.strides()[axes_[k]];
  }
  cpu::copy_strided(upd, out, out.strides(), offset);
}

// ---- gathers ----

void Gather::eval_cpu(const std::vector<array>& inputs, array& out) {
  auto& a = inputs[0];
  out.set_data(allocator::malloc(std::max<size_t>(out.nbytes(), 1)));
  size_t slice_size = shape_size(slice_sizes_);
  if (out.size() == 0) return;
  int64_t n = int64_t(out.size() / slice_size);
  // Base offset of each index position's slice in `a`.
  std::vector<int64_t> base(n, 0);
  for (size_t k = 0; k < axes_.size(); ++k) {
    auto& idx = inputs[k + 1];
    int ax = axes_[k];
    int64_t dim = a.shape(ax);
    int64_t hi = dim - slice_sizes_[ax];
    int64_t stride = a.strides()[ax];
    dispatch_index(idx, [&](auto* p) {
      scheduler::parallel_for(n, 1 << 14, [&](int64_t b, int64_t e) {
        StridedIterator it(idx.shape(), idx.strides(), idx.ndim());
        it.seek(b);
        for (int64_t i = b; i < e; ++i) {
          base[i] += clamp_index(wrap_index(p[it.loc], dim), hi) * stride;
          it.step();
        }
      });
    });
  }
  auto [cshape, cstrides] =
      collapse_contiguous_dims(slice_sizes_, {a.strides()});
  int nd = int(cshape.size());
  int64_t inner = cshape[nd - 1];
  int64_t s_in = cstrides[0][nd - 1];
  int64_t rows_per = int64_t(slice_size) / inner;
  std::vector<int64_t> roff(rows_per);
  {
    StridedIterator it(cshape, cstrides[0], nd - 1);
    for (int64_t q = 0; q < rows_per; ++q) {
      roff[q] = it.loc;
      it.step();
    }
  }
  dispatch_bytes(a.itemsize(), [&](auto u) {
    using U = decltype(u);
    const U* src = a.data<U>();
    U* dst = out.data<U>();
    scheduler::parallel_for(n * rows_per, std::max<int64_t>(1, kGrain / inner),
                            [&](int64_t b, int64_t e) {
      for (int64_t r = b; r < e; ++r) {
        int64_t i = r / rows_per, q = r - i * rows_per;
        copy_row(dst + r * inner, src + base[i] + roff[q], inner, s_in);
      }
    });
  });
}

void GatherAxis::eval_cpu(const std::vector<array>& inputs, array& out) {
  auto& a = inputs[0];
  auto& idx = inputs[1];
  out.set_data(allocator::malloc(std::max<size_t>(out.nbytes(), 1)));
  if (out.size() == 0) return;
  int nd = out.ndim();
  int last = nd - 1;
  Strides a_rows = a.strides();
  a_rows[axis_] = 0;  // the axis is addressed through the index
  int64_t inner = out.shape(last);
  int64_t rows = int64_t(out.size()) / inner;
  int64_t a_in = axis_ == last ? 0 : a.strides()[last];
  int64_t i_in = idx.strides()[last];
  int64_t ax_stride = a.strides()[axis_];
  int64_t dim = a.shape(axis_);
  dispatch_bytes(a.itemsize(), [&](auto u) {
    using U = decltype(u);
    const U* src = a.data<U>();
    U* dst = out.data<U>();
    dispatch_index(idx, [&](auto* ip) {
      if (i_in == 0 && axis_ != last) {
        // One index per output row: the row is a copy.
        scheduler::parallel_for(rows, std::max<int64_t>(1, kGrain / inner),
                                [&](int64_t b, int64_t e) {
          StridedIterator ia(out.shape(), a_rows, last), ii(out.shape(), idx.strides(), last);
          ia.seek(b);
          ii.seek(b);
          for (int64_t r = b; r < e; ++r) {
            int64_t v = clamp_index(wrap_index(ip[ii.loc], dim), dim - 1);
            copy_row(dst + r * inner, src + ia.loc + v * ax_stride, inner, a_in);
            ia.step();
            ii.step();
          }
        });
        return;
      }
      // An index per element: split over all elements, so that a few long
      // rows (a flat take is one row) still use every core.
      scheduler::parallel_for(rows * inner, kGrain, [&](int64_t b, int64_t e) {
        int64_t r = b / inner, t0 = b - r * inner;
        StridedIterator ia(out.shape(), a_rows, last), ii(out.shape(), idx.strides(), last);
        ia.seek(r);
        ii.seek(r);
        while (b < e) {
          const int64_t t1 = std::min(inner, t0 + (e - b));
          U* d = dst + r * inner;
          const auto* ipr = ip + ii.loc;
          const U* sr = src + ia.loc;
          for (int64_t t = t0; t < t1; ++t) {
            int64_t v = clamp_index(wrap_index(ipr[t * i_in], dim), dim - 1);
            d[t] = sr[v * ax_stride + t * a_in];
          }
          b += t1 - t0;
          t0 = 0;
          ++r;
          ia.step();
          ii.step();
        }
      });
    });
  });
}

// ---- scatters ----

void Scatter::eval_cpu(const std::vector<array>& inputs, array& out) {
  auto& a = inputs[0];
  auto& upd = inputs.back();
  copy_or_donate(a, out);
  int nk = int(axes_.size());
  int ni = upd.ndim() - out.ndim();
  Shape ishape(upd.shape().begin(), upd.shape().begin() + ni);
  Shape sshape(upd.shape().begin() + ni, upd.shape().end());
  int64_t n = int64_t(shape_size(ishape));
  if (n == 0 || shape_size(sshape) == 0 || out.size() == 0) return;
  const Strides& ostr = out.strides();
  // Out offset of each index position's slice; -1 marks a dropped update.
  std::vector<int64_t> base(n, 0);
  for (int k = 0; k < nk; ++k) {
    auto& idx = inputs[k + 1];
    int ax = axes_[k];
    int64_t dim = out.shape(ax), hi = dim - sshape[ax];
    dispatch_index(idx, [&](auto* p) {
      StridedIterator it(idx.shape(), idx.strides(), idx.ndim());
      for (int64_t i = 0; i < n; ++i) {
        int64_t v = wrap_index(p[it.loc], dim);
        if (base[i] >= 0) base[i] = (v < 0 || v > hi) ? -1 : base[i] + v * ostr[ax];
        it.step();
      }
    });
  }
  std::vector<int64_t> ubase(n);
  {
    StridedIterator it(ishape, upd.strides(), ni);
    for (int64_t i = 0; i < n; ++i) {
      ubase[i] = it.loc;
      it.step();
    }
  }
  // Slice dims split into indexed ones (may collide across updates) and free
  // ones (coordinates kept, so partitioning them is race free).
  Shape fshape, pshape;
  Strides fo_st, fu_st, po_st, pu_st;
  for (int d = 0; d < out.ndim(); ++d) {
    if (sshape[d] == 1) continue;
    bool indexed = std::find(axes_.begin(), axes_.end(), d) != axes_.end();
    (indexed ? pshape : fshape).push_back(sshape[d]);
    (indexed ? po_st : fo_st).push_back(ostr[d]);
    (indexed ? pu_st : fu_st).push_back(upd.strides()[ni + d]);
  }
  auto table = [](const Shape& sh, const Strides& st) {
    std::vector<int64_t> t(shape_size(sh));
    StridedIterator it(sh, st, int(sh.size()));
    for (auto& x : t) {
      x = it.loc;
      it.step();
    }
    return t;
  };
  auto fo = table(fshape, fo_st), fu = table(fshape, fu_st);
  auto po = table(pshape, po_st), pu = table(pshape, pu_st);
  int64_t nf = int64_t(fo.size()), np = int64_t(po.size());
  // Free offsets in arithmetic progression (unit out step) → flat inner loop.
  bool linear = true;
  int64_t fu_step = nf > 1 ? fu[1] - fu[0] : 0;
  for (int64_t f = 1; f < nf && linear; ++f) {
    linear = fo[f] - fo[f - 1] == 1 && fu[f] - fu[f - 1] == fu_step;
  }
  auto r = reduce_;
  dispatch_all(out.dtype(), [&](auto tag) {
    using T = decltype(tag);
    T* dst = out.data<T>();
    const T* src = upd.data<T>();
    scheduler::parallel_for(nf, std::max<int64_t>(1, kGrain / (n * np)),
                            [&](int64_t f0, int64_t f1) {
      for (int64_t i = 0; i < n; ++i) {
        if (base[i] < 0) continue;
        for (int64_t p = 0; p < np; ++p) {
          int64_t o = base[i] + po[p], u = ubase[i] + pu[p];
          if (linear) {
            T* d = dst + o + fo[f0];
            const T* s = src + u + fu[f0];
            int64_t m = f1 - f0;
            if (r == Scatter::None && fu_step == 1) {
              std::memcpy(d, s, size_t(m) * sizeof(T));
            } else if (r == Scatter::Sum && fu_step == 1 &&
                       !std::is_same_v<T, bool>) {
              for (int64_t t = 0; t < m; ++t) reduce_into(d[t], s[t], Scatter::Sum);
            } else {
              for (int64_t t = 0; t < m; ++t) reduce_into(d[t], s[t * fu_step], r);
            }
          } else {
            for (int64_t f = f0; f < f1; ++f) reduce_into(dst[o + fo[f]], src[u + fu[f]], r);
          }
        }
      }
    });
  });
}

void ScatterAxis::eval_cpu(const std::vector<array>& inputs, array& out) {
  auto& a = inputs[0];
  auto& idx = inputs[1];
  auto& upd = inputs[2];
  copy_or_donate(a, out);
  if (upd.size() == 0 || out.size() == 0) return;
  int nd = out.ndim(), last = nd - 1;
  Strides o_rows = out.strides();
  o_rows[axis_] = 0;
  int64_t inner = upd.shape(last);
  int64_t rows = int64_t(upd.size()) / inner;
  int64_t o_in = axis_ == last ? 0 : out.strides()[last];
  int64_t i_in = idx.strides()[last], u_in = upd.strides()[last];
  int64_t ax_stride = out.strides()[axis_];
  int64_t dim = out.shape(axis_);
  auto r = reduce_;
  dispatch_all(out.dtype(), [&](auto tag) {
    using T = decltype(tag);
    T* dst = out.data<T>();
    const T* src = upd.data<T>();
    dispatch_index(idx, [&](auto* ip) {
      auto run = [&](int64_t r0, int64_t r1, int64_t c0, int64_t c1) {
        StridedIterator io(upd.shape(), o_rows, last), ii(upd.shape(), idx.strides(), last),
            iu(upd.shape(), upd.strides(), last);
        io.seek(r0);
        ii.seek(r0);
        iu.seek(r0);
        for (int64_t row = r0; row < r1; ++row) {
          for (int64_t t = c0; t < c1; ++t) {
            int64_t v = wrap_index(ip[ii.loc + t * i_in], dim);
            if (v < 0 || v >= dim) continue;
            reduce_into(dst[io.loc + v * ax_stride + t * o_in], src[iu.loc + t * u_in], r);
          }
          io.step();
          ii.step();
          iu.step();
        }
      };
      if (axis_ == last) {
        // Each update row writes only its own output row.
        scheduler::parallel_for(rows, std::max<int64_t>(1, kGrain / inner),
                                [&](int64_t b, int64_t e) { run(b, e, 0, inner); });
      } else {
        // Columns of the last dim are kept by every update.
        scheduler::parallel_for(inner, std::max<int64_t>(1, kGrain / rows),
                                [&](int64_t b, int64_t e) { run(0, rows, b, e); });
      }
    });
  });
}

void MaskedScatter::eval_cpu(const std::vector<array>& inputs, array& out) {
  auto& a = inputs[0];
  auto& mask = inputs[1];
  auto& vals = inputs[2];
  if (a.is_donatable() && a.flags().row_contiguous && a.size() > 0) {
    out.copy_shared_buffer(a);
  } else {
    out.set_data(allocator::malloc(std::max<size_t>(out.nbytes(), 1)));
    cpu::copy_strided(a, out, out.strides());
  }
  int64_t n = int64_t(out.size());
  int64_t nv = int64_t(vals.size());
  if (n == 0 || nv == 0) return;
  int64_t chunks = std::min<int64_t>(
      std::max<int64_t>(1, n / kGrain), int64_t(scheduler::num_threads()) * 4);
  std::vector<int64_t> counts(chunks + 1, 0);
  const bool* mp = mask.data<bool>();
  auto for_chunk = [&](int64_t c, auto&& fn) {
    int64_t b = n * c / chunks, e = n * (c + 1) / chunks;
    StridedIterator it(mask.shape(), mask.strides(), mask.ndim());
    it.seek(b);
    for (int64_t i = b; i < e; ++i) {
      if (mp[it.loc]) fn(i);
      it.step();
    }
  };
  scheduler::parallel_for(chunks, 1, [&](int64_t b, int64_t e) {
    for (int64_t c = b; c < e; ++c) {
      int64_t cnt = 0;
      for_chunk(c, [&](int64_t) { ++cnt; });
      counts[c + 1] = cnt;
    }
  });
  for (int64_t c = 0; c < chunks; ++c) counts[c + 1] += counts[c];
  int64_t vs = vals.strides()[0];
  dispatch_bytes(out.itemsize(), [&](auto u) {
    using U = decltype(u);
    U* dst = out.data<U>();
    const U* src = vals.data<U>();
    scheduler::parallel_for(chunks, 1, [&](int64_t b, int64_t e) {
      for (int64_t c = b; c < e; ++c) {
        int64_t k = counts[c] % nv;
        for_chunk(c, [&](int64_t i) {
          dst[i] = src[k * vs];
          if (++k == nv) k = 0;
        });
      }
    });
  });
}

void Depends::eval_cpu(const std::vector<array>& inputs,
                       std::vector<array>& outputs) {
  for (size_t i = 0; i < outputs.size(); ++i) {
    outputs[i].copy_shared_buffer(inputs[i]);
  }
}

}  // namespace ember
