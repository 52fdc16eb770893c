// Byte sources and sinks of the file formats: memory-mapped (or pread) files,
// in-memory buffers, and writers that replace a file atomically or hand
// chunks to a callback (Python file objects).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace ember::io {

/// A random-access, thread-safe, read-only byte source.
class Reader {
 public:
  virtual ~Reader() = default;
  /// Total size in bytes.
  virtual uint64_t size() const = 0;
  /// Copies `n` bytes at `offset` into `dst`; throws std::invalid_argument
  /// naming `op` when the range lies outside the source.
  virtual void read(uint64_t offset, void* dst, size_t n,
                    const char* op) const = 0;
  /// The whole content when it is addressable (mapped or in memory), else
  /// null. Valid while the reader lives.
  virtual const uint8_t* data() const { return nullptr; }
  /// Name used in error messages (the path, or "<memory>").
  const std::string& label() const { return label_; }

 protected:
  std::string label_;
};

/// Opens a file for reading: memory-mapped when possible, else read with
/// pread (or fully into memory for pipes). Throws std::invalid_argument
/// naming `op` when the file can't be opened.
std::shared_ptr<Reader> open_reader(const std::string& path, const char* op);
/// Same for an open file descriptor, which the reader takes over (closes).
std::shared_ptr<Reader> open_reader_fd(int fd, const std::string& label,
                                       const char* op);
/// A reader over bytes held in memory.
std::shared_ptr<Reader> memory_reader(std::vector<uint8_t> bytes,
                                      std::string label = "<memory>");

/// `s` for an error message: bytes outside printable ASCII become \xNN and
/// long strings are cut, so file contents never make invalid UTF-8.
std::string printable(const std::string& s, size_t max_len = 80);

/// True when [offset, offset + n) lies inside a source of `size` bytes.
inline bool in_range(uint64_t offset, uint64_t n, uint64_t size) {
  return offset <= size && n <= size - offset;
}

/// A sequential byte sink.
class Writer {
 public:
  virtual ~Writer() = default;
  /// Appends `n` bytes; throws std::runtime_error on I/O errors.
  virtual void write(const void* p, size_t n) = 0;
  /// Bytes written so far.
  uint64_t tell() const { return pos_; }
  /// Completes the output (a file writer renames its temporary file into
  /// place). Without close(), a file writer leaves the target untouched.
  virtual void close() {}

 protected:
  uint64_t pos_ = 0;
};

/// Writes `path` through a temporary file in the same directory that is
/// renamed over the target on close(), so that arrays still mapped from the
/// old file stay valid. Throws std::invalid_argument naming `op` on failure.
std::unique_ptr<Writer> file_writer(const std::string& path, const char* op);
/// Hands each chunk to `sink` (buffered into chunks of about 1 MiB).
std::unique_ptr<Writer> callback_writer(
    std::function<void(const void*, size_t)> sink);

}  // namespace ember::io
