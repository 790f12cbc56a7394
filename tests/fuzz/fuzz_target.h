// One fuzz harness = one function taking arbitrary bytes. The same source builds two ways:
//  - with libFuzzer (QS_FUZZ_LIBFUZZER, clang -fsanitize=fuzzer): the function is the
//    executable's LLVMFuzzerTestOneInput, one executable per harness (scripts/fuzz.sh);
//  - otherwise every harness registers itself by name in one `fuzz_replay` executable, which
//    CTest runs over the committed corpus (tests/fuzz/corpus/<name>/): each input that once
//    crashed stays a regression test in every build, sanitized or not.
// A harness lets qs::Error through its own try/catch only: bad input must end as qs::Error, so any
// other exception escaping (std::out_of_range, nlohmann::json::exception, std::bad_alloc from a
// size nobody checked) is a finding, as is a sanitizer report or a crash.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>

namespace qs::fuzz {

using TargetFn = std::function<void(const uint8_t* data, size_t size)>;

// Adds a harness to the replay executable's registry (unused under libFuzzer).
bool register_target(const std::string& name, TargetFn fn);

}  // namespace qs::fuzz

#ifdef QS_FUZZ_LIBFUZZER
#define QS_FUZZ_TARGET(name)                                                          \
    static void qs_fuzz_##name(const uint8_t* data, size_t size);                     \
    extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {         \
        qs_fuzz_##name(data, size);                                                   \
        return 0;                                                                     \
    }                                                                                 \
    static void qs_fuzz_##name(const uint8_t* data, size_t size)
#else
#define QS_FUZZ_TARGET(name)                                                          \
    static void qs_fuzz_##name(const uint8_t* data, size_t size);                     \
    [[maybe_unused]] static const bool qs_fuzz_registered_##name =                    \
        ::qs::fuzz::register_target(#name, qs_fuzz_##name);                           \
    static void qs_fuzz_##name(const uint8_t* data, size_t size)
#endif
