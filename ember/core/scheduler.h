// Stream workers, completion counters and the intra-op thread pool.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <new>
#include <type_traits>
#include <utility>

#include "ember/core/device.h"

namespace ember::scheduler {

/// A move-only `void()` callable that keeps closures of up to 64 bytes in
/// place (eval makes a task per op; std::function would allocate each).
class TaskFn {
 public:
  TaskFn() = default;
  template <typename F, typename = std::enable_if_t<
                            !std::is_same_v<std::decay_t<F>, TaskFn>>>
  TaskFn(F&& f) {  // NOLINT: implicit, like std::function
    emplace(std::forward<F>(f));
  }
  template <typename F, typename = std::enable_if_t<
                            !std::is_same_v<std::decay_t<F>, TaskFn>>>
  TaskFn& operator=(F&& f) {
    reset();
    emplace(std::forward<F>(f));
    return *this;
  }
  TaskFn(TaskFn&& o) noexcept { take(o); }
  TaskFn& operator=(TaskFn&& o) noexcept {
    if (this != &o) {
      reset();
      take(o);
    }
    return *this;
  }
  TaskFn(const TaskFn&) = delete;
  TaskFn& operator=(const TaskFn&) = delete;
  ~TaskFn() { reset(); }

  explicit operator bool() const { return ops_ != nullptr; }
  void operator()() { ops_->call(buf_); }

 private:
  struct Ops {
    void (*call)(void*);
    void (*move)(void* dst, void* src);  // move-constructs, destroys src
    void (*destroy)(void*);
  };
  static constexpr size_t kInline = 64;

  template <typename F>
  static constexpr bool fits = sizeof(F) <= kInline &&
                               alignof(F) <= alignof(std::max_align_t) &&
                               std::is_nothrow_move_constructible_v<F>;

  template <typename F>
  static const Ops* ops_for() {
    if constexpr (fits<F>) {
      static constexpr Ops ops{
          [](void* p) { (*static_cast<F*>(p))(); },
          [](void* d, void* s) {
            new (d) F(std::move(*static_cast<F*>(s)));
            static_cast<F*>(s)->~F();
          },
          [](void* p) { static_cast<F*>(p)->~F(); }};
      return &ops;
    } else {
      static constexpr Ops ops{
          [](void* p) { (**static_cast<F**>(p))(); },
          [](void* d, void* s) { *static_cast<F**>(d) = *static_cast<F**>(s); },
          [](void* p) { delete *static_cast<F**>(p); }};
      return &ops;
    }
  }

  template <typename F>
  void emplace(F&& f) {
    using D = std::decay_t<F>;
    if constexpr (std::is_same_v<D, std::function<void()>>) {
      if (!static_cast<bool>(f)) return;  // an empty std::function
    }
    if constexpr (fits<D>) {
      new (buf_) D(std::forward<F>(f));
    } else {
      *reinterpret_cast<D**>(buf_) = new D(std::forward<F>(f));
    }
    ops_ = ops_for<D>();
  }
  void take(TaskFn& o) noexcept {
    if (o.ops_ == nullptr) return;
    o.ops_->move(buf_, o.buf_);
    ops_ = o.ops_;
    o.ops_ = nullptr;
  }
  void reset() noexcept {
    if (ops_ != nullptr) ops_->destroy(buf_);
    ops_ = nullptr;
  }

  alignas(std::max_align_t) unsigned char buf_[kInline];
  const Ops* ops_ = nullptr;
};

/// A unit of a stream's work.
struct Task {
  /// The work. Catches its own exceptions. May be called a second time when
  /// a backend lost the batched work of its segment (see SegmentHooks).
  TaskFn run;
  /// Called once, after the segment's work was issued (e.g. drops inputs).
  TaskFn finish;
  /// Identifies the kind of work (equal keys: the same kernels, other data).
  uint64_t key = 0;
  /// Starts a new segment (set for tasks that wait on other streams).
  bool barrier = false;
};

/// Holds a stream's submit lock while several tasks are pushed (other
/// Submissions to the stream wait, so sequence numbers follow queue order);
/// tasks are handed to the worker every 64, when the next push begins (so a
/// task may run once the caller has pushed the one after it), and when the
/// Submission is destroyed. Never wait on anything while one is alive. The
/// tasks handed over at once form a segment (also split at barriers).
class Submission {
 public:
  explicit Submission(Stream s);
  ~Submission();
  Submission(const Submission&) = delete;
  Submission& operator=(const Submission&) = delete;
  /// Queues a task; returns its sequence number.
  uint64_t push(Task task);
  /// The sequence number the next push will return.
  uint64_t next_seq() const;

 private:
  struct Impl;
  Impl* impl_;
};

/// How a device backend batches a segment of a stream's tasks (the CUDA
/// backend captures it into a CUDA graph). The worker calls begin() before
/// the segment's tasks run; when it returns true, the tasks' completion is
/// published only after end(), which issues the batched work and returns
/// false if it was lost (the worker then runs the tasks again, unbatched).
/// The hooks must not throw.
struct SegmentHooks {
  bool (*begin)(Stream s, uint64_t key, size_t ntasks) = nullptr;
  bool (*end)(Stream s) = nullptr;
};
SegmentHooks& segment_hooks();

/// Blocks until the stream has completed work up to `seq`.
void wait_for(Stream s, uint64_t seq);
/// Like wait_for, but gives up after `timeout`; returns whether it is done
/// (lets a caller poll for interrupts while a long eval runs).
bool wait_for(Stream s, uint64_t seq, std::chrono::microseconds timeout);
/// Blocks until everything queued so far on the stream has run.
void synchronize(Stream s);

/// Number of threads kernels may use (cores, at least 1).
int num_threads();
/// Runs fn(begin, end) over [0, n) split into chunks of at least `grain`
/// items across the pool; the caller runs a share and waits for the rest.
void parallel_for(int64_t n, int64_t grain,
                  const std::function<void(int64_t, int64_t)>& fn);

}  // namespace ember::scheduler

namespace ember {
/// Waits for all work queued on a stream (default stream if none given).
void synchronize(StreamOrDevice s = {});
}  // namespace ember
