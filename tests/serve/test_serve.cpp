// serve: completion_run against the evaluators' own scoring and generate(), and the HTTP server on
// loopback (routes, echo + logprobs shape, authentication, limits, errors), driven by cpp-httplib's
// client so these tests do not depend on our own client (engine/remote).
#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <cmath>
#include <numeric>
#include <random>
#include <thread>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "common/test_paths.h"
#include "eval/task_eval.h"
#include "generate/generate.h"
#include "loopback_server.h"
#include "model/model.h"
#include "serve/completion.h"
#include "tokenizer/tokenizer.h"

namespace qs::test {
namespace {

using json = nlohmann::json;

TEST(TokenLogprob, MatchesANaiveLogSoftmaxAndSortsTheTop) {
    std::mt19937 rng(7);
    std::normal_distribution<float> d(0.0f, 3.0f);
    std::vector<float> logits(300);
    for (float& l : logits) l = d(rng);
    logits[17] = logits[42];  // a tie: the lower id must come first
    const TokenLogprob t = token_logprob(logits, 5, 10);
    long double sum = 0;
    for (float l : logits) sum += std::exp((long double)l);
    EXPECT_NEAR(t.logprob, double((long double)logits[5] - std::log(sum)), 1e-9);
    ASSERT_EQ(t.top.size(), 10u);
    std::vector<int32_t> ids(logits.size());
    std::iota(ids.begin(), ids.end(), 0);
    std::stable_sort(ids.begin(), ids.end(), [&](int32_t a, int32_t b) { return logits[size_t(a)] > logits[size_t(b)]; });
    for (size_t i = 0; i < 10; ++i) {
        EXPECT_EQ(t.top[i].first, ids[i]) << i;
        EXPECT_NEAR(t.top[i].second, double((long double)logits[size_t(ids[i])] - std::log(sum)), 1e-9);
    }
}

struct Stories {
    std::shared_ptr<const Model> model;
    std::shared_ptr<const Tokenizer> tokenizer;
};

Stories load_stories(const std::string& path) {
    auto model = Model::load(path);
    std::shared_ptr<const Tokenizer> tok = Tokenizer::from_gguf(model->file());
    return {model, tok};
}

TEST(Completion, EchoLogprobsSumToTheTaskScorersLoglik) {
    QS_REQUIRE_SHARED(path, "models/stories260K.gguf");
    const Stories s = load_stories(path);
    const TokenPair pair = task_encode_pair(*s.tokenizer, "Once upon a time there was a little girl named", " Lily who loved to play");
    TaskRequest req;
    req.tokens = pair.context;
    req.tokens.insert(req.tokens.end(), pair.continuation.begin(), pair.continuation.end());
    req.n_scored = int(pair.continuation.size());
    ModelContext ctx(s.model, 256);
    const ChoiceScore expected = task_score_requests(ctx, std::span(&req, 1))[0];

    CompletionRequest c;
    c.prompt = req.tokens;
    c.max_tokens = 0;
    c.echo = true;
    c.logprobs = 1;
    const CompletionOutput out = completion_run(ctx, *s.tokenizer, c);
    ASSERT_EQ(out.prompt_logprobs.size(), req.tokens.size());
    EXPECT_TRUE(std::isnan(out.prompt_logprobs[0].logprob));
    double loglik = 0;
    bool greedy = true;
    for (size_t k = req.tokens.size() - size_t(req.n_scored); k < req.tokens.size(); ++k) {
        loglik += out.prompt_logprobs[k].logprob;
        greedy = greedy && out.prompt_logprobs[k].top[0].first == req.tokens[k];
    }
    EXPECT_EQ(loglik, expected.loglik);  // the same decode passes and the same log-softmax
    EXPECT_EQ(greedy, expected.is_greedy);
    EXPECT_TRUE(out.tokens.empty());
}

TEST(Completion, GreedyTextIsWhatGenerateGives) {
    QS_REQUIRE_SHARED(path, "models/stories260K.gguf");
    const Stories s = load_stories(path);
    const auto prompt = generate_prompt_tokens(*s.tokenizer, "Once upon a time");
    ModelContext ctx(s.model, 256);
    GenerateOptions g;
    g.n_predict = 24;
    const GenerateResult expected = generate(ctx, *s.tokenizer, prompt, g);

    CompletionRequest c;
    c.prompt = prompt;
    c.max_tokens = 24;
    c.sampling.temperature = 0;
    c.logprobs = 2;
    const CompletionOutput out = completion_run(ctx, *s.tokenizer, c);
    EXPECT_EQ(out.text, expected.text);
    ASSERT_EQ(out.token_logprobs.size(), out.tokens.size());
    for (const TokenLogprob& t : out.token_logprobs) EXPECT_EQ(t.top[0].first, t.token);  // greedy: the pick is the top-1
    // A stop string cuts the text where it starts, as generate() does.
    const std::string stop = expected.text.substr(expected.text.size() / 2, 3);
    c.stop = {stop};
    g.stop = {stop};
    EXPECT_EQ(completion_run(ctx, *s.tokenizer, c).text, generate(ctx, *s.tokenizer, prompt, g).text);
}

class ServeHttp : public ::testing::Test {
protected:
    void SetUp() override {
        const std::string path = shared_path("models/stories260K.gguf");
        if (path.empty()) GTEST_SKIP() << "needs ../shared/models/stories260K.gguf (not present)";
        stories_ = load_stories(path);
        ServeOptions o;
        o.api_key = "sk-test-7f3a91";
        o.max_body_bytes = 64 * 1024;
        o.fingerprint = "fp_test";
        o.n_ctx = 256;
        server_ = std::make_unique<LoopbackServer>(stories_.model, stories_.tokenizer, o);
    }
    httplib::Result post(const std::string& route, const std::string& body, const std::string& key = "sk-test-7f3a91") {
        httplib::Client c("127.0.0.1", server_->port());
        httplib::Headers h;
        if (!key.empty()) h.emplace("Authorization", "Bearer " + key);
        return c.Post(route.c_str(), h, body, "application/json");
    }
    static json error_of(const httplib::Result& r) { return json::parse(r->body)["error"]; }

    Stories stories_;
    std::unique_ptr<LoopbackServer> server_;
};

TEST_F(ServeHttp, EchoWithLogprobsHasTheShapeLmEvalReads) {
    const std::vector<int32_t> prompt = generate_prompt_tokens(*stories_.tokenizer, "The cat sat on the mat");
    const auto r = post("/v1/completions", json{{"model", "test-model"}, {"prompt", prompt}, {"max_tokens", 1}, {"temperature", 0},
                                                {"echo", true}, {"logprobs", 3}}.dump());
    ASSERT_TRUE(r);
    ASSERT_EQ(r->status, 200) << r->body;
    const json j = json::parse(r->body);
    EXPECT_EQ(j["system_fingerprint"], "fp_test");
    EXPECT_EQ(j["usage"]["prompt_tokens"], prompt.size());
    const json& lp = j["choices"][0]["logprobs"];
    ASSERT_EQ(lp["tokens"].size(), prompt.size() + 1);  // the prompt, then the generated token
    EXPECT_TRUE(lp["token_logprobs"][0].is_null());
    EXPECT_TRUE(lp["top_logprobs"][0].is_null());
    for (size_t i = 1; i < lp["tokens"].size(); ++i) {
        EXPECT_LE(lp["token_logprobs"][i].get<double>(), 0.0);
        EXPECT_EQ(lp["top_logprobs"][i].size(), 3u);
        EXPECT_GE(lp["text_offset"][i].get<int64_t>(), lp["text_offset"][i - 1].get<int64_t>());
    }
    // The completion's first token starts where the echoed prompt text ends.
    const std::string text = j["choices"][0]["text"];
    EXPECT_EQ(lp["text_offset"][prompt.size()].get<size_t>(), stories_.tokenizer->decode(prompt).size());
    EXPECT_EQ(text.rfind(stories_.tokenizer->decode(prompt), 0), 0u);
}

TEST_F(ServeHttp, ChatModelsAndHealth) {
    const auto r = post("/v1/chat/completions",
                        json{{"messages", {{{"role", "user"}, {"content", "Once upon a time"}}}}, {"max_tokens", 8}, {"temperature", 0}}.dump());
    ASSERT_EQ(r->status, 200) << r->body;
    const json j = json::parse(r->body);
    EXPECT_EQ(j["object"], "chat.completion");
    EXPECT_EQ(j["choices"][0]["message"]["role"], "assistant");
    EXPECT_FALSE(j["choices"][0]["message"]["content"].get<std::string>().empty());

    httplib::Client c("127.0.0.1", server_->port());
    EXPECT_EQ(c.Get("/health")->status, 200);  // no key needed
    EXPECT_EQ(c.Get("/v1/models")->status, 401);
    const auto m = c.Get("/v1/models", {{"Authorization", "Bearer sk-test-7f3a91"}});
    EXPECT_EQ(json::parse(m->body)["data"][0]["id"], "test-model");
}

TEST_F(ServeHttp, ClientErrorsAreClear4xxJson) {
    auto r = post("/v1/completions", "{\"prompt\": \"a\", ");
    EXPECT_EQ(r->status, 400);
    EXPECT_NE(error_of(r)["message"].get<std::string>().find("not valid JSON"), std::string::npos);

    r = post("/v1/completions", json{{"prompt", std::string(70 * 1024, 'a')}}.dump());
    EXPECT_EQ(r->status, 413);
    EXPECT_EQ(error_of(r)["type"], "request_too_large");
    EXPECT_NE(error_of(r)["message"].get<std::string>().find("bytes, --max-body"), std::string::npos);  // says the limit

    r = post("/v1/completions", json{{"prompt", "a"}}.dump(), "");
    EXPECT_EQ(r->status, 401);
    EXPECT_NE(error_of(r)["message"].get<std::string>().find("missing API key"), std::string::npos);
    r = post("/v1/completions", json{{"prompt", "a"}}.dump(), "sk-test-7f3a92");
    EXPECT_EQ(r->status, 401);
    EXPECT_EQ(r->body.find("sk-test"), std::string::npos);  // the key is never echoed

    r = post("/v1/completions", json{{"prompt", "a"}, {"logprobs", 99}}.dump());
    EXPECT_EQ(r->status, 400);
    EXPECT_EQ(error_of(r)["param"], "logprobs");
    r = post("/v1/completions", json{{"prompt", "a"}, {"model", "gpt-5"}}.dump());
    EXPECT_EQ(r->status, 404);
    r = post("/v1/completions", json{{"prompt", {1, 2, 100000}}}.dump());
    EXPECT_EQ(r->status, 400);
    r = post("/v1/completions", json{{"prompt", std::string(3000, 'x')}, {"max_tokens", 1}}.dump());  // longer than the context
    EXPECT_EQ(r->status, 400);
    r = post("/v1/nothing", "{}");
    EXPECT_EQ(r->status, 404);
    EXPECT_TRUE(json::parse(r->body).contains("error"));
}

// 8 clients at once, each request queued and answered exactly as when it is alone (the full load
// test, 8 x 50 with latencies, is scripts/load_test_serve.py).
TEST_F(ServeHttp, ConcurrentClientsGetTheAnswersOfSequentialRequests) {
    const std::vector<std::string> prompts = {"Once upon a time", "The little dog", "Tom and Sue went", "One day a bird"};
    auto body = [&](size_t i) {
        return json{{"prompt", prompts[i % prompts.size()]}, {"max_tokens", 6}, {"temperature", 0}, {"logprobs", 2}, {"echo", true}}.dump();
    };
    std::vector<std::string> expected;
    for (size_t i = 0; i < prompts.size(); ++i) {
        const auto r = post("/v1/completions", body(i));
        ASSERT_EQ(r->status, 200);
        expected.push_back(json::parse(r->body)["choices"].dump());
    }
    std::atomic<int> wrong{0}, done{0};
    std::vector<std::thread> clients;
    for (int t = 0; t < 8; ++t)
        clients.emplace_back([&, t] {
            for (int k = 0; k < 6; ++k) {
                const size_t i = size_t(t + k);
                const auto r = post("/v1/completions", body(i));
                if (!r || r->status != 200 || json::parse(r->body)["choices"].dump() != expected[i % prompts.size()]) ++wrong;
                ++done;
            }
        });
    for (std::thread& c : clients) c.join();
    EXPECT_EQ(done.load(), 48);
    EXPECT_EQ(wrong.load(), 0);
}

// Batching on: M1 Q4_K_M decodes up to 8 requests together (its integer kernels are bit for bit
// whatever the rows). Eight different requests (completions and chats, greedy and seeded samplers,
// lengths 3 to 40, stop strings, echo) sent all at once, three rounds over, each get the bytes they
// get alone (usage included; the id and creation time aside).
TEST(ServeBatching, ConcurrentDifferentRequestsGetWhatEachGetsAlone) {
    QS_REQUIRE_SHARED(path, "models/synthetic/m1-quantized/m1-mix-Q4_K_M.gguf");
    const Stories m = load_stories(path);
    ServeOptions o;
    o.n_ctx = 256;
    o.batch = 8;
    std::mutex log_mutex;
    std::vector<std::string> log;
    o.log = [&](const std::string& line) {
        std::lock_guard lock(log_mutex);
        log.push_back(line);
    };
    LoopbackServer server(m.model, m.tokenizer, o);
    {
        std::lock_guard lock(log_mutex);
        // 8 on the AVX-512 VM (the probe finds every row's bits unchanged in batches of 8); at
        // least 2 wherever the test runs, or it would not test batching.
        ASSERT_FALSE(log.empty());
        ASSERT_EQ(log[0].rfind("decoding up to ", 0), 0u) << log[0];
        EXPECT_GE(std::stoi(log[0].substr(15)), 2) << log[0];
    }
    const std::vector<std::pair<std::string, json>> requests = {
        {"/v1/completions", {{"prompt", "Once upon a time"}, {"max_tokens", 40}, {"temperature", 0}, {"logprobs", 2}}},
        {"/v1/completions", {{"prompt", "The little dog"}, {"max_tokens", 25}, {"seed", 1}, {"top_k", 20}}},
        {"/v1/completions", {{"prompt", "The little dog"}, {"max_tokens", 25}, {"seed", 2}, {"top_k", 20}}},
        {"/v1/completions", {{"prompt", "Tom and Sue went to"}, {"max_tokens", 30}, {"seed", 3}, {"stop", {".", "!"}}, {"logprobs", 0}}},
        {"/v1/completions", {{"prompt", {"One day a bird", "One day a fish"}}, {"max_tokens", 6}, {"temperature", 0}, {"echo", true}, {"logprobs", 1}}},
        {"/v1/completions", {{"prompt", "Lily wanted"}, {"max_tokens", 3}, {"seed", 4}, {"temperature", 0.7}, {"min_p", 0.1}}},
        {"/v1/chat/completions", {{"messages", {{{"role", "user"}, {"content", "Tell me a story"}}}}, {"max_tokens", 35}, {"seed", 5}, {"logprobs", true}, {"top_logprobs", 2}}},
        {"/v1/chat/completions", {{"messages", {{{"role", "user"}, {"content", "The sun was"}}}}, {"max_tokens", 12}, {"temperature", 0}, {"frequency_penalty", 0.8}}},
    };
    auto answer = [&](size_t i) {
        httplib::Client c("127.0.0.1", server.port());
        const auto r = c.Post(requests[i].first.c_str(), requests[i].second.dump(), "application/json");
        if (!r || r->status != 200) return std::string("failed: ") + (r ? r->body : "no response");
        const json j = json::parse(r->body);
        return j["choices"].dump() + j["usage"].dump();
    };
    std::vector<std::string> alone;
    for (size_t i = 0; i < requests.size(); ++i) alone.push_back(answer(i));
    ASSERT_NE(alone[1], alone[2]);  // the seeds matter
    std::vector<std::string> together(requests.size() * 3);
    std::vector<std::thread> clients;
    for (size_t i = 0; i < requests.size(); ++i)
        clients.emplace_back([&, i] {
            for (size_t round = 0; round < 3; ++round) together[round * requests.size() + i] = answer(i);
        });
    for (std::thread& t : clients) t.join();
    for (size_t k = 0; k < together.size(); ++k) EXPECT_EQ(together[k], alone[k % requests.size()]) << "request " << k % requests.size();
}

}  // namespace
}  // namespace qs::test
