#include "ember/core/scheduler.h"

#include "ember/core/array.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <vector>

namespace ember::scheduler {

namespace {

// Set on pool threads and during a parallel_for: nested calls run serially.
thread_local bool in_parallel_region = false;

// One worker thread per stream runs its tasks in order. `done` counts
// completed tasks; waiters spin briefly, then sleep on the condition variable.
// Two locks: a Submission holds `submit_mtx_` for its whole life (so the
// sequence numbers of one Submission are consecutive and in queue order)
// and collects tasks in a chunk of its own; handing a chunk over takes
// `mtx_` (the ready queue, sleeping, waiters) only briefly, so the worker
// starts on the first chunk while the rest is still being pushed.
class StreamWorker {
 public:
  static constexpr int kGpuSpinUs = 2000;

  struct Queued {
    Task task;
    bool seg_end = false;  // the last task of its segment
  };

  explicit StreamWorker(Stream s) : stream_(s), thread_([this] { run(); }) {}
  ~StreamWorker() {
    {
      std::lock_guard<std::mutex> lk(mtx_);
      stop_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }

  // Batched submission: the caller holds the submit lock while it pushes
  // tasks into its chunk (sequence numbers are assigned then) and hands
  // the chunk over as a segment; the worker wakes once per chunk.
  std::unique_lock<std::mutex> lock() {
    return std::unique_lock<std::mutex>(submit_mtx_);
  }
  uint64_t next_seq_locked() const { return submitted_ + 1; }
  uint64_t push_locked(std::vector<Queued>& chunk, Task task) {
    if (task.barrier && !chunk.empty()) chunk.back().seg_end = true;
    chunk.push_back({std::move(task), false});
    return ++submitted_;
  }
  // Queues the chunk (its last task ends a segment) and wakes the worker.
  void hand_over(std::vector<Queued>& chunk) {
    if (chunk.empty()) return;
    chunk.back().seg_end = true;
    size_t n = chunk.size();
    bool wake;
    {
      std::lock_guard<std::mutex> lk(mtx_);
      if (queue_.empty()) {
        queue_.swap(chunk);  // no moves; buffers circulate without allocating
      } else {
        for (auto& q : chunk) queue_.push_back(std::move(q));
      }
      ready_.fetch_add(n, std::memory_order_release);  // seen by a spinning worker
      wake = sleeping_;
    }
    chunk.clear();
    if (wake) cv_.notify_one();
  }

  // Returns false if `deadline` passed first.
  bool wait_for(uint64_t seq, std::chrono::steady_clock::time_point deadline =
                                  std::chrono::steady_clock::time_point::max()) {
    // Spin for at most ~20 us (short graphs finish by then), then sleep so
    // that a long kernel (e.g. a threaded GEMM) keeps every core.
    auto start = std::chrono::steady_clock::now();
    for (int i = 0;; ++i) {
      if (done_.load(std::memory_order_acquire) >= seq) return true;
      if ((i & 63) == 63 && std::chrono::steady_clock::now() - start >
                                std::chrono::microseconds(20)) {
        break;
      }
    }
    std::unique_lock<std::mutex> lk(mtx_);
    ++waiters_;
    bool done = false;
    while (true) {
      // Publish the target before re-checking `done_` (the worker increments
      // `done_` before reading the target), so one side always sees the other.
      uint64_t cur = wake_at_.load();
      while (seq < cur && !wake_at_.compare_exchange_weak(cur, seq)) {
      }
      if (done_.load() >= seq) {
        done = true;
        break;
      }
      auto now = std::chrono::steady_clock::now();
      if (now >= deadline) break;
      done_cv_.wait_for(lk, std::min<std::chrono::steady_clock::duration>(
                                std::chrono::milliseconds(2), deadline - now));
    }
    --waiters_;
    return done;
  }



  uint64_t submitted() {
    std::lock_guard<std::mutex> lk(submit_mtx_);
    return submitted_;
  }

 private:
  void run() {
    std::vector<Queued> batch;
    while (true) {
      {
        std::unique_lock<std::mutex> lk(mtx_);
        if (queue_.empty()) {
          // Spin (without the lock) before sleeping: eval usually queues
          // more soon, and waking a sleeping thread costs tens of us on some
          // hosts. A GPU stream's worker spins longer, yielding the core:
          // its host work is short launches, and the next eval usually comes
          // once the caller has waited for the GPU work just launched (the
          // wake-up would otherwise delay every eval's first kernel).
          uint64_t taken = ready_.load(std::memory_order_acquire);
          lk.unlock();
          auto start = std::chrono::steady_clock::now();
          auto limit = std::chrono::microseconds(
              stream_.device.type == DeviceType::gpu ? kGpuSpinUs : 20);
          for (int i = 0;; ++i) {
            if (ready_.load(std::memory_order_acquire) != taken) break;
            if ((i & 63) == 63) {
              auto spent = std::chrono::steady_clock::now() - start;
              if (spent > limit) break;
              if (spent > std::chrono::microseconds(20)) std::this_thread::yield();
            }
          }
          lk.lock();
          sleeping_ = true;
          cv_.wait(lk, [&] { return !queue_.empty() || stop_; });
          sleeping_ = false;
        }
        if (queue_.empty() && stop_) return;
        batch.swap(queue_);
      }
      // Segments: runs of tasks up to a marked end (Submission marks the
      // last task of each hand-over, so a batch holds whole segments).
      size_t i = 0;
      while (i < batch.size()) {
        size_t j = i;
        uint64_t key = 0;
        while (true) {
          key = (key ^ batch[j].task.key) * 0x100000001b3ULL + 0x9e3779b97f4a7c15ULL;
          if (batch[j].seg_end || j + 1 == batch.size()) break;
          ++j;
        }
        run_segment(batch, i, j + 1, key);
        i = j + 1;
      }
      batch.clear();
    }
  }

  void run_segment(std::vector<Queued>& batch, size_t b, size_t e, uint64_t key) {
    auto& hooks = segment_hooks();
    bool grouped = hooks.begin && hooks.begin(stream_, key, e - b);
    for (size_t k = b; k < e; ++k) {
      batch[k].task.run();
      if (!grouped) finish(batch[k].task, 1);
    }
    if (!grouped) return;
    if (!hooks.end(stream_)) {
      // The batched work was lost: issue it again, one task at a time.
      for (size_t k = b; k < e; ++k) batch[k].task.run();
    }
    for (size_t k = b; k < e; ++k) finish(batch[k].task, 0);
    publish(e - b);
  }

  void finish(Task& t, uint64_t publish_n) {
    if (t.finish) t.finish();
    t = Task();
    if (publish_n) publish(publish_n);
  }

  void publish(uint64_t n) {
    uint64_t d = done_.fetch_add(n) + n;
    // Wake sleepers only once the earliest awaited task is done.
    if (d >= wake_at_.load()) {
      std::lock_guard<std::mutex> lk(mtx_);
      wake_at_.store(UINT64_MAX);
      done_cv_.notify_all();
    }
  }

  std::mutex submit_mtx_;  // held by a Submission; guards submitted_
  std::mutex mtx_;         // guards queue_, sleeping_, stop_; waiters sleep on it
  std::condition_variable cv_;
  std::condition_variable done_cv_;
  std::vector<Queued> queue_;
  uint64_t submitted_ = 0;
  std::atomic<uint64_t> ready_{0};  // tasks handed over, for lock-free spins
  std::atomic<uint64_t> done_{0};
  std::atomic<int> waiters_{0};
  std::atomic<uint64_t> wake_at_{UINT64_MAX};  // earliest seq a sleeper awaits
  bool sleeping_ = false;
  bool stop_ = false;
  Stream stream_;
  std::thread thread_;
};

class Workers {
 public:
  StreamWorker& get(Stream s) {
    std::lock_guard<std::mutex> lk(mtx_);
    auto it = workers_.find(s.index);
    if (it != workers_.end()) return *it->second;
    auto w = std::make_unique<StreamWorker>(s);
    auto& ref = *w;
    workers_.emplace(s.index, std::move(w));
    return ref;
  }

 private:
  std::mutex mtx_;
  std::unordered_map<int, std::unique_ptr<StreamWorker>> workers_;
};

Workers& workers() {
  // Leaked on purpose: worker threads must not be joined during static
  // destruction while other statics they use are being torn down.
  static Workers* w = new Workers();
  return *w;
}

// A small fork-join pool for splitting one kernel across cores.
class ThreadPool {
 public:
  explicit ThreadPool(int n) {
    for (int i = 0; i < n; ++i) threads_.emplace_back([this] { run(); });
  }
  int size() const { return int(threads_.size()); }

  void run_parallel(int64_t chunks,
                    const std::function<void(int64_t)>& body) {
    std::unique_lock<std::mutex> call_lk(call_mtx_);  // one job at a time
    {
      std::lock_guard<std::mutex> lk(mtx_);
      body_ = &body;
      chunks_ = chunks;
      next_.store(0);
      remaining_.store(chunks);
      ++generation_;
    }
    cv_.notify_all();
    work();
    std::unique_lock<std::mutex> lk(mtx_);
    done_cv_.wait(lk, [&] { return remaining_.load() == 0; });
    body_ = nullptr;
  }

 private:
  void work() {
    while (true) {
      int64_t c = next_.fetch_add(1);
      if (c >= chunks_) return;
      (*body_)(c);
      if (remaining_.fetch_sub(1) == 1) {
        std::lock_guard<std::mutex> lk(mtx_);
        done_cv_.notify_all();
      }
    }
  }
  void run() {
    in_parallel_region = true;
    uint64_t seen = 0;
    while (true) {
      std::unique_lock<std::mutex> lk(mtx_);
      cv_.wait(lk, [&] { return generation_ != seen; });
      seen = generation_;
      if (body_ == nullptr) continue;
      lk.unlock();
      work();
    }
  }

  std::vector<std::thread> threads_;
  std::mutex call_mtx_;
  std::mutex mtx_;
  std::condition_variable cv_;
  std::condition_variable done_cv_;
  const std::function<void(int64_t)>* body_ = nullptr;
  int64_t chunks_ = 0;
  std::atomic<int64_t> next_{0};
  std::atomic<int64_t> remaining_{0};
  uint64_t generation_ = 0;
};

ThreadPool& pool() {
  static ThreadPool* p = new ThreadPool(std::max(0, num_threads() - 1));
  return *p;
}

}  // namespace

struct Submission::Impl {
  StreamWorker* worker;
  std::unique_lock<std::mutex> lk;  // the worker's submit lock
  std::vector<StreamWorker::Queued> chunk;
  size_t pushed = 0;
};

// A long batch is handed over in chunks: the worker starts on the first
// tasks (e.g. launching kernels) while the rest of the tape is still being
// queued, instead of waiting for the whole batch.
constexpr size_t kSubmitChunk = 64;

Submission::Submission(Stream s) : impl_(new Impl) {
  impl_->worker = &workers().get(s);
  impl_->lk = impl_->worker->lock();
}

uint64_t Submission::push(Task task) {
  // Hand over at the start of a push: the caller has finished its
  // bookkeeping on the tasks queued so far (their outputs' events), so the
  // worker may run them now.
  if (impl_->pushed > 0 && impl_->pushed % kSubmitChunk == 0) {
    impl_->worker->hand_over(impl_->chunk);
  }
  ++impl_->pushed;
  return impl_->worker->push_locked(impl_->chunk, std::move(task));
}

uint64_t Submission::next_seq() const {
  return impl_->worker->next_seq_locked();
}

Submission::~Submission() {
  impl_->worker->hand_over(impl_->chunk);
  impl_->lk.unlock();
  delete impl_;
}

SegmentHooks& segment_hooks() {
  static SegmentHooks h;
  return h;
}

void wait_for(Stream s, uint64_t seq) { workers().get(s).wait_for(seq); }

bool wait_for(Stream s, uint64_t seq, std::chrono::microseconds timeout) {
  return workers().get(s).wait_for(
      seq, std::chrono::steady_clock::now() + timeout);
}

void synchronize(Stream s) {
  auto& w = workers().get(s);
  w.wait_for(w.submitted());
  if (s.device.type == DeviceType::gpu && residency_hooks().synchronize) {
    residency_hooks().synchronize(s);
  }
}

int num_threads() {
  static int n = [] {
    // EMBER_NUM_THREADS overrides the core count (1 = no intra-op threads).
    if (const char* env = std::getenv("EMBER_NUM_THREADS")) {
      int v = std::atoi(env);
      if (v > 0) return std::min(v, 256);
    }
    unsigned hc = std::thread::hardware_concurrency();
    return int(hc == 0 ? 1 : std::min(hc, 64u));
  }();
  return n;
}

void parallel_for(int64_t n, int64_t grain,
                  const std::function<void(int64_t, int64_t)>& fn) {
  if (n <= 0) return;
  int nt = num_threads();
  if (nt <= 1 || n < 2 * grain || in_parallel_region) {
    fn(0, n);
    return;
  }
  // Several chunks per thread so that a thread delayed by the OS doesn't
  // hold up the others: chunks are taken dynamically.
  int64_t chunks = std::min<int64_t>(int64_t(nt) * 4, n / grain);
  int64_t per = (n + chunks - 1) / chunks;
  std::function<void(int64_t)> body = [&](int64_t c) {
    int64_t b = c * per;
    int64_t e = std::min(n, b + per);
    if (b < e) fn(b, e);
  };
  in_parallel_region = true;
  pool().run_parallel(chunks, body);
  in_parallel_region = false;
}

}  // namespace ember::scheduler

namespace ember {
void synchronize(StreamOrDevice s) { scheduler::synchronize(to_stream(s)); }
}  // namespace ember
