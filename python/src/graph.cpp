// Graph inspection: export_to_dot (spec/transforms.md §9) and the ArrayLike
// helper class (spec/core.md §23).
#include <fstream>
#include <sstream>
#include <unordered_map>
#include <unordered_set>

#include "ember/primitives/primitive.h"
#include "utils.h"

namespace ember::py {

namespace {

std::string escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '"' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  return out;
}

std::string array_label(const array& a) {
  std::ostringstream os;
  os << dtype_name(a.dtype()) << " " << shape_str(a.shape());
  return os.str();
}

// DOT text of the graph feeding `outputs`: ellipses are arrays (filled when
// they are inputs: evaluated or constant), boxes are primitives.
std::string to_dot(const std::vector<array>& outputs,
                   const std::unordered_map<uintptr_t, std::string>& names) {
  std::ostringstream os;
  os << "digraph {\n";
  std::unordered_set<uintptr_t> seen_arrays;
  std::unordered_set<const void*> seen_nodes;
  std::vector<array> stack(outputs.begin(), outputs.end());
  auto node_id = [](const array& a) { return "a" + std::to_string(a.id()); };
  while (!stack.empty()) {
    array a = stack.back();
    stack.pop_back();
    if (!seen_arrays.insert(a.id()).second) continue;
    auto it = names.find(a.id());
    std::string label = escape(array_label(a));
    if (it != names.end()) label = escape(it->second) + "\\n" + label;
    bool leaf = !a.has_primitive();
    os << "  " << node_id(a) << " [label=\"" << label << "\""
       << (leaf ? ", style=filled, fillcolor=lightgrey" : "") << "];\n";
    if (leaf) continue;
    const void* n = a.node().get();
    if (!seen_nodes.insert(n).second) continue;
    std::string pid = "p" + std::to_string(reinterpret_cast<uintptr_t>(n));
    os << "  " << pid << " [label=\"" << escape(a.primitive().name())
       << "\", shape=box];\n";
    for (const auto& in : a.inputs()) {
      os << "  " << node_id(in) << " -> " << pid << ";\n";
      stack.push_back(in);
    }
    for (const auto& o : a.outputs()) {
      os << "  " << pid << " -> " << node_id(o) << ";\n";
      stack.push_back(o);
    }
  }
  os << "}\n";
  return os.str();
}

struct ArrayLike {
  nb::object obj;
};

}  // namespace

void init_graph(nb::module_& m) {
  m.def(
      "export_to_dot",
      [](nb::handle file, nb::args args, nb::kwargs kwargs) {
        std::vector<array> outputs;
        std::unordered_map<uintptr_t, std::string> names;
        tree_arrays(args, outputs);
        for (auto [k, v] : kwargs) {
          std::vector<array> named;
          tree_arrays(v, named);
          std::string key = nb::cast<std::string>(k);
          for (size_t i = 0; i < named.size(); ++i) {
            names[named[i].id()] = named.size() == 1 ? key : key + "." + std::to_string(i);
          }
          outputs.insert(outputs.end(), named.begin(), named.end());
        }
        std::string dot = to_dot(outputs, names);
        if (nb::hasattr(file, "write")) {
          file.attr("write")(dot);
          return;
        }
        std::string path = nb::cast<std::string>(nb::str(file));
        std::ofstream f(path);
        if (!f) {
          throw std::runtime_error("[export_to_dot] Cannot open '" + path + "' for writing.");
        }
        f << dot;
      },
      "file"_a, "args"_a, "kwargs"_a,
      R"(Writes the graph that computes the given arrays in Graphviz DOT.

Arrays (or trees of arrays) can be given positionally or by keyword; keyword
names label their arrays. Boxes are primitives, ellipses arrays; grey
ellipses are graph inputs (evaluated or constant arrays).

Args:
    file (str | file-like): Path, or an object with a ``write`` method.
    *args: Arrays or trees of arrays.
    **kwargs: Named arrays.

Example:
    >>> import io
    >>> import ember.core as mx
    >>> buf = io.StringIO()
    >>> mx.export_to_dot(buf, y=mx.exp(mx.array([1.0])) + 1)
    >>> buf.getvalue().startswith("digraph")
    True)");

  nb::class_<ArrayLike>(
      m, "ArrayLike",
      "Wraps an object with ``__mlx_array__``/``__ember_array__`` so ops accept it.")
      .def("__init__",
           [](ArrayLike* self, nb::object obj) {
             if (!nb::hasattr(obj, "__ember_array__") && !nb::hasattr(obj, "__mlx_array__")) {
               throw nb::type_error(
                   "[ArrayLike] The object has neither __ember_array__ nor __mlx_array__.");
             }
             new (self) ArrayLike{obj};
           },
           "obj"_a)
      .def_prop_ro("obj", [](const ArrayLike& a) { return a.obj; })
      .def("__ember_array__", [](const ArrayLike& a) { return to_array(a.obj); })
      .def("__mlx_array__", [](const ArrayLike& a) { return to_array(a.obj); });
}

}  // namespace ember::py
