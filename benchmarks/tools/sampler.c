// A sampling CPU profiler to LD_PRELOAD where perf is missing (the device
// machines run under gVisor with no perf, gdb or strace).
//
//   gcc -O2 -shared -fPIC -o sampler.so benchmarks/tools/sampler.c -ldl
//   SAMPLER_OUT=prof.txt [SAMPLER_HZ=2000] LD_PRELOAD=./sampler.so prog ...
//   python3 benchmarks/tools/sampler_report.py prof.txt
//
// ITIMER_PROF delivers SIGPROF to whichever thread is using CPU; the handler
// records that thread's backtrace. At exit every sample is written as one line
// of "module+offset|dynamic symbol" frames (leaf first); the report script symbolizes them
// with addr2line and prints self and inclusive time per function.
#define _GNU_SOURCE
#include <dlfcn.h>
#include <execinfo.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

enum { kDepth = 48, kMaxSamples = 1 << 18 };

typedef struct {
  int depth;
  int tid;
  void* pc[kDepth];
} Sample;

static Sample* g_samples;
static atomic_int g_count;
static const char* g_out;

static void on_prof(int sig, siginfo_t* info, void* uctx) {
  (void)sig;
  (void)info;
  (void)uctx;
  int i = atomic_fetch_add(&g_count, 1);
  if (i >= kMaxSamples) return;
  Sample* s = &g_samples[i];
  s->tid = gettid();
  s->depth = backtrace(s->pc, kDepth);
}

static void write_frame(FILE* f, void* pc) {
  Dl_info di;
  if (dladdr(pc, &di) && di.dli_fname) {
    fprintf(f, " %s+0x%lx|%s", di.dli_fname,
            (unsigned long)((char*)pc - (char*)di.dli_fbase),
            di.dli_sname ? di.dli_sname : "");
  } else {
    fprintf(f, " ?+%p", pc);
  }
}

__attribute__((destructor)) static void sampler_stop(void) {
  if (!g_samples) return;
  struct itimerval off = {{0, 0}, {0, 0}};
  setitimer(ITIMER_PROF, &off, NULL);
  FILE* f = fopen(g_out, "w");
  if (!f) return;
  int n = atomic_load(&g_count);
  if (n > kMaxSamples) n = kMaxSamples;
  for (int i = 0; i < n; ++i) {
    Sample* s = &g_samples[i];
    fprintf(f, "%d", s->tid);
    // Frames 0-1 are the handler and the signal trampoline.
    for (int d = 2; d < s->depth; ++d) write_frame(f, s->pc[d]);
    fputc('\n', f);
  }
  fclose(f);
}

__attribute__((constructor)) static void sampler_start(void) {
  g_out = getenv("SAMPLER_OUT");
  if (!g_out) return;
  g_samples = calloc(kMaxSamples, sizeof(Sample));
  if (!g_samples) return;
  void* warm[4];
  backtrace(warm, 4);  // loads the unwinder outside the signal handler
  struct sigaction sa;
  memset(&sa, 0, sizeof(sa));
  sa.sa_sigaction = on_prof;
  sa.sa_flags = SA_SIGINFO | SA_RESTART;
  sigaction(SIGPROF, &sa, NULL);
  const char* hz = getenv("SAMPLER_HZ");
  long us = 1000000 / (hz ? atol(hz) : 2000);
  struct itimerval it = {{0, us}, {0, us}};
  setitimer(ITIMER_PROF, &it, NULL);
}
