// Devices, streams, evaluation, memory and print options (spec/core.md
// §18-§23).
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <memory>
#include <sstream>
#include <unordered_map>

#include <nanobind/stl/unique_ptr.h>

#include "utils.h"

namespace ember::py {

namespace {

template <typename T>
std::string to_str(const T& v) {
  std::ostringstream os;
  os << v;
  return os.str();
}

struct PyStreamContext {
  StreamOrDevice s;
  std::unique_ptr<StreamContext> ctx;
};

struct PrintOptionsContext {
  PrintOptions opts;
  PrintOptions prev;
};

// Streams this thread created (new_stream, thread-local streams), so that
// clear_streams can drop them.
thread_local std::vector<Stream> t_created;
thread_local std::unordered_map<uint64_t, Stream> t_local_streams;
std::atomic<uint64_t> g_local_stream_id{0};

Stream tracked_new_stream(Device d) {
  Stream s = new_stream(d);
  t_created.push_back(s);
  return s;
}

// The process's original default streams, restored when a thread drops a
// stream it had made the default.
std::vector<Stream>& original_defaults() {
  static std::vector<Stream> v;
  return v;
}

void clear_streams() {
  std::vector<Stream> dropped = t_created;
  for (auto& [id, s] : t_local_streams) dropped.push_back(s);
  {
    // Work already queued still runs to completion before the handles go.
    nb::gil_scoped_release nogil;
    for (auto& s : dropped) synchronize(s);
  }
  auto is_dropped = [&](const Stream& s) {
    return std::find(dropped.begin(), dropped.end(), s) != dropped.end();
  };
  for (auto& orig : original_defaults()) {
    if (is_dropped(default_stream(orig.device))) set_default_stream(orig);
  }
  t_created.clear();
  t_local_streams.clear();
  random::reset_state();
}

}  // namespace

Stream ThreadLocalStream::resolve() const {
  auto it = t_local_streams.find(id);
  if (it != t_local_streams.end()) return it->second;
  Stream s = new_stream(device);
  t_local_streams.emplace(id, s);
  return s;
}

void init_devices(nb::module_& m) {
  nb::enum_<DeviceType>(m, "DeviceType", "Kind of device: cpu or gpu.")
      .value("cpu", DeviceType::cpu)
      .value("gpu", DeviceType::gpu)
      .export_values();

  nb::class_<Device>(m, "Device", "A device to run operations on.")
      .def(nb::init<DeviceType, int>(), "type"_a, "index"_a = 0)
      .def(nb::init_implicit<DeviceType>())
      .def_ro("type", &Device::type)
      .def_ro("index", &Device::index)
      .def("__repr__", [](const Device& d) { return to_str(d); })
      .def("__eq__", [](const Device& d, nb::handle o) {
        if (nb::isinstance<Device>(o)) return d == *nb::inst_ptr<Device>(o);
        DeviceType t;
        if (nb::try_cast<DeviceType>(o, t, false)) return d == Device(t, 0);
        return false;
      }, "other"_a.none())
      .def("__hash__", [](const Device& d) { return int(d.type) * 1000 + d.index; });
  nb::implicitly_convertible<DeviceType, Device>();

  nb::class_<Stream>(m, "Stream", "An in-order queue of work on a device.")
      .def(nb::init<int, Device>(), "index"_a, "device"_a)
      .def_ro("device", &Stream::device)
      .def_ro("index", &Stream::index)
      .def("__repr__", [](const Stream& s) { return to_str(s); })
      .def("__eq__", [](const Stream& s, nb::handle o) {
        return nb::isinstance<Stream>(o) && s == *nb::inst_ptr<Stream>(o);
      }, "other"_a.none())
      .def("__hash__", [](const Stream& s) { return s.index; });

  m.def("default_device", &default_device, "The default device of this thread.");
  m.def("set_default_device", &set_default_device, "device"_a,
        "Sets the default device of this thread.");
  m.def("is_available", &is_available, "device"_a,
        "Whether a device can run operations.");
  m.def("device_count", &device_count, "device_type"_a,
        "Number of devices of a type.");
  m.def(
      "device_info",
      [](std::optional<Device> d) {
        Device dev = d.value_or(default_device());
        nb::dict info;
        if (dev.type == DeviceType::cpu) {
          info["device_name"] = "cpu";
          info["architecture"] = "x86_64";
          long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGE_SIZE);
          info["memory_size"] = int64_t(pages) * int64_t(page);
          info["num_threads"] = scheduler::num_threads();
        } else {
          if (!is_available(dev)) {
            throw std::runtime_error("[device_info] Device gpu is not available.");
          }
          info["device_name"] = "gpu";
        }
        return info;
      },
      "d"_a = nb::none(), "Information about a device as a dict.");
  m.def("default_stream", &default_stream, "device"_a,
        "The default stream of a device.");
  m.def("set_default_stream", &set_default_stream, "stream"_a,
        "Makes a stream the default of its device.");
  original_defaults().push_back(default_stream(Device(DeviceType::cpu)));
  if (is_available(Device(DeviceType::gpu))) {
    original_defaults().push_back(default_stream(Device(DeviceType::gpu)));
  }
  m.def("new_stream", &tracked_new_stream, "device"_a,
        R"(Creates a new stream on a device.

Args:
    device (Device): The device.

Returns:
    Stream

Example:
    >>> import ember.core as mx
    >>> s = mx.new_stream(mx.cpu)
    >>> mx.add(mx.array(1), 1, stream=s).item()
    2)");
  m.def("new_thread_unsafe_stream", &tracked_new_stream, "device"_a,
        "Creates a new stream usable from any thread.");

  nb::class_<ThreadLocalStream>(
      m, "ThreadLocalStream",
      "A stream handle that stands for a separate stream on each thread.")
      .def_prop_ro("device", [](const ThreadLocalStream& s) { return s.device; })
      .def("__repr__", [](const ThreadLocalStream& s) {
        return "ThreadLocalStream(" + to_str(s.device) + ")";
      })
      .def("__eq__", [](const ThreadLocalStream& s, nb::handle o) {
        return nb::isinstance<ThreadLocalStream>(o) &&
               nb::inst_ptr<ThreadLocalStream>(o)->id == s.id;
      }, "other"_a.none())
      .def("__hash__", [](const ThreadLocalStream& s) { return s.id; });
  m.def(
      "new_thread_local_stream",
      [](Device d) {
        if (!is_available(d)) {
          throw std::invalid_argument("[new_thread_local_stream] Device " +
                                      to_str(d) + " is not available.");
        }
        return ThreadLocalStream{d, ++g_local_stream_id};
      },
      "device"_a,
      R"(A stream handle that resolves to a separate stream on each thread.

Each thread that uses it (as ``stream=`` or in ``stream(...)``) gets its own
stream on ``device``, created on first use.

Args:
    device (Device): The device.

Returns:
    ThreadLocalStream

Example:
    >>> import ember.core as mx
    >>> s = mx.new_thread_local_stream(mx.cpu)
    >>> mx.add(mx.array(1), 1, stream=s).item()
    2)");
  m.def(
      "clear_streams", &clear_streams,
      R"(Drops the streams created in this thread and resets its random key.

Work already queued on those streams completes first. Streams made by
``new_stream`` and the thread's streams of thread-local handles are
forgotten (a thread-local handle gets a fresh stream on its next use), a
dropped default stream is replaced by the original one, and the thread's
implicit PRNG key starts again from the process-start key.

Example:
    >>> import ember.core as mx
    >>> mx.clear_streams())");
  m.def(
      "synchronize",
      [](StreamOrDevice s) {
        nb::gil_scoped_release nogil;
        synchronize(s);
      },
      "stream"_a = nb::none(),
      R"(Waits until all work queued on a stream has finished.

Args:
    stream (Stream | None): The stream (default stream of the default
        device if None).

Example:
    >>> import ember.core as mx
    >>> mx.synchronize())");

  nb::class_<PyStreamContext>(m, "StreamContext",
                              "Context manager that sets the default device and stream.")
      .def("__init__",
           [](PyStreamContext* c, nb::handle s) {
             if (s.is_none()) {
               throw std::runtime_error("[StreamContext] Expected a stream or device; got None.");
             }
             new (c) PyStreamContext{nb::cast<StreamOrDevice>(s), nullptr};
           },
           "s"_a.none())
      .def("__enter__", [](PyStreamContext& c) {
        c.ctx = std::make_unique<StreamContext>(c.s);
      })
      .def("__exit__", [](PyStreamContext& c, nb::args) { c.ctx.reset(); });
  m.def(
      "stream",
      [](nb::handle s) {
        nb::object cls = nb::module_::import_("ember.core").attr("StreamContext");
        return cls(s);
      },
      "s"_a.none(),
      R"(Context manager that makes ``s`` the default device and stream.

Args:
    s (Stream | Device): The stream or device.

Example:
    >>> import ember.core as mx
    >>> with mx.stream(mx.cpu):
    ...     x = mx.array(1) + 1)");

  m.def(
      "eval",
      [](nb::args args) {
        std::vector<array> arrs;
        tree_arrays(args, arrs);
        eval_nogil(arrs);
      },
      R"(Evaluates arrays or trees (lists, tuples, dicts) of arrays.

Args:
    *args: Arrays or trees of arrays; other leaves are ignored.

Example:
    >>> import ember.core as mx
    >>> x = mx.array([1.0]) + 1
    >>> mx.eval(x))");
  m.def(
      "async_eval",
      [](nb::args args) {
        std::vector<array> arrs;
        tree_arrays(args, arrs);
        nb::gil_scoped_release nogil;
        async_eval(arrs);
      },
      R"(Schedules evaluation of arrays or trees of arrays and returns at once.

Args:
    *args: Arrays or trees of arrays.

Example:
    >>> import ember.core as mx
    >>> x = mx.array([1.0]) * 2
    >>> mx.async_eval(x))");

  // Memory (§20).
  m.def("get_active_memory", &get_active_memory, "Bytes currently allocated.");
  m.def("get_peak_memory", &get_peak_memory, "Peak allocated bytes.");
  m.def("reset_peak_memory", &reset_peak_memory, "Resets the peak memory counter.");
  m.def("get_cache_memory", &get_cache_memory, "Bytes held by the buffer cache.");
  m.def("set_memory_limit", &set_memory_limit, "limit"_a,
        "Sets the memory limit in bytes; returns the previous one.");
  m.def("get_memory_limit", &get_memory_limit, "The memory limit in bytes.");
  m.def("set_cache_limit", &set_cache_limit, "limit"_a,
        "Sets the cache limit in bytes (0 disables); returns the previous one.");
  m.def("set_wired_limit", &set_wired_limit, "limit"_a,
        "Accepted for MLX compatibility; returns the previous value.");
  m.def("clear_cache", &clear_cache, "Frees all cached buffers.");

  // Print options (§22).
  nb::class_<PrintOptions>(m, "PrintOptions", "Options for printing arrays.")
      .def(nb::init<>())
      .def("__init__", [](PrintOptions* p, int precision) { new (p) PrintOptions{precision}; },
           "precision"_a = -1)
      .def_rw("precision", &PrintOptions::precision)
      .def("__repr__", [](const PrintOptions& p) {
        return "PrintOptions(precision=" + std::to_string(p.precision) + ")";
      });
  m.def("set_printoptions",
        [](int precision) { set_print_options(PrintOptions{precision}); },
        "precision"_a = -1,
        "Sets the float precision used when printing (-1 = default).");
  m.def("get_printoptions", &get_print_options, "The current print options.");
  nb::class_<PrintOptionsContext>(m, "_PrintOptionsContext")
      .def("__enter__", [](PrintOptionsContext& c) {
        c.prev = get_print_options();
        set_print_options(c.opts);
      })
      .def("__exit__", [](PrintOptionsContext& c, nb::args) { set_print_options(c.prev); });
  m.def(
      "printoptions",
      [](int precision) { return PrintOptionsContext{PrintOptions{precision}, {}}; },
      "precision"_a = -1,
      R"(Context manager that temporarily changes the print options.

Args:
    precision (int): Digits after the decimal point (-1 = default).

Example:
    >>> import ember.core as mx
    >>> with mx.printoptions(precision=2):
    ...     print(mx.array(1.0 / 3))
    array(0.33, dtype=float32))");

  // Backend namespaces (§21).
  auto metal = m.def_submodule("metal", "Metal backend (unavailable in ember).");
  metal.def("is_available", []() { return false; }, "Always False in ember.");
  metal.def("start_capture", [](std::string) {
    throw std::runtime_error("[metal.start_capture] Metal is not available.");
  }, "path"_a);
  metal.def("stop_capture", []() {
    throw std::runtime_error("[metal.stop_capture] Metal is not available.");
  });
  metal.def("device_info", []() { return nb::dict(); });
  metal.def("get_active_memory", &get_active_memory);
  metal.def("get_peak_memory", &get_peak_memory);
  metal.def("reset_peak_memory", &reset_peak_memory);
  metal.def("get_cache_memory", &get_cache_memory);
  metal.def("set_memory_limit", &set_memory_limit, "limit"_a);
  metal.def("set_cache_limit", &set_cache_limit, "limit"_a);
  metal.def("set_wired_limit", &set_wired_limit, "limit"_a);
  metal.def("clear_cache", &clear_cache);
  auto cuda = m.def_submodule("cuda", "CUDA backend.");
  cuda.def("is_available", []() { return is_available(Device(DeviceType::gpu)); },
           "Whether a CUDA GPU can run ember ops.");
}

}  // namespace ember::py
