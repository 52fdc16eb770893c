// Devices and streams: every op runs on a stream of a device.
#pragma once

#include <cstdint>
#include <ostream>
#include <variant>

namespace ember {

/// A compute device: the CPU or a GPU (by index).
struct Device {
  enum class DeviceType : uint8_t { cpu = 0, gpu = 1 };
  static constexpr DeviceType cpu = DeviceType::cpu;
  static constexpr DeviceType gpu = DeviceType::gpu;

  DeviceType type = DeviceType::cpu;
  int index = 0;

  constexpr Device(DeviceType t = DeviceType::cpu, int i = 0)
      : type(t), index(i) {}
  bool operator==(const Device& o) const {
    return type == o.type && index == o.index;
  }
  bool operator!=(const Device& o) const { return !(*this == o); }
};
using DeviceType = Device::DeviceType;

/// An in-order queue of work on a device. Streams are cheap handles.
struct Stream {
  int index = 0;
  Device device;
  constexpr Stream(int i = 0, Device d = Device()) : index(i), device(d) {}
  bool operator==(const Stream& o) const { return index == o.index; }
  bool operator!=(const Stream& o) const { return index != o.index; }
};

/// What ops accept as their final argument: nothing (the default stream of
/// the default device), a stream, or a device (its default stream).
using StreamOrDevice = std::variant<std::monostate, Stream, Device>;

/// The default device of the calling thread (gpu when available, else cpu).
Device default_device();
/// Sets the default device of the calling thread; throws if unavailable.
void set_default_device(const Device& d);
/// Whether a device can run ops in this build and on this machine.
bool is_available(const Device& d);
/// Number of devices of a type.
int device_count(DeviceType t);

/// The default stream of a device.
Stream default_stream(Device d);
/// Makes `s` the default stream of its device.
void set_default_stream(Stream s);
/// Creates a new stream on a device.
Stream new_stream(Device d);
/// Resolves an op's stream argument.
Stream to_stream(StreamOrDevice s);
/// Resolves an op's stream argument with a fallback device.
Stream to_stream(StreamOrDevice s, Device fallback);

/// Sets the default device and stream for the lifetime of the object.
class StreamContext {
 public:
  explicit StreamContext(StreamOrDevice s);
  ~StreamContext();

 private:
  Device prev_device_;
  Stream prev_stream_;
};

std::ostream& operator<<(std::ostream& os, const Device& d);
std::ostream& operator<<(std::ostream& os, const Stream& s);

namespace detail {
/// Backend hook: whether the GPU backend is compiled in and a GPU is present.
bool gpu_is_available();
int gpu_device_count();
}  // namespace detail

}  // namespace ember
