// ember.core.distributed (spec/submodules.md §5). ember has no communication
// backend yet (TODO(#4): ring/MPI/NCCL), so `init()` returns the singleton
// group (size 1), on which every collective is the identity, as MLX does when
// no backend can form a group. `init(strict=True)` raises.
#include <algorithm>

#include "utils.h"

namespace ember::py {

namespace {

struct Group {
  int rank = 0;
  int size = 1;
};

const char* kBackends[] = {"any", "mpi", "ring", "nccl", "jaccl"};

void check_backend(const std::string& b, const char* op) {
  if (std::find(std::begin(kBackends), std::end(kBackends), b) == std::end(kBackends)) {
    throw std::invalid_argument(std::string("[distributed.") + op +
                                "] Unknown backend '" + b +
                                "'; expected 'any', 'mpi', 'ring', 'nccl' or 'jaccl'.");
  }
}

Group resolve(nb::handle g) {
  if (g.is_none()) return Group{};
  if (!nb::isinstance<Group>(g)) {
    throw nb::type_error("[distributed] group must be a Group or None.");
  }
  return *nb::inst_ptr<Group>(g);
}

void check_peer(int peer, const Group& g, const char* op, const char* what) {
  if (peer < 0 || peer >= g.size) {
    throw std::invalid_argument(std::string("[distributed.") + op + "] Invalid " + what +
                                " rank " + std::to_string(peer) + " for a group of size " +
                                std::to_string(g.size) + ".");
  }
  if (peer == g.rank) {
    throw std::invalid_argument(std::string("[distributed.") + op + "] Cannot " + op +
                                " to/from this process's own rank " +
                                std::to_string(peer) + ".");
  }
}

}  // namespace

void init_distributed(nb::module_& parent) {
  auto m = parent.def_submodule(
      "distributed",
      "Collectives across processes (single-process group only: no backend yet).");
  nb::class_<Group>(m, "Group", "A group of processes that communicate.")
      .def("rank", [](const Group& g) { return g.rank; }, "This process's rank in the group.")
      .def("size", [](const Group& g) { return g.size; }, "Number of processes in the group.")
      .def("split", [](const Group& g, int /*color*/, int /*key*/) { return g; },
           "color"_a, "key"_a = -1,
           "Subgroup of the processes with the same color (ordered by key).")
      .def("__repr__", [](const Group& g) {
        return "Group(rank=" + std::to_string(g.rank) + ", size=" + std::to_string(g.size) + ")";
      });
  m.def(
      "is_available",
      [](const std::string& backend) {
        check_backend(backend, "is_available");
        return false;
      },
      "backend"_a = "any",
      R"(Whether a communication backend is compiled in (none in ember yet).

Args:
    backend (str): 'any', 'mpi', 'ring', 'nccl' or 'jaccl'.

Returns:
    bool

Example:
    >>> import ember.core as mx
    >>> mx.distributed.is_available()
    False)");
  m.def(
      "init",
      [](bool strict, const std::string& backend, nb::handle /*all_gather_factory*/) {
        check_backend(backend, "init");
        if (strict) {
          throw std::runtime_error("[distributed.init] No distributed backend ('" + backend +
                                   "') is available in ember.");
        }
        return Group{};
      },
      "strict"_a = false, "backend"_a = "any", nb::kw_only(),
      "all_gather_factory"_a = nb::none(),
      R"(The global group; the singleton group (size 1) when no backend forms one.

Args:
    strict (bool): Raise instead of falling back to the singleton group.
    backend (str): Backend to try.

Returns:
    Group

Example:
    >>> import ember.core as mx
    >>> mx.distributed.init().size()
    1)");

  auto identity = [&m](const char* name, const char* doc) {
    m.def(
        name,
        [](nb::handle x, nb::handle group, StreamOrDevice) {
          resolve(group);
          return to_array(x);
        },
        "x"_a, nb::kw_only(), "group"_a = nb::none(), "stream"_a = nb::none(), doc);
  };
  identity("all_sum", R"(Sum of x over the group (the identity on a size-1 group).

Args:
    x (array): Input.
    group (Group | None): The group (None = global).

Returns:
    array

Example:
    >>> import ember.core as mx
    >>> mx.distributed.all_sum(mx.array([1.0, 2.0])).tolist()
    [1.0, 2.0])");
  identity("all_max", R"(Elementwise maximum over the group.

Args:
    x (array): Input.
    group (Group | None): The group (None = global).

Returns:
    array

Example:
    >>> import ember.core as mx
    >>> mx.distributed.all_max(mx.array([1, 5])).tolist()
    [1, 5])");
  identity("all_min", R"(Elementwise minimum over the group.

Args:
    x (array): Input.
    group (Group | None): The group (None = global).

Returns:
    array

Example:
    >>> import ember.core as mx
    >>> mx.distributed.all_min(mx.array([1, 5])).tolist()
    [1, 5])");
  identity("all_gather", R"(Concatenation of every process's x along axis 0.

Args:
    x (array): Input.
    group (Group | None): The group (None = global).

Returns:
    array

Example:
    >>> import ember.core as mx
    >>> mx.distributed.all_gather(mx.array([[1, 2]])).shape
    (1, 2))");
  identity("sum_scatter", R"(Sum over the group, scattered along axis 0.

Args:
    x (array): Input (x.shape[0] divisible by the group size).
    group (Group | None): The group (None = global).

Returns:
    array

Example:
    >>> import ember.core as mx
    >>> mx.distributed.sum_scatter(mx.array([1.0, 2.0])).tolist()
    [1.0, 2.0])");
  m.def(
      "send",
      [](nb::handle x, int dst, nb::handle group, StreamOrDevice) {
        Group g = resolve(group);
        check_peer(dst, g, "send", "destination");
        return to_array(x);
      },
      "x"_a, "dst"_a, nb::kw_only(), "group"_a = nb::none(), "stream"_a = nb::none(),
      R"(Sends x to rank dst (evaluating the result sends).

Args:
    x (array): Data to send.
    dst (int): Destination rank.
    group (Group | None): The group (None = global).

Returns:
    array)");
  m.def(
      "recv",
      [](nb::handle /*shape*/, nb::handle /*dtype*/, int src, nb::handle group,
         StreamOrDevice) -> array {
        Group g = resolve(group);
        check_peer(src, g, "recv", "source");
        throw std::runtime_error("[distributed.recv] unreachable");
      },
      "shape"_a, "dtype"_a, "src"_a, nb::kw_only(), "group"_a = nb::none(),
      "stream"_a = nb::none(),
      R"(Receives an array of the given shape and dtype from rank src.

Args:
    shape (list[int]): Shape.
    dtype (Dtype): Dtype.
    src (int): Source rank.
    group (Group | None): The group (None = global).

Returns:
    array)");
  m.def(
      "recv_like",
      [](nb::handle /*x*/, int src, nb::handle group, StreamOrDevice) -> array {
        Group g = resolve(group);
        check_peer(src, g, "recv_like", "source");
        throw std::runtime_error("[distributed.recv_like] unreachable");
      },
      "x"_a, "src"_a, nb::kw_only(), "group"_a = nb::none(), "stream"_a = nb::none(),
      R"(Receives an array shaped like x from rank src.

Args:
    x (array): Template for shape and dtype.
    src (int): Source rank.
    group (Group | None): The group (None = global).

Returns:
    array)");
}

}  // namespace ember::py
