// Zip layout (PKWARE APPNOTE 6.3): local header + data (+ descriptor) per
// member, then the central directory, optional zip64 end record + locator,
// and the end-of-central-directory record (found by scanning back over the
// archive comment). Every size and offset read is checked against the file.
#include "ember/io/zip.h"

#include <zlib.h>

#include <algorithm>
#include <cstring>
#include <set>
#include <stdexcept>

namespace ember::io {

namespace {

constexpr uint32_t kLocalSig = 0x04034b50;
constexpr uint32_t kCentralSig = 0x02014b50;
constexpr uint32_t kEndSig = 0x06054b50;
constexpr uint32_t kEnd64Sig = 0x06064b50;
constexpr uint32_t kLocator64Sig = 0x07064b50;
constexpr uint32_t kDescriptorSig = 0x08074b50;
constexpr uint32_t kMax32 = 0xFFFFFFFFu;
constexpr uint16_t kMax16 = 0xFFFF;
constexpr uint16_t kZip64Id = 0x0001;
constexpr uint16_t kAlignId = 0xD935;  // zipalign's padding field
constexpr uint16_t kDosDate = (1 << 5) | 1;  // 1980-01-01

[[noreturn]] void bad(const char* op, const Reader& r, const std::string& w) {
  throw std::invalid_argument(std::string("[") + op + "] Invalid zip archive " +
                              r.label() + ": " + w + ".");
}

uint64_t get(const uint8_t* p, int n) {
  uint64_t v = 0;
  for (int k = n - 1; k >= 0; --k) v = (v << 8) | p[k];
  return v;
}

void put(std::string& s, uint64_t v, int n) {
  for (int k = 0; k < n; ++k) s += char((v >> (8 * k)) & 0xff);
}

std::vector<uint8_t> read_bytes(const Reader& r, uint64_t off, uint64_t n,
                                const char* op) {
  if (!in_range(off, n, r.size())) {
    bad(op, r, "record at offset " + std::to_string(off) + " of " +
                   std::to_string(n) + " bytes lies outside the file");
  }
  std::vector<uint8_t> b(n);
  r.read(off, b.data(), n, op);
  return b;
}

struct EndInfo {
  uint64_t entries, cd_size, cd_offset, end;  // end: first byte after the CD
};

EndInfo find_end(const Reader& r, const char* op) {
  uint64_t size = r.size();
  if (size < 22) bad(op, r, "file is too small (" + std::to_string(size) +
                                " bytes) to hold an end record");
  uint64_t span = std::min<uint64_t>(size, 22 + 65535);
  auto tail = read_bytes(r, size - span, span, op);
  int64_t found = -1;
  for (int64_t i = int64_t(span) - 22; i >= 0; --i) {
    if (get(&tail[i], 4) != kEndSig) continue;
    uint64_t comment = get(&tail[i + 20], 2);
    if (uint64_t(i) + 22 + comment <= span) {
      found = i;
      break;
    }
  }
  if (found < 0) bad(op, r, "no end-of-central-directory record (not a zip file)");
  const uint8_t* e = &tail[found];
  uint64_t pos = size - span + uint64_t(found);
  EndInfo info{get(e + 10, 2), get(e + 12, 4), get(e + 16, 4), pos};
  uint64_t disk = get(e + 4, 2), cd_disk = get(e + 6, 2);
  if (get(e + 8, 2) != info.entries) {
    bad(op, r, "entry counts " + std::to_string(get(e + 8, 2)) + " and " +
                   std::to_string(info.entries) + " disagree");
  }
  bool has_locator = false;
  if (pos >= 20) {
    auto loc = read_bytes(r, pos - 20, 20, op);
    has_locator = get(loc.data(), 4) == kLocator64Sig;
    if (has_locator) {
      uint64_t off = get(loc.data() + 8, 8);
      if (get(loc.data() + 4, 4) != 0 || get(loc.data() + 16, 4) > 1) {
        bad(op, r, "multi-disk archives are not supported");
      }
      if (off > pos - 20 || pos - 20 - off < 56) {
        bad(op, r, "zip64 end record offset " + std::to_string(off) +
                       " is out of range");
      }
      auto z = read_bytes(r, off, 56, op);
      if (get(z.data(), 4) != kEnd64Sig) bad(op, r, "bad zip64 end record signature");
      disk = get(z.data() + 16, 4);
      cd_disk = get(z.data() + 20, 4);
      info = {get(z.data() + 32, 8), get(z.data() + 40, 8),
              get(z.data() + 48, 8), off};
      if (get(z.data() + 24, 8) != info.entries) {
        bad(op, r, "zip64 entry counts disagree");
      }
    }
  }
  if (!has_locator && (info.entries == kMax16 || info.cd_size == kMax32 ||
                       info.cd_offset == kMax32)) {
    bad(op, r, "zip64 sizes without a zip64 end record");
  }
  if (disk != 0 || cd_disk != 0) bad(op, r, "multi-disk archives are not supported");
  if (info.cd_offset > info.end || info.cd_size > info.end - info.cd_offset) {
    bad(op, r, "central directory [" + std::to_string(info.cd_offset) + ", +" +
                   std::to_string(info.cd_size) +
                   ") lies outside the archive");
  }
  if (info.entries > info.cd_size / 46) {
    bad(op, r, std::to_string(info.entries) +
                   " entries cannot fit in a central directory of " +
                   std::to_string(info.cd_size) + " bytes");
  }
  return info;
}

}  // namespace

TensorLocation ZipEntry::location(const std::shared_ptr<Reader>& r) const {
  TensorLocation loc;
  loc.reader = r;
  loc.offset = data_offset;
  loc.length = compressed_size;
  loc.deflated = deflated;
  loc.decoded_size = size;
  loc.crc = crc;
  return loc;
}

std::vector<ZipEntry> read_zip_directory(const std::shared_ptr<Reader>& rp,
                                         const char* op) {
  const Reader& r = *rp;
  EndInfo end = find_end(r, op);
  auto cd = read_bytes(r, end.cd_offset, end.cd_size, op);
  std::vector<ZipEntry> out;
  std::set<std::string> names;
  size_t p = 0;
  for (uint64_t k = 0; k < end.entries; ++k) {
    if (p + 46 > cd.size() || get(&cd[p], 4) != kCentralSig) {
      bad(op, r, "central directory entry " + std::to_string(k) +
                     " is damaged");
    }
    const uint8_t* h = &cd[p];
    uint64_t flags = get(h + 8, 2), method = get(h + 10, 2);
    uint64_t nlen = get(h + 28, 2), xlen = get(h + 30, 2), clen = get(h + 32, 2);
    if (p + 46 + nlen + xlen + clen > cd.size()) {
      bad(op, r, "central directory entry " + std::to_string(k) +
                     " runs past the directory");
    }
    ZipEntry e;
    e.name.assign(reinterpret_cast<const char*>(h + 46), nlen);
    e.crc = uint32_t(get(h + 16, 4));
    e.compressed_size = get(h + 20, 4);
    e.size = get(h + 24, 4);
    uint64_t disk = get(h + 34, 2);
    uint64_t local = get(h + 42, 4);
    // zip64 extra: only the saturated fields appear, in this order.
    const uint8_t* x = h + 46 + nlen;
    for (uint64_t q = 0; q + 4 <= xlen;) {
      uint64_t id = get(x + q, 2), len = get(x + q + 2, 2);
      if (q + 4 + len > xlen) bad(op, r, "member '" + printable(e.name) + "' has a damaged extra field");
      if (id == kZip64Id) {
        const uint8_t* f = x + q + 4;
        uint64_t left = len;
        auto take = [&](uint64_t& v) {
          if (left < 8) bad(op, r, "member '" + printable(e.name) + "' has a short zip64 field");
          v = get(f, 8);
          f += 8;
          left -= 8;
        };
        if (e.size == kMax32) take(e.size);
        if (e.compressed_size == kMax32) take(e.compressed_size);
        if (local == kMax32) take(local);
      }
      q += 4 + len;
    }
    if (disk != 0 && disk != kMax16) bad(op, r, "multi-disk archives are not supported");
    p += 46 + nlen + xlen + clen;
    if (flags & 1) bad(op, r, "member '" + printable(e.name) + "' is encrypted");
    if (method != 0 && method != 8) {
      bad(op, r, "member '" + printable(e.name) + "' uses compression method " +
                     std::to_string(method) + " (only stored and deflated)");
    }
    e.deflated = method == 8;
    if (!e.deflated && e.compressed_size != e.size) {
      bad(op, r, "stored member '" + printable(e.name) + "' has compressed size " +
                     std::to_string(e.compressed_size) + " != size " +
                     std::to_string(e.size));
    }
    if (local > end.cd_offset || end.cd_offset - local < 30) {
      bad(op, r, "member '" + printable(e.name) + "' has local header offset " +
                     std::to_string(local) + " outside the archive");
    }
    auto lh = read_bytes(r, local, 30, op);
    if (get(lh.data(), 4) != kLocalSig) {
      bad(op, r, "member '" + printable(e.name) + "' has a bad local header signature");
    }
    uint64_t lnlen = get(lh.data() + 26, 2), lxlen = get(lh.data() + 28, 2);
    if (lnlen != nlen) bad(op, r, "member '" + printable(e.name) + "' has a mismatched local name");
    auto lname = read_bytes(r, local + 30, lnlen, op);
    if (std::memcmp(lname.data(), e.name.data(), nlen) != 0) {
      bad(op, r, "member '" + printable(e.name) + "' has a mismatched local name");
    }
    e.data_offset = local + 30 + lnlen + lxlen;
    if (!in_range(e.data_offset, e.compressed_size, end.cd_offset)) {
      bad(op, r, "member '" + printable(e.name) + "' data [" +
                     std::to_string(e.data_offset) + ", +" +
                     std::to_string(e.compressed_size) +
                     ") runs past the start of the central directory");
    }
    if (!names.insert(e.name).second) {
      bad(op, r, "duplicate member '" + printable(e.name) + "'");
    }
    out.push_back(std::move(e));
  }
  if (p != cd.size()) {
    bad(op, r, "central directory has " + std::to_string(cd.size() - p) +
                   " bytes beyond its " + std::to_string(end.entries) +
                   " entries");
  }
  return out;
}

void ZipWriter::add(const std::string& name, const std::string& header,
                    const void* data, uint64_t n, bool deflate,
                    const char* op) {
  if (name.size() > kMax16) {
    throw std::invalid_argument(std::string("[") + op + "] Member name of " +
                                std::to_string(name.size()) +
                                " bytes is too long for a zip archive.");
  }
  Central c{name, 0, uint16_t(deflate ? 8 : 0), 0, 0, header.size() + n,
            w_.tell()};
  bool utf8 = std::any_of(name.begin(), name.end(),
                          [](char ch) { return uint8_t(ch) >= 0x80; });
  if (utf8) c.flags |= 1 << 11;
  if (deflate) c.flags |= 1 << 3;  // sizes and CRC follow in a descriptor
  // Deflate can expand incompressible data slightly; leave a margin.
  bool zip64 = force64_ || c.usize >= (deflate ? 0xF0000000u : kMax32);
  if (!deflate) {
    c.crc = crc32_update(crc32_update(0, header.data(), header.size()), data, n);
    c.csize = c.usize;
  }

  std::string lh;
  put(lh, kLocalSig, 4);
  put(lh, zip64 ? 45 : 20, 2);
  put(lh, c.flags, 2);
  put(lh, c.method, 2);
  put(lh, 0, 2);
  put(lh, kDosDate, 2);
  put(lh, deflate ? 0 : c.crc, 4);
  put(lh, zip64 ? kMax32 : (deflate ? 0 : c.csize), 4);
  put(lh, zip64 ? kMax32 : (deflate ? 0 : c.usize), 4);
  std::string extra;
  if (zip64) {
    put(extra, kZip64Id, 2);
    put(extra, 16, 2);
    put(extra, deflate ? 0 : c.usize, 8);
    put(extra, deflate ? 0 : c.csize, 8);
  }
  if (!deflate) {
    uint64_t base = c.offset + 30 + name.size() + extra.size() + header.size();
    uint64_t pad = (64 - (base + 6) % 64) % 64 + 6;
    put(extra, kAlignId, 2);
    put(extra, pad - 4, 2);
    put(extra, 64, 2);
    extra.append(pad - 6, '\0');
  }
  put(lh, name.size(), 2);
  put(lh, extra.size(), 2);
  lh += name;
  lh += extra;
  w_.write(lh.data(), lh.size());

  if (!deflate) {
    w_.write(header.data(), header.size());
    if (n) w_.write(data, n);
  } else {
    z_stream zs{};
    if (deflateInit2(&zs, 6, Z_DEFLATED, -MAX_WBITS, 8, Z_DEFAULT_STRATEGY) !=
        Z_OK) {
      throw std::runtime_error(std::string("[") + op + "] zlib init failed.");
    }
    struct Guard {
      z_stream* z;
      ~Guard() { deflateEnd(z); }
    } guard{&zs};
    std::vector<uint8_t> out(1 << 18);
    auto pump = [&](const void* p, uint64_t len, bool last) {
      auto* b = static_cast<const uint8_t*>(p);
      do {
        uInt chunk = uInt(std::min<uint64_t>(len, 1u << 30));
        zs.next_in = const_cast<Bytef*>(b);
        zs.avail_in = chunk;
        b += chunk;
        len -= chunk;
        int flush = (last && len == 0) ? Z_FINISH : Z_NO_FLUSH;
        int rc;
        do {
          zs.next_out = out.data();
          zs.avail_out = uInt(out.size());
          rc = ::deflate(&zs, flush);
          if (rc == Z_STREAM_ERROR) {
            throw std::runtime_error(std::string("[") + op +
                                     "] zlib deflate failed.");
          }
          size_t got = out.size() - zs.avail_out;
          if (got) w_.write(out.data(), got);
          c.csize += got;
        } while (zs.avail_out == 0 || (flush == Z_FINISH && rc != Z_STREAM_END));
      } while (len > 0);
    };
    c.crc = crc32_update(crc32_update(0, header.data(), header.size()), data, n);
    pump(header.data(), header.size(), n == 0);
    if (n) pump(data, n, true);
    std::string d;
    put(d, kDescriptorSig, 4);
    put(d, c.crc, 4);
    put(d, c.csize, zip64 ? 8 : 4);
    put(d, c.usize, zip64 ? 8 : 4);
    w_.write(d.data(), d.size());
    if (!zip64 && c.csize >= kMax32) {
      throw std::runtime_error(std::string("[") + op + "] Member '" + name +
                               "' compressed beyond 4 GiB without zip64.");
    }
  }
  entries_.push_back(std::move(c));
}

void ZipWriter::finish() {
  uint64_t cd_offset = w_.tell();
  for (auto& c : entries_) {
    bool big_u = force64_ || c.usize >= kMax32;
    bool big_c = force64_ || c.csize >= kMax32;
    bool big_o = force64_ || c.offset >= kMax32;
    std::string extra;
    if (big_u || big_c || big_o) {
      put(extra, kZip64Id, 2);
      put(extra, 8 * (int(big_u) + int(big_c) + int(big_o)), 2);
      if (big_u) put(extra, c.usize, 8);
      if (big_c) put(extra, c.csize, 8);
      if (big_o) put(extra, c.offset, 8);
    }
    bool zip64 = !extra.empty();
    std::string h;
    put(h, kCentralSig, 4);
    put(h, (3 << 8) | (zip64 ? 45 : 20), 2);  // made by Unix
    put(h, zip64 ? 45 : 20, 2);
    put(h, c.flags, 2);
    put(h, c.method, 2);
    put(h, 0, 2);
    put(h, kDosDate, 2);
    put(h, c.crc, 4);
    put(h, big_c ? kMax32 : c.csize, 4);
    put(h, big_u ? kMax32 : c.usize, 4);
    put(h, c.name.size(), 2);
    put(h, extra.size(), 2);
    put(h, 0, 2);  // comment
    put(h, 0, 2);  // disk
    put(h, 0, 2);  // internal attributes
    put(h, uint64_t(0100644) << 16, 4);  // regular file, rw-r--r--
    put(h, big_o ? kMax32 : c.offset, 4);
    h += c.name;
    h += extra;
    w_.write(h.data(), h.size());
  }
  uint64_t cd_size = w_.tell() - cd_offset;
  uint64_t count = entries_.size();
  bool zip64 = force64_ || count >= kMax16 || cd_size >= kMax32 ||
               cd_offset >= kMax32;
  std::string e;
  if (zip64) {
    uint64_t z64 = w_.tell();
    put(e, kEnd64Sig, 4);
    put(e, 44, 8);
    put(e, (3 << 8) | 45, 2);
    put(e, 45, 2);
    put(e, 0, 4);
    put(e, 0, 4);
    put(e, count, 8);
    put(e, count, 8);
    put(e, cd_size, 8);
    put(e, cd_offset, 8);
    put(e, kLocator64Sig, 4);
    put(e, 0, 4);
    put(e, z64, 8);
    put(e, 1, 4);
  }
  put(e, kEndSig, 4);
  put(e, 0, 2);
  put(e, 0, 2);
  put(e, zip64 ? kMax16 : count, 2);
  put(e, zip64 ? kMax16 : count, 2);
  put(e, zip64 ? kMax32 : cd_size, 4);
  put(e, zip64 ? kMax32 : cd_offset, 4);
  put(e, 0, 2);
  w_.write(e.data(), e.size());
}

}  // namespace ember::io
