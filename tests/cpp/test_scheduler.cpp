// Timed waits on stream work (used by the Python bindings to poll for Ctrl-C),
// segments and their hooks (what CUDA-graph capture builds on), and the
// implicit PRNG key state behind ember.core.random.state.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>
#include <vector>

#include "ember/ember.h"
#include "test_utils.h"

using namespace ember;

TEST(Scheduler, TimedWaitTimesOutThenCompletes) {
  Stream s = new_stream(Device(DeviceType::cpu));
  std::atomic<bool> release{false};
  uint64_t seq;
  {
    scheduler::Submission sub(s);
    scheduler::Task t;
    t.run = [&release] {
      while (!release.load()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    };
    seq = sub.push(std::move(t));
  }
  auto start = std::chrono::steady_clock::now();
  EXPECT_FALSE(scheduler::wait_for(s, seq, std::chrono::milliseconds(30)));
  auto waited = std::chrono::steady_clock::now() - start;
  EXPECT_GE(waited, std::chrono::milliseconds(30));
  EXPECT_LT(waited, std::chrono::seconds(5));
  release = true;
  EXPECT_TRUE(scheduler::wait_for(s, seq, std::chrono::seconds(30)));
  // Done work: true at once, even with a zero timeout.
  EXPECT_TRUE(scheduler::wait_for(s, seq, std::chrono::microseconds(0)));
}

TEST(Scheduler, TimedWaitOnEvaluatedArray) {
  Stream s = new_stream(Device(DeviceType::cpu));
  array x = add(array({1.0f, 2.0f}), array(1.0f), s);
  async_eval({x});
  ASSERT_EQ(x.status(), Status::scheduled);
  bool done = false;
  for (int i = 0; i < 1000 && !done; ++i) {
    done = scheduler::wait_for(x.event_stream(), x.event_seq(), std::chrono::milliseconds(10));
  }
  EXPECT_TRUE(done);
  x.wait();
  expect_values(x, {2.0, 3.0});
}

namespace {

// Fake segment hooks that act on one stream only (others pass through).
struct FakeHooks {
  std::mutex mtx;
  int stream = -1;
  std::vector<size_t> sizes;    // ntasks of each begin()
  std::vector<uint64_t> keys;   // key of each begin()
  bool group = false;           // begin()'s answer
  bool keep = true;             // end()'s answer
  std::atomic<bool> hold{false};  // end() waits while set
  std::atomic<int> ended{0};
};
FakeHooks* g_fake = nullptr;

bool fake_begin(Stream s, uint64_t key, size_t n) {
  if (s.index != g_fake->stream) return false;
  std::lock_guard<std::mutex> lk(g_fake->mtx);
  g_fake->sizes.push_back(n);
  g_fake->keys.push_back(key);
  return g_fake->group;
}

bool fake_end(Stream) {
  while (g_fake->hold.load()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  g_fake->ended += 1;
  return g_fake->keep;
}

// Installs the fakes for one test and restores the previous hooks.
class SegmentTest : public ::testing::Test {
 protected:
  void SetUp() override {
    saved_ = scheduler::segment_hooks();
    g_fake = &fake_;
    fake_.stream = stream_.index;
    scheduler::segment_hooks() = {fake_begin, fake_end};
  }
  void TearDown() override {
    scheduler::synchronize(stream_);
    scheduler::segment_hooks() = saved_;
    g_fake = nullptr;
  }
  scheduler::Task task(std::function<void()> run, uint64_t key = 1,
                       bool barrier = false) {
    scheduler::Task t;
    t.run = std::move(run);
    t.key = key;
    t.barrier = barrier;
    return t;
  }
  Stream stream_ = new_stream(Device(DeviceType::cpu));
  FakeHooks fake_;
  scheduler::SegmentHooks saved_;
};

}  // namespace

TEST_F(SegmentTest, SplitAtHandOversAndBarriers) {
  // Hand-overs every 64 pushes; a barrier starts a segment at task 100.
  {
    scheduler::Submission sub(stream_);
    for (int i = 0; i < 150; ++i) sub.push(task([] {}, 7, i == 100));
  }
  scheduler::synchronize(stream_);
  EXPECT_EQ(fake_.sizes, (std::vector<size_t>{64, 36, 28, 22}));
  // Segments of the same tasks have equal keys; other lengths differ.
  {
    scheduler::Submission sub(stream_);
    for (int i = 0; i < 64; ++i) sub.push(task([] {}, 7));
  }
  scheduler::synchronize(stream_);
  ASSERT_EQ(fake_.keys.size(), 5u);
  EXPECT_EQ(fake_.keys[4], fake_.keys[0]);
  EXPECT_NE(fake_.keys[1], fake_.keys[0]);
  // A task of another kind changes the key.
  {
    scheduler::Submission sub(stream_);
    for (int i = 0; i < 64; ++i) sub.push(task([] {}, i == 5 ? 8 : 7));
  }
  scheduler::synchronize(stream_);
  ASSERT_EQ(fake_.keys.size(), 6u);
  EXPECT_NE(fake_.keys[5], fake_.keys[0]);
}

TEST_F(SegmentTest, WorkerStartsWhileTheSubmissionGoesOn) {
  // The first 64 tasks are handed over when the 65th is pushed: the worker
  // runs them while the Submission is still alive (it used to hold the
  // queue's lock until its end).
  std::atomic<bool> ran{false};
  bool started_early = false;
  {
    scheduler::Submission sub(stream_);
    sub.push(task([&ran] { ran = true; }));
    for (int i = 1; i < 65; ++i) sub.push(task([] {}));
    for (int i = 0; i < 5000 && !ran.load(); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    started_early = ran.load();
  }
  EXPECT_TRUE(started_early);
}

TEST_F(SegmentTest, GroupedSegmentIsPublishedAfterEnd) {
  fake_.group = true;
  fake_.hold = true;
  std::atomic<int> ran{0}, finished{0};
  uint64_t first = 0, last = 0;
  {
    scheduler::Submission sub(stream_);
    for (int i = 0; i < 3; ++i) {
      auto t = task([&ran] { ran += 1; });
      t.finish = [&finished] { finished += 1; };
      uint64_t q = sub.push(std::move(t));
      if (i == 0) first = q;
      last = q;
    }
  }
  // Every task runs, but none is done before end() returns.
  for (int i = 0; i < 5000 && ran.load() < 3; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  EXPECT_EQ(ran.load(), 3);
  EXPECT_FALSE(scheduler::wait_for(stream_, first, std::chrono::milliseconds(20)));
  EXPECT_EQ(finished.load(), 0);
  fake_.hold = false;
  EXPECT_TRUE(scheduler::wait_for(stream_, last, std::chrono::seconds(30)));
  EXPECT_EQ(finished.load(), 3);
  EXPECT_EQ(fake_.ended.load(), 1);
}

TEST_F(SegmentTest, LostSegmentRunsAgainInOrder) {
  fake_.group = true;
  fake_.keep = false;
  std::vector<int> order;
  std::atomic<int> finished{0};
  {
    scheduler::Submission sub(stream_);
    for (int i = 0; i < 4; ++i) {
      auto t = task([&order, i] { order.push_back(i); });
      t.finish = [&finished] { finished += 1; };
      sub.push(std::move(t));
    }
  }
  scheduler::synchronize(stream_);
  EXPECT_EQ(order, (std::vector<int>{0, 1, 2, 3, 0, 1, 2, 3}));
  EXPECT_EQ(finished.load(), 4);
}

TEST(Random, StateGetSetReset) {
  random::seed(7);
  array k = random::get_state();
  EXPECT_EQ(to_vector(k), (std::vector<double>{0, 7}));
  // get_state does not advance; next_key does: (state, sub) = split(state).
  EXPECT_EQ(to_vector(random::get_state()), (std::vector<double>{0, 7}));
  array sub = random::next_key();
  array keys = random::split(random::key(7), 2);
  auto kv = to_vector(keys);
  EXPECT_EQ(to_vector(random::get_state()), (std::vector<double>{kv[0], kv[1]}));
  EXPECT_EQ(to_vector(sub), (std::vector<double>{kv[2], kv[3]}));
  random::set_state(random::key(7));
  EXPECT_EQ(to_vector(random::next_key()), to_vector(sub));
  EXPECT_THROW(random::set_state(array({1.0f, 2.0f})), std::invalid_argument);
  EXPECT_THROW(random::set_state(array({1u, 2u, 3u}, uint32)), std::invalid_argument);
  // reset: back to the process-start key, the same on every thread.
  random::reset_state();
  auto mine = to_vector(random::get_state());
  std::vector<double> other;
  std::thread t([&] { other = to_vector(random::get_state()); });
  t.join();
  EXPECT_EQ(mine, other);
}
