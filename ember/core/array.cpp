#include "ember/core/array.h"

#include <sstream>

#include "ember/core/scheduler.h"
#include "ember/primitives/primitive.h"
#include "ember/transforms/eval.h"

namespace ember {

ResidencyHooks& residency_hooks() {
  static ResidencyHooks hooks;
  return hooks;
}

Data::~Data() {
  if (device_ptr != nullptr && residency_hooks().release) {
    residency_hooks().release(*this);
  }
  if (deleter) {
    deleter(buffer);
  } else if (buffer.ptr != nullptr) {
    allocator::free(buffer);
  }
}

void* Data::host_ptr_slow() {
  auto to_host = residency_hooks().to_host;
  if (to_host == nullptr) {
    throw std::runtime_error("[array] The data lives on the GPU but no GPU backend is loaded.");
  }
  to_host(*this);
  return buffer.ptr;
}

Strides row_strides(const Shape& shape) {
  Strides st(shape.size());
  int64_t s = 1;
  for (int i = int(shape.size()) - 1; i >= 0; --i) {
    st[i] = s;
    s *= shape[i];
  }
  return st;
}

size_t shape_size(const Shape& shape) {
  size_t n = 1;
  for (auto d : shape) n *= size_t(d);
  return n;
}

std::string shape_str(const Shape& shape) {
  std::ostringstream os;
  os << "(";
  for (size_t i = 0; i < shape.size(); ++i) {
    os << shape[i];
    if (shape.size() == 1 || i + 1 < shape.size()) os << (shape.size() == 1 ? "," : ", ");
  }
  os << ")";
  return os.str();
}

ArrayDesc::ArrayDesc(Shape s, Dtype t) : shape(std::move(s)), dtype(t) {
  size = 1;
  for (auto d : shape) {
    if (d < 0) {
      throw std::invalid_argument("[array] Negative dimension in shape " +
                                  shape_str(shape) + ".");
    }
    size *= size_t(d);
  }
  strides = row_strides(shape);
}

ArrayDesc::~ArrayDesc() {
  // Unlink the inputs of a long chain iteratively: collect nodes whose last
  // owner is going away and release their inputs from a flat stack.
  if (!node || node.use_count() > 1) return;
  std::vector<std::shared_ptr<Node>> stack;
  stack.push_back(std::move(node));
  while (!stack.empty()) {
    auto n = std::move(stack.back());
    stack.pop_back();
    for (auto& in : n->inputs) {
      auto& d = in.desc();
      if (d && d.use_count() == 1 && d->node && d->node.use_count() == 1) {
        stack.push_back(std::move(d->node));
      }
    }
    n->inputs.clear();
  }
}

array::array(const void* data, Shape shape, Dtype dtype)
    : desc_(pool::make_shared<ArrayDesc>(std::move(shape), dtype)) {
  size_t n = nbytes();
  set_data(allocator::malloc(std::max<size_t>(n, 1)));
  if (n) std::memcpy(raw_data(), data, n);
}

array::array(void* data, Shape shape, Dtype dtype,
             std::function<void(void*)> deleter)
    : desc_(pool::make_shared<ArrayDesc>(std::move(shape), dtype)) {
  Buffer b{data, nbytes()};
  desc_->data = pool::make_shared<Data>(
      b, [d = std::move(deleter)](Buffer buf) {
        if (d) d(buf.ptr);
      });
  desc_->offset = 0;
  desc_->data_size = size();
}

array::array(Buffer buffer, Shape shape, Dtype dtype)
    : desc_(pool::make_shared<ArrayDesc>(std::move(shape), dtype)) {
  set_data(buffer);
}

array::array(Shape shape, Dtype dtype, std::shared_ptr<Primitive> primitive,
             std::vector<array> inputs)
    : desc_(pool::make_shared<ArrayDesc>(std::move(shape), dtype)) {
  auto node = pool::make_shared<Node>();
  node->primitive = std::move(primitive);
  node->inputs = std::move(inputs);
  node->outputs.push_back(desc_);
  desc_->node = std::move(node);
  desc_->status = Status::unscheduled;
  for (auto& in : desc_->node->inputs) {
    if (in.is_tracer()) {
      desc_->tracer = true;
      break;
    }
  }
}

std::vector<array> array::make_arrays(std::vector<Shape> shapes,
                                      std::vector<Dtype> dtypes,
                                      std::shared_ptr<Primitive> primitive,
                                      std::vector<array> inputs) {
  auto node = pool::make_shared<Node>();
  node->primitive = std::move(primitive);
  node->inputs = std::move(inputs);
  bool tracer = false;
  for (auto& in : node->inputs) tracer = tracer || in.is_tracer();
  std::vector<array> outs;
  for (size_t i = 0; i < shapes.size(); ++i) {
    auto d = pool::make_shared<ArrayDesc>(shapes[i], dtypes[i]);
    d->node = node;
    d->position = uint32_t(i);
    d->status = Status::unscheduled;
    d->tracer = tracer;
    node->outputs.push_back(d);
    outs.emplace_back(std::move(d));
  }
  node->out_shapes = std::move(shapes);
  node->out_dtypes = std::move(dtypes);
  return outs;
}

const Shape& array::shape() const { return desc_->shape; }
ShapeElem array::shape(int dim) const {
  int nd = ndim();
  int d = dim < 0 ? dim + nd : dim;
  if (d < 0 || d >= nd) {
    throw std::out_of_range("[shape] Dimension " + std::to_string(dim) +
                            " is out of range for an array with " +
                            std::to_string(nd) + " dimensions.");
  }
  return desc_->shape[d];
}
const Strides& array::strides() const { return desc_->strides; }
int64_t array::strides(int dim) const {
  int d = dim < 0 ? dim + ndim() : dim;
  return desc_->strides.at(d);
}
Dtype array::dtype() const { return desc_->dtype; }
size_t array::size() const { return desc_->size; }

void array::eval() {
  if (status() != Status::available) {
    ember::eval({*this});
  }
}

void array::wait() {
  Status st = desc_->status.load(std::memory_order_acquire);
  if (st == Status::unscheduled) {
    eval();
    return;
  }
  if (st == Status::scheduled) {
    scheduler::wait_for(desc_->event_stream, desc_->event_seq);
    // eval of GPU work returns when the kernels have finished, as in MLX.
    if (desc_->data && desc_->event_stream.device.type == DeviceType::gpu &&
        residency_hooks().wait && !desc_->error) {
      residency_hooks().wait(*desc_->data);
    }
    desc_->status.store(Status::available, std::memory_order_release);
  }
  if (desc_->error) std::rethrow_exception(desc_->error);
}

void* array::raw_data() const {
  if (!desc_->data) return nullptr;
  void* p = desc_->data->host_ptr();
  return p ? static_cast<char*>(p) + desc_->offset : nullptr;
}
size_t array::offset() const { return desc_->offset; }

bool array::has_primitive() const { return desc_->node != nullptr; }
Primitive& array::primitive() const {
  if (!desc_->node) {
    throw std::invalid_argument(
        "[primitive] The array has no primitive (it is evaluated or a constant).");
  }
  return *desc_->node->primitive;
}
std::shared_ptr<Primitive> array::primitive_ptr() const {
  return desc_->node ? desc_->node->primitive : nullptr;
}
const std::vector<array>& array::inputs() const {
  static const std::vector<array> empty;
  return desc_->node ? desc_->node->inputs : empty;
}
std::vector<array>& array::inputs() {
  if (!desc_->node) {
    throw std::invalid_argument(
        "[inputs] The array has no inputs (it is evaluated or a constant).");
  }
  return desc_->node->inputs;
}

std::vector<array> array::outputs() const {
  if (!desc_->node) return {*this};
  auto& node = *desc_->node;
  std::vector<array> outs;
  for (size_t i = 0; i < node.outputs.size(); ++i) {
    auto d = node.outputs[i].lock();
    if (!d) {
      // Recreate an output the user dropped so the primitive can write it.
      d = pool::make_shared<ArrayDesc>(node.out_shapes[i], node.out_dtypes[i]);
      d->node = desc_->node;
      d->position = uint32_t(i);
      d->status = desc_->status.load();
      d->tracer = desc_->tracer;
      node.outputs[i] = d;
    }
    outs.emplace_back(std::move(d));
  }
  return outs;
}

std::vector<array> array::siblings() const {
  auto outs = outputs();
  std::vector<array> sibs;
  for (auto& o : outs) {
    if (o.id() != id()) sibs.push_back(std::move(o));
  }
  return sibs;
}

uint32_t array::position() const { return desc_->position; }
Status array::status() const {
  return desc_->status.load(std::memory_order_acquire);
}
void array::detach() { desc_->node.reset(); }
bool array::is_tracer() const { return desc_->tracer && detail::in_tracing(); }

namespace detail {
namespace {
thread_local int tracing_depth = 0;
}  // namespace
bool in_tracing() { return tracing_depth > 0; }
TracingScope::TracingScope() { ++tracing_depth; }
TracingScope::~TracingScope() { --tracing_depth; }
}  // namespace detail
void array::set_tracer(bool t) { desc_->tracer = t; }

const Flags& array::flags() const { return desc_->flags; }
size_t array::data_size() const { return desc_->data_size; }
std::shared_ptr<Data> array::data_shared_ptr() const { return desc_->data; }
Buffer& array::buffer() { return desc_->data->buffer; }
const Buffer& array::buffer() const { return desc_->data->buffer; }
size_t array::buffer_size() const { return desc_->data->buffer.size; }
Stream array::event_stream() const { return desc_->event_stream; }
uint64_t array::event_seq() const { return desc_->event_seq; }

void array::set_data(Buffer buffer) { set_data(pool::make_shared<Data>(buffer)); }

void array::set_data(std::shared_ptr<Data> data) {
  desc_->data = std::move(data);
  desc_->offset = 0;
  desc_->data_size = size();
  desc_->strides = row_strides(shape());
  bool trivial = true;
  desc_->flags = Flags{trivial, trivial, trivial};
  // A row-contiguous array is column-contiguous only if at most one dim > 1.
  int big = 0;
  for (auto d : shape()) big += d > 1;
  desc_->flags.col_contiguous = big <= 1;
}

void array::set_data(Buffer buffer, size_t data_size, Strides strides,
                     Flags flags) {
  set_data(pool::make_shared<Data>(buffer), data_size, std::move(strides), flags);
}

void array::set_data(std::shared_ptr<Data> data, size_t data_size,
                     Strides strides, Flags flags) {
  desc_->data = std::move(data);
  desc_->offset = 0;
  desc_->data_size = data_size;
  desc_->strides = std::move(strides);
  desc_->flags = flags;
}

void array::copy_shared_buffer(const array& other, const Strides& strides,
                               Flags flags, size_t data_size, int64_t offset) {
  desc_->data = other.desc_->data;
  desc_->offset = size_t(int64_t(other.desc_->offset) +
                         offset * int64_t(size_of(other.dtype())));
  desc_->data_size = data_size;
  desc_->strides = strides;
  desc_->flags = flags;
}

void array::copy_shared_buffer(const array& other) {
  copy_shared_buffer(other, other.strides(), other.flags(), other.data_size());
}

void array::move_shared_buffer(array other) {
  desc_->data = std::move(other.desc_->data);
  desc_->offset = other.desc_->offset;
  desc_->data_size = other.desc_->data_size;
  desc_->strides = other.desc_->strides;
  desc_->flags = other.desc_->flags;
  other.desc_->offset = 0;
}

bool array::is_donatable() const {
  return desc_.use_count() == 1 && desc_->data &&
         desc_->data.use_count() == 1 && !desc_->data->deleter &&
         !desc_->data->device_shared;
}

void array::set_status(Status s) {
  desc_->status.store(s, std::memory_order_release);
}
void array::set_event(Stream s, uint64_t seq) {
  desc_->event_stream = s;
  desc_->event_seq = seq;
}
void array::set_error(std::exception_ptr e) { desc_->error = std::move(e); }
std::exception_ptr array::error() const { return desc_->error; }
std::shared_ptr<Node> array::node() const { return desc_->node; }

namespace detail {

template <typename Src, typename Dst>
static void convert_loop(const Src* src, size_t n, Dst* dst) {
  for (size_t i = 0; i < n; ++i) {
    if constexpr (std::is_same_v<Src, complex64_t>) {
      if constexpr (std::is_same_v<Dst, complex64_t>) {
        dst[i] = src[i];
      } else if constexpr (std::is_same_v<Dst, bool>) {
        dst[i] = src[i] != complex64_t(0);
      } else {
        dst[i] = Dst(src[i].real());
      }
    } else if constexpr (std::is_same_v<Dst, complex64_t>) {
      dst[i] = complex64_t(float(src[i]), 0.0f);
    } else if constexpr (std::is_same_v<Dst, bool>) {
      dst[i] = static_cast<double>(src[i]) != 0.0;
    } else if constexpr (std::is_same_v<Src, float16_t> ||
                         std::is_same_v<Src, bfloat16_t>) {
      dst[i] = Dst(float(src[i]));
    } else {
      dst[i] = Dst(src[i]);
    }
  }
}

template <typename T>
void convert_into(const T* src, size_t n, Dtype dtype, void* dst) {
  dispatch_all(dtype, [&](auto tag) {
    using D = decltype(tag);
    convert_loop(src, n, static_cast<D*>(dst));
  });
}

template <typename T>
T read_element(const array& arr, size_t idx) {
  array a = arr;
  a.eval();  // a no-op when already evaluated
  // Map the logical index through the strides.
  int64_t off = 0;
  for (int i = a.ndim() - 1; i >= 0; --i) {
    int64_t d = a.shape()[i];
    off += int64_t(idx % d) * a.strides()[i];
    idx /= d;
  }
  T out{};
  dispatch_all(a.dtype(), [&](auto tag) {
    using S = decltype(tag);
    convert_loop(static_cast<const S*>(a.raw_data()) + off, 1, &out);
  });
  return out;
}

#define EMBER_INSTANTIATE(T)                                         \
  template void convert_into<T>(const T*, size_t, Dtype, void*);     \
  template T read_element<T>(const array&, size_t);
EMBER_INSTANTIATE(bool)
EMBER_INSTANTIATE(uint8_t)
EMBER_INSTANTIATE(uint16_t)
EMBER_INSTANTIATE(uint32_t)
EMBER_INSTANTIATE(uint64_t)
EMBER_INSTANTIATE(int8_t)
EMBER_INSTANTIATE(int16_t)
EMBER_INSTANTIATE(int32_t)
EMBER_INSTANTIATE(int64_t)
EMBER_INSTANTIATE(float16_t)
EMBER_INSTANTIATE(float)
EMBER_INSTANTIATE(double)
EMBER_INSTANTIATE(bfloat16_t)
EMBER_INSTANTIATE(complex64_t)
#undef EMBER_INSTANTIATE

}  // namespace detail
}  // namespace ember
