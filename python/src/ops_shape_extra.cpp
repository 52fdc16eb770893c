// Shape ops that landed after the first pass (joining, splitting, padding).
#include "utils.h"

namespace ember::py {

void init_ops_shape_extra(nb::module_& m) {}

}  // namespace ember::py
