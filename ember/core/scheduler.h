// Stream workers, completion counters and the intra-op thread pool.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>

#include "ember/core/device.h"

namespace ember::scheduler {

/// Holds a stream's queue while several tasks are pushed; the worker starts
/// on them when the Submission is destroyed, and on long batches every 64
/// tasks, when the next push begins (so a task may run once the caller has
/// pushed the one after it). Never wait on anything while one is alive.
class Submission {
 public:
  explicit Submission(Stream s);
  ~Submission();
  Submission(const Submission&) = delete;
  Submission& operator=(const Submission&) = delete;
  /// Queues a task; returns its sequence number.
  uint64_t push(std::function<void()> task);

 private:
  struct Impl;
  Impl* impl_;
};

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
