#include "remote/openai_client.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "core/error.h"
#include "tokenizer/tokenizer.h"

namespace qs {

using json = nlohmann::json;

std::string endpoint_base_url(const std::string& url) {
    const size_t scheme = url.find("://");
    const std::string s = scheme == std::string::npos ? "" : url.substr(0, scheme);
    if (s != "http" && s != "https") throw Error(fmt::format("endpoint '{}': the URL must start with http:// or https://", url));
    const size_t host_start = scheme + 3;
    const size_t path_start = url.find('/', host_start);
    const std::string authority = url.substr(host_start, path_start == std::string::npos ? std::string::npos : path_start - host_start);
    if (authority.find('@') != std::string::npos)
        throw Error("endpoint: the URL carries credentials (user@host); give the key with --api-key-env instead");
    if (authority.empty()) throw Error(fmt::format("endpoint '{}': no host", url));
    std::string path = path_start == std::string::npos ? "" : url.substr(path_start);
    while (!path.empty() && path.back() == '/') path.pop_back();
    if (path.empty()) path = "/v1";
    return url.substr(0, host_start) + authority + path;
}

OpenAiClient::OpenAiClient(EndpointConfig config, std::shared_ptr<const Tokenizer> vocabulary)
    : config_(std::move(config)), base_(endpoint_base_url(config_.url)), http_(config_.http), vocabulary_(std::move(vocabulary)) {
    identity_.url = base_;
    identity_.model = config_.model;
    if (vocabulary_)
        for (int32_t id = 0; id < vocabulary_->n_tokens(); ++id) piece_ids_.emplace(vocabulary_->token_to_piece(id, true), id);
}

json OpenAiClient::post(const std::string& route, const json& body) {
    const std::string url = base_ + route;
    const HttpResponse r = http_.post_json(url, body.dump());
    json j = json::parse(r.body, nullptr, false);
    if (r.status < 200 || r.status >= 300) {
        std::string message = r.body.substr(0, 300);
        if (!j.is_discarded() && j.contains("error")) {
            const json& e = j["error"];
            message = e.is_object() ? e.value("message", e.dump()) : e.dump();
        }
        throw Error(http_.redact(fmt::format("POST {}: HTTP {}: {}", url, r.status, message)));
    }
    if (j.is_discarded() || !j.is_object()) throw Error(fmt::format("POST {}: the response is not a JSON object", url));
    if (const auto u = j.find("usage"); u != j.end() && u->is_object()) {
        prompt_tokens_ += u->value("prompt_tokens", int64_t(0));
        completion_tokens_ += u->value("completion_tokens", int64_t(0));
    }
    if (const auto f = j.find("system_fingerprint"); f != j.end() && f->is_string() && !f->get<std::string>().empty()) {
        std::lock_guard lock(identity_mutex_);
        if (identity_.fingerprint.empty()) identity_.fingerprint = f->get<std::string>();
        else if (identity_.fingerprint != f->get<std::string>()) fingerprint_changed_ = true;
    }
    return j;
}

EndpointIdentity OpenAiClient::identify() {
    const std::string url = base_ + "/models";
    const HttpResponse r = http_.get(url);
    const json j = json::parse(r.body, nullptr, false);
    if (r.status != 200 || j.is_discarded() || !j.is_object() || !j.contains("data") || !j["data"].is_array()) {
        std::string message = r.body.substr(0, 300);
        if (!j.is_discarded() && j.is_object() && j.contains("error") && j["error"].is_object())
            message = j["error"].value("message", message);
        throw Error(http_.redact(fmt::format("GET {}: HTTP {}: {}", url, r.status, message)));
    }
    std::vector<std::string> names;
    for (const json& m : j["data"]) {
        if (!m.is_object() || !m.contains("id") || !m["id"].is_string()) continue;
        names.push_back(m["id"].get<std::string>());
        if (names.back() != config_.model) continue;
        std::lock_guard lock(identity_mutex_);
        identity_.owned_by = m.value("owned_by", std::string());
        if (m.contains("max_model_len") && m["max_model_len"].is_number_integer()) identity_.max_model_len = m["max_model_len"].get<int64_t>();
        if (m.contains("system_fingerprint") && m["system_fingerprint"].is_string())
            identity_.fingerprint = m["system_fingerprint"].get<std::string>();
        return identity_;
    }
    std::string list;
    for (const std::string& n : names) list += (list.empty() ? "" : ", ") + n;
    throw Error(fmt::format("{}: the endpoint does not serve '{}' (it serves: {})", url, config_.model, list.empty() ? "nothing" : list));
}

int32_t OpenAiClient::resolve(const std::string& text) const {
    if (text.rfind("token_id:", 0) == 0) {
        try {
            return int32_t(std::stol(text.substr(9)));
        } catch (const std::exception&) {
            return -1;
        }
    }
    const auto it = piece_ids_.find(text);
    return it == piece_ids_.end() ? -1 : it->second;
}

const json& OpenAiClient::choice_at(const json& response, size_t index) const {
    const std::string where = base_ + "/completions";
    if (!response.contains("choices") || !response["choices"].is_array())
        throw Error(where + ": the response has no 'choices'");
    for (const json& c : response["choices"])
        if (c.is_object() && c.value("index", int64_t(-1)) == int64_t(index)) return c;
    if (index < response["choices"].size() && response["choices"][index].is_object()) return response["choices"][index];
    throw Error(fmt::format("{}: the response has no choice {}", where, index));
}

EchoResult OpenAiClient::parse_echo(const json& choice, const std::string& text, size_t n_prompt_min) const {
    const std::string where = base_ + "/completions";
    const json* lp = choice.contains("logprobs") ? &choice["logprobs"] : nullptr;
    if (!lp || !lp->is_object() || !lp->contains("token_logprobs") || !(*lp)["token_logprobs"].is_array() || !lp->contains("tokens"))
        throw Error(where + ": the endpoint returned no log-probs; this evaluation needs 'logprobs' (and 'echo') on /v1/completions");
    const json& tokens = (*lp)["tokens"];
    const json& lps = (*lp)["token_logprobs"];
    const json* tops = lp->contains("top_logprobs") && (*lp)["top_logprobs"].is_array() ? &(*lp)["top_logprobs"] : nullptr;
    const json* offsets = lp->contains("text_offset") && (*lp)["text_offset"].is_array() ? &(*lp)["text_offset"] : nullptr;
    if (!tokens.is_array() || tokens.size() != lps.size() || tokens.size() < n_prompt_min)
        throw Error(fmt::format("{}: the endpoint echoed {} tokens for a prompt of {}; this evaluation needs 'echo' with 'logprobs' "
                                "on /v1/completions (vLLM and QuantScope's serve have it; llama-server does not)",
                                where, tokens.is_array() ? tokens.size() : 0, n_prompt_min));
    EchoResult r;
    r.text = text;
    r.tokens.resize(tokens.size());
    for (size_t i = 0; i < tokens.size(); ++i) {
        EchoToken& t = r.tokens[i];
        t.id = tokens[i].is_string() ? resolve(tokens[i].get<std::string>()) : -1;
        if (lps[i].is_number()) t.logprob = lps[i].get<double>();
        if (tops && i < tops->size() && (*tops)[i].is_object()) {
            for (const auto& [text, v] : (*tops)[i].items())
                if (v.is_number()) t.top.push_back({resolve(text), v.get<double>()});
            std::stable_sort(t.top.begin(), t.top.end(), [](const auto& a, const auto& b) { return a.logprob > b.logprob; });
        }
        if (offsets && i < offsets->size() && (*offsets)[i].is_number_integer()) t.text_offset = (*offsets)[i].get<int64_t>();
    }
    return r;
}

EchoResult OpenAiClient::echo_tokens(std::span<const int32_t> prompt, int top_n) {
    const std::vector<std::vector<int32_t>> one = {std::vector<int32_t>(prompt.begin(), prompt.end())};
    return std::move(echo_token_batch(one, top_n)[0]);
}

std::vector<EchoResult> OpenAiClient::echo_token_batch(std::span<const std::vector<int32_t>> prompts, int top_n) {
    json list = json::array();
    for (const auto& p : prompts) list.push_back(p);
    const json body = {{"model", config_.model}, {"prompt", list}, {"max_tokens", 1}, {"temperature", 0}, {"seed", 1234},
                       {"echo", true}, {"logprobs", std::max(1, top_n)}, {"return_tokens_as_token_ids", true}};
    const json response = post("/completions", body);
    std::vector<EchoResult> out;
    for (size_t i = 0; i < prompts.size(); ++i) {
        const auto& prompt = prompts[i];
        const json& choice = choice_at(response, i);
        EchoResult r = parse_echo(choice, choice.value("text", std::string()), prompt.size());
        for (size_t k = 0; k < prompt.size(); ++k)
            if (r.tokens[k].id != -1 && r.tokens[k].id != prompt[k])
                throw Error(fmt::format("{}/completions: the endpoint echoed token {} at position {} where {} was sent; it does not "
                                        "take the prompt's token ids as they are",
                                        base_, r.tokens[k].id, k, prompt[k]));
        r.tokens.resize(prompt.size());  // drop the generated token (lm-eval's [ctxlen:-1])
        out.push_back(std::move(r));
    }
    return out;
}

EchoResult OpenAiClient::echo_text(const std::string& prompt, int top_n, int max_tokens) {
    const json body = {{"model", config_.model}, {"prompt", prompt}, {"max_tokens", std::max(1, max_tokens)},
                       {"temperature", 0}, {"seed", 1234}, {"echo", true}, {"logprobs", std::max(1, top_n)},
                       {"return_tokens_as_token_ids", true}};
    const json response = post("/completions", body);
    const json& choice = choice_at(response, 0);
    EchoResult r = parse_echo(choice, choice.value("text", std::string()), 1);
    // max_tokens 0: drop the token generated only because endpoints want max_tokens >= 1 (when it
    // was an end-of-generation token the endpoint may have left it out: text_offset tells).
    if (max_tokens == 0 && !r.tokens.empty() && (r.tokens.back().text_offset >= int64_t(prompt.size()) || r.tokens.back().text_offset == 0))
        r.tokens.pop_back();
    return r;
}

GreedyCompletion OpenAiClient::greedy(json prompt, int max_tokens, const std::vector<std::string>& stop) {
    json body = {{"model", config_.model}, {"prompt", std::move(prompt)}, {"max_tokens", max_tokens}, {"temperature", 0}, {"seed", 1234}};
    if (!stop.empty()) body["stop"] = stop;
    const json r = post("/completions", body);
    if (!r.contains("choices") || !r["choices"].is_array() || r["choices"].empty() || !r["choices"][0].contains("text") ||
        !r["choices"][0]["text"].is_string())
        throw Error(base_ + "/completions: the response has no choices[0].text");
    GreedyCompletion c;
    c.text = r["choices"][0]["text"].get<std::string>();
    if (const auto u = r.find("usage"); u != r.end() && u->is_object() && u->contains("completion_tokens") &&
                                        (*u)["completion_tokens"].is_number_integer())
        c.completion_tokens = (*u)["completion_tokens"].get<int64_t>();
    return c;
}

std::string OpenAiClient::complete_greedy(const std::string& prompt, int max_tokens, const std::vector<std::string>& stop) {
    return greedy(prompt, max_tokens, stop).text;
}

GreedyCompletion OpenAiClient::complete_greedy_tokens(std::span<const int32_t> prompt, int max_tokens, const std::vector<std::string>& stop) {
    return greedy(json(std::vector<int32_t>(prompt.begin(), prompt.end())), max_tokens, stop);
}

}  // namespace qs
