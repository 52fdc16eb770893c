// A sampling CPU profiler to LD_PRELOAD where perf is missing (the device
// machines run under gVisor with no perf, gdb or strace).
//
//   gcc -O2 -shared -fPIC -o sampler.so benchmarks/tools/sampler.c -ldl -lpthread
//   SAMPLER_OUT=prof [SAMPLER_HZ=1000] LD_PRELOAD=./sampler.so prog ...
//   python3 benchmarks/tools/sampler_report.py prof.<pid>
// Each process writes SAMPLER_OUT.<pid> (child processes inherit LD_PRELOAD).
//
// A sampling thread sends SIGPROF to every thread of the process SAMPLER_HZ
// times a second (tgkill; gVisor delivers no ITIMER_PROF signals), so the
// samples show where each thread spends wall-clock time, waiting included.
// The handler records the thread's backtrace. At exit every sample is written
// as one line "tid frame..." with frames "module+offset|dynamic symbol" (leaf
// first); the report script symbolizes them with addr2line and prints self and
// inclusive time per function and thread.
#define _GNU_SOURCE
#include <dirent.h>
#include <dlfcn.h>
#include <pthread.h>
#include <execinfo.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
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
static atomic_int g_stop;
static pthread_t g_thread;
static long g_period_ns;
static pid_t g_sampler_tid;

static void* sampler_main(void* arg) {
  (void)arg;
  g_sampler_tid = gettid();
  pid_t pid = getpid();
  struct timespec ts = {0, g_period_ns};
  while (!atomic_load(&g_stop)) {
    nanosleep(&ts, NULL);
    DIR* dir = opendir("/proc/self/task");
    if (!dir) continue;
    struct dirent* e;
    while ((e = readdir(dir)) != NULL) {
      int tid = atoi(e->d_name);
      if (tid > 0 && tid != g_sampler_tid) syscall(SYS_tgkill, pid, tid, SIGPROF);
    }
    closedir(dir);
  }
  return NULL;
}

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
  atomic_store(&g_stop, 1);
  pthread_join(g_thread, NULL);
  char path[4096];
  snprintf(path, sizeof(path), "%s.%d", g_out, (int)getpid());
  FILE* f = fopen(path, "w");
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
  long rate = hz ? atol(hz) : 1000;
  g_period_ns = 1000000000L / (rate > 0 ? rate : 1000);
  pthread_create(&g_thread, NULL, sampler_main, NULL);
}
