// The small-object pool (ember/core/pool.h) and the scheduler's TaskFn: what
// graph building and eval allocate per op.
#include <gtest/gtest.h>

#include <array>
#include <atomic>
#include <cstring>
#include <functional>
#include <memory>
#include <set>
#include <thread>
#include <vector>

#include <sys/wait.h>
#include <unistd.h>

#include "ember/ember.h"
#include "ember/core/pool.h"

using namespace ember;

namespace {

struct Tracked {
  static inline std::atomic<int> live{0};
  int value;
  char pad[100];
  explicit Tracked(int v) : value(v) {
    ++live;
    std::memset(pad, v & 0xff, sizeof(pad));
  }
  ~Tracked() { --live; }
  bool intact() const {
    for (char c : pad) {
      if (c != char(value & 0xff)) return false;
    }
    return true;
  }
};

}  // namespace

TEST(Pool, BlocksAreDistinctAndReused) {
  std::set<void*> seen;
  std::vector<void*> blocks;
  for (int i = 0; i < 1000; ++i) {
    void* p = pool::allocate(100);
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(reinterpret_cast<uintptr_t>(p) % 16, 0u);
    EXPECT_TRUE(seen.insert(p).second) << "block handed out twice";
    std::memset(p, 0x5a, 100);
    blocks.push_back(p);
  }
  for (void* p : blocks) pool::deallocate(p, 100);
  // Freed blocks serve the next requests of the same size class.
  void* again = pool::allocate(100);
  EXPECT_TRUE(seen.count(again));
  pool::deallocate(again, 100);
}

// Objects made on one thread and dropped on another (the graph's pattern:
// built by the caller, released by a stream worker) keep their contents, and
// the pool hands no block out twice while it is alive.
TEST(Pool, CrossThreadFreesKeepObjectsIntact) {
  constexpr int kRounds = 20;
  constexpr int kPerRound = 1000;
  for (int r = 0; r < kRounds; ++r) {
    std::vector<std::shared_ptr<Tracked>> made;
    for (int i = 0; i < kPerRound; ++i) {
      made.push_back(pool::make_shared<Tracked>(r * kPerRound + i));
    }
    std::set<const void*> addrs;
    for (auto& t : made) {
      ASSERT_TRUE(t->intact());
      EXPECT_TRUE(addrs.insert(t.get()).second);
    }
    // Half are freed on another thread, half here, interleaved with new
    // allocations on both.
    std::thread other([&made] {
      std::vector<std::shared_ptr<Tracked>> mine;
      for (size_t i = 0; i < made.size(); i += 2) {
        made[i].reset();
        mine.push_back(pool::make_shared<Tracked>(7));
      }
      for (auto& t : mine) EXPECT_TRUE(t->intact());
    });
    other.join();
    for (size_t i = 1; i < made.size(); i += 2) {
      EXPECT_TRUE(made[i]->intact());
      EXPECT_EQ(made[i]->value, r * kPerRound + int(i));
      made[i].reset();
    }
  }
  EXPECT_EQ(Tracked::live.load(), 0);
}

TEST(Pool, WeakPointersAndLargeObjects) {
  std::weak_ptr<Tracked> w;
  {
    auto s = pool::make_shared<Tracked>(3);
    w = s;
    EXPECT_EQ(w.lock()->value, 3);
  }
  EXPECT_TRUE(w.expired());
  // Larger than the biggest block: plain allocation, same interface.
  auto big = pool::make_shared<std::array<char, 4096>>();
  (*big)[4095] = 1;
  EXPECT_EQ((*big)[4095], 1);
}

// A fork while another thread moves batches through the shared lock: the
// child must not inherit the lock held (it would hang on its first batch).
TEST(Pool, ForkedChildCanAllocate) {
  auto churn = [] {
    std::vector<void*> v;
    for (int i = 0; i < 300; ++i) v.push_back(pool::allocate(256));
    for (void* p : v) pool::deallocate(p, 256);
  };
  std::atomic<bool> stop{false};
  std::vector<std::thread> threads;
  for (int i = 0; i < 2; ++i) {
    threads.emplace_back([&] {
      while (!stop.load()) churn();
    });
  }
  for (int k = 0; k < 200; ++k) {
    pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      churn();
      _exit(0);
    }
    int status = 0;
    bool done = false;
    for (int ms = 0; ms < 10000 && !done; ++ms) {
      done = waitpid(pid, &status, WNOHANG) == pid;
      if (!done) usleep(1000);
    }
    if (!done) {
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
    }
    EXPECT_TRUE(done) << "forked child hung";
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  }
  stop = true;
  for (auto& t : threads) t.join();
}

TEST(TaskFn, InlineAndHeapClosuresRunMoveAndDestroy) {
  auto token = std::make_shared<int>(0);
  {
    scheduler::TaskFn small = [token] { ++*token; };
    small();
    scheduler::TaskFn moved = std::move(small);
    EXPECT_FALSE(static_cast<bool>(small));
    moved();
    EXPECT_EQ(*token, 2);
    EXPECT_EQ(token.use_count(), 2);
  }
  EXPECT_EQ(token.use_count(), 1);  // the closure's copy was destroyed
  {
    std::array<char, 200> big{};  // too large to keep in place
    big[199] = 5;
    scheduler::TaskFn f = [token, big] { *token += big[199]; };
    scheduler::TaskFn g;
    g = std::move(f);
    g();
    EXPECT_EQ(*token, 7);
  }
  EXPECT_EQ(token.use_count(), 1);
  std::function<void()> empty;
  scheduler::TaskFn none = empty;
  EXPECT_FALSE(static_cast<bool>(none));
}

// Long chains allocate and release every node through the pool.
TEST(Pool, LongChainEvaluatesCorrectly) {
  Device cpu(DeviceType::cpu);
  array x = ones({16}, float32);
  for (int rep = 0; rep < 3; ++rep) {
    array y = x;
    for (int i = 0; i < 5000; ++i) y = add(y, array(1.0f), cpu);
    eval(y);
    auto* p = y.data<float>();
    for (int i = 0; i < 16; ++i) ASSERT_EQ(p[i], 5001.0f);
  }
}
