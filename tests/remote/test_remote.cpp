// remote (engine/remote): the client's retries and key redaction against a scripted server; the
// evaluators through our own serve on loopback equal the local ones; detection and drift
// statistics on synthetic inputs whose answer is known, and detection end to end on M1.
#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <cmath>
#include <fstream>
#include <random>
#include <tuple>

#include <nlohmann/json.hpp>

#include <httplib.h>

#include "common/test_paths.h"
#include "core/error.h"
#include "datasets/task_dataset.h"
#include "eval/generation_eval.h"
#include "eval/perplexity.h"
#include "eval/task_eval.h"
#include "model/model.h"
#include "quant/precision_recipe.h"
#include "quant/quantize_model.h"
#include "remote/drift_monitor.h"
#include "remote/quant_detect.h"
#include "remote/remote_eval.h"
#include "serve/loopback_server.h"
#include "tokenizer/tokenizer.h"

namespace qs::test {
namespace {

// A server that answers from a script: status codes in turn, then 200.
class ScriptedServer {
public:
    explicit ScriptedServer(std::vector<int> statuses) : statuses_(std::move(statuses)) {
        http_.Post(R"(/.*)", [this](const httplib::Request& req, httplib::Response& res) {
            const size_t i = calls_++;
            auth_ = req.get_header_value("Authorization");
            res.status = i < statuses_.size() ? statuses_[i] : 200;
            if (res.status == 429) res.set_header("Retry-After", "0");
            res.set_content(res.status == 400 ? R"({"error": {"message": "bad key sk-secret-123 given"}})" : "{}", "application/json");
        });
        port_ = http_.bind_to_any_port("127.0.0.1");
        thread_ = std::thread([this] { http_.listen_after_bind(); });
        while (!http_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    ~ScriptedServer() {
        http_.stop();
        thread_.join();
    }
    std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/v1/x"; }
    size_t calls() const { return calls_; }
    std::string auth() const { return auth_; }

private:
    std::vector<int> statuses_;
    httplib::Server http_;
    std::thread thread_;
    int port_ = 0;
    std::atomic<size_t> calls_{0};
    std::string auth_;
};

HttpOptions fast_retries(int retries) {
    HttpOptions o;
    o.max_retries = retries;
    o.backoff_seconds = 0.001;
    o.api_key = "sk-secret-123";
    return o;
}

TEST(HttpClient, RetriesBusyAnswersWithBackoffThenSucceeds) {
    ScriptedServer s({503, 429, 502});
    HttpClient c(fast_retries(3));
    const HttpResponse r = c.post_json(s.url(), "{}");
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(s.calls(), 4u);
    EXPECT_EQ(c.retries(), 3);
    EXPECT_EQ(s.auth(), "Bearer sk-secret-123");
}

TEST(HttpClient, GivesUpAfterTheRetriesAndNeverRetriesAClientError) {
    ScriptedServer busy({503, 503, 503, 503});
    HttpClient c(fast_retries(2));
    EXPECT_THROW(c.post_json(busy.url(), "{}"), Error);
    EXPECT_EQ(busy.calls(), 3u);

    ScriptedServer bad({400});
    HttpClient c2(fast_retries(2));
    EXPECT_EQ(c2.post_json(bad.url(), "{}").status, 400);
    EXPECT_EQ(bad.calls(), 1u);
}

// A request in flight and a back-off wait both end when the abort flag turns true (a GUI's
// cancel), as qs::Cancelled: the server here would otherwise hold the request until released.
TEST(HttpClient, AnAbortStopsTheRequestInFlightAndTheBackoff) {
    std::mutex m;
    std::condition_variable cv;
    bool released = false;
    httplib::Server http;
    http.Post("/slow", [&](const httplib::Request&, httplib::Response& res) {
        std::unique_lock lock(m);
        cv.wait_for(lock, std::chrono::seconds(60), [&] { return released; });
        res.set_content("{}", "application/json");
    });
    http.Post("/busy", [](const httplib::Request&, httplib::Response& res) {
        res.status = 503;
        res.set_header("Retry-After", "60");
    });
    const int port = http.bind_to_any_port("127.0.0.1");
    std::thread server([&] { http.listen_after_bind(); });
    while (!http.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    for (const char* route : {"/slow", "/busy"}) {
        SCOPED_TRACE(route);
        HttpOptions o;
        auto abort = std::make_shared<std::atomic<bool>>(false);
        o.abort = abort;
        o.max_retries = 3;
        HttpClient c(o);
        std::thread canceller([&] {
            std::this_thread::sleep_for(std::chrono::milliseconds(300));
            *abort = true;
        });
        const auto t0 = std::chrono::steady_clock::now();
        EXPECT_THROW(c.post_json("http://127.0.0.1:" + std::to_string(port) + route, "{}"), Cancelled);
        canceller.join();
        // Not a timing gate: without the abort the call would take 60 s (the held request, the Retry-After).
        EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(30));
    }
    {
        std::lock_guard lock(m);
        released = true;
    }
    cv.notify_all();
    http.stop();
    server.join();
}

TEST(OpenAiClient, ErrorMessagesNeverCarryTheKey) {
    ScriptedServer bad({400, 400});
    EndpointConfig cfg;
    cfg.url = bad.url().substr(0, bad.url().size() - 5);  // .../v1
    cfg.model = "m";
    cfg.http = fast_retries(0);
    OpenAiClient client(cfg);
    try {
        client.echo_text("x", 1);  // a 400 whose message quotes the key
        ADD_FAILURE() << "a 400 must throw";
    } catch (const Error& e) {
        const std::string what = e.what();
        EXPECT_EQ(what.find("sk-secret-123"), std::string::npos) << what;
        EXPECT_NE(what.find("bad key *** given"), std::string::npos) << what;
    }
    HttpClient h(fast_retries(0));
    EXPECT_EQ(h.redact("key sk-secret-123 and sk-secret-123"), "key *** and ***");
    EXPECT_THROW(endpoint_base_url("http://user:sk-secret-123@host/v1"), Error);
    EXPECT_EQ(endpoint_base_url("http://h:8080"), "http://h:8080/v1");
    EXPECT_EQ(endpoint_base_url("https://h/openai/v1/"), "https://h/openai/v1");
}

struct Served {
    std::shared_ptr<const Model> model;
    std::shared_ptr<const Tokenizer> tokenizer;
    std::unique_ptr<LoopbackServer> server;
    std::unique_ptr<OpenAiClient> client;
};

// `model` behind serve on loopback, and a client for it.
Served serve(std::shared_ptr<const Model> model, std::shared_ptr<const Tokenizer> tokenizer, int n_ctx) {
    Served s{model, tokenizer, nullptr, nullptr};
    ServeOptions o;
    o.n_ctx = n_ctx;
    o.fingerprint = "fp_local";
    s.server = std::make_unique<LoopbackServer>(model, tokenizer, o);
    EndpointConfig cfg;
    cfg.url = s.server->url();
    cfg.model = "test-model";
    cfg.http.concurrency = 2;
    s.client = std::make_unique<OpenAiClient>(cfg, tokenizer);
    s.client->identify();
    return s;
}

TEST(RemoteEval, PerplexityThroughServeEqualsTheLocalRun) {
    QS_REQUIRE_SHARED(model_path, "models/stories260K.gguf");
    QS_REQUIRE_SHARED(text_path, "data/wikitext-2-raw/wiki.test.raw");
    auto model = Model::load(model_path);
    std::shared_ptr<const Tokenizer> tok = Tokenizer::from_gguf(model->file());
    Served s = serve(model, tok, 128);
    EXPECT_EQ(s.client->identity().fingerprint, "fp_local");
    const auto tokens = tok->encode(perplexity_read_text(text_path).substr(0, 20000), true);
    PerplexityOptions po;
    po.n_ctx = 64;
    po.max_chunks = 4;
    Progress p;
    ModelContext ctx(model, 64);
    const PerplexityResult local = perplexity_run(ctx, *tok, tokens, po, p);
    const PerplexityResult remote = remote_perplexity(*s.client, *tok, tokens, po, p);
    EXPECT_EQ(remote.tokens_scored, local.tokens_scored);
    EXPECT_EQ(remote.token_nll, local.token_nll);  // the same passes, the same numbers
    EXPECT_NEAR(remote.ppl, local.ppl, 1e-12 * local.ppl);
    EXPECT_NEAR(remote.bits_per_byte, local.bits_per_byte, 1e-12 * local.bits_per_byte);
    EXPECT_GT(s.client->prompt_tokens(), 4 * 64 - 1);  // usage as the server reported it
}

TEST(RemoteEval, TaskThroughServeMakesTheLocalDecisions) {
    QS_REQUIRE_SHARED(model_path, "models/stories260K.gguf");
    QS_REQUIRE_SHARED(arc_path, "data/arc/ARC-Easy-Test.jsonl");
    auto model = Model::load(model_path);
    std::shared_ptr<const Tokenizer> tok = Tokenizer::from_gguf(model->file());
    Served s = serve(model, tok, 512);
    const TaskDataset d = dataset_load_task("arc", "arc", arc_path);
    TaskEvalOptions o;
    o.limit = 12;
    Progress p;
    ModelContext ctx(model, 511);
    const TaskResult local = task_evaluate(ctx, *tok, d, o, p);
    const TaskResult remote = remote_task_evaluate(*s.client, *tok, d, o, 511, p);
    ASSERT_EQ(remote.items.size(), local.items.size());
    ASSERT_EQ(remote.item_confidence.size(), local.item_confidence.size());
    for (size_t i = 0; i < local.items.size(); ++i) {
        EXPECT_EQ(remote.items[i].item_index, local.items[i].item_index);
        EXPECT_EQ(remote.items[i].pred_acc, local.items[i].pred_acc) << i;
        EXPECT_EQ(remote.items[i].pred_norm, local.items[i].pred_norm) << i;
        EXPECT_NEAR(remote.item_confidence[i], local.item_confidence[i], 1e-6) << i;
        for (size_t c = 0; c < local.items[i].choices.size(); ++c) {
            // The same tokens, the same decodes, one float rounding apart: the local scorer asks only
            // for the rows it scores (one row of the shared prefix often: the matrix-vector kernel),
            // serve for every echoed row (the matrix-matrix kernel), and the two round their sums
            // differently (~1e-7 nats here). A wrong token, offset or row would be off by whole nats.
            EXPECT_NEAR(remote.items[i].choices[c].loglik, local.items[i].choices[c].loglik, 1e-5) << i << " " << c;
            EXPECT_EQ(remote.items[i].choices[c].n_tokens, local.items[i].choices[c].n_tokens);
            EXPECT_EQ(remote.items[i].choices[c].is_greedy, local.items[i].choices[c].is_greedy);
        }
    }
}

// Greedy generation through serve gives the local run's texts and verdicts: GSM8K (the answer
// extraction) and generate-jsonl with stop strings and a prompt cut to the context.
void expect_same_generation(const GenerationResult& remote, const GenerationResult& local) {
    ASSERT_EQ(remote.items.size(), local.items.size());
    EXPECT_EQ(remote.item_correct, local.item_correct);
    for (size_t i = 0; i < local.items.size(); ++i) {
        EXPECT_EQ(remote.items[i].item_index, local.items[i].item_index);
        EXPECT_EQ(remote.items[i].truncated, local.items[i].truncated) << i;
        ASSERT_EQ(remote.items[i].outputs.size(), 1u);
        EXPECT_EQ(remote.items[i].outputs[0], local.items[i].outputs[0]) << i;
        EXPECT_EQ(remote.items[i].checks[0].verdict, local.items[i].checks[0].verdict) << i;
        EXPECT_EQ(remote.items[i].checks[0].extracted, local.items[i].checks[0].extracted) << i;
        EXPECT_EQ(remote.items[i].n_tokens, local.items[i].n_tokens) << i;  // usage as serve counted it
    }
}

TEST(RemoteEval, GenerationThroughServeGivesTheLocalTextsAndVerdicts) {
    QS_REQUIRE_SHARED(model_path, "models/stories260K.gguf");
    QS_REQUIRE_SHARED(gsm8k_path, "data/gsm8k/test.jsonl");
    auto model = Model::load(model_path);
    std::shared_ptr<const Tokenizer> tok = Tokenizer::from_gguf(model->file());
    constexpr int kCtx = 256;
    Served s = serve(model, tok, kCtx);
    const std::string jsonl = temp_dir() + "/gen.jsonl";
    {
        std::ofstream f(jsonl);
        f << R"({"prompt": "Once upon a time, there was a little", "target": "girl", "scoring": "contains", "until": ["."], "max_tokens": 24})" "\n"
          << R"({"prompt": "Tom and Sue went to the park. They", "target": "played", "scoring": "contains", "max_tokens": 16})" "\n";
        std::string long_prompt;  // longer than the context: cut from the left, as locally
        for (int i = 0; i < 60; ++i) long_prompt += "The cat sat on the mat and the dog ran in the sun. ";
        f << nlohmann::json{{"prompt", long_prompt}, {"target", "x"}, {"scoring", "regex"}, {"max_tokens", 20}}.dump() << "\n";
    }
    for (const auto& [format, path, limit] : {std::tuple{"gsm8k", gsm8k_path, 3}, std::tuple{"generate-jsonl", jsonl, 0}}) {
        SCOPED_TRACE(format);
        const TaskDataset d = dataset_load_task(format, format, path);
        GenerationEvalOptions o;
        o.limit = limit;
        o.max_tokens = 48;
        Progress p;
        ModelContext ctx(model, kCtx);
        const GenerationResult local = generation_evaluate(ctx, *tok, d, o, nullptr, p);
        const GenerationResult remote = remote_generation_evaluate(*s.client, *tok, d, o, kCtx, nullptr, p);
        expect_same_generation(remote, local);
        EXPECT_EQ(remote.metrics.size(), local.metrics.size());
        size_t written = 0;  // the model wrote something: equal empty texts would prove nothing
        for (const auto& it : local.items) written += !it.outputs[0].empty();
        EXPECT_GT(written, 0u);
        if (std::string(format) == "generate-jsonl") EXPECT_GT(local.items[2].truncated, 0);
    }
    GenerationEvalOptions sampled;
    sampled.samples = 2;
    sampled.sampling.temperature = 0.8f;
    Progress p;
    EXPECT_THROW(remote_generation_evaluate(*s.client, *tok, dataset_load_task("g", "generate-jsonl", jsonl), sampled, kCtx, nullptr, p), Error);
}

DetectCandidate candidate(const std::string& name, double mean, double noise, int chunks, uint64_t seed) {
    std::mt19937_64 rng(seed);
    std::normal_distribution<double> d(mean, noise);
    DetectCandidate c;
    c.precision = name;
    for (int i = 0; i < chunks; ++i) c.chunk_distance.push_back(std::max(0.0, d(rng)));
    return c;
}

TEST(DetectDecide, ClearSeparationIsDeterminedWeakOneIsNot) {
    const DetectResult clear = detect_decide({candidate("F16", 0.05, 0.005, 12, 1), candidate("Q4_0", 0.001, 0.0005, 12, 2),
                                              candidate("Q8_0", 0.02, 0.004, 12, 3)}, 127, {});
    EXPECT_EQ(clear.nearest, "Q4_0");
    EXPECT_GE(clear.confidence, 0.95);
    EXPECT_EQ(clear.tokens_needed, 4 * 127);  // min_chunks: every prefix of 4+ chunks already agrees
    EXPECT_EQ(clear.tokens_scored, 12 * 127);
    for (const DetectCandidate& c : clear.candidates) {
        EXPECT_LE(c.ci_low, c.distance);
        EXPECT_GE(c.ci_high, c.distance);
    }
    // Two candidates within each other's noise: no answer, though one is smaller on average.
    const DetectResult weak = detect_decide({candidate("Q8_0", 0.010, 0.004, 8, 4), candidate("Q6_K", 0.0102, 0.004, 8, 5)}, 127, {});
    EXPECT_EQ(weak.nearest, "undetermined");
    EXPECT_EQ(weak.tokens_needed, -1);
    EXPECT_LT(weak.confidence, 0.95);
}

DriftCheck check_of(int seq, const std::vector<double>& a, const std::vector<double>& b, const std::vector<std::string>& g) {
    DriftCheck c;
    c.seq = seq;
    for (size_t i = 0; i < a.size(); ++i) c.items.push_back({a[i], b[i], g[i], g[i]});
    return c;
}

TEST(DriftTest, UnchangedDeterministicServerIsNeverFlaggedAChangedOneIs) {
    std::vector<double> lp;
    std::vector<std::string> g;
    for (int i = 0; i < 20; ++i) {
        lp.push_back(-1.0 - 0.1 * i);
        g.push_back("out " + std::to_string(i));
    }
    DriftCheck first = check_of(1, lp, lp, g);
    for (int seq = 2; seq <= 10; ++seq) {
        DriftCheck same = check_of(seq, lp, lp, g);
        drift_test(first, same, 0.05);
        EXPECT_FALSE(same.flagged) << seq;
        EXPECT_EQ(same.p_value, 1.0);
        EXPECT_DOUBLE_EQ(same.alpha, 0.05 / (seq * (seq - 1.0)));
    }
    std::vector<double> moved = lp;
    for (size_t i = 0; i < moved.size(); ++i) moved[i] += (i % 2 ? 0.01 : -0.01);  // both directions: no mean shift
    DriftCheck changed = check_of(7, moved, moved, g);
    drift_test(first, changed, 0.05);
    EXPECT_TRUE(changed.flagged);
    EXPECT_EQ(changed.between_larger, 20);
    EXPECT_NEAR(changed.mean_delta, 0.0, 1e-12);
}

TEST(DriftTest, NoiseAsLargeAsTheChangeIsNotEvidence) {
    std::mt19937_64 rng(11);
    std::normal_distribution<double> noise(0.0, 0.05);
    std::vector<double> base;
    std::vector<std::string> g(30, "same");
    for (int i = 0; i < 30; ++i) base.push_back(-2.0 - 0.05 * i);
    auto noisy = [&] {
        std::vector<double> v = base;
        for (double& x : v) x += noise(rng);
        return v;
    };
    DriftCheck first = check_of(1, noisy(), noisy(), g);
    int flags = 0;
    for (int seq = 2; seq <= 40; ++seq) {
        DriftCheck c = check_of(seq, noisy(), noisy(), g);
        drift_test(first, c, 0.05);
        flags += c.flagged;
    }
    EXPECT_EQ(flags, 0);
}

TEST(Detect, NamesTheServedPrecisionOfM1) {
    QS_REQUIRE_SHARED(model_path, "models/synthetic/llama-d256-spm512.gguf");
    QS_REQUIRE_SHARED(text_path, "data/wikitext-2-raw/wiki.test.raw");
    auto base = Model::load(model_path);
    std::shared_ptr<const Tokenizer> tok = Tokenizer::from_gguf(base->file());
    auto at = [&](const char* mix) {
        QuantizeModelOptions q;
        q.mix = PrecisionRecipe::parse(mix).options;
        Progress p;
        return Model::with_weights(*base, quantize_model_in_memory(base->file(), q, p).tensors);
    };
    const auto q4 = at("Q4_0");
    Served s = serve(q4, tok, 64);
    const auto tokens = tok->encode(perplexity_read_text(text_path).substr(0, 12000), true);
    Progress p;
    const DetectProbe probe = detect_probe(*s.client, *tok, tokens, 64, 6, 10, p);
    std::vector<DetectCandidate> cands;
    for (const auto& [name, m] : std::vector<std::pair<std::string, std::shared_ptr<const Model>>>{{"F32", base}, {"Q8_0", at("Q8_0")}, {"Q4_0", q4}}) {
        ModelContext ctx(m, 64);
        cands.push_back({name, detect_distances(ctx, probe, p)});
    }
    const DetectResult r = detect_decide(cands, 63, {});
    EXPECT_EQ(r.nearest, "Q4_0");
    EXPECT_LT(r.candidates[2].distance, 1e-9);  // the same weights and kernels: the same distribution
    EXPECT_GT(r.candidates[0].distance, 1e-4);
}

}  // namespace
}  // namespace qs::test
