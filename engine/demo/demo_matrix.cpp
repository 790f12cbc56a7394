#include "demo/demo_matrix.h"

#include <filesystem>

namespace qs {

const std::vector<std::string>& demo_precisions() {
    static const std::vector<std::string> precisions = {"F32", "F16", "Q8_0", "Q4_K_M", "Q4_0", "Q2_K", kDemoNf4Recipe};
    return precisions;
}

EvalMatrix demo_matrix(const DemoAssets& assets, bool quick) {
    EvalMatrix m;
    m.model_path = assets.model_path;
    m.precisions = demo_precisions();
    m.baseline = "F32";
    m.ppl_path = assets.corpus_path;
    m.kld = true;
    // The task is named after its file ("kjv-next-word-v1"), so a new generation rule shows.
    m.tasks.push_back({std::filesystem::path(assets.task_path).stem().string(), assets.task_path, assets.task_format});
    m.bench = true;
    m.n_ctx = quick ? 128 : 512;
    m.max_chunks = quick ? 4 : 20;
    m.task_limit = quick ? 20 : 300;
    m.bench_prompt = quick ? 32 : 512;
    m.bench_gen = quick ? 8 : 128;
    m.bench_repetitions = quick ? 1 : 3;
    m.note = quick ? "quantscope demo (quick)" : "quantscope demo";
    return m;
}

}  // namespace qs
