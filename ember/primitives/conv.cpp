// Derivatives and batching rules of the convolution primitive.
// With x the input, w the weight and g the output cotangent (1-D notation,
// xd = x dilated by input_dilation and padded by lo):
//   out[o]  = sum_k xd[o*stride + kpos(k)*kdil] w[k], kpos = flip ? K-1-k : k
//   dx      = conv(g, w^T, stride=input_dilation, input_dilation=stride,
//                  kdil, pad lo' = wt_size-1-lo, hi' = in_dil+lo-out_dil,
//                  flip=!flip)                (w^T swaps C_out/C_in per group)
//   dw[k]   = sum_o xd[kpos(k)*kdil + o*stride] g[o], a conv over the batch
//             axis: x as (C_in, spatial, N), g as (C_out, out_spatial, N),
//             stride=kdil, kernel_dilation=stride; reversed when flip.
#include "ember/primitives/conv.h"

#include <numeric>

#include "ember/ops/binary.h"
#include "ember/ops/conv.h"
#include "ember/ops/shape.h"

namespace ember {

namespace {

std::vector<int> iota_from(int begin, int n) {
  std::vector<int> v(n);
  std::iota(v.begin(), v.end(), begin);
  return v;
}

}  // namespace

std::vector<array> Convolution::vjp(const std::vector<array>& primals,
                                    const std::vector<array>& cotangents,
                                    const std::vector<int>& argnums,
                                    const std::vector<array>&) {
  auto s = stream();
  const array& x = primals[0];
  const array& w = primals[1];
  const array& g = cotangents[0];
  int D = x.ndim() - 2;
  int G = groups_;
  int N = x.shape(0), Cin = x.shape(-1), Cout = w.shape(0);
  int Cgi = Cin / G, Cog = Cout / G;
  std::vector<array> out;
  for (int a : argnums) {
    if (a == 0) {
      // w (G*Cog, K..., Cgi) -> (G*Cgi, K..., Cog).
      Shape ws{G, Cog};
      for (int d = 0; d < D; ++d) ws.push_back(w.shape(d + 1));
      ws.push_back(Cgi);
      std::vector<int> perm{0, D + 2};
      for (int d = 0; d < D; ++d) perm.push_back(2 + d);
      perm.push_back(1);
      array wt = transpose(reshape(w, ws, s), perm, s);
      Shape wts{Cin};
      for (int d = 0; d < D; ++d) wts.push_back(w.shape(d + 1));
      wts.push_back(Cog);
      wt = reshape(wt, wts, s);
      std::vector<int> lo(D), hi(D);
      for (int d = 0; d < D; ++d) {
        int wt_size = (w.shape(d + 1) - 1) * kernel_dilation_[d] + 1;
        int in_dil = x.shape(d + 1) == 0
                         ? 0
                         : (x.shape(d + 1) - 1) * input_dilation_[d] + 1;
        int out_dil = (g.shape(d + 1) - 1) * stride_[d] + 1;
        lo[d] = wt_size - 1 - padding_lo_[d];
        hi[d] = in_dil + padding_lo_[d] - out_dil;
      }
      out.push_back(detail::conv_general_unchecked(
          g, wt, input_dilation_, lo, hi, kernel_dilation_, stride_, G, !flip_,
          s));
    } else {
      // x (N, S..., G*Cgi) -> (Cgi, S..., G*N).
      Shape xs{N};
      for (int d = 0; d < D; ++d) xs.push_back(x.shape(d + 1));
      xs.push_back(G);
      xs.push_back(Cgi);
      std::vector<int> perm{D + 2};
      for (int d = 0; d < D; ++d) perm.push_back(1 + d);
      perm.push_back(D + 1);
      perm.push_back(0);
      array xt = transpose(reshape(x, xs, s), perm, s);
      Shape xts{Cgi};
      for (int d = 0; d < D; ++d) xts.push_back(x.shape(d + 1));
      xts.push_back(G * N);
      xt = reshape(xt, xts, s);
      // g (N, O..., Cout) -> (Cout, O..., N).
      std::vector<int> gperm{D + 1};
      for (int d = 0; d < D; ++d) gperm.push_back(1 + d);
      gperm.push_back(0);
      array gt = transpose(g, gperm, s);
      std::vector<int> hi(D);
      for (int d = 0; d < D; ++d) {
        int in_dil = x.shape(d + 1) == 0
                         ? 0
                         : (x.shape(d + 1) - 1) * input_dilation_[d] + 1;
        hi[d] = (w.shape(d + 1) - 1) * kernel_dilation_[d] +
                (g.shape(d + 1) - 1) * stride_[d] + 1 - in_dil -
                padding_lo_[d];
      }
      // (Cgi, K..., Cout) -> (Cout, K..., Cgi)
      array dw = detail::conv_general_unchecked(xt, gt, kernel_dilation_,
                                                padding_lo_, hi, stride_,
                                                input_dilation_, G, false, s);
      dw = transpose(dw, gperm, s);
      if (flip_) dw = flip(dw, iota_from(1, D), s);
      out.push_back(dw);
    }
  }
  return out;
}

std::vector<array> Convolution::jvp(const std::vector<array>& primals,
                                    const std::vector<array>& tangents,
                                    const std::vector<int>& argnums) {
  auto s = stream();
  auto conv = [&](const array& x, const array& w) {
    return detail::conv_general_unchecked(x, w, stride_, padding_lo_,
                                          padding_hi_, kernel_dilation_,
                                          input_dilation_, groups_, flip_, s);
  };
  array t = argnums[0] == 0 ? conv(tangents[0], primals[1])
                            : conv(primals[0], tangents[0]);
  if (argnums.size() > 1) t = add(t, conv(primals[0], tangents[1]), s);
  return {t};
}

std::pair<std::vector<array>, std::vector<int>> Convolution::vmap(
    const std::vector<array>& inputs, const std::vector<int>& axes) {
  auto s = stream();
  array x = inputs[0], w = inputs[1];
  bool bx = axes[0] >= 0, bw = axes[1] >= 0;
  int B = bx ? x.shape(axes[0]) : w.shape(axes[1]);
  if (bx) x = moveaxis(x, axes[0], 0, s);
  if (bw) w = moveaxis(w, axes[1], 0, s);
  int D = (bx ? x.ndim() - 1 : x.ndim()) - 2;
  auto conv = [&](const array& xi, const array& wi, int groups) {
    return detail::conv_general_unchecked(xi, wi, stride_, padding_lo_,
                                          padding_hi_, kernel_dilation_,
                                          input_dilation_, groups, flip_, s);
  };
  if (bx && !bw) {
    // Fold the batch into N.
    Shape xs = x.shape();
    Shape merged{xs[0] * xs[1]};
    merged.insert(merged.end(), xs.begin() + 2, xs.end());
    array y = conv(reshape(x, merged, s), w, groups_);
    Shape ys{B, xs[1]};
    ys.insert(ys.end(), y.shape().begin() + 1, y.shape().end());
    return {{reshape(y, ys, s)}, {0}};
  }
  // The weight is batched: fold the batch into the groups.
  int G = groups_;
  int Cout = w.shape(1), Cgi = w.shape(-1), Cog = Cout / G;
  Shape kshape(w.shape().begin() + 2, w.shape().end() - 1);
  array wf = w;
  int new_groups = G;
  if (bx) {
    // w (B, G*Cog, K..., Cgi) -> (B*G*Cog, K..., Cgi); x channels -> (B, C).
    Shape ws{B * Cout};
    ws.insert(ws.end(), kshape.begin(), kshape.end());
    ws.push_back(Cgi);
    wf = reshape(w, ws, s);
    new_groups = B * G;
    array xm = moveaxis(x, 0, D + 1, s);  // (N, S..., B, C)
    Shape xs(xm.shape().begin(), xm.shape().end() - 2);
    xs.push_back(B * x.shape(-1));
    x = reshape(xm, xs, s);
  } else {
    // w (B, G, Cog, ...) -> (G, B, Cog, ...) -> (G*B*Cog, K..., Cgi).
    Shape ws{B, G, Cog};
    ws.insert(ws.end(), kshape.begin(), kshape.end());
    ws.push_back(Cgi);
    std::vector<int> perm{1, 0};
    for (int i = 2; i < int(ws.size()); ++i) perm.push_back(i);
    Shape wfs{G * B * Cog};
    wfs.insert(wfs.end(), kshape.begin(), kshape.end());
    wfs.push_back(Cgi);
    wf = reshape(transpose(reshape(w, ws, s), perm, s), wfs, s);
  }
  array y = conv(x, wf, new_groups);  // (N, O..., channels)
  Shape os(y.shape().begin(), y.shape().end() - 1);
  if (bx) {
    os.push_back(B);
    os.push_back(Cout);
    return {{reshape(y, os, s)}, {D + 1}};
  }
  // channels ordered (G, B, Cog) -> (B, G*Cog)
  Shape gs = os;
  gs.push_back(G);
  gs.push_back(B);
  gs.push_back(Cog);
  std::vector<int> perm = iota_from(0, D + 1);
  perm.push_back(D + 2);
  perm.push_back(D + 1);
  perm.push_back(D + 3);
  os.push_back(B);
  os.push_back(Cout);
  return {{reshape(transpose(reshape(y, gs, s), perm, s), os, s)}, {D + 1}};
}

}  // namespace ember
