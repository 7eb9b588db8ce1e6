//===- NpyBytes.h - File bytes and .npy parsing inside lib/Host -*- C++ -*-===//

#ifndef QUILL_LIB_HOST_NPYBYTES_H
#define QUILL_LIB_HOST_NPYBYTES_H

#include "quill/Host/Tensor.h"

namespace quill::host {

/// The bytes of `path`, or none with `error` set.
std::optional<std::string> readBytes(const std::string &path,
                                     std::string &error);

/// Parses the bytes of an .npy array; `path` names it in errors.
std::optional<Tensor> parseNpyBytes(const std::string &path,
                                    const std::string &bytes,
                                    std::string &error);

} // namespace quill::host

#endif // QUILL_LIB_HOST_NPYBYTES_H
