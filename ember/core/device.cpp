#include "ember/core/device.h"

#include <cstdlib>
#include <mutex>
#include <stdexcept>
#include <string>
#include <vector>

namespace ember {

namespace {
struct StreamRegistry {
  std::mutex mtx;
  std::vector<Stream> streams;  // indexed by stream index
  Stream default_cpu{0, Device(DeviceType::cpu)};
  Stream default_gpu{-1, Device(DeviceType::gpu)};
  StreamRegistry() { streams.push_back(default_cpu); }
};
StreamRegistry& registry() {
  static StreamRegistry* r = new StreamRegistry();  // never destroyed
  return *r;
}

// The gpu when one is present (as in MLX), else the cpu;
// EMBER_DEFAULT_DEVICE=cpu keeps a process on the cpu.
Device initial_default_device() {
  const char* env = std::getenv("EMBER_DEFAULT_DEVICE");
  bool want_cpu = env && std::string(env) == "cpu";
  if (!want_cpu && detail::gpu_is_available()) return Device(DeviceType::gpu);
  return Device(DeviceType::cpu);
}

Device& thread_default_device() {
  thread_local Device d = initial_default_device();
  return d;
}
}  // namespace

Device default_device() { return thread_default_device(); }

void set_default_device(const Device& d) {
  if (!is_available(d)) {
    throw std::invalid_argument(
        "[set_default_device] Device gpu is not available in this build or on "
        "this machine.");
  }
  thread_default_device() = d;
}

bool is_available(const Device& d) {
  if (d.type == DeviceType::cpu) return d.index == 0;
  return detail::gpu_is_available() && d.index < detail::gpu_device_count();
}

int device_count(DeviceType t) {
  return t == DeviceType::cpu ? 1 : detail::gpu_device_count();
}

Stream default_stream(Device d) {
  auto& r = registry();
  std::lock_guard<std::mutex> lk(r.mtx);
  if (d.type == DeviceType::cpu) return r.default_cpu;
  if (!detail::gpu_is_available()) {
    throw std::runtime_error("[default_stream] Device gpu is not available.");
  }
  if (r.default_gpu.index < 0) {
    r.default_gpu = Stream(int(r.streams.size()), d);
    r.streams.push_back(r.default_gpu);
  }
  return r.default_gpu;
}

void set_default_stream(Stream s) {
  auto& r = registry();
  std::lock_guard<std::mutex> lk(r.mtx);
  if (s.device.type == DeviceType::cpu) {
    r.default_cpu = s;
  } else {
    r.default_gpu = s;
  }
}

Stream new_stream(Device d) {
  if (!is_available(d)) {
    throw std::invalid_argument("[new_stream] Device is not available.");
  }
  auto& r = registry();
  std::lock_guard<std::mutex> lk(r.mtx);
  Stream s(int(r.streams.size()), d);
  r.streams.push_back(s);
  return s;
}

Stream to_stream(StreamOrDevice s) { return to_stream(s, default_device()); }

Stream to_stream(StreamOrDevice s, Device fallback) {
  if (auto* st = std::get_if<Stream>(&s)) return *st;
  if (auto* d = std::get_if<Device>(&s)) return default_stream(*d);
  return default_stream(fallback);
}

StreamContext::StreamContext(StreamOrDevice s)
    : prev_device_(default_device()), prev_stream_(default_stream(prev_device_)) {
  if (std::holds_alternative<std::monostate>(s)) {
    throw std::runtime_error("[StreamContext] Expected a stream or device.");
  }
  Stream st = to_stream(s);
  // The default stream that changes is st.device's (not necessarily the
  // default device's): that is the one to restore.
  prev_stream_ = default_stream(st.device);
  set_default_device(st.device);
  set_default_stream(st);
}

StreamContext::~StreamContext() {
  set_default_device(prev_device_);
  set_default_stream(prev_stream_);
}

std::ostream& operator<<(std::ostream& os, const Device& d) {
  return os << "Device(" << (d.type == DeviceType::cpu ? "cpu" : "gpu") << ", "
            << d.index << ")";
}

std::ostream& operator<<(std::ostream& os, const Stream& s) {
  return os << "Stream(" << s.device << ", " << s.index << ")";
}

}  // namespace ember
