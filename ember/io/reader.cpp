// Readers map files read-only (MAP_PRIVATE, so nothing ever reaches the file)
// and writers go through a temporary file + rename: overwriting a file whose
// tensors are still mapped would otherwise change or truncate them under the
// arrays (SIGBUS).
#include "ember/io/reader.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <climits>
#include <cstring>
#include <stdexcept>

namespace ember::io {

namespace {

std::string errno_str() { return std::strerror(errno); }

[[noreturn]] void throw_range(const char* op, const std::string& label,
                              uint64_t offset, uint64_t n, uint64_t size) {
  throw std::invalid_argument(
      std::string("[") + op + "] Truncated or corrupt file " + label +
      ": needs bytes [" + std::to_string(offset) + ", " +
      std::to_string(offset + n) + ") but it has " + std::to_string(size) +
      " bytes.");
}

class MemoryReader : public Reader {
 public:
  MemoryReader(std::vector<uint8_t> bytes, std::string label)
      : bytes_(std::move(bytes)) {
    label_ = std::move(label);
  }
  uint64_t size() const override { return bytes_.size(); }
  void read(uint64_t offset, void* dst, size_t n,
            const char* op) const override {
    if (!in_range(offset, n, bytes_.size())) {
      throw_range(op, label_, offset, n, bytes_.size());
    }
    if (n) std::memcpy(dst, bytes_.data() + offset, n);
  }
  const uint8_t* data() const override { return bytes_.data(); }

 private:
  std::vector<uint8_t> bytes_;
};

class MmapReader : public Reader {
 public:
  MmapReader(void* base, uint64_t size, std::string label)
      : base_(static_cast<uint8_t*>(base)), size_(size) {
    label_ = std::move(label);
  }
  ~MmapReader() override { munmap(base_, size_); }
  uint64_t size() const override { return size_; }
  void read(uint64_t offset, void* dst, size_t n,
            const char* op) const override {
    if (!in_range(offset, n, size_)) throw_range(op, label_, offset, n, size_);
    if (n) std::memcpy(dst, base_ + offset, n);
  }
  const uint8_t* data() const override { return base_; }

 private:
  uint8_t* base_;
  uint64_t size_;
};

class PreadReader : public Reader {
 public:
  PreadReader(int fd, uint64_t size, std::string label)
      : fd_(fd), size_(size) {
    label_ = std::move(label);
  }
  ~PreadReader() override { ::close(fd_); }
  uint64_t size() const override { return size_; }
  void read(uint64_t offset, void* dst, size_t n,
            const char* op) const override {
    if (!in_range(offset, n, size_)) throw_range(op, label_, offset, n, size_);
    auto* p = static_cast<uint8_t*>(dst);
    while (n > 0) {
      size_t chunk = std::min<size_t>(n, size_t(1) << 30);
      ssize_t got = ::pread(fd_, p, chunk, off_t(offset));
      if (got < 0 && errno == EINTR) continue;
      if (got <= 0) {
        throw std::runtime_error(std::string("[") + op + "] Read error in " +
                                 label_ + " at offset " +
                                 std::to_string(offset) + ": " +
                                 (got < 0 ? errno_str() : "unexpected end") +
                                 ".");
      }
      p += got;
      n -= size_t(got);
      offset += uint64_t(got);
    }
  }

 private:
  int fd_;
  uint64_t size_;
};

}  // namespace

std::shared_ptr<Reader> open_reader(const std::string& path, const char* op) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    throw std::invalid_argument(std::string("[") + op +
                                "] Failed to open file " + path + ": " +
                                errno_str() + ".");
  }
  return open_reader_fd(fd, path, op);
}

std::shared_ptr<Reader> open_reader_fd(int fd, const std::string& path,
                                       const char* op) {
  struct stat st;
  if (fstat(fd, &st) != 0) {
    std::string err = errno_str();
    ::close(fd);
    throw std::invalid_argument(std::string("[") + op + "] Cannot stat " +
                                path + ": " + err + ".");
  }
  if (S_ISDIR(st.st_mode)) {
    ::close(fd);
    throw std::invalid_argument(std::string("[") + op + "] " + path +
                                " is a directory, not a file.");
  }
  if (S_ISREG(st.st_mode)) {
    uint64_t size = uint64_t(st.st_size);
    if (size == 0) {
      ::close(fd);
      return memory_reader({}, path);
    }
    // Read-only: a private writable mapping would be charged in full against
    // the commit limit, which fails for files larger than RAM.
    void* base = mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (base != MAP_FAILED) {
      ::close(fd);
      return std::make_shared<MmapReader>(base, size, path);
    }
    return std::make_shared<PreadReader>(fd, size, path);
  }
  // Pipes and character devices: read everything.
  std::vector<uint8_t> bytes;
  std::vector<uint8_t> chunk(1 << 20);
  while (true) {
    ssize_t got = ::read(fd, chunk.data(), chunk.size());
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) {
      std::string err = errno_str();
      ::close(fd);
      throw std::runtime_error(std::string("[") + op + "] Read error in " +
                               path + ": " + err + ".");
    }
    if (got == 0) break;
    bytes.insert(bytes.end(), chunk.begin(), chunk.begin() + got);
  }
  ::close(fd);
  return memory_reader(std::move(bytes), path);
}

std::string printable(const std::string& s, size_t max_len) {
  static const char* hex = "0123456789abcdef";
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (out.size() >= max_len) {
      out += "...";
      break;
    }
    auto c = uint8_t(s[i]);
    if (c >= 0x20 && c < 0x7f && c != '\\') {
      out += char(c);
    } else {
      out += "\\x";
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

std::shared_ptr<Reader> memory_reader(std::vector<uint8_t> bytes,
                                      std::string label) {
  return std::make_shared<MemoryReader>(std::move(bytes), std::move(label));
}

namespace {

// Small writes are gathered so that headers don't cost one syscall each.
class BufferedWriter : public Writer {
 public:
  void write(const void* p, size_t n) override {
    auto* b = static_cast<const uint8_t*>(p);
    pos_ += n;
    if (buf_.size() + n <= kCap) {
      buf_.insert(buf_.end(), b, b + n);
      return;
    }
    flush();
    if (n >= kCap) {
      sink(b, n);
    } else {
      buf_.assign(b, b + n);
    }
  }

 protected:
  static constexpr size_t kCap = 1 << 20;
  virtual void sink(const uint8_t* p, size_t n) = 0;
  void flush() {
    if (!buf_.empty()) sink(buf_.data(), buf_.size());
    buf_.clear();
  }
  std::vector<uint8_t> buf_;
};

class FileWriter : public BufferedWriter {
 public:
  FileWriter(const std::string& path, const char* op) : op_(op) {
    target_ = path;
    struct stat st;
    bool exists = ::stat(path.c_str(), &st) == 0;
    if (exists && !S_ISREG(st.st_mode)) {
      // /dev/null, FIFOs, ...: write in place.
      fd_ = ::open(path.c_str(), O_WRONLY | O_TRUNC | O_CLOEXEC);
      if (fd_ < 0) fail_open(path);
      return;
    }
    // Replace the file the symlink points to, not the symlink.
    if (char* real = ::realpath(path.c_str(), nullptr)) {
      target_ = real;
      std::free(real);
    }
    static std::atomic<uint64_t> counter{0};
    tmp_ = target_ + ".tmp" + std::to_string(::getpid()) + "_" +
           std::to_string(counter++);
    fd_ = ::open(tmp_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd_ < 0) fail_open(path);
    if (exists) ::fchmod(fd_, st.st_mode & 07777);
  }
  ~FileWriter() override {
    if (fd_ >= 0) {
      ::close(fd_);
      if (!tmp_.empty()) ::unlink(tmp_.c_str());
    }
  }
  void close() override {
    if (fd_ < 0) return;
    flush();
    int fd = fd_;
    fd_ = -1;
    if (::close(fd) != 0) {
      std::string err = errno_str();
      if (!tmp_.empty()) ::unlink(tmp_.c_str());
      throw std::runtime_error(std::string("[") + op_ + "] Error writing " +
                               target_ + ": " + err + ".");
    }
    if (!tmp_.empty() && ::rename(tmp_.c_str(), target_.c_str()) != 0) {
      std::string err = errno_str();
      ::unlink(tmp_.c_str());
      throw std::runtime_error(std::string("[") + op_ + "] Cannot replace " +
                               target_ + ": " + err + ".");
    }
  }

 private:
  [[noreturn]] void fail_open(const std::string& path) {
    throw std::invalid_argument(std::string("[") + op_ +
                                "] Failed to open file " + path +
                                " for writing: " + errno_str() + ".");
  }
  void sink(const uint8_t* p, size_t n) override {
    while (n > 0) {
      ssize_t put = ::write(fd_, p, std::min<size_t>(n, size_t(1) << 30));
      if (put < 0 && errno == EINTR) continue;
      if (put <= 0) {
        throw std::runtime_error(std::string("[") + op_ + "] Error writing " +
                                 target_ + ": " + errno_str() + ".");
      }
      p += put;
      n -= size_t(put);
    }
  }
  const char* op_;
  std::string target_, tmp_;
  int fd_ = -1;
};

class CallbackWriter : public BufferedWriter {
 public:
  explicit CallbackWriter(std::function<void(const void*, size_t)> f)
      : f_(std::move(f)) {}
  void close() override { flush(); }

 private:
  void sink(const uint8_t* p, size_t n) override {
    // Python's write() takes at most what a Py_ssize_t holds; chunk anyway
    // so each temporary bytes object stays small.
    while (n > 0) {
      size_t chunk = std::min<size_t>(n, size_t(64) << 20);
      f_(p, chunk);
      p += chunk;
      n -= chunk;
    }
  }
  std::function<void(const void*, size_t)> f_;
};

}  // namespace

std::unique_ptr<Writer> file_writer(const std::string& path, const char* op) {
  return std::make_unique<FileWriter>(path, op);
}

std::unique_ptr<Writer> callback_writer(
    std::function<void(const void*, size_t)> sink) {
  return std::make_unique<CallbackWriter>(std::move(sink));
}

}  // namespace ember::io
