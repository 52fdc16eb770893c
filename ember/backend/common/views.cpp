#include "ember/backend/common/views.h"

#include <algorithm>
#include <cstdlib>

#include "ember/backend/common/utils.h"

namespace ember {

void make_view(const array& in, array& out, const Strides& strides,
               int64_t offset) {
  bool nonneg = true;
  for (auto st : strides) nonneg = nonneg && st >= 0;
  // Negative strides (from as_strided or reversed slices) reach backwards:
  // keep the input's extent and let the flags say "not contiguous".
  size_t span = nonneg ? data_span(out.shape(), strides)
                       : in.data_size() - size_t(std::max<int64_t>(offset, 0));
  out.copy_shared_buffer(in, strides,
                         compute_flags(out.shape(), strides, span), span,
                         offset);
}

Strides reshape_strides(const array& in, const Shape& shape) {
  Shape od;
  Strides os;
  for (int i = 0; i < in.ndim(); ++i) {
    if (in.shape()[i] != 1) {
      od.push_back(in.shape()[i]);
      os.push_back(in.strides()[i]);
    }
  }
  int on = int(od.size()), nn = int(shape.size());
  Strides ns(nn, 0);
  int oi = 0, oj = 1, ni = 0, nj = 1;
  while (ni < nn && oi < on) {
    int64_t np = shape[ni], op = od[oi];
    while (np != op) {
      if (np < op) {
        np *= shape[nj++];
      } else {
        op *= od[oj++];
      }
    }
    for (int k = oi; k < oj - 1; ++k) {
      if (os[k] != od[k + 1] * os[k + 1]) return {};
    }
    ns[nj - 1] = os[oj - 1];
    for (int k = nj - 1; k > ni; --k) ns[k - 1] = ns[k] * shape[k];
    ni = nj++;
    oi = oj++;
  }
  // Trailing size-1 dims.
  int64_t last = ni > 0 ? ns[ni - 1] : 1;
  for (int k = ni; k < nn; ++k) ns[k] = last;
  return ns;
}

bool reshape_view(const array& in, array& out) {
  if (in.flags().row_contiguous) {
    auto st = row_strides(out.shape());
    out.copy_shared_buffer(in, st, compute_flags(out.shape(), st, in.data_size()),
                           in.data_size());
    return true;
  }
  if (in.size() > 0) {
    auto st = reshape_strides(in, out.shape());
    if (!st.empty() || out.ndim() == 0) {
      out.copy_shared_buffer(in, st,
                             compute_flags(out.shape(), st, in.data_size()),
                             in.data_size());
      return true;
    }
  }
  return false;
}

void broadcast_view(const array& in, array& out) {
  int diff = out.ndim() - in.ndim();
  Strides st(out.ndim(), 0);
  for (int i = 0; i < in.ndim(); ++i) {
    st[i + diff] = in.shape()[i] == 1 ? 0 : in.strides()[i];
  }
  out.copy_shared_buffer(in, st, compute_flags(out.shape(), st, in.data_size()),
                         in.data_size());
}

void transpose_view(const array& in, array& out, const std::vector<int>& axes) {
  Strides st(axes.size());
  for (size_t i = 0; i < axes.size(); ++i) st[i] = in.strides()[axes[i]];
  out.copy_shared_buffer(in, st, compute_flags(out.shape(), st, in.data_size()),
                         in.data_size());
}

void expand_dims_view(const array& in, array& out,
                      const std::vector<int>& axes) {
  int nd = out.ndim();
  Strides st(nd);
  size_t k = axes.size(), j = in.ndim();
  // Walk from the back so an inserted axis gets the stride of a packed dim.
  for (int i = nd - 1; i >= 0; --i) {
    if (k > 0 && axes[k - 1] == i) {
      st[i] = i + 1 < nd ? st[i + 1] * out.shape()[i + 1] : 1;
      --k;
    } else {
      st[i] = in.strides()[--j];
    }
  }
  out.copy_shared_buffer(in, st, compute_flags(out.shape(), st, in.data_size()),
                         in.data_size());
}

void squeeze_view(const array& in, array& out, const std::vector<int>& axes) {
  Strides st;
  size_t k = 0;
  for (int i = 0; i < in.ndim(); ++i) {
    if (k < axes.size() && axes[k] == i) {
      ++k;
    } else {
      st.push_back(in.strides()[i]);
    }
  }
  out.copy_shared_buffer(in, st, compute_flags(out.shape(), st, in.data_size()),
                         in.data_size());
}

void split_views(const array& in, std::vector<array>& outputs,
                 const std::vector<int>& bounds, int axis) {
  int64_t step = in.strides()[axis];
  for (size_t i = 0; i < outputs.size(); ++i) {
    int64_t off = outputs[i].size() ? bounds[i] * step : 0;
    make_view(in, outputs[i], in.strides(), off);
  }
}

void diagonal_view(const array& in, array& out, int offset, int axis1,
                   int axis2) {
  Strides st;
  for (int i = 0; i < in.ndim(); ++i) {
    if (i != axis1 && i != axis2) st.push_back(in.strides()[i]);
  }
  st.push_back(in.strides()[axis1] + in.strides()[axis2]);
  int64_t off = 0;
  if (out.size() > 0) {
    off = offset >= 0 ? offset * in.strides()[axis2]
                      : -int64_t(offset) * in.strides()[axis1];
  }
  make_view(in, out, st, off);
}

void slice_view(const array& in, array& out, const Shape& start,
                const Shape& step) {
  Strides st(in.ndim());
  int64_t offset = 0;
  for (int i = 0; i < in.ndim(); ++i) {
    st[i] = in.strides()[i] * step[i];
    if (out.size() > 0) offset += int64_t(start[i]) * in.strides()[i];
  }
  // The span counts |stride| so reversed slices keep their full extent.
  int64_t span = 1;
  for (int i = 0; i < out.ndim(); ++i) {
    if (out.shape()[i] == 0) {
      span = 0;
      break;
    }
    span += int64_t(out.shape()[i] - 1) * std::abs(st[i]);
  }
  out.copy_shared_buffer(in, st, compute_flags(out.shape(), st, size_t(span)),
                         size_t(span), offset);
}

}  // namespace ember
