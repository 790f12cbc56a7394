// Kernel benchmarks: row dot products per type and ISA level, and matmul of a 2048 x 2048 weight
// by 1 token (generation, memory-bound) and 512 tokens (prompt processing, compute-bound).
//
//   qs_bench_kernels --benchmark_filter='Matmul/q4_0'    # FLOP/s counter: 2*m*n*k per second
// Thread count of the matmul benchmarks is part of their name (threads:N). The CPU column of the
// matmul benchmarks is the whole process's CPU time.
//
// On a shared or oversubscribed machine run with OMP_WAIT_POLICY=passive: libgomp's default
// spin-waiting at the end of each parallel region otherwise burns the time slice the other thread
// needs, and 2-thread runs come out 10-50x slower than 1-thread ones (measured here under load).
// libgomp reads the variable when it loads, so it must be set in the environment, not in main().
#include <benchmark/benchmark.h>
#include <omp.h>

#include <random>
#include <string>
#include <vector>

#include "core/error.h"
#include "kernels/kernels.h"
#include "kernels/matmul.h"
#include "quant/quantize.h"
#include "random_rows.h"

using namespace qs;

namespace {

const GgmlType kTypes[] = {GgmlType::F32,  GgmlType::F16,  GgmlType::BF16, GgmlType::Q4_0, GgmlType::Q4_1,
                           GgmlType::Q5_0, GgmlType::Q5_1, GgmlType::Q8_0, GgmlType::Q2_K, GgmlType::Q3_K,
                           GgmlType::Q4_K, GgmlType::Q5_K, GgmlType::Q6_K, GgmlType::NF4,
                           GgmlType::FP8_E4M3, GgmlType::FP8_E5M2, GgmlType::I8_ROW, GgmlType::I4_G128};

// Weights of type t: random bytes (finite scales) for ggml's types; QuantScope's own formats,
// whose row headers and fp32 scales random bytes would fill with NaNs, are quantized from
// Gaussian floats instead. `rows` rows of n elements.
std::vector<uint8_t> random_weights(GgmlType t, int64_t n, int64_t rows, std::mt19937& rng) {
    if (type_is_ggml(uint32_t(t))) return test::random_row(t, n * rows, rng);
    const auto x = test::random_floats(n * rows, rng);
    std::vector<uint8_t> w(row_size(t, n) * size_t(rows));
    quantize_rows(t, x.data(), w.data(), rows, n);
    return w;
}

bool has_kernels(GgmlType t) {
    try {
        kernels_get(t, Isa::Scalar);
        return true;
    } catch (const Error&) {
        return false;
    }
}

std::vector<Isa> supported_isas() {
    std::vector<Isa> out;
    for (Isa isa : {Isa::Scalar, Isa::Avx2, Isa::Avx512})
        if (int(isa) <= int(cpu_best_isa())) out.push_back(isa);
    return out;
}

void bench_vec_dot(benchmark::State& state, GgmlType t, Isa isa) {
    const int64_t n = 4096;
    std::mt19937 rng(1);
    const TypeKernels& k = kernels_get(t, isa);
    const auto x = random_weights(t, n, 1, rng), y = test::random_row(k.vec_dot_type, n, rng);
    float s = 0;
    for (auto _ : state) {
        k.vec_dot(n, &s, x.data(), y.data());
        benchmark::DoNotOptimize(s);
    }
    state.counters["FLOP/s"] = benchmark::Counter(2.0 * double(n), benchmark::Counter::kIsIterationInvariantRate);
}

void bench_matmul(benchmark::State& state, GgmlType t, Isa isa, int64_t m, int threads) {
    const int64_t k = 2048, n = 2048;
    std::mt19937 rng(2);
    const auto w = random_weights(t, k, n, rng);
    const auto x = test::random_floats(m * k, rng);
    std::vector<float> y(static_cast<size_t>(m * n));
    const int saved = omp_get_max_threads();
    omp_set_num_threads(threads);
    int observed = 0;
#pragma omp parallel
    {
#pragma omp single
        observed = omp_get_num_threads();
    }
    for (auto _ : state) {
        matmul(WeightView{t, w.data(), k, n}, x.data(), m, k, y.data(), n, isa);
        benchmark::ClobberMemory();
    }
    omp_set_num_threads(saved);
    state.counters["omp_threads"] = double(observed);
    state.counters["FLOP/s"] =
        benchmark::Counter(2.0 * double(m) * double(n) * double(k), benchmark::Counter::kIsIterationInvariantRate);
}

int register_all() {
    for (Isa isa : supported_isas())
        for (GgmlType t : kTypes)
            if (has_kernels(t))
                benchmark::RegisterBenchmark((std::string("VecDot/") + type_name(t) + "/" + isa_name(isa)).c_str(), bench_vec_dot,
                                         t, isa);
    for (int64_t m : {1, 512})
        for (int threads : {1, 2})
            for (Isa isa : supported_isas()) {
                if (isa == Isa::Scalar && m > 1) continue;  // minutes per iteration, not informative
                for (GgmlType t : kTypes)
                    if (has_kernels(t))
                        benchmark::RegisterBenchmark((std::string("Matmul/") + type_name(t) + "/" + isa_name(isa) +
                                                  "/m:" + std::to_string(m) + "/threads:" + std::to_string(threads))
                                                     .c_str(),
                                                 bench_matmul, t, isa, m, threads)
                        ->Unit(benchmark::kMillisecond)
                        ->UseRealTime()
                        ->MeasureProcessCPUTime();  // CPU column: all threads (the VM is often shared)
            }
    return 0;
}
const int registered = register_all();

}  // namespace

BENCHMARK_MAIN();
