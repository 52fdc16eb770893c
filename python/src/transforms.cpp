// Function transformations over pytrees (spec/transforms.md): grad,
// value_and_grad, vjp, jvp, vmap, checkpoint, custom_function,
// stop_gradient, compile. Python callables are wrapped as C++ functions of flat array
// lists; trees are flattened in traversal order and rebuilt afterwards.
#include <nanobind/stl/function.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <numeric>
#include <unordered_map>

#include "ember/ops/random.h"
#include "utils.h"

namespace ember::py {

namespace {

bool is_tree_node(nb::handle h) {
  return PyList_Check(h.ptr()) || PyTuple_Check(h.ptr()) || PyDict_Check(h.ptr());
}

// Appends the array leaves of `tree`; with `strict`, other leaves raise.
void flatten(nb::handle tree, std::vector<array>& out, bool strict, const char* op) {
  if (nb::isinstance<array>(tree)) {
    out.push_back(nb::cast<array>(tree));
  } else if (PyList_Check(tree.ptr()) || PyTuple_Check(tree.ptr())) {
    for (nb::handle h : tree) flatten(h, out, strict, op);
  } else if (PyDict_Check(tree.ptr())) {
    for (auto [k, v] : nb::borrow<nb::dict>(tree)) flatten(v, out, strict, op);
  } else if (strict) {
    throw std::invalid_argument(std::string("[") + op +
                                "] Expected every leaf to be an array; got " +
                                nb::cast<std::string>(nb::str(nb::handle((PyObject*)Py_TYPE(tree.ptr())).attr("__name__"))) +
                                ".");
  }
}

// Rebuilds `tree` with its array leaves replaced by values[k++].
nb::object fill(nb::handle tree, const std::vector<nb::object>& values, size_t& k) {
  if (nb::isinstance<array>(tree)) return values.at(k++);
  if (PyList_Check(tree.ptr())) {
    nb::list l;
    for (nb::handle h : tree) l.append(fill(h, values, k));
    return l;
  }
  if (PyTuple_Check(tree.ptr())) {
    nb::list l;
    for (nb::handle h : tree) l.append(fill(h, values, k));
    return nb::tuple(l);
  }
  if (PyDict_Check(tree.ptr())) {
    nb::dict d;
    for (auto [key, v] : nb::borrow<nb::dict>(tree)) d[key] = fill(v, values, k);
    return d;
  }
  return nb::borrow(tree);
}

std::vector<nb::object> as_objects(const std::vector<array>& xs) {
  std::vector<nb::object> out;
  out.reserve(xs.size());
  for (auto& a : xs) out.push_back(nb::cast(a));
  return out;
}

nb::object fill(nb::handle tree, const std::vector<array>& xs) {
  size_t k = 0;
  return fill(tree, as_objects(xs), k);
}

// Axis of a prefix-tree leaf: int, None, or a 1-tuple of those.
bool axis_leaf(nb::handle ax, int& out) {
  if (ax.is_none()) {
    out = -1;
    return true;
  }
  if (PyLong_Check(ax.ptr())) {
    out = nb::cast<int>(ax);
    return true;
  }
  if (PyTuple_Check(ax.ptr()) && nb::len(ax) == 1) {
    nb::handle e = nb::borrow<nb::tuple>(ax)[0];
    if (e.is_none() || PyLong_Check(e.ptr())) return axis_leaf(e, out);
  }
  return false;
}

// Assigns an axis (from the prefix tree `axes`) to every array leaf of
// `tree`; `unmapped` marks None (kept as INT_MIN to tell it from -1).
constexpr int kUnmapped = INT32_MIN;
void match_axes(nb::handle tree, nb::handle axes, std::vector<int>& out, const char* op) {
  int ax;
  bool leaf_axis = axis_leaf(axes, ax) &&
                   !(PyTuple_Check(axes.ptr()) && PyTuple_Check(tree.ptr()) && nb::len(tree) == 1);
  if (leaf_axis) {
    std::vector<array> leaves;
    flatten(tree, leaves, true, op);
    for (size_t i = 0; i < leaves.size(); ++i) out.push_back(axes.is_none() ? kUnmapped : ax);
    if (PyTuple_Check(axes.ptr()) && nb::borrow<nb::tuple>(axes)[0].is_none()) {
      for (size_t i = 0; i < leaves.size(); ++i) out[out.size() - 1 - i] = kUnmapped;
    }
    return;
  }
  if ((PyList_Check(tree.ptr()) || PyTuple_Check(tree.ptr())) &&
      (PyList_Check(axes.ptr()) || PyTuple_Check(axes.ptr()))) {
    if (nb::len(tree) != nb::len(axes)) {
      throw std::invalid_argument(std::string("[") + op + "] The axes tree has " +
                                  std::to_string(nb::len(axes)) + " entries where the inputs have " +
                                  std::to_string(nb::len(tree)) + ".");
    }
    size_t n = nb::len(tree);
    for (size_t i = 0; i < n; ++i) {
      match_axes(tree[i], axes[i], out, op);
    }
    return;
  }
  if (PyDict_Check(tree.ptr()) && PyDict_Check(axes.ptr())) {
    nb::dict ad = nb::borrow<nb::dict>(axes);
    for (auto [k, v] : nb::borrow<nb::dict>(tree)) {
      if (!ad.contains(k)) {
        throw std::invalid_argument(std::string("[") + op + "] Key " +
                                    nb::cast<std::string>(nb::str(k)) + " is missing from the axes tree.");
      }
      match_axes(v, ad[k], out, op);
    }
    return;
  }
  throw std::invalid_argument(std::string("[") + op +
                              "] The axes tree does not match the structure of the inputs/outputs.");
}

using VecFn = std::function<std::vector<array>(const std::vector<array>&)>;

std::vector<array> outputs_of(nb::handle out, const char* op) {
  std::vector<array> outs;
  if (nb::isinstance<array>(out)) {
    outs.push_back(nb::cast<array>(out));
  } else if (PyList_Check(out.ptr()) || PyTuple_Check(out.ptr())) {
    for (nb::handle h : out) {
      if (!nb::isinstance<array>(h)) {
        throw std::invalid_argument(std::string("[") + op +
                                    "] The function must return an array or a list/tuple of arrays.");
      }
      outs.push_back(nb::cast<array>(h));
    }
  } else {
    throw std::invalid_argument(std::string("[") + op +
                                "] The function must return an array or a list/tuple of arrays.");
  }
  return outs;
}

nb::object make_value_and_grad(nb::object fun, nb::handle argnums_h, nb::handle argnames_h,
                               bool with_value) {
  const char* op = with_value ? "value_and_grad" : "grad";
  std::vector<std::string> argnames;
  if (PyUnicode_Check(argnames_h.ptr())) {
    argnames.push_back(nb::cast<std::string>(argnames_h));
  } else if (!argnames_h.is_none()) {
    for (nb::handle h : argnames_h) argnames.push_back(nb::cast<std::string>(h));
  }
  std::vector<int> argnums;
  if (argnums_h.is_none()) {
    if (argnames.empty()) argnums.push_back(0);
  } else if (PyLong_Check(argnums_h.ptr())) {
    argnums.push_back(nb::cast<int>(argnums_h));
  } else {
    for (nb::handle h : argnums_h) argnums.push_back(nb::cast<int>(h));
  }
  bool single_argnum = PyLong_Check(argnums_h.ptr()) || (argnums_h.is_none() && argnames.empty());
  for (int a : argnums) {
    if (a < 0) {
      throw std::invalid_argument(std::string("[") + op + "] argnums must be non-negative; got " +
                                  std::to_string(a) + ".");
    }
  }
  std::sort(argnums.begin(), argnums.end());
  if (std::adjacent_find(argnums.begin(), argnums.end()) != argnums.end()) {
    throw std::invalid_argument(std::string("[") + op + "] Duplicate argnums.");
  }
  return nb::cpp_function([fun, argnums, argnames, single_argnum, with_value, op](
                              nb::args args, nb::kwargs kwargs) -> nb::object {
    for (int a : argnums) {
      if (size_t(a) >= args.size()) {
        throw std::invalid_argument(std::string("[") + op + "] argnum " + std::to_string(a) +
                                    " is out of range for a call with " +
                                    std::to_string(args.size()) + " positional arguments.");
      }
    }
    for (auto& n : argnames) {
      if (!kwargs.contains(n.c_str())) {
        throw std::invalid_argument(std::string("[") + op + "] Keyword argument '" + n +
                                    "' was not passed to the function.");
      }
    }
    std::vector<array> primals;
    for (int a : argnums) flatten(args[a], primals, true, op);
    for (auto& n : argnames) flatten(kwargs[n.c_str()], primals, true, op);
    auto holder = std::make_shared<nb::object>();
    VecFn inner = [&](const std::vector<array>& xs) {
      auto objs = as_objects(xs);
      size_t k = 0;
      nb::list new_args;
      for (size_t i = 0; i < args.size(); ++i) new_args.append(args[i]);
      for (int a : argnums) new_args[a] = fill(args[a], objs, k);
      nb::dict new_kwargs;
      for (auto [key, v] : kwargs) new_kwargs[key] = v;
      for (auto& n : argnames) new_kwargs[n.c_str()] = fill(kwargs[n.c_str()], objs, k);
      nb::object out = fun(*nb::tuple(new_args), **new_kwargs);
      std::vector<array> outs;
      if (nb::isinstance<array>(out)) {
        outs.push_back(nb::cast<array>(out));
      } else if (PyTuple_Check(out.ptr()) && nb::len(out) > 0 &&
                 nb::isinstance<array>(nb::borrow<nb::tuple>(out)[0])) {
        flatten(out, outs, false, op);
      } else {
        throw std::invalid_argument(
            std::string("[") + op +
            "] The function must return a scalar array or a tuple whose first element is "
            "a scalar array.");
      }
      if (outs[0].ndim() != 0) {
        throw std::invalid_argument(std::string("[") + op +
                                    "] The function must return a scalar (0-d) array; got shape " +
                                    shape_str(outs[0].shape()) + ".");
      }
      *holder = out;
      return outs;
    };
    std::vector<int> all(primals.size());
    std::iota(all.begin(), all.end(), 0);
    std::vector<array> vals, grads;
    if (primals.empty()) {
      vals = inner(primals);
    } else {
      auto r = value_and_grad(inner, all)(primals);
      vals = std::move(r.first);
      grads = std::move(r.second);
    }
    auto gobjs = as_objects(grads);
    size_t k = 0;
    nb::list pos;
    for (int a : argnums) pos.append(fill(args[a], gobjs, k));
    nb::object g;
    if (argnames.empty()) {
      g = single_argnum ? nb::object(pos[0]) : nb::object(nb::tuple(pos));
    } else {
      nb::dict named;
      for (auto& n : argnames) named[n.c_str()] = fill(kwargs[n.c_str()], gobjs, k);
      nb::object p = argnums.empty() ? nb::none()
                     : argnums.size() == 1 && single_argnum ? nb::object(pos[0])
                                                            : nb::object(nb::tuple(pos));
      g = nb::make_tuple(p, named);
    }
    if (!with_value) return g;
    nb::object value = fill(*holder, vals);
    return nb::make_tuple(value, g);
  });
}

struct CustomFunction {
  nb::object fun;
  nb::object vjp_fn, jvp_fn, vmap_fn;
};

// Python state captured by rules that may run later (in a backward pass) or
// be destroyed on a thread without the GIL (when the graph is freed).
struct PyState {
  CustomFunction cf;
  nb::object fun, args_tree, kwargs, out;
  size_t nargs = 0;
};

std::shared_ptr<PyState> make_state() {
  return std::shared_ptr<PyState>(new PyState(), [](PyState* p) {
    if (!Py_IsInitialized()) return;
    nb::gil_scoped_acquire gil;
    delete p;
  });
}

nb::object primals_obj(const PyState& st, const std::vector<array>& xs) {
  nb::object t = fill(st.args_tree, xs);
  return st.nargs == 1 ? nb::object(nb::borrow<nb::tuple>(t)[0]) : t;
}

nb::object custom_call(const CustomFunction& cf, nb::args args, nb::kwargs kwargs) {
  static const char* op = "custom_function";
  auto st = make_state();
  st->cf = cf;
  st->args_tree = nb::borrow(args);
  st->kwargs = kwargs;
  st->nargs = args.size();
  std::vector<array> inputs;
  flatten(args, inputs, false, op);
  VecFn inner = [st](const std::vector<array>& xs) {
    nb::gil_scoped_acquire gil;
    nb::tuple new_args = nb::borrow<nb::tuple>(fill(st->args_tree, xs));
    nb::object out = st->cf.fun(*new_args, **nb::borrow<nb::dict>(st->kwargs));
    std::vector<array> outs;
    flatten(out, outs, true, op);
    st->out = out;
    return outs;
  };
  std::optional<CustomVJPFn> vjp_rule;
  if (cf.vjp_fn.is_valid() && !cf.vjp_fn.is_none()) {
    vjp_rule = [st](const std::vector<array>& primals, const std::vector<array>& cts,
                    const std::vector<array>& outs) {
      nb::gil_scoped_acquire gil;
      nb::object r = st->cf.vjp_fn(primals_obj(*st, primals), fill(st->out, cts),
                                   fill(st->out, outs), **nb::borrow<nb::dict>(st->kwargs));
      std::vector<array> res;
      flatten(r, res, true, op);
      return res;
    };
  }
  std::optional<CustomJVPFn> jvp_rule;
  if (cf.jvp_fn.is_valid() && !cf.jvp_fn.is_none()) {
    if (kwargs.size() > 0) {
      throw std::invalid_argument("[custom_function] Keyword arguments are not supported with a custom jvp.");
    }
    jvp_rule = [st](const std::vector<array>& primals, const std::vector<array>& tangents,
                    const std::vector<int>& argnums) {
      nb::gil_scoped_acquire gil;
      std::vector<nb::object> t(primals.size(), nb::none());
      for (size_t i = 0; i < argnums.size(); ++i) t[argnums[i]] = nb::cast(tangents[i]);
      size_t k = 0;
      nb::object tt = fill(st->args_tree, t, k);
      if (st->nargs == 1) tt = nb::borrow<nb::tuple>(tt)[0];
      nb::object r = st->cf.jvp_fn(primals_obj(*st, primals), tt);
      std::vector<array> res;
      flatten(r, res, true, op);
      return res;
    };
  }
  std::optional<CustomVmapFn> vmap_rule;
  if (cf.vmap_fn.is_valid() && !cf.vmap_fn.is_none()) {
    if (kwargs.size() > 0) {
      throw std::invalid_argument("[custom_function] Keyword arguments are not supported with a custom vmap.");
    }
    vmap_rule = [st](const std::vector<array>& xs, const std::vector<int>& axes) {
      nb::gil_scoped_acquire gil;
      std::vector<nb::object> ax;
      for (int a : axes) ax.push_back(a < 0 ? nb::none() : nb::cast(a));
      size_t k = 0;
      nb::object at = fill(st->args_tree, ax, k);
      if (st->nargs == 1) at = nb::borrow<nb::tuple>(at)[0];
      nb::object r = st->cf.vmap_fn(primals_obj(*st, xs), at);
      if (!PyTuple_Check(r.ptr()) || nb::len(r) != 2) {
        throw std::invalid_argument("[custom_function] The vmap rule must return (outputs, out_axes).");
      }
      nb::tuple rt = nb::borrow<nb::tuple>(r);
      std::vector<array> outs;
      flatten(rt[0], outs, true, op);
      std::vector<int> oax;
      match_axes(rt[0], rt[1], oax, op);
      for (auto& a : oax) a = a == kUnmapped ? -1 : a;
      return std::make_pair(outs, oax);
    };
  }
  auto f = custom_function(inner, vjp_rule, jvp_rule, vmap_rule);
  auto outs = f(inputs);
  return fill(st->out, outs);
}


// ---- compile ----
// Calls flatten (args, kwargs, then the captured `inputs` trees) into one
// list of arrays and a key string holding the tree structure, the values of
// non-array leaves and the dtypes and shapes (ndims when shapeless). While
// tracing, the arrays of the captured trees are replaced in place by the
// placeholders; afterwards the arrays of the `outputs` trees are appended to
// the function's outputs and written back into those trees after each call.

std::string py_type_name(nb::handle h) {
  return nb::cast<std::string>(nb::handle((PyObject*)Py_TYPE(h.ptr())).attr("__name__"));
}

void key_array(const array& a, bool shapeless, std::string& key) {
  key += 'a';
  key += std::to_string(int(a.dtype()));
  if (shapeless) {
    key += '#' + std::to_string(a.ndim());
  } else {
    for (auto d : a.shape()) key += ',' + std::to_string(d);
  }
  key += ';';
}

// Arguments: arrays are inputs; int/bool/float/str/None are constants.
void key_args(nb::handle tree, bool shapeless, std::string& key, std::vector<array>& out) {
  PyObject* p = tree.ptr();
  if (nb::isinstance<array>(tree)) {
    out.push_back(nb::cast<array>(tree));
    key_array(out.back(), shapeless, key);
  } else if (PyList_Check(p) || PyTuple_Check(p)) {
    key += PyList_Check(p) ? '[' : '(';
    for (nb::handle h : tree) key_args(h, shapeless, key, out);
    key += PyList_Check(p) ? ']' : ')';
  } else if (PyDict_Check(p)) {
    key += '{';
    for (auto [k, v] : nb::borrow<nb::dict>(tree)) {
      key += nb::cast<std::string>(nb::repr(k)) + ':';
      key_args(v, shapeless, key, out);
    }
    key += '}';
  } else if (tree.is_none()) {
    key += "N;";
  } else if (PyBool_Check(p)) {
    key += tree.ptr() == Py_True ? "T;" : "F;";
  } else if (PyLong_Check(p)) {
    key += 'i' + nb::cast<std::string>(nb::str(tree)) + ';';
  } else if (PyFloat_Check(p)) {
    double v = PyFloat_AsDouble(p);
    uint64_t bits;
    std::memcpy(&bits, &v, sizeof(bits));
    key += 'f' + std::to_string(bits) + ';';
  } else if (PyUnicode_Check(p)) {
    std::string s = nb::cast<std::string>(tree);
    key += 's' + std::to_string(s.size()) + ':' + s;
  } else {
    throw std::invalid_argument(
        "[compile] Function arguments must be trees of arrays or constants (int, float, "
        "bool, str, None); got a leaf of type " + py_type_name(tree) + ".");
  }
}

bool is_capture_node(nb::handle h) {
  return PyList_Check(h.ptr()) || PyTuple_Check(h.ptr()) || PyDict_Check(h.ptr());
}

// Captured trees: array leaves (and random.state) only, other leaves are
// skipped. An array must have a list or dict above it to be replaceable.
void key_captured(nb::handle tree, bool shapeless, bool mutable_parent, const char* what,
                  std::string& key, std::vector<array>& out) {
  PyObject* p = tree.ptr();
  bool is_state = nb::isinstance<RandomState>(tree);
  if (nb::isinstance<array>(tree) || is_state) {
    if (!mutable_parent && !is_state) {
      throw std::invalid_argument(std::string("[compile] The arrays of `") + what +
                                  "` must be held in lists or dicts (tuples can't be updated in "
                                  "place); got an array directly in a tuple or at the top level.");
    }
    out.push_back(is_state ? random::get_state() : nb::cast<array>(tree));
    key_array(out.back(), shapeless, key);
  } else if (PyList_Check(p) || PyTuple_Check(p)) {
    bool m = mutable_parent || PyList_Check(p);
    key += PyList_Check(p) ? '[' : '(';
    for (nb::handle h : tree) key_captured(h, shapeless, m, what, key, out);
    key += PyList_Check(p) ? ']' : ')';
  } else if (PyDict_Check(p)) {
    key += '{';
    for (auto [k, v] : nb::borrow<nb::dict>(tree)) {
      key += nb::cast<std::string>(nb::repr(k)) + ':';
      key_captured(v, shapeless, true, what, key, out);
    }
    key += '}';
  } else {
    key += '.';
  }
}

// Replaces array leaves of a captured tree (flatten order) by `fn(leaf)`
// where it returns a value. Lists, dicts and random.state are updated in
// place; a tuple is rebuilt and returned for its parent to store.
using LeafFn = std::function<std::optional<array>(const array&)>;
nb::object replace_leaves(nb::handle tree, const LeafFn& fn) {
  PyObject* p = tree.ptr();
  if (nb::isinstance<RandomState>(tree)) {
    if (auto r = fn(random::get_state())) random::set_state(*r);
    return nb::borrow(tree);
  }
  if (nb::isinstance<array>(tree)) {
    if (auto r = fn(nb::cast<array>(tree))) return nb::cast(*r);
    return nb::borrow(tree);
  }
  if (PyList_Check(p)) {
    nb::list l = nb::borrow<nb::list>(tree);
    size_t n = nb::len(l);
    for (size_t i = 0; i < n; ++i) {
      nb::object v = l[i];
      nb::object r = replace_leaves(v, fn);
      if (!r.is(v)) l[i] = r;
    }
    return nb::borrow(tree);
  }
  if (PyTuple_Check(p)) {
    nb::list items;
    bool changed = false;
    for (nb::handle h : tree) {
      nb::object r = replace_leaves(h, fn);
      changed = changed || !r.is(h);
      items.append(r);
    }
    return changed ? nb::object(nb::tuple(items)) : nb::borrow(tree);
  }
  if (PyDict_Check(p)) {
    std::vector<std::pair<nb::object, nb::object>> items;
    for (auto [k, v] : nb::borrow<nb::dict>(tree)) items.emplace_back(nb::borrow(k), nb::borrow(v));
    for (auto& [k, v] : items) {
      nb::object r = replace_leaves(v, fn);
      if (!r.is(v) && PyObject_SetItem(p, k.ptr(), r.ptr()) != 0) throw nb::python_error();
    }
  }
  return nb::borrow(tree);
}

// Puts `values` (in flatten order) into the array leaves of a captured tree.
void fill_captured(nb::handle tree, const std::vector<array>& values, size_t first) {
  size_t k = first;
  replace_leaves(tree, [&](const array&) -> std::optional<array> {
    if (k >= values.size()) {
      throw std::invalid_argument(
          "[compile] The `outputs` tree has more arrays than when the function was traced.");
    }
    return values[k++];
  });
}

// The output tree with its arrays replaced by a marker (to rebuild it).
nb::object output_marker() {
  static nb::object* marker = new nb::object(nb::module_::import_("builtins").attr("object")());
  return *marker;
}

nb::object output_template(nb::handle tree, std::vector<array>& out) {
  PyObject* p = tree.ptr();
  if (nb::isinstance<array>(tree)) {
    out.push_back(nb::cast<array>(tree));
    return output_marker();
  }
  if (PyList_Check(p) || PyTuple_Check(p)) {
    nb::list l;
    for (nb::handle h : tree) l.append(output_template(h, out));
    return PyList_Check(p) ? nb::object(l) : nb::object(nb::tuple(l));
  }
  if (PyDict_Check(p)) {
    nb::dict d;
    for (auto [k, v] : nb::borrow<nb::dict>(tree)) d[k] = output_template(v, out);
    return d;
  }
  return nb::borrow(tree);
}

nb::object fill_template(nb::handle tmpl, const std::vector<array>& values, size_t& k) {
  PyObject* p = tmpl.ptr();
  if (tmpl.is(output_marker())) return nb::cast(values.at(k++));
  if (PyList_Check(p) || PyTuple_Check(p)) {
    nb::list l;
    for (nb::handle h : tmpl) l.append(fill_template(h, values, k));
    return PyList_Check(p) ? nb::object(l) : nb::object(nb::tuple(l));
  }
  if (PyDict_Check(p)) {
    nb::dict d;
    for (auto [key, v] : nb::borrow<nb::dict>(tmpl)) d[key] = fill_template(v, values, k);
    return d;
  }
  return nb::borrow(tmpl);
}

struct PyCompiled {
  nb::object fun;
  nb::object inputs;   // captured input trees (None when not given)
  nb::object outputs;  // captured output trees
  std::shared_ptr<detail::CompiledFunction> cache;
  struct Outputs {
    nb::object tmpl;  // the function's output tree with arrays marked
    size_t num_fun_outputs = 0;
    size_t num_captured = 0;
  };
  std::unordered_map<std::string, Outputs> outs;  // per key, set while tracing
};

nb::object compiled_call(PyCompiled& self, nb::args args, nb::kwargs kwargs) {
  if (compile_mode() == CompileMode::disabled) return self.fun(*args, **kwargs);
  bool shapeless = self.cache->shapeless();
  std::string key;
  std::vector<array> inputs;
  key_args(args, shapeless, key, inputs);
  key += '|';
  key_args(kwargs, shapeless, key, inputs);
  size_t num_args = inputs.size();
  if (!self.inputs.is_none()) {
    key += '|';
    key_captured(self.inputs, shapeless, false, "inputs", key, inputs);
  }
  bool has_outputs = !self.outputs.is_none();
  if (has_outputs) {
    // Validates the outputs trees before anything runs.
    std::string unused;
    std::vector<array> tmp;
    key_captured(self.outputs, shapeless, false, "outputs", unused, tmp);
  }

  detail::CompiledFunction::Fn trace = [&](const std::vector<array>& xs) {
    auto objs = as_objects(xs);
    size_t k = 0;
    nb::object new_args = fill(args, objs, k);
    nb::object new_kwargs = fill(kwargs, objs, k);
    // Put the placeholders into the captured trees; put the original arrays
    // back afterwards (leaves the function replaced stay replaced).
    std::unordered_map<uintptr_t, array> originals;
    if (!self.inputs.is_none()) {
      size_t j = num_args;
      replace_leaves(self.inputs, [&](const array& a) -> std::optional<array> {
        originals.emplace(xs[j].id(), a);
        return xs[j++];
      });
    }
    auto restore = [&]() {
      if (originals.empty()) return;
      replace_leaves(self.inputs, [&](const array& a) -> std::optional<array> {
        auto it = originals.find(a.id());
        if (it == originals.end()) return std::nullopt;
        return it->second;
      });
    };
    try {
      nb::object out = self.fun(*nb::borrow<nb::tuple>(new_args), **nb::borrow<nb::dict>(new_kwargs));
      PyCompiled::Outputs info;
      std::vector<array> results;
      info.tmpl = output_template(out, results);
      info.num_fun_outputs = results.size();
      if (has_outputs) {
        std::string unused;
        key_captured(self.outputs, shapeless, false, "outputs", unused, results);
      }
      info.num_captured = results.size() - info.num_fun_outputs;
      self.outs[key] = std::move(info);
      restore();
      return results;
    } catch (...) {
      restore();
      throw;
    }
  };
  auto results = (*self.cache)(trace, inputs, key);
  auto it = self.outs.find(key);
  if (it == self.outs.end()) {
    throw std::runtime_error("[compile] Internal error: no output structure for a cached trace.");
  }
  const auto& info = it->second;
  if (results.size() != info.num_fun_outputs + info.num_captured) {
    throw std::runtime_error("[compile] Internal error: the replay returned " +
                             std::to_string(results.size()) + " arrays for " +
                             std::to_string(info.num_fun_outputs + info.num_captured) + ".");
  }
  if (has_outputs) {
    std::vector<array> now;
    std::string unused;
    key_captured(self.outputs, shapeless, false, "outputs", unused, now);
    if (now.size() != info.num_captured) {
      throw std::invalid_argument(
          "[compile] The `outputs` tree holds " + std::to_string(now.size()) +
          " arrays but held " + std::to_string(info.num_captured) +
          " when the function was traced; its structure must not change between calls.");
    }
    fill_captured(self.outputs, results, info.num_fun_outputs);
  }
  size_t k = 0;
  return fill_template(info.tmpl, results, k);
}

int compiled_traverse(PyObject* self, visitproc visit, void* arg) {
  if (!nb::inst_ready(self)) return 0;
  auto* c = nb::inst_ptr<PyCompiled>(self);
  Py_VISIT(c->fun.ptr());
  Py_VISIT(c->inputs.ptr());
  Py_VISIT(c->outputs.ptr());
  for (auto& [k, o] : c->outs) Py_VISIT(o.tmpl.ptr());
  Py_VISIT(Py_TYPE(self));
  return 0;
}

int compiled_clear(PyObject* self) {
  auto* c = nb::inst_ptr<PyCompiled>(self);
  c->fun = nb::none();
  c->inputs = nb::none();
  c->outputs = nb::none();
  c->outs.clear();
  return 0;
}

PyType_Slot compiled_slots[] = {{Py_tp_traverse, (void*)compiled_traverse},
                                {Py_tp_clear, (void*)compiled_clear},
                                {0, nullptr}};

void check_captured_arg(nb::handle tree, const char* what) {
  if (tree.is_none() || is_capture_node(tree) || nb::isinstance<RandomState>(tree)) return;
  throw nb::type_error((std::string("[compile] `") + what +
                        "` must be a list, tuple or dict tree of arrays (or random.state); got " +
                        py_type_name(tree) + ".")
                           .c_str());
}

}  // namespace

void init_transforms(nb::module_& m) {
  m.def(
      "value_and_grad",
      [](nb::object fun, nb::handle argnums, nb::handle argnames) {
        return make_value_and_grad(fun, argnums, argnames, true);
      },
      "fun"_a, "argnums"_a = nb::none(), "argnames"_a = nb::list(),
      R"(Returns a function computing ``fun``'s value and its gradient.

Args:
    fun (Callable): Returns a scalar array, or a tuple whose first item is
        one.
    argnums (int | list[int] | None): Positional arguments to
        differentiate (0 by default).
    argnames (str | list[str]): Keyword arguments to differentiate.

Returns:
    Callable: ``(*args, **kwargs) -> (value, grads)``.

Example:
    >>> import ember.core as mx
    >>> v, g = mx.value_and_grad(lambda x: (x * x).sum())(mx.array([1.0, 2.0]))
    >>> g.tolist()
    [2.0, 4.0])");
  m.def(
      "grad",
      [](nb::object fun, nb::handle argnums, nb::handle argnames) {
        return make_value_and_grad(fun, argnums, argnames, false);
      },
      "fun"_a, "argnums"_a = nb::none(), "argnames"_a = nb::list(),
      R"(Returns a function computing the gradient of ``fun``.

Args:
    fun (Callable): Returns a scalar (0-d) array.
    argnums (int | list[int] | None): Positional arguments to differentiate.
    argnames (str | list[str]): Keyword arguments to differentiate.

Returns:
    Callable: Same arguments as ``fun``; returns the gradients.

Example:
    >>> import ember.core as mx
    >>> mx.grad(lambda x: x * x)(mx.array(3.0)).item()
    6.0)");
  m.def(
      "vjp",
      [](nb::object fun, nb::handle primals, nb::handle cotangents) {
        std::vector<array> ps, cs;
        flatten(primals, ps, true, "vjp");
        flatten(cotangents, cs, true, "vjp");
        VecFn inner = [&](const std::vector<array>& xs) {
          return outputs_of(fun(*nb::tuple(nb::cast(as_objects(xs)))), "vjp");
        };
        auto [outs, vjps] = vjp(inner, ps, cs);
        return nb::make_tuple(nb::cast(outs), nb::cast(vjps));
      },
      "fun"_a, "primals"_a, "cotangents"_a,
      R"(Vector-Jacobian product.

Args:
    fun (Callable): Takes arrays, returns an array or a list of arrays.
    primals (list[array]): Inputs.
    cotangents (list[array]): One per output.

Returns:
    tuple[list[array], list[array]]: Outputs and input cotangents.

Example:
    >>> import ember.core as mx
    >>> outs, vjps = mx.vjp(lambda x: x * 2, [mx.array(1.0)], [mx.array(1.0)])
    >>> vjps[0].item()
    2.0)");
  m.def(
      "jvp",
      [](nb::object fun, nb::handle primals, nb::handle tangents) {
        std::vector<array> ps, ts;
        flatten(primals, ps, true, "jvp");
        flatten(tangents, ts, true, "jvp");
        VecFn inner = [&](const std::vector<array>& xs) {
          return outputs_of(fun(*nb::tuple(nb::cast(as_objects(xs)))), "jvp");
        };
        auto [outs, jvps] = jvp(inner, ps, ts);
        return nb::make_tuple(nb::cast(outs), nb::cast(jvps));
      },
      "fun"_a, "primals"_a, "tangents"_a,
      R"(Jacobian-vector product.

Args:
    fun (Callable): Takes arrays, returns an array or a list of arrays.
    primals (list[array]): Inputs.
    tangents (list[array]): One per input.

Returns:
    tuple[list[array], list[array]]: Outputs and output tangents.

Example:
    >>> import ember.core as mx
    >>> outs, jvps = mx.jvp(lambda x: x * 2, [mx.array(1.0)], [mx.array(1.0)])
    >>> jvps[0].item()
    2.0)");
  m.def(
      "vmap",
      [](nb::object fun, nb::object in_axes, nb::object out_axes) {
        return nb::cpp_function([fun, in_axes, out_axes](nb::args args, nb::kwargs kwargs) {
          const char* op = "vmap";
          if (kwargs.size() > 0) {
            throw std::invalid_argument("[vmap] Vectorized functions take positional arguments only.");
          }
          std::vector<array> inputs;
          std::vector<int> axes;
          nb::object args_tree = nb::borrow(args);
          bool wrapped = (PyTuple_Check(in_axes.ptr()) || PyList_Check(in_axes.ptr())) &&
                         nb::len(in_axes) == 1 && is_tree_node(in_axes[0]);
          if (args.size() == 1 && !wrapped) {
            match_axes(args[0], in_axes, axes, op);
          } else {
            match_axes(args_tree, in_axes, axes, op);
          }
          flatten(args_tree, inputs, true, op);
          bool any = false;
          for (size_t i = 0; i < axes.size(); ++i) {
            if (axes[i] == kUnmapped) {
              axes[i] = -1;
              continue;
            }
            int nd = inputs[i].ndim();
            int a = axes[i] < 0 ? axes[i] + nd : axes[i];
            if (a < 0 || a >= nd) {
              throw std::invalid_argument("[vmap] Axis " + std::to_string(axes[i]) +
                                          " is out of range for an input with " +
                                          std::to_string(nd) + " dimensions.");
            }
            axes[i] = a;
            any = true;
          }
          if (!any) throw std::invalid_argument("[vmap] At least one input must be mapped.");
          auto holder = std::make_shared<nb::object>();
          VecFn inner = [&, holder](const std::vector<array>& xs) {
            nb::tuple new_args = nb::borrow<nb::tuple>(fill(args_tree, xs));
            nb::object out = fun(*new_args);
            std::vector<array> outs;
            flatten(out, outs, true, op);
            *holder = out;
            return outs;
          };
          auto [s_in, s_out] = detail::vmap_trace(inner, inputs, axes);
          std::vector<int> oax;
          match_axes(*holder, out_axes, oax, op);
          for (size_t j = 0; j < oax.size(); ++j) {
            if (oax[j] == kUnmapped) {
              oax[j] = -1;
            } else if (oax[j] < 0) {
              oax[j] += s_out[j].ndim() + 1;
            }
          }
          auto outs = detail::vmap_replace(inputs, s_in, s_out, axes, oax);
          return fill(*holder, outs);
        });
      },
      "fun"_a, "in_axes"_a.none() = 0, "out_axes"_a.none() = 0,
      R"(Vectorizes ``fun`` over a batch axis of its inputs.

Args:
    fun (Callable): Function of arrays (or trees of arrays).
    in_axes (int | None | tree): Mapped axis per input (None = unmapped).
    out_axes (int | None | tree): Where the batch axis goes in outputs.

Returns:
    Callable: The vectorized function (positional arguments only).

Example:
    >>> import ember.core as mx
    >>> mx.vmap(lambda x: x.sum())(mx.ones((3, 2))).tolist()
    [2.0, 2.0, 2.0])");
  m.def(
      "checkpoint",
      [](nb::object fun) {
        return nb::cpp_function([fun](nb::args args, nb::kwargs kwargs) {
          auto st = make_state();
          st->fun = fun;
          st->args_tree = nb::borrow(args);
          st->kwargs = kwargs;
          std::vector<array> inputs;
          flatten(args, inputs, false, "checkpoint");
          // The backward pass calls this again later: state is held by value.
          VecFn inner = [st](const std::vector<array>& xs) {
            nb::gil_scoped_acquire gil;
            nb::tuple new_args = nb::borrow<nb::tuple>(fill(st->args_tree, xs));
            nb::object out = st->fun(*new_args, **nb::borrow<nb::dict>(st->kwargs));
            std::vector<array> outs;
            flatten(out, outs, true, "checkpoint");
            st->out = out;
            return outs;
          };
          auto outs = checkpoint(inner)(inputs);
          return fill(st->out, outs);
        });
      },
      "fun"_a,
      R"(Gradient checkpointing: recomputes ``fun`` in the backward pass
instead of storing its intermediates.

Args:
    fun (Callable): The function.

Returns:
    Callable

Example:
    >>> import ember.core as mx
    >>> f = mx.checkpoint(lambda x: mx.sin(x))
    >>> round(mx.grad(lambda x: f(x))(mx.array(0.0)).item(), 4)
    1.0)");
  m.def(
      "stop_gradient",
      [](nb::handle a, StreamOrDevice s) { return stop_gradient(to_array(a), s); },
      nb::arg(), nb::kw_only(), "stream"_a = nb::none(),
      R"(Identity whose gradient is zero.

Args:
    a (array): Input.

Returns:
    array

Example:
    >>> import ember.core as mx
    >>> mx.grad(lambda x: mx.stop_gradient(x) * x)(mx.array(2.0)).item()
    2.0)");

  nb::class_<CustomFunction>(m, "custom_function",
                             "Decorator attaching custom vjp/jvp/vmap rules to a function.")
      .def("__init__", [](CustomFunction* cf, nb::object f) { new (cf) CustomFunction{f, {}, {}, {}}; },
           "f"_a)
      .def("__call__", &custom_call)
      .def("vjp", [](nb::handle self, nb::object g) {
        nb::inst_ptr<CustomFunction>(self)->vjp_fn = g;
        return nb::borrow(self);
      }, "f"_a, "Registers ``f(primals, cotangents, outputs)`` as the vjp.")
      .def("jvp", [](nb::handle self, nb::object g) {
        nb::inst_ptr<CustomFunction>(self)->jvp_fn = g;
        return nb::borrow(self);
      }, "f"_a, "Registers ``f(primals, tangents)`` as the jvp.")
      .def("vmap", [](nb::handle self, nb::object g) {
        nb::inst_ptr<CustomFunction>(self)->vmap_fn = g;
        return nb::borrow(self);
      }, "f"_a, "Registers ``f(inputs, axes) -> (outputs, out_axes)`` as the vmap rule.");

  nb::class_<PyCompiled>(m, "_CompiledFunction", nb::type_slots(compiled_slots),
                         "A function compiled by :func:`compile` (call it like the original).")
      .def("__call__", &compiled_call)
      .def_prop_ro("__wrapped__", [](const PyCompiled& c) { return c.fun; })
      .def("__getattr__", [](const PyCompiled& c, nb::str name) {
        // Attributes of the wrapped function (__name__, __qualname__, ...).
        return nb::getattr(c.fun, name);
      }, "name"_a)
      .def("__repr__", [](const PyCompiled& c) {
        return "<compiled " + nb::cast<std::string>(nb::repr(c.fun)) + ">";
      })
      .def_prop_ro("_num_traces", [](const PyCompiled& c) { return c.cache->num_traces(); },
                   "Number of times the function was traced (debugging).")
      .def(
          "_cache_info",
          [](const PyCompiled& c) {
            nb::list l;
            for (auto& e : c.cache->entries()) {
              nb::dict d;
              d["num_inputs"] = e.num_inputs;
              d["num_constants"] = e.num_constants;
              d["num_outputs"] = e.num_outputs;
              d["nodes"] = nb::cast(e.nodes);
              d["fused"] = nb::cast(e.fused);  // per Compiled node
              l.append(d);
            }
            return l;
          },
          "One dict per cached trace: inputs, constants, outputs and the primitive names of "
          "the simplified graph (debugging).");

  m.def(
      "compile",
      [](nb::object fun, nb::object inputs, nb::object outputs, bool shapeless) {
        if (!PyCallable_Check(fun.ptr())) {
          throw nb::type_error(("[compile] fun must be callable; got " + py_type_name(fun) + ".").c_str());
        }
        check_captured_arg(inputs, "inputs");
        check_captured_arg(outputs, "outputs");
        PyCompiled c{fun, inputs, outputs, std::make_shared<detail::CompiledFunction>(shapeless), {}};
        return nb::cast(std::move(c));
      },
      "fun"_a, "inputs"_a = nb::none(), "outputs"_a = nb::none(), "shapeless"_a = false,
      R"(Returns a compiled version of ``fun``.

The first call with a new signature (tree structure, non-array argument
values, dtypes and shapes) traces ``fun`` on placeholder arrays,
simplifies the graph and caches it; later calls replay it without running
Python. Arrays inside ``fun`` have no data while tracing.

Args:
    fun (Callable): Takes and returns trees of arrays; other arguments may be
        ``int``, ``float``, ``bool``, ``str`` or ``None`` (part of the key).
    inputs (list | dict | None): Trees of arrays ``fun`` reads implicitly
        (e.g. ``[model.state, optimizer.state]``).
    outputs (list | dict | None): Trees of arrays ``fun`` updates
        implicitly; they are refilled with the new arrays after each call.
    shapeless (bool): Reuse the trace when only shapes change.

Returns:
    Callable: Same signature as ``fun``.

Example:
    >>> import ember.core as mx
    >>> f = mx.compile(lambda x, y: mx.exp(x) * y)
    >>> f(mx.array(0.0), mx.array(2.0)).item()
    2.0)");
  m.def("disable_compile", &disable_compile,
        R"(Makes compiled functions run eagerly (the ``MLX_DISABLE_COMPILE``
environment variable does this at start-up).

Example:
    >>> import ember.core as mx
    >>> mx.disable_compile()
    >>> mx.enable_compile())");
  m.def("enable_compile", &enable_compile,
        R"(Turns compilation back on (overrides ``MLX_DISABLE_COMPILE``).

Example:
    >>> import ember.core as mx
    >>> mx.enable_compile())");
}

}  // namespace ember::py
