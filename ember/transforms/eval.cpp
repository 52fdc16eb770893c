#include "ember/transforms/eval.h"

#include <atomic>
#include <vector>

#include "ember/core/scheduler.h"
#include "ember/primitives/primitive.h"

namespace ember {

namespace {

// Builds the tape: every unscheduled array the outputs depend on, inputs
// before users, each node once (siblings are scheduled with their first
// output). Iterative DFS so deep graphs don't overflow the stack.
std::atomic<uint64_t> g_epoch{0};

std::vector<array> build_tape(const std::vector<array>& outputs) {
  std::vector<array> tape;
  uint64_t epoch = ++g_epoch;
  auto first_visit = [epoch](Node* n) {
    if (n->visit_epoch == epoch) return false;
    n->visit_epoch = epoch;
    return true;
  };
  struct Frame {
    array a;
    size_t next_input;
  };
  std::vector<Frame> stack;
  for (auto& out : outputs) {
    if (out.status() != Status::unscheduled) continue;
    Node* n = out.node().get();
    if (!first_visit(n)) continue;
    stack.push_back({out, 0});
    while (!stack.empty()) {
      auto& f = stack.back();
      auto& ins = f.a.inputs();
      if (f.next_input < ins.size()) {
        const array& in = ins[f.next_input++];
        if (in.status() == Status::unscheduled) {
          Node* m = in.node().get();
          if (first_visit(m)) stack.push_back({in, 0});
        }
        continue;
      }
      tape.push_back(std::move(f.a));
      stack.pop_back();
    }
  }
  return tape;
}

void run_node(Primitive& p, const std::vector<array>& inputs,
              std::vector<array>& outputs) {
  for (auto& in : inputs) {
    if (in.error()) std::rethrow_exception(in.error());
  }
  if (p.device().type == DeviceType::cpu) {
    // CPU kernels donate an input by sharing its buffer (copy_shared_buffer)
    // and writing into it; such an output is no view. Which inputs could be
    // donated is only known before the kernel runs.
    std::vector<char> donatable;
    if (residency_hooks().to_host) {
      donatable.resize(inputs.size());
      for (size_t i = 0; i < inputs.size(); ++i) {
        donatable[i] = inputs[i].is_donatable();
      }
    }
    p.eval_cpu(inputs, outputs);
    // A buffer written here (fresh or donated by an input) is valid only on
    // the host now; views of inputs keep their residency. So does a donated
    // buffer the host never touched (no kHost bit: writing goes through
    // host_ptr, which sets it), e.g. a contiguous copy taking over a GPU
    // result: marking it host-only would expose its null host pointer.
    for (auto& o : outputs) {
      auto d = o.data_shared_ptr();
      if (!d) continue;
      uint8_t v = d->valid.load(std::memory_order_relaxed);
      if (v == Data::kHost || !(v & Data::kHost)) continue;
      bool view = false;
      for (size_t i = 0; i < inputs.size(); ++i) {
        bool donated = i < donatable.size() && donatable[i];
        view = view || (!donated && inputs[i].data_shared_ptr() == d);
      }
      if (!view) d->valid.store(Data::kHost, std::memory_order_release);
    }
  } else {
    auto& hooks = residency_hooks();
    if (!hooks.before_gpu) {
      throw std::runtime_error("[eval] No GPU backend is available to run " +
                               std::string(p.name()) + ".");
    }
    hooks.before_gpu(inputs, p.stream());
    p.eval_gpu(inputs, outputs);
    hooks.after_gpu(p, inputs, outputs, p.stream());
  }
}

// What kernels a node will run, as far as cheaply known: the primitive's
// kind and the inputs' and outputs' dtypes and shapes (a backend that
// batches repeated segments of work keys them by this).
uint64_t work_key(const Primitive& p, const std::vector<array>& inputs,
                  const std::vector<array>& outputs) {
  uint64_t h = reinterpret_cast<uintptr_t>(p.name());
  auto mix = [&h](uint64_t v) { h = (h ^ v) * 0x100000001b3ULL; };
  auto add = [&](const array& a) {
    mix(uint64_t(a.dtype()) + 1000 * uint64_t(a.ndim()));
    for (auto d : a.shape()) mix(uint64_t(d));
  };
  for (auto& in : inputs) add(in);
  for (auto& o : outputs) add(o);
  return h;
}

void schedule(std::vector<array>& tape) {
  size_t i = 0;
  while (i < tape.size()) {
    // Runs of consecutive nodes on one stream are submitted as one batch;
    // inputs from other streams belong to earlier runs, so their sequence
    // numbers are known.
    Stream stream = tape[i].node()->primitive->stream();
    scheduler::Submission sub(stream);
    for (; i < tape.size(); ++i) {
      auto& a = tape[i];
      auto node = a.node();
      if (node->primitive->stream() != stream) break;
      auto outputs = a.outputs();
      std::vector<std::pair<Stream, uint64_t>> waits;
      for (auto& in : node->inputs) {
        if (in.status() == Status::scheduled && in.event_stream() != stream) {
          waits.emplace_back(in.event_stream(), in.event_seq());
        }
      }
      bool keep_graph = false;
      for (auto& o : outputs) keep_graph = keep_graph || o.is_tracer();
      for (auto& o : outputs) o.set_status(Status::scheduled);
      scheduler::Task task;
      if (stream.device.type == DeviceType::gpu) {
        task.key = work_key(*node->primitive, node->inputs, outputs);
      }
      task.barrier = !waits.empty();
      uint64_t seq = sub.next_seq();
      for (auto& o : outputs) {
        o.set_event(stream, seq);
        if (!keep_graph) o.detach();
      }
      // Release inputs on the worker so their buffers can be reused.
      if (!keep_graph) task.finish = [node] { node->inputs.clear(); };
      task.run = [node = std::move(node), outputs = std::move(outputs),
                  waits = std::move(waits)]() mutable {
        try {
          for (auto& [s, q] : waits) scheduler::wait_for(s, q);
          for (auto& o : outputs) o.set_error(nullptr);  // a second run
          run_node(*node->primitive, node->inputs, outputs);
        } catch (...) {
          auto e = std::current_exception();
          for (auto& o : outputs) o.set_error(e);
        }
      };
      sub.push(std::move(task));
      // Drop the tape's reference so that inputs can be donated.
      a = array(std::shared_ptr<ArrayDesc>());
    }
  }
}

}  // namespace

void async_eval(std::vector<array> outputs) {
  auto tape = build_tape(outputs);
  schedule(tape);
}

void eval(std::vector<array> outputs) {
  async_eval(outputs);
  std::exception_ptr first;
  for (auto& o : outputs) {
    try {
      o.wait();
    } catch (...) {
      if (!first) first = std::current_exception();
    }
  }
  if (first) std::rethrow_exception(first);
}

}  // namespace ember
