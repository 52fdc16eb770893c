// Linked into every C++ test binary: a crash (SIGSEGV, SIGBUS, SIGFPE,
// SIGILL, SIGABRT) prints the running test and the crashing thread's stack
// to stderr before the process dies with the same signal, so a rare crash
// in a CI or device log says where it happened (output buffered on stdout
// is lost when the process dies).
#include <execinfo.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <cstring>

namespace {

void write_str(const char* s) {
  ssize_t r = ::write(2, s, std::strlen(s));
  (void)r;
}

void on_crash(int sig) {
  write_str("\n[crash] signal ");
  write_str(strsignal(sig));
  // Not async-signal-safe, but the process is going down anyway.
  if (auto* t = ::testing::UnitTest::GetInstance()->current_test_info()) {
    write_str(" in test ");
    write_str(t->test_suite_name());
    write_str(".");
    write_str(t->name());
  }
  write_str("\n");
  void* frames[64];
  int n = backtrace(frames, 64);
  backtrace_symbols_fd(frames, n, 2);
  signal(sig, SIG_DFL);
  raise(sig);
}

const bool installed = [] {
  for (int sig : {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT}) signal(sig, on_crash);
  return true;
}();

}  // namespace
