// Loaded tensors are either views of the file mapping (no copy, no active
// memory) or nodes of a private `Load` primitive that reads, inflates,
// CRC-checks and byte-swaps when evaluated, so a file larger than RAM loads
// and only the tensors that are used cost memory.
#include "ember/io/tensor.h"

#include <zlib.h>

#include <algorithm>
#include <climits>
#include <cstring>
#include <stdexcept>
#include <vector>

#include "ember/ops/copy.h"
#include "ember/primitives/primitive.h"

namespace ember::io {

namespace {

constexpr size_t kChunk = size_t(1) << 20;

[[noreturn]] void corrupt(const char* op, const TensorLocation& loc,
                          const std::string& what) {
  throw std::invalid_argument(std::string("[") + op + "] Corrupt file " +
                              loc.reader->label() + ": " + what + ".");
}

void byteswap(uint8_t* p, size_t nbytes, int group) {
  if (group <= 1) return;
  for (size_t i = 0; i + group <= nbytes; i += group) {
    std::reverse(p + i, p + i + group);
  }
}

class Load : public UnaryPrimitive {
 public:
  Load(Stream s, TensorLocation loc, uint64_t nbytes, const char* op)
      : UnaryPrimitive(s), loc_(std::move(loc)), nbytes_(nbytes), op_(op) {}
  EMBER_DEFINE_EVAL()
  EMBER_DEFINE_NAME(Load)

 private:
  TensorLocation loc_;
  uint64_t nbytes_;
  const char* op_;
};

void Load::eval_cpu(const std::vector<array>&, array& out) {
  out.set_data(allocator::malloc(std::max<size_t>(nbytes_, 1)));
  auto* dst = static_cast<uint8_t*>(out.raw_data());
  if (!loc_.deflated && !loc_.crc) {
    loc_.reader->read(loc_.offset + loc_.skip, dst, nbytes_, op_);
  } else {
    uint64_t pos = 0;
    uint64_t begin = loc_.skip, end = loc_.skip + nbytes_;
    // Without a CRC, decoding can stop at the end of the tensor.
    uint64_t limit = loc_.crc ? UINT64_MAX : end;
    uint64_t got = decode(
        loc_, limit,
        [&](const uint8_t* p, size_t n) {
          uint64_t lo = std::max(pos, begin), hi = std::min(pos + n, end);
          if (lo < hi) std::memcpy(dst + (lo - begin), p + (lo - pos), hi - lo);
          pos += n;
        },
        bool(loc_.crc), op_);
    if (got < end) corrupt(op_, loc_, "compressed data ends early");
  }
  byteswap(dst, nbytes_, loc_.swap_size);
  if (out.dtype() == Dtype::bool_) {
    // Any non-zero byte is True; other bytes would be invalid C++ bools.
    for (uint64_t i = 0; i < nbytes_; ++i) dst[i] = dst[i] != 0;
  }
}

void Load::eval_gpu(const std::vector<array>&, array&) {
  throw std::runtime_error("[load] Loading runs on a CPU stream only.");
}

uint64_t decode_raw(const TensorLocation& loc, uint64_t limit,
                    const std::function<void(const uint8_t*, size_t)>& sink,
                    bool verify, const char* op) {
  uint64_t total = verify ? loc.length : std::min(limit, loc.length);
  uint32_t crc = 0;
  const uint8_t* base = loc.reader->data();
  std::vector<uint8_t> buf;
  if (!base) buf.resize(std::min<uint64_t>(kChunk, total));
  for (uint64_t done = 0; done < total;) {
    size_t n = size_t(std::min<uint64_t>(kChunk, total - done));
    const uint8_t* p;
    if (base) {
      p = base + loc.offset + done;
    } else {
      loc.reader->read(loc.offset + done, buf.data(), n, op);
      p = buf.data();
    }
    if (verify) crc = crc32_update(crc, p, n);
    sink(p, n);
    done += n;
  }
  if (verify && loc.crc && crc != *loc.crc) {
    corrupt(op, loc, "CRC-32 mismatch (stored data is damaged)");
  }
  return total;
}

uint64_t decode_deflate(const TensorLocation& loc, uint64_t limit,
                        const std::function<void(const uint8_t*, size_t)>& sink,
                        bool verify, const char* op) {
  z_stream zs{};
  if (inflateInit2(&zs, -MAX_WBITS) != Z_OK) {
    throw std::runtime_error(std::string("[") + op + "] zlib init failed.");
  }
  struct Guard {
    z_stream* z;
    ~Guard() { inflateEnd(z); }
  } guard{&zs};
  const uint8_t* base = loc.reader->data();
  std::vector<uint8_t> in;
  std::vector<uint8_t> out(kChunk);
  uint64_t consumed = 0, produced = 0;
  uint32_t crc = 0;
  bool ended = false;
  while (!ended && produced < limit) {
    if (zs.avail_in == 0 && consumed < loc.length) {
      size_t n = size_t(std::min<uint64_t>(loc.length - consumed, kChunk));
      if (base) {
        zs.next_in = const_cast<Bytef*>(base + loc.offset + consumed);
      } else {
        in.resize(n);
        loc.reader->read(loc.offset + consumed, in.data(), n, op);
        zs.next_in = in.data();
      }
      zs.avail_in = uInt(n);
      consumed += n;
    }
    zs.next_out = out.data();
    zs.avail_out = uInt(out.size());
    int rc = inflate(&zs, Z_NO_FLUSH);
    size_t n = out.size() - zs.avail_out;
    if (rc == Z_STREAM_END) {
      ended = true;
    } else if (rc == Z_BUF_ERROR && n == 0) {
      // No progress: the input ran out before the end of the stream.
      corrupt(op, loc, "deflate stream is truncated");
    } else if (rc != Z_OK && rc != Z_BUF_ERROR) {
      corrupt(op, loc,
              std::string("invalid deflate data (") +
                  (zs.msg ? zs.msg : "zlib error " + std::to_string(rc)) +
                  ")");
    }
    if (produced + n > loc.decoded_size) {
      corrupt(op, loc,
              "member inflates to more than its recorded size " +
                  std::to_string(loc.decoded_size));
    }
    if (verify) crc = crc32_update(crc, out.data(), n);
    uint64_t give = std::min<uint64_t>(n, limit - produced);
    if (give) sink(out.data(), size_t(give));
    produced += n;
  }
  if (verify) {
    if (!ended) corrupt(op, loc, "deflate stream is truncated");
    if (produced != loc.decoded_size) {
      corrupt(op, loc,
              "member inflates to " + std::to_string(produced) +
                  " bytes, expected " + std::to_string(loc.decoded_size));
    }
    if (loc.crc && crc != *loc.crc) {
      corrupt(op, loc, "CRC-32 mismatch (compressed data is damaged)");
    }
  }
  return std::min(produced, limit);
}

}  // namespace

uint32_t crc32_update(uint32_t crc, const void* p, uint64_t n) {
  auto* b = static_cast<const Bytef*>(p);
  while (n > 0) {
    uInt chunk = uInt(std::min<uint64_t>(n, 1u << 30));
    crc = uint32_t(::crc32(crc, b, chunk));
    b += chunk;
    n -= chunk;
  }
  return crc;
}

uint64_t decode(const TensorLocation& loc, uint64_t limit,
                const std::function<void(const uint8_t*, size_t)>& sink,
                bool verify, const char* op) {
  if (!in_range(loc.offset, loc.length, loc.reader->size())) {
    corrupt(op, loc,
            "data region [" + std::to_string(loc.offset) + ", +" +
                std::to_string(loc.length) + ") lies outside the file of " +
                std::to_string(loc.reader->size()) + " bytes");
  }
  return loc.deflated ? decode_deflate(loc, limit, sink, verify, op)
                      : decode_raw(loc, limit, sink, verify, op);
}

std::string decode_prefix(const TensorLocation& loc, uint64_t n,
                          const char* op) {
  std::string s;
  decode(
      loc, n,
      [&](const uint8_t* p, size_t k) {
        s.append(reinterpret_cast<const char*>(p), k);
      },
      false, op);
  return s;
}

uint64_t checked_nbytes(const std::vector<int64_t>& dims, int itemsize,
                        const char* op, const std::string& what) {
  bool empty = false;
  for (auto d : dims) {
    if (d < 0) {
      throw std::invalid_argument(std::string("[") + op + "] " + what +
                                  " has a negative dimension " +
                                  std::to_string(d) + ".");
    }
    if (d > INT32_MAX) {
      throw std::invalid_argument(std::string("[") + op + "] " + what +
                                  " has dimension " + std::to_string(d) +
                                  ", larger than the supported 2^31 - 1.");
    }
    empty = empty || d == 0;
  }
  if (empty) return 0;
  unsigned __int128 total = unsigned(itemsize);
  for (auto d : dims) {
    total *= uint64_t(d);
    if (total > (unsigned __int128)(INT64_MAX)) {
      throw std::invalid_argument(std::string("[") + op + "] " + what +
                                  " has a shape whose byte size overflows.");
    }
  }
  return uint64_t(total);
}

array make_loaded_array(TensorLocation loc, Shape shape, Dtype dtype,
                        StreamOrDevice s, const char* op) {
  uint64_t nbytes = uint64_t(shape_size(shape)) * uint64_t(size_of(dtype));
  if (!in_range(loc.offset, loc.length, loc.reader->size())) {
    corrupt(op, loc,
            "data region [" + std::to_string(loc.offset) + ", +" +
                std::to_string(loc.length) + ") lies outside the file of " +
                std::to_string(loc.reader->size()) + " bytes");
  }
  if (!loc.deflated && loc.decoded_size != loc.length) {
    corrupt(op, loc, "stored size does not match the data size");
  }
  if (!in_range(loc.skip, nbytes, loc.decoded_size)) {
    corrupt(op, loc,
            "tensor of " + std::to_string(nbytes) + " bytes at offset " +
                std::to_string(loc.skip) + " exceeds its data of " +
                std::to_string(loc.decoded_size) + " bytes");
  }
  const uint8_t* base = loc.reader->data();
  if (base && !loc.deflated && loc.swap_size <= 1 && dtype != Dtype::bool_) {
    const uint8_t* p = base + loc.offset + loc.skip;
    if (reinterpret_cast<uintptr_t>(p) % size_of(dtype) == 0) {
      if (loc.crc) decode(loc, UINT64_MAX, [](const uint8_t*, size_t) {}, true, op);
      // The deleter owns a reference to the reader: the mapping lives as
      // long as any view of it.
      return array(const_cast<uint8_t*>(p), std::move(shape), dtype,
                   [keep = loc.reader](void*) {});
    }
  }
  Stream st = to_stream(s, Device::cpu);
  if (st.device.type != DeviceType::cpu) st = default_stream(Device::cpu);
  return array(std::move(shape), dtype,
               std::make_shared<Load>(st, std::move(loc), nbytes, op), {});
}

array contiguous_for_save(const array& a, bool allow_col_major) {
  array c = a;
  c.wait();  // evaluates, or waits for work scheduled elsewhere
  if (c.flags().row_contiguous ||
      (allow_col_major && c.flags().col_contiguous)) {
    return c;
  }
  c = contiguous(c, false);
  c.wait();
  return c;
}

}  // namespace ember::io
