// Private to the gguf module: the validating parser behind GgufFile::open.
#pragma once

#include <memory>

#include "core/mapped_file.h"
#include "gguf/gguf_file.h"

namespace qs {

class GgufParser {
public:
    // Parses and validates the whole header of `file` into `out`; throws qs::Error on any problem.
    static void parse(std::shared_ptr<MappedFile> file, GgufFile& out);
};

}  // namespace qs
