#include "datasets/task_dataset.h"

namespace qs {

size_t choice_char_length(const TaskChoice& choice) {
    // Every code point has exactly one byte that is not a continuation byte (10xxxxxx).
    size_t count = 0;
    for (const char c : choice.text) count += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
    return count;
}

}  // namespace qs
