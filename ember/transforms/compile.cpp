// compile: trace a function once per signature on Placeholder inputs, record
// the nodes that depend on them as a tape of (primitive, input slots, output
// shapes), simplify the tape (equal scalar constants, common subexpressions,
// dead nodes) and replay it on later calls as new lazy arrays that share the
// recorded primitives. Replayed graphs are ordinary graphs, so eval, grad
// and vmap of a compiled function work on them unchanged.
#include "ember/transforms/compile.h"

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <numeric>
#include <optional>
#include <queue>
#include <stdexcept>
#include <typeindex>
#include <unordered_map>
#include <unordered_set>

#include "ember/ops/shape.h"
#include "ember/ops/utils.h"
#include "ember/primitives/all.h"
#include "ember/transforms/graph.h"

namespace ember {

namespace {

std::atomic<CompileMode>& mode_ref() {
  static std::atomic<CompileMode> mode{(std::getenv("MLX_DISABLE_COMPILE") ||
                                        std::getenv("EMBER_DISABLE_COMPILE"))
                                           ? CompileMode::disabled
                                           : CompileMode::enabled};
  return mode;
}

// Primitives whose inputs and outputs all have one shape (inputs broadcast
// beforehand): shapeless replay re-derives that shape from the inputs, and a
// fusion pass may merge chains of them into one kernel.
const std::unordered_set<std::type_index>& same_shape_types() {
  static const std::unordered_set<std::type_index> types = {
#define EMBER_PRIMITIVE(NAME) std::type_index(typeid(NAME)),
#define EMBER_PRIMITIVE_MULTI(NAME) std::type_index(typeid(NAME)),
#include "ember/primitives/binary.def"
#include "ember/primitives/copy.def"
#include "ember/primitives/ternary.def"
#include "ember/primitives/unary.def"
#undef EMBER_PRIMITIVE
#undef EMBER_PRIMITIVE_MULTI
      std::type_index(typeid(StopGradient)),
      std::type_index(typeid(Compiled)),
  };
  return types;
}

// One recorded node. Its outputs occupy slots out, out + 1, ...
struct TapeNode {
  std::shared_ptr<Primitive> prim;
  std::vector<int> inputs;       // slots
  std::vector<Shape> in_shapes;  // as traced
  std::vector<Dtype> in_dtypes;
  std::vector<Shape> shapes;     // outputs as traced
  std::vector<Dtype> dtypes;
  int out = 0;
  bool multi = false;       // built with array::make_arrays
  bool same_shape = false;  // see same_shape_types()
  bool broadcast = false;
};

// Slots: inputs [0, num_inputs), constants next, then node outputs in tape
// order (after compaction; while recording they are numbered as found).
struct Entry {
  std::string key;
  int stream_index = 0;
  std::vector<Dtype> dtypes;
  std::vector<Shape> shapes;
  size_t num_inputs = 0;
  std::vector<array> constants;
  std::vector<TapeNode> tape;
  std::vector<int> outputs;
  int num_slots = 0;
  // A constant is a live graph of an enclosing transformation (vjp or vmap
  // tracer, outer compile placeholder): such a trace must not be cached.
  bool captures_tracer = false;
};

// What tracing produced before simplification: slot numbers as discovered.
struct Recording {
  size_t num_inputs = 0;
  std::vector<int> const_of_slot;  // index into constants, -1 otherwise
  std::vector<array> constants;
  std::vector<TapeNode> tape;
  std::vector<int> outputs;
};

Recording record(const std::vector<array>& placeholders,
                 const std::vector<array>& outputs) {
  Recording r;
  r.num_inputs = placeholders.size();
  std::unordered_map<uintptr_t, int> slot;
  std::vector<char> dynamic;  // per slot: depends on an input
  std::vector<array> keep;    // holds traced arrays so their ids stay unique
  std::unordered_set<uintptr_t> stop;
  for (auto& p : placeholders) {
    slot.emplace(p.id(), int(dynamic.size()));
    dynamic.push_back(1);
    r.const_of_slot.push_back(-1);
    stop.insert(p.id());
  }
  auto slot_of = [&](const array& a) {
    auto it = slot.find(a.id());
    if (it != slot.end()) return it->second;
    int k = int(dynamic.size());
    slot.emplace(a.id(), k);
    dynamic.push_back(0);
    r.const_of_slot.push_back(int(r.constants.size()));
    r.constants.push_back(a);
    return k;
  };
  const auto& same_shape = same_shape_types();
  auto add_node = [&](const array& a, std::vector<int> inputs) {
    TapeNode n;
    n.prim = a.primitive_ptr();
    const Primitive& p = *n.prim;
    n.inputs = std::move(inputs);
    for (auto& in : a.inputs()) {
      n.in_shapes.push_back(in.shape());
      n.in_dtypes.push_back(in.dtype());
    }
    n.multi = !a.node()->out_shapes.empty();
    n.same_shape = same_shape.count(std::type_index(typeid(p))) > 0;
    n.broadcast = typeid(p) == typeid(Broadcast);
    n.out = int(dynamic.size());
    for (auto& o : a.outputs()) {
      n.shapes.push_back(o.shape());
      n.dtypes.push_back(o.dtype());
      slot.emplace(o.id(), int(dynamic.size()));
      dynamic.push_back(1);
      r.const_of_slot.push_back(-1);
      keep.push_back(o);
    }
    r.tape.push_back(std::move(n));
  };
  // Broadcasts of constants used by traced nodes are recorded as nodes (free
  // views): shapeless replay re-derives their shapes, and literals broadcast
  // twice can be merged. Elsewhere they are constants like the rest.
  std::unordered_map<uintptr_t, array> const_broadcasts;
  auto input_slot = [&](const array& in) {
    auto it = const_broadcasts.find(in.id());
    if (it == const_broadcasts.end()) return slot_of(in);
    int src = slot_of(in.inputs()[0]);
    add_node(in, {src});
    const_broadcasts.erase(it);
    return slot.at(in.id());
  };
  detail::walk_graph(outputs, stop, [&](const array& a) {
    bool dep = false;
    for (auto& in : a.inputs()) {
      auto it = slot.find(in.id());
      dep = dep || (it != slot.end() && dynamic[it->second]);
    }
    if (dep) {
      std::vector<int> inputs;
      for (auto& in : a.inputs()) inputs.push_back(input_slot(in));
      add_node(a, std::move(inputs));
    } else if (typeid(a.primitive()) == typeid(Broadcast)) {
      const_broadcasts.emplace(a.id(), a);
    } else {
      // Computed from constants only: the array itself is a constant (its
      // first evaluation is shared by every replay).
      for (auto& o : a.outputs()) slot_of(o);
    }
  });
  for (auto& o : outputs) r.outputs.push_back(slot_of(o));
  return r;
}

bool equivalent(const TapeNode& a, const TapeNode& b) {
  const Primitive& pa = *a.prim;
  const Primitive& pb = *b.prim;
  if (typeid(pa) != typeid(pb) || a.inputs != b.inputs ||
      a.shapes != b.shapes || a.dtypes != b.dtypes || a.multi != b.multi ||
      pa.stream() != pb.stream()) {
    return false;
  }
  return a.prim == b.prim || pa.is_equivalent(pb);
}

size_t node_hash(const TapeNode& n) {
  const Primitive& p = *n.prim;
  size_t h = std::type_index(typeid(p)).hash_code();
  for (int s : n.inputs) h = h * 1000003u ^ std::hash<int>()(s);
  return h;
}

// ---- Kernel fusion (CompileMode::enabled) ----
// Like MLX: maximal groups of elementwise nodes of one output shape become
// one Compiled node (primitives/compiled.h) that the GPU runs as a single
// generated kernel. Members are single-output nodes whose primitive the
// code generator supports on their dtypes (detail::fusable_elementwise) and
// whose inputs already have the output shape (elementwise ops broadcast
// beforehand; Broadcast nodes stay outside and feed the group as views).
// Results used after the group (by other nodes or as function outputs)
// become the Compiled node's outputs. A group must stay convex: no path
// leaves it and comes back through outside nodes (e.g. through a sum),
// which would make the fused node depend on itself.

constexpr size_t kFuseMaxNodes = 64;
constexpr size_t kFuseMaxInputs = 24;   // kernel parameter space
constexpr size_t kFuseMaxOutputs = 16;
constexpr size_t kFuseMaxVisits = 4096;  // convexity search budget

bool fusion_enabled() {
  const char* e = std::getenv("EMBER_COMPILE_FUSE");
  return !(e && std::strcmp(e, "0") == 0);
}

struct Fuser {
  std::vector<TapeNode>& tape;
  std::vector<int>& outputs;
  int& num_slots;
  const std::vector<char>& dead;
  // Slot -> index into `constants` (or -1): scalar constants become literals
  // of the fused kernel (CompiledTape::input_literals).
  const std::vector<int>& const_of_slot;
  const std::vector<array>& constants;
  int n = 0;
  std::vector<int> producer;             // slot -> node
  std::vector<std::vector<int>> users;   // node -> consumer nodes
  std::vector<std::vector<int>> preds;   // node -> producer nodes
  std::vector<char> candidate, is_output;
  std::vector<int> group;                // node -> group id or -1
  std::vector<int> stamp;                // visit marks of the DFS
  int epoch = 0;
  // Per group: widening float casts (e.g. bfloat16 -> float32) recomputed
  // inside the group from their narrower input instead of read from their
  // materialized output, which another consumer (a reduction: logsumexp of
  // upcast logits) needs, so that the cast cannot join the group itself.
  std::vector<std::vector<int>> clones;
  std::vector<char> kept;  // per group, while run() builds the Compiled nodes

  void build() {
    n = int(tape.size());
    producer.assign(num_slots, -1);
    for (int i = 0; i < n; ++i) {
      if (dead[i]) continue;
      for (size_t k = 0; k < tape[i].shapes.size(); ++k)
        producer[tape[i].out + k] = i;
    }
    is_output.assign(num_slots, 0);
    for (int o : outputs) is_output[o] = 1;
    // Live nodes: what the outputs need (dead code would only add work).
    std::vector<char> live_slot(is_output), live(n, 0);
    for (int i = n - 1; i >= 0; --i) {
      if (dead[i]) continue;
      for (size_t k = 0; k < tape[i].shapes.size(); ++k)
        live[i] = live[i] || live_slot[tape[i].out + k];
      if (!live[i]) continue;
      for (int s : tape[i].inputs) live_slot[s] = 1;
    }
    users.assign(n, {});
    preds.assign(n, {});
    for (int i = 0; i < n; ++i) {
      if (!live[i]) continue;
      for (int s : tape[i].inputs) {
        int p = producer[s];
        if (p < 0) continue;
        if (std::find(preds[i].begin(), preds[i].end(), p) == preds[i].end()) {
          preds[i].push_back(p);
          users[p].push_back(i);
        }
      }
    }
    candidate.assign(n, 0);
    for (int i = 0; i < n; ++i) {
      const auto& t = tape[i];
      if (!live[i] || t.multi || t.shapes.size() != 1 || !t.same_shape ||
          typeid(*t.prim) == typeid(Compiled)) {
        continue;
      }
      bool ok = true;
      for (auto& s : t.in_shapes) ok = ok && s == t.shapes[0];
      candidate[i] =
          ok && detail::fusable_elementwise(*t.prim, t.in_dtypes, t.dtypes[0]);
    }
    group.assign(n, -1);
    stamp.assign(n, 0);
  }

  // True if a path from `v` along `next` (users or preds) reaches group `g`
  // through at least one node outside it, within tape positions where such
  // a path can exist ([lo, hi]).
  bool reenters(int v, int g, const std::vector<std::vector<int>>& next,
                int lo, int hi) {
    ++epoch;
    std::vector<int> stack;
    for (int u : next[v]) {
      if (group[u] != g && u >= lo && u <= hi && stamp[u] != epoch) {
        stamp[u] = epoch;
        stack.push_back(u);
      }
    }
    size_t visits = 0;
    while (!stack.empty()) {
      int u = stack.back();
      stack.pop_back();
      if (++visits > kFuseMaxVisits) return true;  // give up: don't fuse
      for (int w : next[u]) {
        if (group[w] == g) return true;
        if (w >= lo && w <= hi && stamp[w] != epoch) {
          stamp[w] = epoch;
          stack.push_back(w);
        }
      }
    }
    return false;
  }

  // External input slots and output slots of a set of members.
  void io(const std::vector<int>& members, int g, std::vector<int>* ins,
          std::vector<int>* outs) {
    const std::vector<int>* cl =
        size_t(g) < clones.size() ? &clones[g] : nullptr;
    auto cloned = [&](int p) {
      return cl && std::find(cl->begin(), cl->end(), p) != cl->end();
    };
    auto add_in = [&](int s) {
      if (std::find(ins->begin(), ins->end(), s) == ins->end()) ins->push_back(s);
    };
    for (int m : members) {
      for (int s : tape[m].inputs) {
        int p = producer[s];
        if (p >= 0 && cloned(p)) {
          add_in(tape[p].inputs[0]);  // the clone reads the cast's input
        } else if (p < 0 || group[p] != g) {
          add_in(s);
        }
      }
      bool used_outside = is_output[tape[m].out];
      for (int u : users[m]) {
        used_outside = used_outside ||
                       (group[u] != g && !reads_through_clone(u, m));
      }
      used_outside = used_outside || read_by_clone(tape[m].out, g);
      if (used_outside) outs->push_back(tape[m].out);
    }
  }

  // True if another kept group recomputes a cast of `slot` (so reads it).
  bool read_by_clone(int slot, int g) const {
    for (size_t gx = 0; gx < kept.size(); ++gx) {
      if (int(gx) == g || !kept[gx]) continue;
      for (int v : clones[gx]) {
        if (tape[v].inputs[0] == slot) return true;
      }
    }
    return false;
  }

  // True if node `u` belongs to a kept group that recomputes `m` (a cast)
  // instead of reading its result.
  bool reads_through_clone(int u, int m) const {
    int gu = group[u];
    if (gu < 0 || size_t(gu) >= kept.size() || !kept[gu]) return false;
    const auto& cl = clones[gu];
    return std::find(cl.begin(), cl.end(), m) != cl.end();
  }

  // A cast to a wider float type of a float value: exact, and cheaper to
  // redo from its input than to read back.
  bool widening_cast(int v) const {
    const auto& t = tape[v];
    if (typeid(*t.prim) != typeid(AsType) || t.inputs.size() != 1) return false;
    Dtype from = t.in_dtypes[0], to = t.dtypes[0];
    return is_floating_point(from) && is_floating_point(to) &&
           from != Dtype::complex64 && to != Dtype::complex64 &&
           size_of(from) < size_of(to);
  }

  bool compatible(int v, int root) {
    return candidate[v] && group[v] < 0 &&
           tape[v].shapes[0] == tape[root].shapes[0] &&
           tape[v].prim->stream() == tape[root].prim->stream();
  }

  // Once group `g` is complete: the widening casts whose results it reads
  // (from outside: the cast could not join, e.g. because a reduction that
  // the group depends on also reads it) are recomputed inside from their
  // narrower inputs. The group's dependencies only shrink (the cast's input
  // was one already, through the cast), and the number of inputs does not
  // grow. GPU groups only: the CPU runs a group's nodes one by one, where
  // the clone would be one more pass.
  void add_clones(const std::vector<int>& members, int g, int root) {
    if (tape[root].prim->stream().device.type != Device::gpu) return;
    for (int m : members) {
      for (int s : tape[m].inputs) {
        int v = producer[s];
        if (v < 0 || group[v] == g || !widening_cast(v) || !candidate[v] ||
            tape[v].shapes[0] != tape[root].shapes[0] ||
            tape[v].prim->stream() != tape[root].prim->stream() ||
            std::find(clones[g].begin(), clones[g].end(), v) != clones[g].end()) {
          continue;
        }
        // (Convexity rules out a cast of a member's result read back by the
        // group; checked anyway, since the clone must read an input.)
        int u = producer[tape[v].inputs[0]];
        if (u >= 0 && group[u] == g) continue;
        clones[g].push_back(v);
      }
    }
  }

  // Grows group `g` from `root` over producers and consumers.
  std::vector<int> grow(int root, int g) {
    if (clones.size() <= size_t(g)) clones.resize(g + 1);
    std::vector<int> members{root};
    group[root] = g;
    int lo = root, hi = root;
    for (size_t w = 0; w < members.size(); ++w) {
      int m = members[w];
      for (auto* next : {&preds[m], &users[m]}) {
        for (int v : *next) {
          if (members.size() >= kFuseMaxNodes || !compatible(v, root)) continue;
          int nlo = std::min(lo, v), nhi = std::max(hi, v);
          if (reenters(v, g, users, nlo, nhi) ||
              reenters(v, g, preds, nlo, nhi)) {
            continue;
          }
          group[v] = g;
          members.push_back(v);
          std::vector<int> ins, outs;
          io(members, g, &ins, &outs);
          if (ins.size() > kFuseMaxInputs || outs.size() > kFuseMaxOutputs) {
            members.pop_back();
            group[v] = -1;
            continue;
          }
          lo = nlo;
          hi = nhi;
        }
      }
    }
    add_clones(members, g, root);
    return members;
  }

  // The Compiled node of a group (members in tape order); its outputs get
  // new slots, recorded in `remap`.
  TapeNode make_node(std::vector<int> members, int g, std::vector<int>& remap) {
    std::sort(members.begin(), members.end());
    std::vector<int> ins, outs;
    io(members, g, &ins, &outs);
    auto ct = std::make_shared<CompiledTape>();
    std::unordered_map<int, int> value;  // slot -> value index
    TapeNode c;
    const TapeNode& first = tape[members[0]];
    // Clones that a member reads (a clone found while growing may have
    // lost its readers to no one, but keep the list exact).
    std::vector<int> used_clones;
    for (int v : clones[g]) {
      bool read = false;
      for (int m : members) {
        const auto& mi = tape[m].inputs;
        read = read || std::find(mi.begin(), mi.end(), tape[v].out) != mi.end();
      }
      if (read) used_clones.push_back(v);
    }
    std::vector<int> readers(used_clones);
    readers.insert(readers.end(), members.begin(), members.end());
    for (int s : ins) {
      // A scalar constant, or a Broadcast of one, feeds the group as a literal.
      int src = s;
      if (producer[s] >= 0 && tape[producer[s]].broadcast)
        src = tape[producer[s]].inputs[0];
      int ci = src < int(const_of_slot.size()) ? const_of_slot[src] : -1;
      ct->input_literals.push_back(
          ci >= 0 ? detail::literal_bits(constants[ci]) : std::nullopt);
      value.emplace(s, int(value.size()));
      // Dtype and traced shape from a node of the group that reads the slot.
      for (int m : readers) {
        const auto& t = tape[m];
        auto it = std::find(t.inputs.begin(), t.inputs.end(), s);
        if (it == t.inputs.end()) continue;
        size_t pos = it - t.inputs.begin();
        ct->input_dtypes.push_back(t.in_dtypes[pos]);
        c.in_shapes.push_back(t.in_shapes[pos]);
        c.in_dtypes.push_back(t.in_dtypes[pos]);
        break;
      }
    }
    for (int m : readers) {  // clones first: they read only inputs
      const auto& t = tape[m];
      CompiledTape::Node node{t.prim, {}, t.dtypes[0]};
      for (int s : t.inputs) node.inputs.push_back(value.at(s));
      value.emplace(t.out, int(ct->num_inputs() + ct->nodes.size()));
      ct->nodes.push_back(std::move(node));
    }
    c.inputs = ins;
    c.out = num_slots;
    for (int s : outs) {
      ct->outputs.push_back(value.at(s));
      c.shapes.push_back(first.shapes[0]);
      c.dtypes.push_back(tape[producer[s]].dtypes[0]);
      remap[s] = num_slots++;
    }
    c.multi = true;
    c.same_shape = true;
    c.prim = std::make_shared<Compiled>(first.prim->stream(), std::move(ct));
    return c;
  }

  // Returns true when the tape was rebuilt with Compiled nodes.
  bool run() {
    build();
    std::vector<std::vector<int>> groups;
    for (int i = n - 1; i >= 0; --i) {
      if (!candidate[i] || group[i] >= 0) continue;
      groups.push_back(grow(i, int(groups.size())));
      if (groups.back().size() < 2) group[i] = -2;  // may join a later group
    }
    std::vector<char> keep(groups.size());
    for (size_t g = 0; g < groups.size(); ++g) keep[g] = groups[g].size() >= 2;
    // Each group is convex, but two groups could still depend on each other
    // (a -> b and b' -> a' with no path b -> b'): the sort then finds a
    // cycle, and the groups on it are left unfused.
    for (;;) {
      kept = keep;
      std::vector<TapeNode> nodes;
      std::vector<int> pos, gid;  // old position (stable order), group
      std::vector<int> remap(num_slots, -1);
      for (size_t g = 0; g < groups.size(); ++g) {
        if (!keep[g]) continue;
        nodes.push_back(make_node(groups[g], int(g), remap));
        pos.push_back(*std::max_element(groups[g].begin(), groups[g].end()));
        gid.push_back(int(g));
      }
      if (nodes.empty()) return false;
      remap.resize(num_slots, -1);
      for (int i = 0; i < n; ++i) {
        if (dead[i] || (group[i] >= 0 && keep[group[i]])) continue;
        nodes.push_back(tape[i]);
        pos.push_back(i);
        gid.push_back(-1);
      }
      auto fix = [&](int s) { return remap[s] >= 0 ? remap[s] : s; };
      for (auto& t : nodes) {
        for (auto& s : t.inputs) s = fix(s);
      }
      std::vector<int> order = topo_order(nodes, pos);
      if (order.size() == nodes.size()) {
        std::vector<TapeNode> sorted;
        sorted.reserve(nodes.size());
        for (int k : order) sorted.push_back(std::move(nodes[k]));
        tape = std::move(sorted);
        for (auto& o : outputs) o = fix(o);
        return true;
      }
      std::vector<char> placed(nodes.size(), 0);
      for (int k : order) placed[k] = 1;
      for (size_t k = 0; k < nodes.size(); ++k) {
        if (!placed[k] && gid[k] >= 0) keep[gid[k]] = 0;
      }
    }
  }

  // Kahn's algorithm, ties broken by old position; a result shorter than
  // `nodes` means a cycle.
  std::vector<int> topo_order(const std::vector<TapeNode>& nodes,
                              const std::vector<int>& pos) {
    int m = int(nodes.size());
    std::vector<int> prod(num_slots, -1);
    for (int k = 0; k < m; ++k) {
      for (size_t j = 0; j < nodes[k].shapes.size(); ++j)
        prod[nodes[k].out + j] = k;
    }
    std::vector<std::vector<int>> succ(m);
    std::vector<int> indeg(m, 0);
    for (int k = 0; k < m; ++k) {
      for (int s : nodes[k].inputs) {
        int p = prod[s];
        if (p < 0 || p == k) continue;
        succ[p].push_back(k);
        ++indeg[k];
      }
    }
    using Item = std::pair<int, int>;  // (old position, node)
    std::priority_queue<Item, std::vector<Item>, std::greater<Item>> ready;
    for (int k = 0; k < m; ++k) {
      if (indeg[k] == 0) ready.emplace(pos[k], k);
    }
    std::vector<int> order;
    order.reserve(m);
    while (!ready.empty()) {
      int k = ready.top().second;
      ready.pop();
      order.push_back(k);
      for (int u : succ[k]) {
        if (--indeg[u] == 0) ready.emplace(pos[u], u);
      }
    }
    return order;
  }
};

// Replaces groups of elementwise nodes by Compiled nodes. The tape loses
// its dead nodes (`dead` is reset) and new slots are appended (num_slots).
void fuse(std::vector<TapeNode>& tape, std::vector<int>& outputs,
          std::vector<char>& dead, int& num_slots,
          const std::vector<int>& const_of_slot,
          const std::vector<array>& constants) {
  if (!fusion_enabled()) return;
  Fuser f{tape, outputs, num_slots, dead, const_of_slot, constants};
  if (f.run()) dead.assign(tape.size(), 0);
}


// Simplifies a recording (per `mode`) and renumbers its slots.
std::shared_ptr<Entry> simplify(Recording r, CompileMode mode) {
  int num_slots = int(r.const_of_slot.size());
  std::vector<int> rep(num_slots);  // canonical slot of each slot
  std::iota(rep.begin(), rep.end(), 0);
  std::vector<char> dead(r.tape.size(), 0);
  bool simplify = mode == CompileMode::no_fuse || mode == CompileMode::enabled;
  if (simplify) {
    // Equal 0-d constants (one per literal in the function) become one slot,
    // so that the nodes using them can be merged below.
    std::unordered_map<std::string, int> scalars;
    for (int s = 0; s < num_slots; ++s) {
      int c = r.const_of_slot[s];
      if (c < 0) continue;
      const array& a = r.constants[c];
      if (a.ndim() != 0 || a.has_primitive() || !a.is_available() ||
          !a.data_shared_ptr()) {
        continue;
      }
      std::string key(1, char(a.dtype()));
      key.append(static_cast<const char*>(a.raw_data()), a.itemsize());
      auto [it, fresh] = scalars.emplace(std::move(key), s);
      if (!fresh) rep[s] = it->second;
    }
    // Common subexpressions: same primitive type and parameters on the same
    // (canonical) inputs. The tape is in topological order, so one pass
    // also merges chains.
    std::unordered_map<size_t, std::vector<size_t>> buckets;
    for (size_t i = 0; i < r.tape.size(); ++i) {
      auto& n = r.tape[i];
      for (auto& s : n.inputs) s = rep[s];
      auto& bucket = buckets[node_hash(n)];
      for (size_t j : bucket) {
        const auto& m = r.tape[j];
        if (!equivalent(m, n)) continue;
        for (size_t k = 0; k < n.shapes.size(); ++k)
          rep[n.out + k] = m.out + int(k);
        dead[i] = 1;
        break;
      }
      if (!dead[i]) bucket.push_back(i);
    }
  }
  for (auto& o : r.outputs) o = rep[o];
  if (mode == CompileMode::enabled) {
    fuse(r.tape, r.outputs, dead, num_slots, r.const_of_slot, r.constants);
    r.const_of_slot.resize(num_slots, -1);
    for (int s = int(rep.size()); s < num_slots; ++s) rep.push_back(s);
  }

  // Dead nodes: keep what the outputs need (all outputs of a kept node).
  std::vector<char> live(num_slots, 0);
  for (int o : r.outputs) live[o] = 1;
  std::vector<char> keep_node(r.tape.size(), 0);
  for (size_t i = r.tape.size(); i-- > 0;) {
    if (dead[i]) continue;
    auto& n = r.tape[i];
    bool used = !simplify;  // no_simplify keeps every traced node
    for (size_t k = 0; k < n.shapes.size(); ++k) used = used || live[n.out + k];
    if (!used) continue;
    keep_node[i] = 1;
    for (int s : n.inputs) live[s] = 1;
  }

  auto e = std::make_shared<Entry>();
  e->num_inputs = r.num_inputs;
  std::vector<int> renum(num_slots, -1);
  int next = 0;
  for (size_t i = 0; i < r.num_inputs; ++i) renum[i] = next++;
  for (int s = 0; s < num_slots; ++s) {
    int c = r.const_of_slot[s];
    if (c < 0 || rep[s] != s || !live[s]) continue;
    renum[s] = next++;
    const array& a = r.constants[c];
    if (a.desc()->tracer && a.has_primitive()) e->captures_tracer = true;
    e->constants.push_back(a);
  }
  for (size_t i = 0; i < r.tape.size(); ++i) {
    if (!keep_node[i]) continue;
    auto& n = r.tape[i];
    int out = next;
    for (size_t k = 0; k < n.shapes.size(); ++k) renum[n.out + k] = next++;
    n.out = out;
    for (auto& s : n.inputs) s = renum[rep[s]];
    e->tape.push_back(std::move(n));
  }
  for (int o : r.outputs) e->outputs.push_back(renum[o]);
  e->num_slots = next;
  return e;
}

std::shared_ptr<Entry> trace_function(const detail::CompiledFunction::Fn& fun,
                                      const std::vector<array>& inputs,
                                      CompileMode mode, bool& cacheable) {
  detail::TracingScope scope;
  Stream s = default_stream(default_device());
  std::vector<array> placeholders;
  placeholders.reserve(inputs.size());
  for (auto& in : inputs) {
    placeholders.emplace_back(in.shape(), in.dtype(),
                              std::make_shared<Placeholder>(s, "compile"),
                              std::vector<array>{});
    placeholders.back().set_tracer(true);
  }
  auto outputs = fun(placeholders);
  auto e = simplify(record(placeholders, outputs), mode);
  cacheable = !e->captures_tracer;
  return e;
}

std::string shapes_str(const std::vector<array>& xs) {
  std::string s;
  for (size_t i = 0; i < xs.size(); ++i)
    s += (i ? ", " : "") + shape_str(xs[i].shape());
  return s;
}

[[noreturn]] void shapeless_error(const TapeNode& n,
                                  const std::vector<array>& ins,
                                  const std::string& why) {
  throw std::invalid_argument(std::string("[compile] Cannot replay ") +
                              n.prim->name() + " on inputs of new shapes (" +
                              shapes_str(ins) +
                              ") with shapeless=True: " + why);
}

// Reshape: split the traced reshape into groups of input and output axes
// with equal sizes. A group merged into one output axis (flatten, or an axis
// passed through) takes its size from the new input; unit axes added or
// removed stay so; axes split into several keep their traced sizes.
Shape reshape_shape(const TapeNode& n, const std::vector<array>& ins) {
  const Shape& in0 = n.in_shapes[0];
  const Shape& out0 = n.shapes[0];
  const Shape& in = ins[0].shape();
  auto fail = [&]() {
    shapeless_error(
        n, ins,
        "the traced reshape from " + shape_str(in0) + " to " + shape_str(out0) +
            " only follows new shapes when it flattens axes or adds or "
            "removes unit axes.");
  };
  if (in.size() != in0.size() || shape_size(in0) == 0) fail();
  Shape out;
  size_t i = 0, j = 0, n_in = in0.size(), n_out = out0.size();
  while (i < n_in || j < n_out) {
    if (i < n_in && in0[i] == 1 && (j >= n_out || out0[j] != 1)) {
      if (in[i] != 1) fail();
      ++i;
      continue;
    }
    if (j < n_out && out0[j] == 1 && (i >= n_in || in0[i] != 1)) {
      out.push_back(1);
      ++j;
      continue;
    }
    if (i >= n_in || j >= n_out) fail();
    size_t i0 = i, j0 = j;
    int64_t pi = in0[i++], pj = out0[j++];
    while (pi != pj) {
      if (pi < pj) {
        if (i >= n_in) fail();
        pi *= in0[i++];
      } else {
        if (j >= n_out) fail();
        pj *= out0[j++];
      }
    }
    if (j - j0 == 1) {
      int64_t size = 1;
      for (size_t k = i0; k < i; ++k) size *= in[k];
      out.push_back(ShapeElem(size));
    } else {
      for (size_t k = i0; k < i; ++k) {
        if (in[k] != in0[k]) fail();
      }
      out.insert(out.end(), out0.begin() + j0, out0.begin() + j);
    }
  }
  return out;
}

// Shapes compile derives itself: Reshape (needs the traced shapes) and the
// primitives that have no output_shapes yet.
std::optional<std::vector<Shape>> fallback_shapes(
    const TapeNode& n, const std::vector<array>& ins) {
  const Primitive& p = *n.prim;
  const Shape& in = ins[0].shape();
  if (auto* t = dynamic_cast<const Transpose*>(&p)) {
    Shape out;
    for (int ax : t->axes()) out.push_back(in.at(ax));
    return std::vector<Shape>{out};
  }
  if (auto* e = dynamic_cast<const ExpandDims*>(&p)) {
    Shape out = in;
    for (int ax : e->axes()) out.insert(out.begin() + ax, 1);
    return std::vector<Shape>{out};
  }
  if (auto* q = dynamic_cast<const Squeeze*>(&p)) {
    Shape out;
    const auto& axes = q->axes();
    for (int d = 0; d < int(in.size()); ++d) {
      bool drop = std::find(axes.begin(), axes.end(), d) != axes.end();
      if (drop && in[d] != 1) {
        shapeless_error(
            n, ins, "axis " + std::to_string(d) + " is no longer of size 1.");
      }
      if (!drop) out.push_back(in[d]);
    }
    return std::vector<Shape>{out};
  }
  if (typeid(p) == typeid(Matmul)) {
    const Shape& b = ins[1].shape();
    int nd = int(in.size());
    if (nd < 2 || int(b.size()) != nd ||
        !std::equal(in.begin(), in.end() - 2, b.begin()) ||
        in[nd - 1] != b[nd - 2]) {
      shapeless_error(n, ins, "the operands no longer fit a matrix product.");
    }
    Shape out(in.begin(), in.end() - 1);
    out.push_back(b[nd - 1]);
    return std::vector<Shape>{out};
  }
  return std::nullopt;
}

// Output shapes of a node replayed shapelessly on inputs of new shapes.
std::vector<Shape> new_shapes(const TapeNode& n,
                              const std::vector<array>& ins) {
  if (typeid(*n.prim) == typeid(Reshape)) return {reshape_shape(n, ins)};
  std::vector<Shape> shapes;
  try {
    shapes = n.prim->output_shapes(ins);
  } catch (const std::invalid_argument& err) {
    auto fb = fallback_shapes(n, ins);
    if (!fb) shapeless_error(n, ins, err.what());
    shapes = std::move(*fb);
  }
  if (shapes.size() != n.shapes.size()) {
    throw std::runtime_error(std::string("[compile] ") + n.prim->name() +
                             "::output_shapes returned " +
                             std::to_string(shapes.size()) + " shapes for " +
                             std::to_string(n.shapes.size()) + " outputs.");
  }
  return shapes;
}

// Batch axes for a matrix product whose operands were broadcast at trace
// time: broadcast the operands' own batch axes (traced sizes where none
// provides one), as for elementwise inputs.
void broadcast_matmul_batch(const TapeNode& n, std::vector<array>& ins,
                            const std::vector<char>& is_pending) {
  if (ins[0].ndim() < 2 || ins[1].ndim() < 2) return;
  Shape ba(ins[0].shape().begin(), ins[0].shape().end() - 2);
  Shape bb(ins[1].shape().begin(), ins[1].shape().end() - 2);
  Shape batch;
  try {
    batch = broadcast_shapes(ba, bb);
  } catch (const std::invalid_argument&) {
    shapeless_error(n, ins, "the batch axes don't broadcast.");
  }
  const Shape& traced = n.shapes[0];
  size_t traced_batch = traced.size() - 2;
  if (batch.size() < traced_batch) {
    batch.insert(batch.begin(), traced.begin(),
                 traced.begin() + (traced_batch - batch.size()));
  }
  for (int k = 0; k < 2; ++k) {
    if (!is_pending[k]) continue;
    Shape target = batch;
    target.insert(target.end(), ins[k].shape().end() - 2, ins[k].shape().end());
    if (ins[k].shape() != target)
      ins[k] = broadcast_to(ins[k], target, n.prim->stream());
  }
}

std::vector<array> replay(const Entry& e, const std::vector<array>& inputs,
                          bool shapeless) {
  std::vector<array> v(inputs.begin(), inputs.end());
  v.insert(v.end(), e.constants.begin(), e.constants.end());
  v.resize(e.num_slots, array(std::shared_ptr<ArrayDesc>()));
  // Shapeless: a Broadcast's target shape depends on the other operands of
  // its consumer, so it is applied there (pending[slot] = its tape index).
  std::vector<int> pending;
  if (shapeless) pending.assign(e.num_slots, -1);
  auto materialize = [&](int slot) {
    const auto& b = e.tape[pending[slot]];
    const Shape& target = b.shapes[0];
    try {
      v[slot] = broadcast_to(v[slot], target, b.prim->stream());
    } catch (const std::invalid_argument&) {
      throw std::invalid_argument(
          "[compile] Cannot replay Broadcast with shapeless=True: its input "
          "now has shape " +
          shape_str(v[slot].shape()) + " and its traced target shape " +
          shape_str(target) +
          " is fixed (a target is re-derived only where the result feeds an "
          "elementwise operation).");
    }
    pending[slot] = -1;
    return v[slot];
  };
  std::vector<array> ins;
  for (size_t t = 0; t < e.tape.size(); ++t) {
    const auto& n = e.tape[t];
    ins.clear();
    for (int s : n.inputs) ins.push_back(v[s]);
    const std::vector<Shape>* shapes = &n.shapes;
    std::vector<Shape> fresh;
    if (shapeless) {
      if (n.broadcast) {
        v[n.out] = ins[0];
        pending[n.out] = int(t);
        continue;
      }
      if (n.same_shape) {
        std::vector<Shape> in_shapes;
        for (auto& a : ins) in_shapes.push_back(a.shape());
        Shape common;
        try {
          common = broadcast_shapes(in_shapes);
        } catch (const std::invalid_argument&) {
          throw std::invalid_argument(
              std::string("[compile] The inputs of ") + n.prim->name() +
              " have shapes (" + shapes_str(ins) +
              ") that cannot be broadcast together in a shapeless replay.");
        }
        // Dimensions no input provides (constants broadcast at trace time)
        // keep their traced sizes.
        const Shape& traced = n.shapes[0];
        if (common.size() < traced.size()) {
          common.insert(common.begin(), traced.begin(),
                        traced.begin() + (traced.size() - common.size()));
        }
        // A fused group computes every output at the common shape; if an
        // inner result that is an output would be smaller unfused (inputs
        // of new shapes broadcast only later in the group), replay it
        // unfused instead.
        if (auto* c = dynamic_cast<const Compiled*>(n.prim.get())) {
          bool fits = true;
          for (auto& sh : c->expanded_shapes(in_shapes, &traced))
            fits = fits && sh == common;
          if (!fits) {
            auto outs = c->expand(ins, &traced);
            for (size_t k = 0; k < outs.size(); ++k) v[n.out + k] = outs[k];
            continue;
          }
        }
        for (auto& a : ins) {
          if (a.shape() != common)
            a = broadcast_to(a, common, n.prim->stream());
        }
        fresh.assign(n.shapes.size(), common);
        shapes = &fresh;
      } else {
        std::vector<char> is_pending(ins.size());
        for (size_t k = 0; k < ins.size(); ++k)
          is_pending[k] = pending[n.inputs[k]] >= 0;
        if (typeid(*n.prim) == typeid(Matmul) &&
            (is_pending[0] || is_pending[1])) {
          broadcast_matmul_batch(n, ins, is_pending);
          is_pending[0] = is_pending[1] = 0;
        }
        bool same = true;
        for (size_t k = 0; k < ins.size(); ++k) {
          if (is_pending[k]) ins[k] = materialize(n.inputs[k]);
          same = same && ins[k].shape() == n.in_shapes[k];
        }
        if (!same) {
          fresh = new_shapes(n, ins);
          shapes = &fresh;
        }
      }
    }
    if (n.multi) {
      auto outs = array::make_arrays(*shapes, n.dtypes, n.prim, ins);
      for (size_t k = 0; k < outs.size(); ++k)
        v[n.out + k] = std::move(outs[k]);
    } else {
      v[n.out] = array((*shapes)[0], n.dtypes[0], n.prim, ins);
    }
  }
  std::vector<array> outputs;
  outputs.reserve(e.outputs.size());
  for (int o : e.outputs) {
    if (shapeless && pending[o] >= 0) materialize(o);
    outputs.push_back(v[o]);
  }
  return outputs;
}

bool matches(const Entry& e, const std::string& key, int stream_index,
             const std::vector<array>& inputs, bool shapeless) {
  if (e.key != key || e.stream_index != stream_index ||
      e.num_inputs != inputs.size()) {
    return false;
  }
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (inputs[i].dtype() != e.dtypes[i]) return false;
    if (shapeless ? inputs[i].ndim() != int(e.shapes[i].size())
                  : inputs[i].shape() != e.shapes[i]) {
      return false;
    }
  }
  return true;
}

}  // namespace

void set_compile_mode(CompileMode mode) { mode_ref().store(mode); }
CompileMode compile_mode() { return mode_ref().load(); }
void disable_compile() { set_compile_mode(CompileMode::disabled); }
void enable_compile() { set_compile_mode(CompileMode::enabled); }

namespace detail {

struct CompiledFunction::Impl {
  bool shapeless = false;
  mutable std::mutex mtx;  // guards entries and traces, not the tracing itself
  std::vector<std::shared_ptr<const Entry>> entries;
  size_t traces = 0;
};

CompiledFunction::CompiledFunction(bool shapeless)
    : impl_(std::make_unique<Impl>()) {
  impl_->shapeless = shapeless;
}
CompiledFunction::~CompiledFunction() = default;

bool CompiledFunction::shapeless() const { return impl_->shapeless; }

size_t CompiledFunction::num_traces() const {
  std::lock_guard<std::mutex> lock(impl_->mtx);
  return impl_->traces;
}

void CompiledFunction::clear() {
  std::lock_guard<std::mutex> lock(impl_->mtx);
  impl_->entries.clear();
}

std::vector<CompiledEntryInfo> CompiledFunction::entries() const {
  std::lock_guard<std::mutex> lock(impl_->mtx);
  std::vector<CompiledEntryInfo> infos;
  for (auto& e : impl_->entries) {
    CompiledEntryInfo info;
    info.num_inputs = e->num_inputs;
    info.num_constants = e->constants.size();
    info.num_outputs = e->outputs.size();
    for (auto& n : e->tape) {
      info.nodes.emplace_back(n.prim->name());
      if (auto* c = dynamic_cast<const Compiled*>(n.prim.get())) {
        info.fused.emplace_back();
        for (auto& sub : c->tape().nodes)
          info.fused.back().emplace_back(sub.prim->name());
      }
    }
    infos.push_back(std::move(info));
  }
  return infos;
}

std::vector<array> CompiledFunction::operator()(
    const Fn& fun, const std::vector<array>& inputs, const std::string& key) {
  CompileMode mode = compile_mode();
  if (mode == CompileMode::disabled) return fun(inputs);
  int stream_index = default_stream(default_device()).index;
  bool shapeless = impl_->shapeless;
  std::shared_ptr<const Entry> entry;
  {
    std::lock_guard<std::mutex> lock(impl_->mtx);
    for (auto& e : impl_->entries) {
      if (matches(*e, key, stream_index, inputs, shapeless)) {
        entry = e;
        break;
      }
    }
  }
  if (!entry) {
    // Traced without the lock: the function may call compiled functions
    // (or this one) and, in Python, release the GIL.
    bool cacheable = true;
    auto fresh = trace_function(fun, inputs, mode, cacheable);
    fresh->key = key;
    fresh->stream_index = stream_index;
    for (auto& in : inputs) {
      fresh->dtypes.push_back(in.dtype());
      fresh->shapes.push_back(in.shape());
    }
    std::lock_guard<std::mutex> lock(impl_->mtx);
    ++impl_->traces;
    if (cacheable) impl_->entries.push_back(fresh);
    entry = std::move(fresh);
  }
  return replay(*entry, inputs, shapeless);
}

}  // namespace detail

std::function<std::vector<array>(const std::vector<array>&)> compile(
    std::function<std::vector<array>(const std::vector<array>&)> fun,
    bool shapeless) {
  if (!fun) throw std::invalid_argument("[compile] The function is empty.");
  auto cache = std::make_shared<detail::CompiledFunction>(shapeless);
  return [cache, fun = std::move(fun)](const std::vector<array>& inputs) {
    return (*cache)(fun, inputs);
  };
}

std::function<array(const array&)> compile(
    std::function<array(const array&)> fun, bool shapeless) {
  if (!fun) throw std::invalid_argument("[compile] The function is empty.");
  auto f = compile(
      [fun = std::move(fun)](const std::vector<array>& xs) {
        return std::vector<array>{fun(xs[0])};
      },
      shapeless);
  return [f](const array& x) { return f({x})[0]; };
}

}  // namespace ember
