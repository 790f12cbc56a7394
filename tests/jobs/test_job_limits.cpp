// Resource limits, on the demo model (no ../shared needed): a model needing more memory than is
// available is refused before loading, with the numbers; a context longer than the model was
// trained on is run but said.
#include <gtest/gtest.h>

#include <fstream>
#include <mutex>

#include "common/test_paths.h"
#include "core/error.h"
#include "demo/demo_assets.h"
#include "gguf/gguf_file.h"
#include "jobs/job_runner.h"

namespace {

TEST(JobLimits, AModelLargerThanTheMemoryIsRefusedWithTheNumbers) {
    const std::string model = qs::demo_model_path();
    const qs::GgufFile file = qs::GgufFile::open(model);
    uint64_t weights = 0;
    for (const auto& t : file.tensors()) weights += t.nbytes;
    ASSERT_GT(weights, uint64_t(1) << 20);
    try {
        qs::require_memory_for_model(model, weights / 2);
        FAIL() << "a model twice the available memory was accepted";
    } catch (const qs::Error& e) {
        const std::string msg = e.what();
        EXPECT_EQ(msg.rfind(model + ": its weights need ", 0), 0u) << msg;
        EXPECT_NE(msg.find(fmt::format("{:.1f} MiB", double(weights) / (1 << 20))), std::string::npos) << msg;
        EXPECT_NE(msg.find(fmt::format("only {:.1f} MiB of memory is available", double(weights / 2) / (1 << 20))),
                  std::string::npos)
            << msg;
    }
    EXPECT_NO_THROW(qs::require_memory_for_model(model, weights + 1));
    EXPECT_NO_THROW(qs::require_memory_for_model(model, 0));  // unknown: no check
}

class Messages : public qs::JobObserver {
public:
    void job_message(const qs::JobRecord&, const std::string& m) override {
        std::lock_guard lock(mutex);
        all.push_back(m);
    }
    std::mutex mutex;
    std::vector<std::string> all;
};

TEST(JobLimits, AContextLongerThanTheTrainingContextIsSaid) {
    const std::string model = qs::demo_model_path();
    const int64_t trained = qs::GgufFile::open(model).get_int("llama.context_length");
    const std::string text = qs::test::temp_dir() + "/long.txt";
    {
        std::ofstream out(text);
        for (int64_t i = 0; i < 2 * trained; ++i) out << "and the word was with them ";
    }
    qs::EvalMatrix m;
    m.model_path = model;
    m.precisions = {"F32"};
    m.ppl_path = text;
    m.n_ctx = int(trained * 2);
    m.max_chunks = 1;
    Messages messages;
    qs::JobRunner runner(m, {.threads = 2, .observer = &messages});
    const qs::RunRecord run = runner.run();
    ASSERT_EQ(run.jobs.size(), 1u);
    EXPECT_EQ(run.jobs[0].status, qs::JobStatus::Done) << run.jobs[0].error;
    ASSERT_EQ(messages.all.size(), 1u);
    EXPECT_NE(messages.all[0].find(fmt::format("context {} is longer than the model's training context ({})", 2 * trained, trained)),
              std::string::npos)
        << messages.all[0];
}

}  // namespace
