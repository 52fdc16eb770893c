#include "ember/ops/linalg.h"

#include <algorithm>
#include <limits>
#include <map>
#include <numeric>
#include <optional>
#include <set>
#include <sstream>
#include <stdexcept>

#include "ember/ops/binary.h"
#include "ember/ops/copy.h"
#include "ember/ops/reduce.h"
#include "ember/ops/shape.h"
#include "ember/ops/unary.h"
#include "ember/ops/utils.h"
#include "ember/primitives/matmul.h"

namespace ember {

namespace {

Dtype matmul_dtype(const char* op, Dtype a, Dtype b) {
  Dtype t = promote_types(a, b);
  if (!is_inexact(t)) {
    throw std::invalid_argument(
        op_prefix(op) +
        "Only floating point and complex types are supported; got " +
        dtype_name(a) + " and " + dtype_name(b) + ", which promote to " +
        dtype_name(t) + ".");
  }
  return t;
}

// Shared front end of matmul and addmm: checks shapes, promotes 1-D inputs
// and broadcasts batch dims. Returns (a, b, out_shape, final_shape).
struct MatmulOperands {
  array a, b;
  Shape out_shape;    // shape computed by the primitive (>= 2-D)
  Shape final_shape;  // shape after removing the promoted 1-D dims
};

MatmulOperands matmul_operands(const char* op, array a, array b, Dtype dtype,
                               Stream s) {
  if (a.ndim() == 0 || b.ndim() == 0) {
    throw std::invalid_argument(
        op_prefix(op) +
        "Got 0-dimension input; inputs must have at least one dimension (got "
        "shapes " + shape_str(a.shape()) + " and " + shape_str(b.shape()) +
        ").");
  }
  bool a_vec = a.ndim() == 1, b_vec = b.ndim() == 1;
  if (a_vec) a = reshape(a, {1, a.shape(0)}, s);
  if (b_vec) b = reshape(b, {b.shape(0), 1}, s);
  if (a.shape(-1) != b.shape(-2)) {
    throw std::invalid_argument(
        op_prefix(op) + "Last dimension of the first input with shape " +
        shape_str(a.shape()) +
        " must match the second to last dimension of the second input with "
        "shape " + shape_str(b.shape()) + ".");
  }
  Shape a_batch(a.shape().begin(), a.shape().end() - 2);
  Shape b_batch(b.shape().begin(), b.shape().end() - 2);
  Shape batch;
  try {
    batch = broadcast_shapes(a_batch, b_batch);
  } catch (const std::invalid_argument&) {
    throw std::invalid_argument(op_prefix(op) + "Batch dimensions of shapes " +
                                shape_str(a.shape()) + " and " +
                                shape_str(b.shape()) + " cannot be broadcast.");
  }
  int M = a.shape(-2), K = a.shape(-1), N = b.shape(-1);
  Shape ashape = batch, bshape = batch;
  ashape.push_back(M);
  ashape.push_back(K);
  bshape.push_back(K);
  bshape.push_back(N);
  MatmulOperands r{broadcast_to(astype(a, dtype, s), ashape, s),
                   broadcast_to(astype(b, dtype, s), bshape, s),
                   batch, batch};
  r.out_shape.push_back(M);
  r.out_shape.push_back(N);
  if (!a_vec) r.final_shape.push_back(M);
  if (!b_vec) r.final_shape.push_back(N);
  return r;
}

// A 2-D (or 1-D) b shared by every matrix of a batched a: a's batch dims
// fold into its rows, so the product is one large GEMM and the gradient of b
// one product over all rows instead of a batch of products summed. Returns
// a as (rows, K) and the shape of the product once unfolded, or nothing
// when the product doesn't fold.
std::optional<std::pair<array, Shape>> fold_rows(const array& a,
                                                 const array& b, Stream s) {
  if (a.ndim() <= 2 || b.ndim() > 2 || b.ndim() < 1 ||
      a.shape(-1) != b.shape(0)) {
    return std::nullopt;
  }
  int64_t rows = 1;
  for (int d = 0; d < a.ndim() - 1; ++d) rows *= a.shape(d);
  if (rows > std::numeric_limits<int>::max()) return std::nullopt;
  Shape out(a.shape().begin(), a.shape().end() - 1);
  if (b.ndim() == 2) out.push_back(b.shape(1));
  return std::make_pair(reshape(a, {int(rows), a.shape(-1)}, s), out);
}

// Checks that addmm's c broadcasts to the product's (1-D squeezed) shape.
void check_addmm_c(const array& c, const Shape& product) {
  Shape cb;
  try {
    cb = broadcast_shapes(c.shape(), product);
  } catch (const std::invalid_argument&) {
    cb = {};
  }
  if (cb != product) {
    throw std::invalid_argument(
        "[addmm] Cannot broadcast c with shape " + shape_str(c.shape()) +
        " to the product's shape " + shape_str(product) + ".");
  }
}

}  // namespace

array matmul(const array& a, const array& b, StreamOrDevice s_) {
  auto s = to_stream(s_);
  if (auto f = fold_rows(a, b, s)) {
    return reshape(matmul(f->first, b, s), f->second, s);
  }
  Dtype dtype = matmul_dtype("matmul", a.dtype(), b.dtype());
  auto ops = matmul_operands("matmul", a, b, dtype, s);
  array out(ops.out_shape, dtype, std::make_shared<Matmul>(s),
            {std::move(ops.a), std::move(ops.b)});
  return reshape(out, ops.final_shape, s);
}

array addmm(const array& c, const array& a, const array& b, float alpha,
            float beta, StreamOrDevice s_) {
  auto s = to_stream(s_);
  Dtype dtype = matmul_dtype("addmm", promote_types(a.dtype(), c.dtype()),
                             b.dtype());
  if (b.ndim() == 2) {
    if (auto f = fold_rows(a, b, s)) {
      auto& [a2, out_shape] = *f;
      check_addmm_c(c, out_shape);
      // A bias row (every axis but the last is 1) broadcasts over the folded
      // rows; any other c is laid out as the folded product.
      bool row = std::all_of(c.shape().begin(),
                             c.shape().end() - std::min(c.ndim(), 1),
                             [](int x) { return x == 1; });
      array c2 = row ? reshape(c, c.ndim() ? Shape{c.shape(-1)} : Shape{}, s)
                     : reshape(broadcast_to(c, out_shape, s),
                               {a2.shape(0), b.shape(1)}, s);
      return reshape(addmm(c2, a2, b, alpha, beta, s), out_shape, s);
    }
  }
  auto ops = matmul_operands("addmm", a, b, dtype, s);
  check_addmm_c(c, ops.final_shape);
  array cc = broadcast_to(astype(c, dtype, s), ops.final_shape, s);
  // Re-insert the unit dims of promoted 1-D operands (a copy; rare).
  if (ops.final_shape != ops.out_shape) cc = reshape(cc, ops.out_shape, s);
  array out(ops.out_shape, dtype, std::make_shared<AddMM>(s, alpha, beta),
            {std::move(ops.a), std::move(ops.b), std::move(cc)});
  return reshape(out, ops.final_shape, s);
}

array tensordot(const array& a, const array& b, const std::vector<int>& axes_a,
                const std::vector<int>& axes_b, StreamOrDevice s_) {
  auto s = to_stream(s_);
  if (axes_a.size() != axes_b.size()) {
    throw std::invalid_argument(
        "[tensordot] Both axis lists must have the same length; got " +
        std::to_string(axes_a.size()) + " and " +
        std::to_string(axes_b.size()) + ".");
  }
  std::vector<int> ca, cb;
  for (int x : axes_a) ca.push_back(normalize_axis(x, a.ndim(), "tensordot"));
  for (int x : axes_b) cb.push_back(normalize_axis(x, b.ndim(), "tensordot"));
  if (std::set<int>(ca.begin(), ca.end()).size() != ca.size() ||
      std::set<int>(cb.begin(), cb.end()).size() != cb.size()) {
    throw std::invalid_argument("[tensordot] Received duplicate axes.");
  }
  int K = 1;
  for (size_t i = 0; i < ca.size(); ++i) {
    if (a.shape(ca[i]) != b.shape(cb[i])) {
      throw std::invalid_argument(
          "[tensordot] Contracted dimensions must match; got size " +
          std::to_string(a.shape(ca[i])) + " (axis " + std::to_string(ca[i]) +
          " of shape " + shape_str(a.shape()) + ") and " +
          std::to_string(b.shape(cb[i])) + " (axis " + std::to_string(cb[i]) +
          " of shape " + shape_str(b.shape()) + ").");
    }
    K *= a.shape(ca[i]);
  }
  std::vector<int> pa, pb;
  Shape out_shape;
  int Fa = 1, Fb = 1;
  for (int i = 0; i < a.ndim(); ++i) {
    if (std::find(ca.begin(), ca.end(), i) == ca.end()) {
      pa.push_back(i);
      out_shape.push_back(a.shape(i));
      Fa *= a.shape(i);
    }
  }
  pa.insert(pa.end(), ca.begin(), ca.end());
  pb = cb;
  for (int i = 0; i < b.ndim(); ++i) {
    if (std::find(cb.begin(), cb.end(), i) == cb.end()) {
      pb.push_back(i);
      out_shape.push_back(b.shape(i));
      Fb *= b.shape(i);
    }
  }
  array am = reshape(transpose(a, pa, s), {Fa, K}, s);
  array bm = reshape(transpose(b, pb, s), {K, Fb}, s);
  return reshape(matmul(am, bm, s), out_shape, s);
}

array tensordot(const array& a, const array& b, int axes, StreamOrDevice s) {
  if (axes < 0 || axes > a.ndim() || axes > b.ndim()) {
    throw std::invalid_argument(
        "[tensordot] axes must be in [0, min(a.ndim, b.ndim)]; got " +
        std::to_string(axes) + " for shapes " + shape_str(a.shape()) + " and " +
        shape_str(b.shape()) + ".");
  }
  std::vector<int> xa, xb;
  for (int i = 0; i < axes; ++i) {
    xa.push_back(a.ndim() - axes + i);
    xb.push_back(i);
  }
  return tensordot(a, b, xa, xb, s);
}

array inner(const array& a, const array& b, StreamOrDevice s) {
  if (a.ndim() == 0 || b.ndim() == 0) return multiply(a, b, s);
  if (a.shape(-1) != b.shape(-1)) {
    throw std::invalid_argument(
        "[inner] The last dimensions of a and b must match; got shapes " +
        shape_str(a.shape()) + " and " + shape_str(b.shape()) + ".");
  }
  return tensordot(a, b, {-1}, {-1}, s);
}

array outer(const array& a, const array& b, StreamOrDevice s) {
  return multiply(reshape(a, {-1, 1}, s), reshape(b, {1, -1}, s), s);
}

array kron(const array& a, const array& b, StreamOrDevice s) {
  if (a.ndim() == 0 || b.ndim() == 0) return multiply(a, b, s);
  int nd = std::max(a.ndim(), b.ndim());
  Shape as(nd - a.ndim(), 1), bs(nd - b.ndim(), 1);
  as.insert(as.end(), a.shape().begin(), a.shape().end());
  bs.insert(bs.end(), b.shape().begin(), b.shape().end());
  // a as (a0, 1, a1, 1, ...) times b as (1, b0, 1, b1, ...).
  Shape ai, bi, out;
  for (int i = 0; i < nd; ++i) {
    ai.push_back(as[i]);
    ai.push_back(1);
    bi.push_back(1);
    bi.push_back(bs[i]);
    out.push_back(as[i] * bs[i]);
  }
  return reshape(multiply(reshape(a, ai, s), reshape(b, bi, s), s), out, s);
}

array vecdot(const array& a, const array& b, int axis, StreamOrDevice s_) {
  auto s = to_stream(s_);
  Shape sh;
  try {
    sh = broadcast_shapes(a.shape(), b.shape());
  } catch (const std::invalid_argument&) {
    throw std::invalid_argument("[vecdot] Shapes " + shape_str(a.shape()) +
                                " and " + shape_str(b.shape()) +
                                " cannot be broadcast.");
  }
  int ax = normalize_axis(axis, int(sh.size()), "vecdot");
  array x = is_complex(a.dtype()) ? conjugate(a, s) : a;
  return sum(multiply(x, b, s), ax, false, s);
}

// ---- einsum ----

namespace {

using Labels = std::vector<int>;  // letters 0..51, ellipsis dims 52+

struct EinsumSpec {
  std::vector<Labels> inputs;
  Labels output;
  std::map<int, int> sizes;
};

int letter_label(char c) {
  if (c >= 'a' && c <= 'z') return c - 'a';
  if (c >= 'A' && c <= 'Z') return 26 + c - 'A';
  return -1;
}

// Parses one term; `ell` receives the position of "..." (or -1).
std::vector<int> parse_term(const std::string& t, int& ell,
                            const std::string& subscripts) {
  std::vector<int> out;
  ell = -1;
  for (size_t i = 0; i < t.size(); ++i) {
    if (t[i] == '.') {
      if (ell >= 0 || t.compare(i, 3, "...") != 0) {
        throw std::invalid_argument(
            "[einsum] Invalid ellipsis in subscripts '" + subscripts + "'.");
      }
      ell = int(out.size());
      i += 2;
      continue;
    }
    if (t[i] == ' ') continue;
    int l = letter_label(t[i]);
    if (l < 0) {
      throw std::invalid_argument(std::string("[einsum] Invalid character '") +
                                  t[i] + "' in subscripts '" + subscripts +
                                  "'.");
    }
    out.push_back(l);
  }
  return out;
}

EinsumSpec parse_einsum(const std::string& subscripts,
                        const std::vector<array>& ops) {
  EinsumSpec spec;
  std::string lhs = subscripts, rhs;
  bool explicit_out = false;
  auto arrow = subscripts.find("->");
  if (arrow != std::string::npos) {
    lhs = subscripts.substr(0, arrow);
    rhs = subscripts.substr(arrow + 2);
    explicit_out = true;
  }
  std::vector<std::string> terms;
  std::stringstream ss(lhs);
  std::string item;
  while (std::getline(ss, item, ',')) terms.push_back(item);
  if (!lhs.empty() && lhs.back() == ',') terms.push_back("");
  if (terms.size() != ops.size()) {
    throw std::invalid_argument(
        "[einsum] Number of subscript terms (" + std::to_string(terms.size()) +
        ") does not match the number of operands (" +
        std::to_string(ops.size()) + ") in '" + subscripts + "'.");
  }
  int max_ell = 0;
  std::vector<int> ell_pos(ops.size());
  std::vector<Labels> raw(ops.size());
  for (size_t i = 0; i < ops.size(); ++i) {
    raw[i] = parse_term(terms[i], ell_pos[i], subscripts);
    int ne = ops[i].ndim() - int(raw[i].size());
    if ((ell_pos[i] < 0 && ne != 0) || ne < 0) {
      throw std::invalid_argument(
          "[einsum] Operand " + std::to_string(i) + " has " +
          std::to_string(ops[i].ndim()) + " dimensions but its subscripts '" +
          terms[i] + "' name " + std::to_string(raw[i].size()) + ".");
    }
    if (ell_pos[i] >= 0) max_ell = std::max(max_ell, ne);
  }
  // Ellipsis dims are right-aligned across operands (broadcasting).
  for (size_t i = 0; i < ops.size(); ++i) {
    Labels L = raw[i];
    if (ell_pos[i] >= 0) {
      int ne = ops[i].ndim() - int(raw[i].size());
      Labels e;
      for (int j = 0; j < ne; ++j) e.push_back(52 + max_ell - ne + j);
      L.insert(L.begin() + ell_pos[i], e.begin(), e.end());
    }
    for (int d = 0; d < int(L.size()); ++d) {
      int sz = ops[i].shape(d);
      auto it = spec.sizes.find(L[d]);
      if (it == spec.sizes.end() || it->second == 1) {
        spec.sizes[L[d]] = sz;
      } else if (sz != it->second && sz != 1) {
        throw std::invalid_argument(
            "[einsum] Size mismatch for subscript in operand " +
            std::to_string(i) + ": " + std::to_string(sz) + " vs " +
            std::to_string(it->second) + " in '" + subscripts + "'.");
      }
    }
    spec.inputs.push_back(L);
  }
  if (explicit_out) {
    int ell;
    Labels o = parse_term(rhs, ell, subscripts);
    if (ell >= 0) {
      Labels e;
      for (int j = 0; j < max_ell; ++j) e.push_back(52 + j);
      o.insert(o.begin() + ell, e.begin(), e.end());
    }
    std::set<int> seen;
    for (int l : o) {
      if (!seen.insert(l).second) {
        throw std::invalid_argument(
            "[einsum] Output subscript repeated in '" + subscripts + "'.");
      }
      if (!spec.sizes.count(l)) {
        throw std::invalid_argument(
            "[einsum] Output subscript does not appear in the inputs of '" +
            subscripts + "'.");
      }
    }
    spec.output = o;
  } else {
    std::map<int, int> count;
    for (auto& L : spec.inputs)
      for (int l : L) count[l]++;
    for (int j = 0; j < max_ell; ++j) spec.output.push_back(52 + j);
    for (auto [l, c] : count)
      if (l < 52 && c == 1) spec.output.push_back(l);
  }
  return spec;
}

double labels_size(const std::set<int>& ls, const std::map<int, int>& sizes) {
  double r = 1;
  for (int l : ls) r *= sizes.at(l);
  return r;
}

// Greedy order: repeatedly contract the pair with the smallest result
// (ties: the smallest flop count). Positions refer to the shrinking list
// where contracted operands are removed and the result is appended.
std::vector<std::vector<int>> greedy_path(const EinsumSpec& spec,
                                          double* flops = nullptr) {
  std::vector<std::set<int>> cur;
  for (auto& L : spec.inputs) cur.emplace_back(L.begin(), L.end());
  std::set<int> outs(spec.output.begin(), spec.output.end());
  std::vector<std::vector<int>> path;
  double total = 0;
  while (cur.size() > 1) {
    int bi = 0, bj = 1;
    double best = -1, best_flops = 0;
    std::set<int> best_res;
    for (int i = 0; i < int(cur.size()); ++i) {
      for (int j = i + 1; j < int(cur.size()); ++j) {
        std::set<int> keep = outs;
        for (int k = 0; k < int(cur.size()); ++k)
          if (k != i && k != j) keep.insert(cur[k].begin(), cur[k].end());
        std::set<int> all = cur[i], res;
        all.insert(cur[j].begin(), cur[j].end());
        for (int l : all)
          if (keep.count(l)) res.insert(l);
        double sz = labels_size(res, spec.sizes);
        double fl = labels_size(all, spec.sizes);
        if (best < 0 || sz < best || (sz == best && fl < best_flops)) {
          best = sz;
          best_flops = fl;
          bi = i;
          bj = j;
          best_res = res;
        }
      }
    }
    total += best_flops;
    path.push_back({bi, bj});
    cur.erase(cur.begin() + bj);
    cur.erase(cur.begin() + bi);
    cur.push_back(best_res);
  }
  if (flops) *flops = total;
  return path;
}

struct Term {
  array a;
  Labels labels;
};

// Sums out labels of t not in `keep`; takes diagonals of repeated labels.
Term reduce_term(Term t, const std::set<int>& keep, Stream s) {
  // Repeated labels: take the diagonal (appended as the last axis).
  for (bool again = true; again;) {
    again = false;
    for (int i = 0; i < int(t.labels.size()) && !again; ++i) {
      for (int j = i + 1; j < int(t.labels.size()); ++j) {
        if (t.labels[i] == t.labels[j]) {
          int l = t.labels[i];
          t.a = diagonal(t.a, 0, i, j, s);
          t.labels.erase(t.labels.begin() + j);
          t.labels.erase(t.labels.begin() + i);
          t.labels.push_back(l);
          again = true;
          break;
        }
      }
    }
  }
  std::vector<int> axes;
  Labels rest;
  for (int i = 0; i < int(t.labels.size()); ++i) {
    if (keep.count(t.labels[i])) {
      rest.push_back(t.labels[i]);
    } else {
      axes.push_back(i);
    }
  }
  if (!axes.empty()) {
    t.a = sum(t.a, axes, false, s);
    t.labels = rest;
  }
  return t;
}

// Contracts two terms (no repeated labels) keeping the labels in `keep`.
Term contract(const Term& x, const Term& y, const std::set<int>& keep,
              const std::map<int, int>& sizes, Stream s) {
  std::set<int> lx(x.labels.begin(), x.labels.end());
  std::set<int> ly(y.labels.begin(), y.labels.end());
  Labels batch, fx, fy, con;
  for (int l : x.labels) {
    if (ly.count(l)) {
      (keep.count(l) ? batch : con).push_back(l);
    } else {
      fx.push_back(l);
    }
  }
  for (int l : y.labels)
    if (!lx.count(l)) fy.push_back(l);
  auto pos = [](const Labels& L, int l) {
    return int(std::find(L.begin(), L.end(), l) - L.begin());
  };
  auto prod = [&](const Labels& L) {
    int r = 1;
    for (int l : L) r *= sizes.at(l);
    return r;
  };
  Labels out = batch;
  out.insert(out.end(), fx.begin(), fx.end());
  out.insert(out.end(), fy.begin(), fy.end());
  Dtype dt = promote_types(x.a.dtype(), y.a.dtype());
  if (!is_inexact(dt)) {
    // Integer/bool operands: broadcast multiply and sum (matmul is float only).
    Labels all = out;
    all.insert(all.end(), con.begin(), con.end());
    auto align = [&](const Term& t) {
      std::vector<int> perm;
      Shape sh;
      for (int l : all) {
        int p = pos(t.labels, l);
        if (p < int(t.labels.size())) {
          perm.push_back(p);
          sh.push_back(t.a.shape(p));
        } else {
          sh.push_back(1);
        }
      }
      return reshape(transpose(t.a, perm, s), sh, s);
    };
    array r = multiply(align(x), align(y), s);
    if (!con.empty()) {
      std::vector<int> axes;
      for (size_t i = out.size(); i < all.size(); ++i) axes.push_back(int(i));
      r = sum(r, axes, false, s);
    }
    return {r, out};
  }
  // (batch..., Fx, K) @ (batch..., K, Fy); batch dims may broadcast.
  std::vector<int> px, py;
  Shape sx, sy, so;
  for (int l : batch) {
    px.push_back(pos(x.labels, l));
    py.push_back(pos(y.labels, l));
    sx.push_back(x.a.shape(px.back()));
    sy.push_back(y.a.shape(py.back()));
  }
  for (int l : fx) px.push_back(pos(x.labels, l));
  for (int l : con) px.push_back(pos(x.labels, l));
  for (int l : con) py.push_back(pos(y.labels, l));
  for (int l : fy) py.push_back(pos(y.labels, l));
  int K = 1;
  for (int l : con) K = K * x.a.shape(pos(x.labels, l));
  (void)prod;
  Shape fxs, fys;
  int Fx = 1, Fy = 1;
  for (int l : fx) {
    fxs.push_back(x.a.shape(pos(x.labels, l)));
    Fx *= fxs.back();
  }
  for (int l : fy) {
    fys.push_back(y.a.shape(pos(y.labels, l)));
    Fy *= fys.back();
  }
  sx.push_back(Fx);
  sx.push_back(K);
  sy.push_back(K);
  sy.push_back(Fy);
  array r = matmul(reshape(transpose(x.a, px, s), sx, s),
                   reshape(transpose(y.a, py, s), sy, s), s);
  so.assign(r.shape().begin(), r.shape().end() - 2);
  so.insert(so.end(), fxs.begin(), fxs.end());
  so.insert(so.end(), fys.begin(), fys.end());
  return {reshape(r, so, s), out};
}

}  // namespace

std::pair<std::vector<std::vector<int>>, std::string> einsum_path(
    const std::string& subscripts, const std::vector<array>& operands) {
  auto spec = parse_einsum(subscripts, operands);
  double flops = 0;
  auto path = greedy_path(spec, &flops);
  std::set<int> all;
  double naive = 1;
  for (auto& L : spec.inputs) all.insert(L.begin(), L.end());
  naive = labels_size(all, spec.sizes) * std::max<size_t>(1, operands.size() - 1);
  std::ostringstream os;
  os << "  Complete contraction:  " << subscripts << "\n"
     << "         Naive scaling:  " << all.size() << "\n"
     << "     Naive FLOP count:  " << naive << "\n"
     << " Optimized FLOP count:  " << std::max(flops, 0.0) << "\n"
     << "  Path: [";
  for (size_t i = 0; i < path.size(); ++i) {
    os << (i ? ", " : "") << "(" << path[i][0] << ", " << path[i][1] << ")";
  }
  os << "]";
  return {path, os.str()};
}

array einsum(const std::string& subscripts, const std::vector<array>& operands,
             StreamOrDevice s_) {
  auto s = to_stream(s_);
  if (operands.empty()) {
    throw std::invalid_argument("[einsum] At least one operand is required.");
  }
  auto spec = parse_einsum(subscripts, operands);
  std::set<int> outs(spec.output.begin(), spec.output.end());
  std::vector<Term> terms;
  for (size_t i = 0; i < operands.size(); ++i) {
    // Broadcast size-1 dims to the label's size so contractions line up.
    Shape target;
    for (int l : spec.inputs[i]) target.push_back(spec.sizes.at(l));
    terms.push_back({broadcast_to(operands[i], target, s), spec.inputs[i]});
  }
  auto keep_for = [&](size_t skip1, size_t skip2) {
    std::set<int> keep = outs;
    for (size_t k = 0; k < terms.size(); ++k)
      if (k != skip1 && k != skip2)
        keep.insert(terms[k].labels.begin(), terms[k].labels.end());
    return keep;
  };
  for (size_t i = 0; i < terms.size(); ++i) {
    terms[i] = reduce_term(terms[i], keep_for(i, i), s);
  }
  auto path = greedy_path(spec);
  for (auto& p : path) {
    Term x = terms[p[0]], y = terms[p[1]];
    auto keep = keep_for(p[0], p[1]);
    // Labels private to one side are summed before the product.
    std::set<int> kx = keep, ky = keep;
    kx.insert(y.labels.begin(), y.labels.end());
    ky.insert(x.labels.begin(), x.labels.end());
    x = reduce_term(x, kx, s);
    y = reduce_term(y, ky, s);
    Term r = contract(x, y, keep, spec.sizes, s);
    terms.erase(terms.begin() + p[1]);
    terms.erase(terms.begin() + p[0]);
    terms.push_back(r);
  }
  Term t = reduce_term(terms[0], outs, s);
  std::vector<int> perm;
  for (int l : spec.output) {
    perm.push_back(int(std::find(t.labels.begin(), t.labels.end(), l) -
                       t.labels.begin()));
  }
  return transpose(t.a, perm, s);
}

}  // namespace ember
