// The extension module `ember.core`.
#include <limits>

#include "utils.h"

namespace ember::py {
void init_ops_elementwise(nb::module_& m);
void init_ops_creation(nb::module_& m);
void init_ops_shape(nb::module_& m);
void init_ops_reduce(nb::module_& m);
void init_ops_indexing(nb::module_& m);
void init_ops_linalg(nb::module_& m);
void init_ops_conv(nb::module_& m);
void init_transforms(nb::module_& m);
void init_random(nb::module_& m);
void init_fast(nb::module_& m);
void init_io(nb::module_& m);
void init_ops_mm_extra(nb::module_& m);
void init_linalg_fft(nb::module_& m);
void init_distributed(nb::module_& m);
void init_graph(nb::module_& m);
}  // namespace ember::py

NB_MODULE(core, m) {
  using namespace ember::py;
  m.doc() = "ember.core: arrays, operations, devices and transformations.";
  nb::set_leak_warnings(false);
  set_core_module(m);
  m.attr("__version__") = "0.1.0";
  init_dtypes(m);
  init_devices(m);
  init_array(m);
  init_ops_elementwise(m);
  init_ops_creation(m);
  init_ops_shape(m);
  init_ops_reduce(m);
  init_ops_indexing(m);
  init_ops_linalg(m);
  init_ops_conv(m);
  init_transforms(m);
  init_random(m);
  init_fast(m);
  init_io(m);
  init_ops_mm_extra(m);
  init_linalg_fft(m);
  init_distributed(m);
  init_graph(m);
  m.attr("pi") = 3.141592653589793;
  m.attr("e") = 2.718281828459045;
  m.attr("euler_gamma") = 0.5772156649015329;
  m.attr("inf") = std::numeric_limits<double>::infinity();
  m.attr("nan") = std::numeric_limits<double>::quiet_NaN();
  m.attr("newaxis") = nb::none();
}
