//===- Npz.cpp - Reading numpy .npz archives ------------------------------===//
//
// An .npz is a zip archive of .npy files: numpy.savez stores them, and
// numpy.savez_compressed deflates them; both write zip64 records. The
// central directory is read (sizes in local headers may be deferred), and
// every entry's CRC-32 is checked.
//
//===----------------------------------------------------------------------===//

#include "quill/Host/Tensor.h"

#include "NpyBytes.h"

#include <zlib.h>

#include <cstring>
#include <limits>

using namespace quill::host;

namespace {

constexpr uint32_t kEndOfDirectory = 0x06054b50;
constexpr uint32_t kZip64EndOfDirectory = 0x06064b50;
constexpr uint32_t kZip64Locator = 0x07064b50;
constexpr uint32_t kDirectoryEntry = 0x02014b50;
constexpr uint32_t kLocalHeader = 0x04034b50;
constexpr uint16_t kZip64ExtraField = 0x0001;
constexpr uint16_t kStored = 0, kDeflated = 8;

/// Little-endian reads that fail instead of running past the end.
class Reader {
public:
  Reader(const std::string &bytes, size_t offset)
      : bytes(bytes), offset(offset) {}

  template <typename T> bool read(T &value) {
    if (offset > bytes.size() || bytes.size() - offset < sizeof(T))
      return false;
    std::memcpy(&value, bytes.data() + offset, sizeof(T));
    offset += sizeof(T);
    return true;
  }
  bool readString(size_t count, std::string &text) {
    if (offset > bytes.size() || bytes.size() - offset < count)
      return false;
    text.assign(bytes, offset, count);
    offset += count;
    return true;
  }
  bool skip(size_t count) {
    if (offset > bytes.size() || bytes.size() - offset < count)
      return false;
    offset += count;
    return true;
  }
  size_t position() const { return offset; }

private:
  const std::string &bytes;
  size_t offset;
};

struct Entry {
  std::string name;
  uint16_t method = 0;
  uint32_t crc = 0;
  uint64_t compressedSize = 0, size = 0, localOffset = 0;
};

/// Where the central directory starts and how many entries it has.
bool findDirectory(const std::string &bytes, uint64_t &offset,
                   uint64_t &count) {
  if (bytes.size() < 22)
    return false;
  // The end record sits in the last 22 bytes plus a comment of < 64 KiB.
  size_t lowest = bytes.size() > 22 + 65535 ? bytes.size() - 22 - 65535 : 0;
  for (size_t at = bytes.size() - 22 + 1; at-- > lowest;) {
    uint32_t signature;
    std::memcpy(&signature, bytes.data() + at, 4);
    if (signature != kEndOfDirectory)
      continue;
    Reader end(bytes, at + 10);
    uint16_t entries;
    uint32_t size, start;
    if (!end.read(entries) || !end.read(size) || !end.read(start))
      return false;
    offset = start;
    count = entries;
    if (entries != 0xffff && start != 0xffffffff)
      return true;
    // Zip64: a locator right before the end record points at the real one.
    Reader locator(bytes, at >= 20 ? at - 20 : bytes.size());
    uint32_t locatorSignature, disk;
    uint64_t recordOffset;
    if (!locator.read(locatorSignature) || locatorSignature != kZip64Locator ||
        !locator.read(disk) || !locator.read(recordOffset))
      return false;
    Reader record(bytes, recordOffset);
    uint32_t recordSignature;
    if (!record.read(recordSignature) ||
        recordSignature != kZip64EndOfDirectory || !record.skip(20) ||
        !record.read(count) || !record.skip(8) || !record.read(offset))
      return false;
    return true;
  }
  return false;
}

/// Reads one central directory entry, resolving zip64 sizes and offsets.
bool readEntry(Reader &reader, Entry &entry) {
  uint32_t signature, crc, compressedSize, size, localOffset;
  uint16_t method, nameLength, extraLength, commentLength;
  if (!reader.read(signature) || signature != kDirectoryEntry ||
      !reader.skip(6) || !reader.read(method) || !reader.skip(4) ||
      !reader.read(crc) || !reader.read(compressedSize) || !reader.read(size) ||
      !reader.read(nameLength) || !reader.read(extraLength) ||
      !reader.read(commentLength) || !reader.skip(8) ||
      !reader.read(localOffset))
    return false;
  entry.method = method;
  entry.crc = crc;
  entry.compressedSize = compressedSize;
  entry.size = size;
  entry.localOffset = localOffset;
  if (!reader.readString(nameLength, entry.name))
    return false;
  size_t extraEnd = reader.position() + extraLength;
  while (reader.position() + 4 <= extraEnd) {
    uint16_t id, length;
    if (!reader.read(id) || !reader.read(length))
      return false;
    size_t fieldEnd = reader.position() + length;
    if (id == kZip64ExtraField) {
      if (entry.size == 0xffffffff && !reader.read(entry.size))
        return false;
      if (entry.compressedSize == 0xffffffff &&
          !reader.read(entry.compressedSize))
        return false;
      if (entry.localOffset == 0xffffffff && !reader.read(entry.localOffset))
        return false;
    }
    if (fieldEnd < reader.position() ||
        !reader.skip(fieldEnd - reader.position()))
      return false;
  }
  return extraEnd >= reader.position() &&
         reader.skip(extraEnd - reader.position()) &&
         reader.skip(commentLength);
}

} // namespace

/// The uncompressed bytes of `entry`, or none with `error` set.
static std::optional<std::string> extract(const std::string &path,
                                          const std::string &bytes,
                                          const Entry &entry,
                                          std::string &error) {
  auto fail = [&](const std::string &message) -> std::optional<std::string> {
    error = path + ": entry '" + entry.name + "': " + message;
    return std::nullopt;
  };
  Reader local(bytes, entry.localOffset);
  uint32_t signature;
  uint16_t nameLength, extraLength;
  if (!local.read(signature) || signature != kLocalHeader || !local.skip(22) ||
      !local.read(nameLength) || !local.read(extraLength) ||
      !local.skip(nameLength + extraLength))
    return fail("corrupt local header");
  size_t start = local.position();
  if (entry.size > std::numeric_limits<uInt>::max() ||
      entry.compressedSize > std::numeric_limits<uInt>::max())
    return fail("entries over 4 GiB are not supported");
  if (bytes.size() - start < entry.compressedSize)
    return fail("truncated data");
  std::string data;
  if (entry.method == kStored) {
    if (entry.compressedSize != entry.size)
      return fail("stored entry with differing sizes");
    data.assign(bytes, start, entry.size);
  } else if (entry.method == kDeflated) {
    data.resize(entry.size);
    z_stream stream{};
    if (inflateInit2(&stream, -MAX_WBITS) != Z_OK)
      return fail("cannot start zlib");
    stream.next_in =
        reinterpret_cast<Bytef *>(const_cast<char *>(bytes.data() + start));
    stream.avail_in = static_cast<uInt>(entry.compressedSize);
    stream.next_out = reinterpret_cast<Bytef *>(data.data());
    stream.avail_out = static_cast<uInt>(entry.size);
    int status = inflate(&stream, Z_FINISH);
    uint64_t produced = stream.total_out;
    inflateEnd(&stream);
    if (status != Z_STREAM_END || produced != entry.size)
      return fail("corrupt deflate data");
  } else {
    return fail("unsupported compression method " +
                std::to_string(entry.method));
  }
  uint32_t crc = crc32(0L, reinterpret_cast<const Bytef *>(data.data()),
                       static_cast<uInt>(data.size()));
  if (crc != entry.crc)
    return fail("CRC-32 mismatch");
  return data;
}

std::optional<std::vector<Tensor>>
quill::host::readNpzFile(const std::string &path, std::string &error) {
  std::optional<std::string> bytes = readBytes(path, error);
  if (!bytes)
    return std::nullopt;
  uint64_t offset, count;
  if (!findDirectory(*bytes, offset, count)) {
    error = path + ": not a zip archive (.npz)";
    return std::nullopt;
  }
  std::vector<Tensor> tensors;
  Reader directory(*bytes, offset);
  for (uint64_t i = 0; i < count; ++i) {
    Entry entry;
    if (!readEntry(directory, entry)) {
      error = path + ": corrupt zip central directory";
      return std::nullopt;
    }
    std::optional<std::string> data = extract(path, *bytes, entry, error);
    if (!data)
      return std::nullopt;
    std::optional<Tensor> tensor =
        parseNpyBytes(path + ": entry '" + entry.name + "'", *data, error);
    if (!tensor)
      return std::nullopt;
    std::string name = entry.name;
    if (name.size() > 4 && name.compare(name.size() - 4, 4, ".npy") == 0)
      name.resize(name.size() - 4);
    tensor->name = name;
    tensors.push_back(std::move(*tensor));
  }
  return tensors;
}
