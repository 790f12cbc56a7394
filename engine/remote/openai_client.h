// The OpenAI API as QuantScope's evaluators use it: /v1/models (who answers), /v1/completions with
// echo + logprobs (the log-prob of every prompt token and its top-N alternatives: lm-eval's way
// to score log-likelihoods through an API), and greedy completions.
//
// Endpoints differ in what they support (docs in README, "Remote models"): echo with logprobs is in
// vLLM and QuantScope's serve, not in llama-server's /v1/completions nor in OpenAI's current
// models. A call that needs a missing feature fails with a qs::Error that says which feature.
#pragma once

#include <atomic>
#include <cstdint>
#include <limits>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include <nlohmann/json.hpp>

#include "remote/http_client.h"

namespace qs {

class Tokenizer;

struct EndpointConfig {
    std::string url;     // base URL: "http://host:port" or ".../v1" (see endpoint_base_url)
    std::string model;   // the name the endpoint serves the model as
    HttpOptions http;
};

// Who answered: stored with every result so a figure always says where it came from.
struct EndpointIdentity {
    std::string url;          // base URL, ending in /v1
    std::string model;
    std::string fingerprint;  // the server's system_fingerprint ("" when it sends none)
    std::string owned_by;     // from /v1/models
    int64_t max_model_len = 0;// from /v1/models when the server says (vLLM, serve), else 0
};

// One token of an echoed or generated sequence.
struct EchoToken {
    struct Alternative {
        int32_t id = -1;      // -1: the text matches no single vocabulary entry
        double logprob = 0;
    };
    int32_t id = -1;
    double logprob = std::numeric_limits<double>::quiet_NaN();  // NaN for the first prompt token
    std::vector<Alternative> top;   // best first
    int64_t text_offset = 0;
};

// A greedy completion: its text and, when the endpoint reports usage, how many tokens it generated.
struct GreedyCompletion {
    std::string text;
    int64_t completion_tokens = -1;  // -1: not reported
};

struct EchoResult {
    std::vector<EchoToken> tokens;  // prompt tokens, then the generated ones
    std::string text;
};

// "http://h:8080" -> "http://h:8080/v1"; ".../v1" and ".../v1/" kept; other paths kept as given.
// Throws qs::Error for a URL that is not http(s) or carries credentials (user:pass@): keys belong
// in --api-key-env.
std::string endpoint_base_url(const std::string& url);

class OpenAiClient {
public:
    // vocabulary (optional) maps token texts back to ids for endpoints that do not return
    // "token_id:N" (vLLM's return_tokens_as_token_ids, which serve also honours).
    OpenAiClient(EndpointConfig config, std::shared_ptr<const Tokenizer> vocabulary = nullptr);

    // GET /models: checks the model is served and fills the identity.
    EndpointIdentity identify();
    const EndpointIdentity& identity() const { return identity_; }

    // The prompt's token ids, echoed with their log-probs and top_n alternatives (lm-eval's
    // loglikelihood request: max_tokens 1, temperature 0, echo, logprobs). The result holds the
    // prompt's tokens first; throws qs::Error when the endpoint does not echo log-probs or its
    // tokens are not the ones sent.
    EchoResult echo_tokens(std::span<const int32_t> prompt, int top_n);
    // Several prompts in one request (an item's choices; serve then decodes their common prefix
    // once, as the local task scorer does): one result per prompt, in order.
    std::vector<EchoResult> echo_token_batch(std::span<const std::vector<int32_t>> prompts, int top_n);
    // The same for a text prompt (tokenized by the endpoint); with max_tokens > 0 the greedy
    // continuation follows the prompt's tokens.
    EchoResult echo_text(const std::string& prompt, int top_n, int max_tokens = 0);
    // A greedy completion of a text prompt (temperature 0, fixed seed): its text.
    std::string complete_greedy(const std::string& prompt, int max_tokens, const std::vector<std::string>& stop);
    // The same for a prompt of token ids (as the local generator would decode them): a generation
    // task's prompt built and cut to the context locally, so the endpoint sees what a local run decodes.
    GreedyCompletion complete_greedy_tokens(std::span<const int32_t> prompt, int max_tokens, const std::vector<std::string>& stop);

    int64_t prompt_tokens() const { return prompt_tokens_.load(); }      // usage the endpoint reported
    int64_t completion_tokens() const { return completion_tokens_.load(); }
    bool fingerprint_changed() const { return fingerprint_changed_.load(); }
    HttpClient& http() { return http_; }

private:
    nlohmann::json post(const std::string& route, const nlohmann::json& body);
    GreedyCompletion greedy(nlohmann::json prompt, int max_tokens, const std::vector<std::string>& stop);
    EchoResult parse_echo(const nlohmann::json& choice, const std::string& text, size_t n_prompt_min) const;
    const nlohmann::json& choice_at(const nlohmann::json& response, size_t index) const;
    int32_t resolve(const std::string& token_text) const;

    EndpointConfig config_;
    std::string base_;
    HttpClient http_;
    std::shared_ptr<const Tokenizer> vocabulary_;
    std::unordered_map<std::string, int32_t> piece_ids_;  // token text -> first id with it
    std::mutex identity_mutex_;
    EndpointIdentity identity_;
    std::atomic<int64_t> prompt_tokens_{0}, completion_tokens_{0};
    std::atomic<bool> fingerprint_changed_{false};
};

}  // namespace qs
