// Stream workers, completion counters and the intra-op thread pool.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>

#include "ember/core/device.h"

namespace ember::scheduler {

/// A unit of a stream's work.
struct Task {
  /// The work. Catches its own exceptions. May be called a second time when
  /// a backend lost the batched work of its segment (see SegmentHooks).
  std::function<void()> run;
  /// Called once, after the segment's work was issued (e.g. drops inputs).
  std::function<void()> finish;
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
