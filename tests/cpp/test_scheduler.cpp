// Timed waits on stream work (used by the Python bindings to poll for Ctrl-C)
// and the implicit PRNG key state behind ember.core.random.state.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "ember/ember.h"
#include "test_utils.h"

using namespace ember;

TEST(Scheduler, TimedWaitTimesOutThenCompletes) {
  Stream s = new_stream(Device(DeviceType::cpu));
  std::atomic<bool> release{false};
  uint64_t seq;
  {
    scheduler::Submission sub(s);
    seq = sub.push([&release] {
      while (!release.load()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    });
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
