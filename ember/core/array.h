// The lazy n-dimensional array: a handle to a shared descriptor that holds
// shape, dtype, the node that computes it, and (once evaluated) its data.
#pragma once

#include <atomic>
#include <cstdint>
#include <exception>
#include <functional>
#include <initializer_list>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <vector>

#include "ember/core/allocator.h"
#include "ember/core/device.h"
#include "ember/core/dtype.h"
#include "ember/core/pool.h"

namespace ember {

using ShapeElem = int32_t;
using Shape = std::vector<ShapeElem>;
using Strides = std::vector<int64_t>;

class Primitive;
class array;
struct ArrayDesc;

/// Owner of a buffer; views share it through shared_ptr<Data>.
///
/// Unified memory: the valid copy of the bytes may live on the host, on the
/// GPU, or both (`valid` bits). The host copy is made valid lazily by
/// `host_ptr()` (used by `array::raw_data`), the device copy by the GPU
/// backend before a kernel reads it. Without a GPU, data is always host-only.
struct Data {
  static constexpr uint8_t kHost = 1;
  static constexpr uint8_t kDevice = 2;

  Buffer buffer;  // host buffer; ptr stays null until a host copy is needed
  std::function<void(Buffer)> deleter;  // empty = return to the allocator
  std::atomic<uint8_t> valid{kHost};
  // Backend state of the device copy (owned and interpreted by the backend).
  void* device_ptr = nullptr;
  std::shared_ptr<void> device_event;  // completes when the device copy is ready
  uint64_t device_streams = 0;         // bit i: used on GPU stream i
  int device_last_stream = -1;
  // device_ptr is borrowed from the backend's cache of small constants: never
  // written, donated or freed through this Data.
  bool device_shared = false;
  std::mutex mtx;  // guards transitions between host and device copies

  explicit Data(Buffer b) : buffer(b) {}
  Data(Buffer b, std::function<void(Buffer)> d) : buffer(b), deleter(std::move(d)) {}
  Data(const Data&) = delete;
  Data& operator=(const Data&) = delete;
  ~Data();
  /// Host pointer to valid bytes (copies them back from the device if needed).
  void* host_ptr() {
    if (valid.load(std::memory_order_acquire) & kHost) return buffer.ptr;
    return host_ptr_slow();
  }

 private:
  void* host_ptr_slow();
};

/// Hooks through which the GPU backend moves bytes between host and device
/// (null in builds or processes without a GPU).
struct ResidencyHooks {
  void (*to_host)(Data&) = nullptr;       // blocking; sets the kHost bit
  void (*release)(Data&) = nullptr;       // frees the device copy
  void (*synchronize)(Stream) = nullptr;  // waits for a GPU stream's kernels
  void (*wait)(Data&) = nullptr;          // waits until the device copy is ready
  void (*clear_cache)() = nullptr;        // returns cached device blocks
  // Around eval_gpu: make inputs valid on the device (ordered on the stream),
  // then mark the outputs' fresh buffers device-only and record their event.
  void (*before_gpu)(const std::vector<array>& inputs, Stream) = nullptr;
  void (*after_gpu)(const Primitive&, const std::vector<array>& inputs,
                    std::vector<array>& outputs, Stream) = nullptr;
};
ResidencyHooks& residency_hooks();

/// Layout flags of an evaluated array.
struct Flags {
  bool contiguous = true;      // data_size == size and no gaps (any order)
  bool row_contiguous = true;  // C order
  bool col_contiguous = true;  // Fortran order
};

/// A computation that produced one or more arrays: the primitive, its
/// inputs, and (weakly) its outputs.
struct Node {
  std::shared_ptr<Primitive> primitive;
  std::vector<array> inputs;
  std::vector<std::weak_ptr<ArrayDesc>> outputs;
  // Shapes and dtypes of the outputs, kept for multi-output nodes so that an
  // output dropped by the user can be recreated at eval time.
  std::vector<Shape> out_shapes;
  std::vector<Dtype> out_dtypes;
  // Last eval pass that visited this node (replaces a visited set).
  uint64_t visit_epoch = 0;
};

enum class Status : uint8_t {
  unscheduled,  // has a node, not yet queued
  scheduled,    // queued on a stream; wait for (stream, seq) to complete
  available,    // data is valid
};

class array {
 public:
  /// Scalar constructors: a 0-d array of the given value.
  template <typename T, typename = std::enable_if_t<std::is_arithmetic_v<T> ||
                                                    std::is_same_v<T, float16_t> ||
                                                    std::is_same_v<T, bfloat16_t> ||
                                                    std::is_same_v<T, complex64_t>>>
  array(T val, Dtype dtype = dtype_of_v<T>);

  /// 1-D array from an initializer list; `array({1, 2, 3})`.
  template <typename T>
  array(std::initializer_list<T> data, Dtype dtype = dtype_of_v<T>);
  /// Array of `shape` from an initializer list of values (row-major).
  template <typename T>
  array(std::initializer_list<T> data, Shape shape, Dtype dtype = dtype_of_v<T>);
  /// Array of `shape` copied from a vector (row-major).
  template <typename T>
  array(const std::vector<T>& data, Shape shape, Dtype dtype = dtype_of_v<T>);
  /// Array of `shape` copied from a raw buffer of `dtype` elements.
  array(const void* data, Shape shape, Dtype dtype);
  /// Array that takes ownership of (or borrows) an external buffer without a
  /// copy; `deleter` runs when the last view is gone.
  array(void* data, Shape shape, Dtype dtype,
        std::function<void(void*)> deleter);
  /// Array of `shape` that owns `buffer` (row-contiguous).
  array(Buffer buffer, Shape shape, Dtype dtype);
  /// Unevaluated array produced by `primitive` from `inputs`.
  array(Shape shape, Dtype dtype, std::shared_ptr<Primitive> primitive,
        std::vector<array> inputs);
  /// Several outputs sharing one node (split, divmod, ...).
  static std::vector<array> make_arrays(std::vector<Shape> shapes,
                                        std::vector<Dtype> dtypes,
                                        std::shared_ptr<Primitive> primitive,
                                        std::vector<array> inputs);

  array(const array&) = default;
  array(array&&) noexcept = default;
  array& operator=(const array&) = default;
  array& operator=(array&&) noexcept = default;

  // Metadata (valid without evaluation).
  const Shape& shape() const;
  ShapeElem shape(int dim) const;  // negative dims count from the end
  const Strides& strides() const;  // in elements; valid after eval
  int64_t strides(int dim) const;
  Dtype dtype() const;
  size_t size() const;
  int ndim() const { return int(shape().size()); }
  size_t itemsize() const { return size_of(dtype()); }
  size_t nbytes() const { return size() * itemsize(); }

  /// Evaluates the array (and what it depends on).
  void eval();
  /// Evaluates and returns the single element converted to T.
  template <typename T>
  T item();
  /// Pointer to the (evaluated) data; call eval() or wait() first.
  template <typename T>
  T* data() {
    return static_cast<T*>(raw_data());
  }
  template <typename T>
  const T* data() const {
    return static_cast<const T*>(raw_data());
  }
  void* raw_data() const;
  /// Waits until a scheduled array's data is ready; rethrows eval errors.
  void wait();

  // Graph access.
  bool has_primitive() const;
  Primitive& primitive() const;
  std::shared_ptr<Primitive> primitive_ptr() const;
  const std::vector<array>& inputs() const;
  std::vector<array>& inputs();
  /// Other outputs of the same node, in output order (self excluded).
  std::vector<array> siblings() const;
  /// All outputs of this array's node (self included), in order.
  std::vector<array> outputs() const;
  uint32_t position() const;
  Status status() const;
  bool is_available() const { return status() == Status::available; }
  /// Drops the node: the array keeps only its data (or its pending event).
  void detach();
  /// Tracers are arrays inside a transformation; eval does not detach them.
  bool is_tracer() const;
  void set_tracer(bool t);

  // Data and layout (valid after eval).
  const Flags& flags() const;
  size_t data_size() const;  // elements reachable from data pointer
  std::shared_ptr<Data> data_shared_ptr() const;
  Buffer& buffer();
  const Buffer& buffer() const;
  size_t buffer_size() const;
  /// Stream and sequence number of the work that produces the data.
  Stream event_stream() const;
  uint64_t event_seq() const;

  /// Allocates a fresh row-contiguous buffer for this array's data.
  void set_data(Buffer buffer);
  /// Row-contiguous data held by `data` (e.g. a device-only buffer).
  void set_data(std::shared_ptr<Data> data);
  void set_data(std::shared_ptr<Data> data, size_t data_size, Strides strides,
                Flags flags);
  /// Byte offset of this view's first element in its Data.
  size_t offset() const;
  void set_data(Buffer buffer, size_t data_size, Strides strides, Flags flags);
  /// Makes this array a view of `other`'s data at an element offset.
  void copy_shared_buffer(const array& other, const Strides& strides,
                          Flags flags, size_t data_size, int64_t offset = 0);
  void copy_shared_buffer(const array& other);
  /// Takes `other`'s buffer (used to donate an input to an output).
  void move_shared_buffer(array other);
  /// True when nothing else refers to this array or its buffer.
  bool is_donatable() const;

  /// Identity of the descriptor (for maps and sets).
  uintptr_t id() const { return reinterpret_cast<uintptr_t>(desc_.get()); }
  const std::shared_ptr<ArrayDesc>& desc() const { return desc_; }
  explicit array(std::shared_ptr<ArrayDesc> d) : desc_(std::move(d)) {}

  // Scheduling internals (used by eval and the scheduler).
  void set_status(Status s);
  void set_event(Stream s, uint64_t seq);
  void set_error(std::exception_ptr e);
  std::exception_ptr error() const;
  /// Moves the node out (eval schedules it and then detaches).
  std::shared_ptr<Node> node() const;

 private:
  void init_buffer_from(const void* src);
  std::shared_ptr<ArrayDesc> desc_;
};

struct ArrayDesc {
  Shape shape;
  Strides strides;
  size_t size = 0;
  Dtype dtype = Dtype::float32;
  std::shared_ptr<Node> node;
  uint32_t position = 0;
  std::shared_ptr<Data> data;
  size_t offset = 0;  // bytes from the start of data's buffer
  size_t data_size = 0;
  Flags flags;
  std::atomic<Status> status{Status::available};
  bool tracer = false;
  Stream event_stream;
  uint64_t event_seq = 0;
  std::exception_ptr error;

  ArrayDesc(Shape s, Dtype t);
  // Iterative teardown so that long chains don't overflow the stack.
  ~ArrayDesc();
};

namespace detail {
/// True while a transformation (vjp, jvp, vmap, ...) traces a function on
/// this thread; tracer flags only take effect then.
bool in_tracing();
/// Marks the calling thread as tracing for the lifetime of the object.
struct TracingScope {
  TracingScope();
  ~TracingScope();
  TracingScope(const TracingScope&) = delete;
  TracingScope& operator=(const TracingScope&) = delete;
};
}  // namespace detail

/// Row-major strides (in elements) of a shape.
Strides row_strides(const Shape& shape);
/// Number of elements of a shape.
size_t shape_size(const Shape& shape);
/// "(2, 3)" style text of a shape.
std::string shape_str(const Shape& shape);

// ---- template implementations ----

namespace detail {
/// Copies `n` values of type T into `dst` converted to `dtype`.
template <typename T>
void convert_into(const T* src, size_t n, Dtype dtype, void* dst);
}  // namespace detail

template <typename T, typename>
array::array(T val, Dtype dtype)
    : desc_(pool::make_shared<ArrayDesc>(Shape{}, dtype)) {
  set_data(allocator::malloc(size_of(dtype)));
  detail::convert_into(&val, 1, dtype, raw_data());
}

template <typename T>
array::array(std::initializer_list<T> data, Dtype dtype)
    : desc_(pool::make_shared<ArrayDesc>(Shape{ShapeElem(data.size())}, dtype)) {
  set_data(allocator::malloc(data.size() * size_of(dtype)));
  detail::convert_into(data.begin(), data.size(), dtype, raw_data());
}

template <typename T>
array::array(std::initializer_list<T> data, Shape shape, Dtype dtype)
    : array(std::vector<T>(data), std::move(shape), dtype) {}

template <typename T>
array::array(const std::vector<T>& data, Shape shape, Dtype dtype)
    : desc_(pool::make_shared<ArrayDesc>(std::move(shape), dtype)) {
  if (data.size() != size()) {
    throw std::invalid_argument(
        "[array] Data size " + std::to_string(data.size()) +
        " does not match the size " + std::to_string(size()) + " of shape " +
        shape_str(desc_->shape) + ".");
  }
  set_data(allocator::malloc(std::max<size_t>(1, size()) * size_of(dtype)));
  if constexpr (std::is_same_v<T, bool>) {
    std::vector<uint8_t> tmp(data.begin(), data.end());
    detail::convert_into(reinterpret_cast<const bool*>(tmp.data()), tmp.size(),
                         dtype, raw_data());
  } else {
    detail::convert_into(data.data(), data.size(), dtype, raw_data());
  }
}

namespace detail {
/// Reads element `idx` (a logical row-major index) of an evaluated array.
template <typename T>
T read_element(const array& a, size_t idx);
}  // namespace detail

template <typename T>
T array::item() {
  if (size() != 1) {
    throw std::invalid_argument(
        "[item] Only size-1 arrays can be converted to a scalar; got shape " +
        shape_str(shape()) + ".");
  }
  eval();
  return detail::read_element<T>(*this, 0);
}

}  // namespace ember
