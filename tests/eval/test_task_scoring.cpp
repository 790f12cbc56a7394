// Task scoring on stories260K: the prefix-shared scorer (one decode of the common prefix, KV-cache
// rewind per choice) against a brute-force scorer that runs every choice from an empty cache and
// computes its own log-softmax; lm-eval's context/continuation split; truncation; LAMBADA
// greedy-match and perplexity against a direct computation.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>

#include "common/test_paths.h"
#include "core/error.h"
#include "datasets/task_dataset.h"
#include "eval/task_eval.h"
#include "model/model.h"
#include "tokenizer/tokenizer.h"

using namespace qs;

namespace {

struct Stories {
    std::shared_ptr<const Model> model;
    std::unique_ptr<Tokenizer> tokenizer;
};

// Log-probs of the scored tokens of one request, decoded alone from an empty cache.
ChoiceScore brute_force_score(ModelContext& ctx, const TaskRequest& r) {
    const size_t n_vocab = size_t(ctx.model().hparams().n_vocab);
    const size_t n_in = r.tokens.size() - 1;
    std::vector<uint8_t> want(n_in, 1);
    std::vector<float> logits(n_in * n_vocab);
    ctx.clear();
    ctx.decode(std::span(r.tokens).first(n_in), want, logits.data());
    ChoiceScore s;
    s.is_greedy = true;
    for (size_t p = n_in - size_t(r.n_scored); p < n_in; ++p) {
        const float* row = logits.data() + p * n_vocab;
        double mx = row[0];
        size_t arg = 0;
        for (size_t v = 1; v < n_vocab; ++v)
            if (row[v] > mx) mx = row[v], arg = v;
        double z = 0;
        for (size_t v = 0; v < n_vocab; ++v) z += std::exp(double(row[v]) - mx);
        const int32_t target = r.tokens[p + 1];
        s.loglik += double(row[target]) - mx - std::log(z);
        s.is_greedy = s.is_greedy && int32_t(arg) == target;
        ++s.n_tokens;
    }
    return s;
}

// Scores every item both ways and requires the same numbers. They agree to rounding only: with
// an F16 KV cache the engine, like llama.cpp's flash attention, picks its attention kernel by the
// number of rows in the batch (reference kernel with f16-rounded queries below 64 rows, tiled f32
// above; model_forward.cpp), and the matmul sums in another order for 1-3 tokens, so a choice
// decoded as prefix + tail differs from one decoded whole by up to ~8e-4 on a logit (stories260K).
// rel_tol is therefore 1e-4 with the F16 cache and 1e-5 with the F32 one. expect_sharing: some item must have shared a prefix (rewind exercised).
void expect_shared_equals_brute_force(ModelContext& ctx, const Tokenizer& tok, const TaskDataset& ds,
                                      TaskTokenization t, size_t max_items, bool expect_sharing = true) {
    const double rel_tol = ctx.options().kv_type == KvCacheType::F32 ? 1e-5 : 1e-4;
    int64_t shared_tokens = 0, brute_tokens = 0;
    for (size_t i = 0; i < std::min(max_items, ds.items.size()); ++i) {
        SCOPED_TRACE("item " + ds.items[i].id);
        const auto requests = task_item_requests(tok, ds.items[i], t, ctx.n_ctx());
        const auto shared = task_score_requests(ctx, requests, &shared_tokens);
        ASSERT_EQ(shared.size(), requests.size());
        for (size_t c = 0; c < requests.size(); ++c) {
            const ChoiceScore b = brute_force_score(ctx, requests[c]);
            brute_tokens += int64_t(requests[c].tokens.size() - 1);
            EXPECT_NEAR(shared[c].loglik, b.loglik, rel_tol * std::max(1.0, std::abs(b.loglik))) << "choice " << c;
            EXPECT_EQ(shared[c].n_tokens, b.n_tokens) << "choice " << c;
            EXPECT_EQ(shared[c].is_greedy, b.is_greedy) << "choice " << c;
            EXPECT_EQ(shared[c].n_tokens, requests[c].n_scored);
        }
    }
    if (expect_sharing) {
        EXPECT_LT(shared_tokens, brute_tokens) << "no prefix was shared";
    }
}

std::string write_file(const std::string& name, const std::string& text) {
    const std::string path = qs::test::temp_dir() + "/" + name;
    std::ofstream(path, std::ios::binary) << text;
    return path;
}

}  // namespace

#define LOAD_STORIES(s)                                              \
    QS_REQUIRE_SHARED(s##_path, "models/stories260K.gguf");          \
    Stories s;                                                       \
    s.model = Model::load(s##_path);                                 \
    s.tokenizer = Tokenizer::from_gguf(s.model->file())

TEST(TaskScoring, RewindContinuesFromAKeptPrefix) {
    LOAD_STORIES(st);
    const auto a = st.tokenizer->encode("Once upon a time there was a little dog", true);
    const auto b = st.tokenizer->encode("Once upon a time there was a big cat who", true);
    size_t p = 0;
    while (a[p] == b[p]) ++p;
    ASSERT_GT(p, 2u);
    const size_t n_vocab = size_t(st.model->hparams().n_vocab);
    ModelContext ctx(st.model, 64);
    std::vector<float> fresh(b.size() * n_vocab), rewound((b.size() - p) * n_vocab);
    std::vector<uint8_t> all(b.size(), 1);
    ctx.decode(b, all, fresh.data());
    ctx.clear();
    ctx.decode(a, std::vector<uint8_t>(a.size(), 0), nullptr);
    ctx.rewind(int(p));
    EXPECT_EQ(ctx.n_past(), int(p));
    ctx.decode(std::span(b).subspan(p), std::vector<uint8_t>(b.size() - p, 1), rewound.data());
    EXPECT_EQ(ctx.n_past(), int(b.size()));
    for (size_t i = 0; i < rewound.size(); ++i) ASSERT_EQ(rewound[i], fresh[p * n_vocab + i]) << i;
    EXPECT_THROW(ctx.rewind(int(b.size()) + 1), Error);
    EXPECT_THROW(ctx.rewind(-1), Error);
}

TEST(TaskScoring, HellaswagLlamaCppSharedPrefixEqualsBruteForce) {
    LOAD_STORIES(st);
    QS_REQUIRE_SHARED(hs, "data/hellaswag/hellaswag_val_full.txt.bz2");
    const TaskDataset ds = dataset_load("hellaswag-llamacpp", hs);
    ModelContext ctx(st.model, 512);
    expect_shared_equals_brute_force(ctx, *st.tokenizer, ds, TaskTokenization::LlamaCpp, 4);
    // llama.cpp's split: the scored part starts where the four whole sequences first differ.
    const auto req = task_item_requests(*st.tokenizer, ds.items[0], TaskTokenization::LlamaCpp, 512);
    const size_t prefix = req[0].tokens.size() - size_t(req[0].n_scored);
    for (const auto& r : req) {
        EXPECT_EQ(r.tokens[0], st.tokenizer->bos());
        EXPECT_EQ(r.tokens.size() - size_t(r.n_scored), prefix);
    }
    bool all_same_next = true;
    for (const auto& r : req) all_same_next = all_same_next && r.tokens[prefix] == req[0].tokens[prefix];
    EXPECT_FALSE(all_same_next);
}

TEST(TaskScoring, GenericAndArcSharedPrefixEqualsBruteForce) {
    LOAD_STORIES(st);
    // The second item has a choice whose input is a prefix of another's ("there" / "there was").
    const std::string jsonl = write_file(
        "generic.jsonl",
        "{\"context\": \"Once upon a time, a girl named Lily\", \"choices\": [\"went to the park.\", \"saw a big dog.\", \"was sad\"], \"gold\": 0}\n"
        "{\"context\": \"Once upon a time\", \"choices\": [\"there\", \"there was\"], \"gold\": 1}\n"
        "{\"context\": \"Tom had a red ball. \", \"choices\": [\"He liked it.\", \"She was happy.\"], \"gold\": 0}\n");
    const std::string arc = write_file(
        "arc.jsonl",
        "{\"id\": \"q1\", \"question\": {\"stem\": \"What does a cat like?\", \"choices\": [{\"text\": \"milk\", \"label\": \"A\"}, "
        "{\"text\": \"rocks\", \"label\": \"B\"}, {\"text\": \"the big tree\", \"label\": \"C\"}]}, \"answerKey\": \"A\"}\n");
    ModelContext ctx(st.model, 512);
    expect_shared_equals_brute_force(ctx, *st.tokenizer, dataset_load("jsonl", jsonl), TaskTokenization::LmEval, 10);
    expect_shared_equals_brute_force(ctx, *st.tokenizer, dataset_load("arc", arc), TaskTokenization::LmEval, 10);
    ContextOptions f32_kv;
    f32_kv.kv_type = KvCacheType::F32;
    ModelContext ctx32(st.model, 512, f32_kv);
    expect_shared_equals_brute_force(ctx32, *st.tokenizer, dataset_load("jsonl", jsonl), TaskTokenization::LmEval, 10);

    // task_evaluate gives the same per-choice numbers as the building blocks.
    const TaskDataset ds = dataset_load("jsonl", jsonl);
    Progress progress;
    const TaskResult r = task_evaluate(ctx, *st.tokenizer, ds, {}, progress);
    EXPECT_EQ(r.tokenization, TaskTokenization::LmEval);
    ASSERT_EQ(r.items.size(), 3u);
    for (const auto& item : r.items) {
        const auto req = task_item_requests(*st.tokenizer, ds.items[item.item_index], TaskTokenization::LmEval, 512);
        for (size_t c = 0; c < req.size(); ++c)
            EXPECT_NEAR(item.choices[c].loglik, brute_force_score(ctx, req[c]).loglik, 1e-4 * std::max(1.0, std::abs(item.choices[c].loglik)));
    }
}

TEST(TaskScoring, TruncatedContextStillEqualsBruteForce) {
    LOAD_STORIES(st);
    const std::string jsonl = write_file(
        "long.jsonl",
        "{\"context\": \"Once upon a time there was a little girl named Lily. She liked to play outside with her dog "
        "in the big green park near her house every day\", \"choices\": [\"and she was happy.\", \"and the sun was hot.\"], \"gold\": 0}\n");
    const TaskDataset ds = dataset_load("jsonl", jsonl);
    ModelContext ctx(st.model, 16);
    const auto req = task_item_requests(*st.tokenizer, ds.items[0], TaskTokenization::LmEval, 16);
    for (const auto& r : req) {
        EXPECT_EQ(r.tokens.size(), 17u);  // lm-eval: (ctx + cont)[-(max_length + 1):]
        EXPECT_GT(r.truncated, 0);
    }
    // Cut by different amounts (the continuations differ in length), the two inputs share nothing.
    expect_shared_equals_brute_force(ctx, *st.tokenizer, ds, TaskTokenization::LmEval, 1, false);
    // A continuation that cannot fit is an error naming the item, not a crash.
    EXPECT_THROW(task_item_requests(*st.tokenizer, ds.items[0], TaskTokenization::LmEval, 2), Error);
}

TEST(TaskScoring, LmEvalSplitMovesTrailingWhitespaceToTheContinuation) {
    LOAD_STORIES(st);
    const Tokenizer& tok = *st.tokenizer;
    const TokenPair a = task_encode_pair(tok, "Question: Is the sky blue?\nAnswer: ", "yes");
    const TokenPair b = task_encode_pair(tok, "Question: Is the sky blue?\nAnswer:", " yes");
    EXPECT_EQ(a.context, b.context);
    EXPECT_EQ(a.continuation, b.continuation);
    // The context is its own encoding (BOS first as the vocabulary adds it); the continuation is
    // what the whole string adds after it.
    auto ctx_tokens = tok.encode("Question: Is the sky blue?\nAnswer:", true);
    EXPECT_EQ(b.context, ctx_tokens);
    auto whole = tok.encode("Question: Is the sky blue?\nAnswer: yes", true);
    EXPECT_EQ(std::vector<int32_t>(whole.begin() + ptrdiff_t(ctx_tokens.size()), whole.end()), b.continuation);
    EXPECT_FALSE(b.continuation.empty());
}

TEST(TaskScoring, LambadaGreedyAndPerplexityMatchADirectComputation) {
    LOAD_STORIES(st);
    const std::string path = write_file("lambada.txt",
                                        "Once upon a time there was a little girl named Lily. She loved to play with her dog\n"
                                        "Tom had a big red ball. He threw the ball to his friend and his friend caught the ball\n"
                                        "The sun was hot, so they went to the park to play in the water\n");
    const TaskDataset ds = dataset_load("lambada", path);
    ASSERT_EQ(ds.kind, TaskKind::Completion);
    ASSERT_EQ(ds.items.size(), 3u);
    ModelContext ctx(st.model, 128);
    Progress progress;
    const TaskResult r = task_evaluate(ctx, *st.tokenizer, ds, {}, progress);

    // Direct: context tokens (BOS + context), then the continuation's tokens of the whole string.
    const Tokenizer& tok = *st.tokenizer;
    const size_t n_vocab = size_t(st.model->hparams().n_vocab);
    double ll_total = 0;
    int greedy_items = 0;
    for (size_t i = 0; i < 3; ++i) {
        const TaskChoice& c = ds.items[i].choices[0];
        std::vector<int32_t> seq = tok.encode(c.context, true);
        const size_t n_context = seq.size();
        const auto whole = tok.encode(c.context + c.continuation, true);
        seq.insert(seq.end(), whole.begin() + ptrdiff_t(n_context), whole.end());
        std::vector<float> logits(seq.size() * n_vocab);
        ctx.clear();
        ctx.decode(seq, std::vector<uint8_t>(seq.size(), 1), logits.data());
        double ll = 0;
        bool greedy = true;
        for (size_t p = n_context - 1; p + 1 < seq.size(); ++p) {
            const float* row = logits.data() + p * n_vocab;
            const size_t arg = size_t(std::max_element(row, row + n_vocab) - row);
            double z = 0;
            for (size_t v = 0; v < n_vocab; ++v) z += std::exp(double(row[v]) - double(row[arg]));
            ll += double(row[seq[p + 1]]) - double(row[arg]) - std::log(z);
            greedy = greedy && int32_t(arg) == seq[p + 1];
        }
        EXPECT_NEAR(r.items[i].choices[0].loglik, ll, 1e-5);
        EXPECT_EQ(r.items[i].correct, greedy);
        ll_total += ll;
        greedy_items += greedy;
    }
    const Metric* acc = metric_find(r.metrics, "acc");
    const Metric* ppl = metric_find(r.metrics, "ppl");
    ASSERT_TRUE(acc && ppl);
    EXPECT_NEAR(acc->value, 100.0 * greedy_items / 3.0, 1e-9);
    EXPECT_NEAR(ppl->value, std::exp(-ll_total / 3.0), 1e-6 * ppl->value);
    EXPECT_EQ(metric_find(r.metrics, "acc_norm"), nullptr);  // no choices to normalise between
}
