#include "serve/openai_server.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <atomic>
#include <random>
#include <thread>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "generate/chat_template.h"
#include "generate/generate.h"
#include "model/model.h"
#include "serve/completion_queue.h"
#include "tokenizer/tokenizer.h"

namespace qs {

using json = nlohmann::json;

std::string serve_fingerprint(const std::string& parts) {
    uint64_t h = 1469598103934665603ull;
    for (unsigned char c : parts) h = (h ^ c) * 1099511628211ull;
    return fmt::format("fp_{:016x}", h);
}

namespace {

// A failure to answer with: HTTP status, OpenAI error type, the field at fault.
struct HttpError {
    int status;
    std::string message;
    std::string param;
};

const char* error_type(int status) {
    switch (status) {
        case 401: return "authentication_error";
        case 404: return "not_found_error";
        case 413: return "request_too_large";
        case 503: return "overloaded_error";
        default: return status >= 500 ? "server_error" : "invalid_request_error";
    }
}

void send_error(httplib::Response& res, int status, const std::string& message, const std::string& param = "") {
    json e = {{"message", message}, {"type", error_type(status)}, {"param", nullptr}, {"code", status}};
    if (!param.empty()) e["param"] = param;
    res.status = status;
    res.set_content(json{{"error", e}}.dump(), "application/json");
}

// Typed field readers: a wrong type or range names the field.
template <class T>
T number_field(const json& body, const char* key, T fallback, double lo, double hi) {
    const auto it = body.find(key);
    if (it == body.end() || it->is_null()) return fallback;
    if (!it->is_number() || (std::is_integral_v<T> && !it->is_number_integer()))
        throw HttpError{400, fmt::format("'{}' must be {}", key, std::is_integral_v<T> ? "an integer" : "a number"), key};
    const double v = it->get<double>();
    if (!(v >= lo && v <= hi)) throw HttpError{400, fmt::format("'{}' must be between {} and {} (got {})", key, lo, hi, v), key};
    return it->get<T>();
}

bool bool_field(const json& body, const char* key, bool fallback) {
    const auto it = body.find(key);
    if (it == body.end() || it->is_null()) return fallback;
    if (!it->is_boolean()) throw HttpError{400, fmt::format("'{}' must be true or false", key), key};
    return it->get<bool>();
}

std::vector<std::string> stop_field(const json& body) {
    const auto it = body.find("stop");
    if (it == body.end() || it->is_null()) return {};
    if (it->is_string()) return {it->get<std::string>()};
    if (!it->is_array() || it->size() > 16) throw HttpError{400, "'stop' must be a string or a list of at most 16 strings", "stop"};
    std::vector<std::string> stop;
    for (const json& s : *it) {
        if (!s.is_string()) throw HttpError{400, "'stop' must be a string or a list of at most 16 strings", "stop"};
        stop.push_back(s.get<std::string>());
    }
    return stop;
}

// Token text for logprobs: the piece as the model writes it, or vLLM's "token_id:N".
std::string token_label(const Tokenizer& tok, int32_t id, bool as_ids) {
    return as_ids ? fmt::format("token_id:{}", id) : tok.token_to_piece(id, true);
}

// A log-prob as JSON: a number, or null where there is none (the first prompt token).
json logprob_value(double lp) { return std::isnan(lp) ? json(nullptr) : json(lp); }

json top_object(const Tokenizer& tok, const TokenLogprob& t, bool as_ids) {
    json o = json::object();
    for (const auto& [id, lp] : t.top) {
        const std::string key = token_label(tok, id, as_ids);
        if (!o.contains(key)) o[key] = lp;  // two ids with one text: the likelier one (listed first)
    }
    return o;
}

}  // namespace

struct OpenAiServer::Impl {
    std::shared_ptr<const Model> model;
    std::shared_ptr<const Tokenizer> tokenizer;
    ServeOptions options;
    ChatTemplate chat = ChatTemplate::None;
    std::unique_ptr<CompletionQueue> queue;
    httplib::Server http;
    std::atomic<bool> stopping{false}, listen_called{false}, listen_done{false};
    std::mt19937_64 seeds{std::random_device{}()};
    std::mutex seeds_mutex;

    void check_auth(const httplib::Request& req) const {
        if (options.api_key.empty()) return;
        const std::string header = req.get_header_value("Authorization");
        const std::string expected = "Bearer " + options.api_key;
        // Constant time in the key's length: the comparison does not stop at the first difference.
        unsigned diff = header.size() != expected.size();
        for (size_t i = 0; i < expected.size(); ++i) diff |= unsigned(uint8_t(i < header.size() ? header[i] : 0) ^ uint8_t(expected[i]));
        if (diff) throw HttpError{401, header.empty() ? "missing API key: send 'Authorization: Bearer <key>'" : "wrong API key", ""};
    }

    json parse_body(const httplib::Request& req) const {
        json body = json::parse(req.body, nullptr, false);
        if (body.is_discarded()) throw HttpError{400, "the request body is not valid JSON", ""};
        if (!body.is_object()) throw HttpError{400, "the request body must be a JSON object", ""};
        if (const auto it = body.find("model"); it != body.end() && !it->is_null()) {
            if (!it->is_string()) throw HttpError{400, "'model' must be a string", "model"};
            if (it->get<std::string>() != options.model_id)
                throw HttpError{404, fmt::format("the model '{}' does not exist; this server has '{}'", it->get<std::string>(), options.model_id), "model"};
        }
        if (bool_field(body, "stream", false)) throw HttpError{400, "'stream' is not supported", "stream"};
        if (number_field<int>(body, "n", 1, 1, 1) != 1) throw HttpError{400, "'n' must be 1", "n"};
        return body;
    }

    // The fields both routes share.
    CompletionRequest common_request(const json& body) {
        CompletionRequest r;
        const double max_tokens = body.contains("max_completion_tokens") ? number_field<int>(body, "max_completion_tokens", 16, 0, 1 << 20)
                                                                        : number_field<int>(body, "max_tokens", 16, 0, 1 << 20);
        r.max_tokens = int(max_tokens);
        r.sampling.temperature = number_field<float>(body, "temperature", 1.0f, 0, 2);
        r.sampling.top_p = number_field<float>(body, "top_p", 1.0f, 0, 1);
        r.sampling.top_k = number_field<int>(body, "top_k", 0, -1, 1 << 30);
        r.sampling.min_p = number_field<float>(body, "min_p", 0.0f, 0, 1);
        r.sampling.frequency_penalty = number_field<float>(body, "frequency_penalty", 0.0f, -2, 2);
        r.sampling.presence_penalty = number_field<float>(body, "presence_penalty", 0.0f, -2, 2);
        if (body.contains("seed") && !body["seed"].is_null()) {
            r.sampling.seed = uint32_t(number_field<int64_t>(body, "seed", 0, -9.2e18, 9.2e18));
        } else {
            std::lock_guard lock(seeds_mutex);
            r.sampling.seed = uint32_t(seeds());
        }
        r.stop = stop_field(body);
        return r;
    }

    std::vector<int32_t> tokenize(const std::string& text) const { return generate_prompt_tokens(*tokenizer, text); }

    // Waits for the queue's answer; a qs::Error from the engine is the request's fault (400).
    std::vector<CompletionOutput> run(CompletionRequest options, std::vector<std::vector<int32_t>> prompts) {
        std::future<std::vector<CompletionOutput>> f;
        try {
            f = queue->submit(std::move(options), std::move(prompts));
        } catch (const QueueFull& e) {
            throw HttpError{503, e.what(), ""};
        }
        try {
            return f.get();
        } catch (const Error& e) {
            throw HttpError{400, e.what(), ""};
        }
    }

    json completions(const json& body, int& prompt_tokens, int& completion_tokens) {
        CompletionRequest base = common_request(body);
        const int logprobs = body.contains("logprobs") && !body["logprobs"].is_null()
                                 ? number_field<int>(body, "logprobs", 0, 0, options.max_logprobs) : -1;
        base.logprobs = logprobs;
        base.echo = bool_field(body, "echo", false);
        const bool as_ids = bool_field(body, "return_tokens_as_token_ids", false);

        // prompt: string | [string] | [int] | [[int]] -> (text, tokens) per prompt
        const auto it = body.find("prompt");
        if (it == body.end()) throw HttpError{400, "'prompt' is required", "prompt"};
        std::vector<std::pair<std::string, std::vector<int32_t>>> prompts;
        auto add_tokens = [&](const json& arr) {
            std::vector<int32_t> ids;
            for (const json& t : arr) {
                if (!t.is_number_integer() || t.get<int64_t>() < 0 || t.get<int64_t>() >= tokenizer->n_tokens())
                    throw HttpError{400, fmt::format("'prompt' token ids must be integers in [0, {})", tokenizer->n_tokens()), "prompt"};
                ids.push_back(int32_t(t.get<int64_t>()));
            }
            prompts.emplace_back(tokenizer->decode(ids), std::move(ids));
        };
        if (it->is_string()) {
            prompts.emplace_back(it->get<std::string>(), tokenize(it->get<std::string>()));
        } else if (it->is_array() && !it->empty() && (*it)[0].is_number()) {
            add_tokens(*it);
        } else if (it->is_array() && !it->empty()) {
            for (const json& p : *it) {
                if (p.is_string()) prompts.emplace_back(p.get<std::string>(), tokenize(p.get<std::string>()));
                else if (p.is_array()) add_tokens(p);
                else throw HttpError{400, "'prompt' must be a string, a list of strings, a list of token ids or a list of such lists", "prompt"};
            }
        } else {
            throw HttpError{400, "'prompt' must be a non-empty string, list of strings, list of token ids or list of such lists", "prompt"};
        }
        if (int(prompts.size()) > options.max_prompts)
            throw HttpError{400, fmt::format("at most {} prompts per request (got {})", options.max_prompts, prompts.size()), "prompt"};

        std::vector<std::vector<int32_t>> ids;
        for (const auto& p : prompts) {
            if (p.second.empty()) throw HttpError{400, "'prompt' is empty", "prompt"};
            ids.push_back(p.second);
        }
        // One queued job for every prompt: they share their common prefix (an item's choices).
        const std::vector<CompletionOutput> outs = run(base, std::move(ids));
        json choices = json::array();
        for (size_t i = 0; i < prompts.size(); ++i) {
            const auto& [prompt_text, prompt_ids] = prompts[i];
            const CompletionOutput& out = outs[i];
            prompt_tokens += out.n_prompt;
            completion_tokens += int(out.tokens.size());

            json choice = {{"index", i}, {"text", base.echo ? prompt_text + out.text : out.text},
                           {"finish_reason", out.finish_reason}, {"logprobs", nullptr}};
            if (logprobs >= 0) {
                json tokens = json::array(), lps = json::array(), tops = json::array(), offsets = json::array();
                std::vector<const TokenLogprob*> all;
                if (base.echo)
                    for (const TokenLogprob& t : out.prompt_logprobs) all.push_back(&t);
                for (const TokenLogprob& t : out.token_logprobs) all.push_back(&t);
                // Offsets into `text`: running piece lengths, shifted so that the completion starts
                // right after the prompt text (an SPM vocabulary's added prefix space is not in it).
                size_t prompt_pieces = 0;
                for (const int32_t id : prompt_ids) prompt_pieces += tokenizer->token_to_piece(id, false).size();
                const size_t shift = prompt_pieces > prompt_text.size() ? prompt_pieces - prompt_text.size() : 0;
                size_t offset = base.echo ? 0 : prompt_pieces;
                for (const TokenLogprob* t : all) {
                    tokens.push_back(token_label(*tokenizer, t->token, as_ids));
                    lps.push_back(logprob_value(t->logprob));
                    tops.push_back(std::isnan(t->logprob) ? json(nullptr) : top_object(*tokenizer, *t, as_ids));
                    const size_t o = offset >= shift ? offset - shift : 0;
                    offsets.push_back(base.echo ? o : o - std::min(o, prompt_text.size()));
                    offset += tokenizer->token_to_piece(t->token, false).size();
                }
                choice["logprobs"] = {{"tokens", tokens}, {"token_logprobs", lps}, {"top_logprobs", tops}, {"text_offset", offsets}};
            }
            choices.push_back(choice);
        }
        return {{"object", "text_completion"}, {"choices", choices}};
    }

    json chat_completions(const json& body, int& prompt_tokens, int& completion_tokens) {
        CompletionRequest req = common_request(body);
        const bool want_logprobs = bool_field(body, "logprobs", false);
        const int top = number_field<int>(body, "top_logprobs", 0, 0, options.max_logprobs);
        req.logprobs = want_logprobs ? top : -1;

        const auto it = body.find("messages");
        if (it == body.end() || !it->is_array() || it->empty()) throw HttpError{400, "'messages' must be a non-empty list", "messages"};
        std::vector<ChatMessage> messages;
        for (const json& m : *it) {
            if (!m.is_object() || !m.contains("role") || !m["role"].is_string())
                throw HttpError{400, "each message needs a 'role' string", "messages"};
            std::string content;
            const json& c = m.value("content", json(""));
            if (c.is_string()) {
                content = c.get<std::string>();
            } else if (c.is_array()) {  // [{"type": "text", "text": ...}]
                for (const json& part : c) {
                    if (!part.is_object() || part.value("type", "") != "text" || !part.contains("text") || !part["text"].is_string())
                        throw HttpError{400, "only text content parts are supported", "messages"};
                    content += part["text"].get<std::string>();
                }
            } else if (!c.is_null()) {
                throw HttpError{400, "a message's 'content' must be a string or a list of text parts", "messages"};
            }
            messages.push_back({m["role"].get<std::string>(), std::move(content)});
        }
        std::vector<std::vector<int32_t>> prompt = {tokenize(chat_template_apply(chat, messages, true))};
        if (prompt[0].empty()) throw HttpError{400, "the conversation renders to no token", "messages"};
        const CompletionOutput out = std::move(run(req, std::move(prompt))[0]);
        prompt_tokens += out.n_prompt;
        completion_tokens += int(out.tokens.size());

        json choice = {{"index", 0}, {"message", {{"role", "assistant"}, {"content", out.text}}},
                       {"finish_reason", out.finish_reason}, {"logprobs", nullptr}};
        if (want_logprobs) {
            auto entry = [&](int32_t id, double lp) {
                const std::string piece = tokenizer->token_to_piece(id, true);
                std::vector<int> bytes;
                for (const unsigned char c : piece) bytes.push_back(c);
                return json{{"token", piece}, {"logprob", lp}, {"bytes", bytes}};
            };
            json content = json::array();
            for (const TokenLogprob& t : out.token_logprobs) {
                json e = entry(t.token, t.logprob);
                e["top_logprobs"] = json::array();
                for (const auto& [id, lp] : t.top) e["top_logprobs"].push_back(entry(id, lp));
                content.push_back(e);
            }
            choice["logprobs"] = {{"content", content}};
        }
        return {{"object", "chat.completion"}, {"choices", json::array({choice})}};
    }

    // Wraps a route: authentication, JSON, errors, the log line, the fields every response has.
    void post(const char* path, json (Impl::*handler)(const json&, int&, int&)) {
        http.Post(path, [this, handler, path](const httplib::Request& req, httplib::Response& res) {
            const auto t0 = std::chrono::steady_clock::now();
            int prompt_tokens = 0, completion_tokens = 0;
            try {
                check_auth(req);
                json out = (this->*handler)(parse_body(req), prompt_tokens, completion_tokens);
                out["id"] = fmt::format("cmpl-{:x}", std::chrono::steady_clock::now().time_since_epoch().count());
                out["created"] = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
                out["model"] = options.model_id;
                out["system_fingerprint"] = options.fingerprint;
                out["usage"] = {{"prompt_tokens", prompt_tokens}, {"completion_tokens", completion_tokens},
                                {"total_tokens", prompt_tokens + completion_tokens}};
                res.set_content(out.dump(-1, ' ', false, json::error_handler_t::replace), "application/json");
                res.status = 200;  // httplib fills it in only after the handler: the log line needs it now
            } catch (const HttpError& e) {
                send_error(res, e.status, e.message, e.param);
            } catch (const std::exception& e) {
                send_error(res, 500, std::string("internal error: ") + e.what());
            }
            log_line(req.method, path, res.status, t0, prompt_tokens, completion_tokens);
        });
    }

    void log_line(const std::string& method, const std::string& path, int status, std::chrono::steady_clock::time_point t0,
                  int prompt_tokens, int completion_tokens) const {
        if (!options.log) return;
        const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
        options.log(fmt::format("{} {} {} {:.1f} ms prompt={} completion={}", method, path, status, ms, prompt_tokens, completion_tokens));
    }

    void routes() {
        post("/v1/completions", &Impl::completions);
        post("/v1/chat/completions", &Impl::chat_completions);
        http.Get("/health", [](const httplib::Request&, httplib::Response& res) {
            res.set_content(R"({"status":"ok"})", "application/json");
        });
        http.Get("/v1/models", [this](const httplib::Request& req, httplib::Response& res) {
            try {
                check_auth(req);
                const json m = {{"id", options.model_id}, {"object", "model"}, {"owned_by", "quantscope"}, {"created", 0},
                                {"max_model_len", queue->n_ctx()}, {"system_fingerprint", options.fingerprint}};
                res.set_content(json{{"object", "list"}, {"data", json::array({m})}}.dump(), "application/json");
            } catch (const HttpError& e) {
                send_error(res, e.status, e.message, e.param);
            }
        });
        http.Post("/tokenize", [this](const httplib::Request& req, httplib::Response& res) {
            try {
                check_auth(req);
                const json body = parse_body(req);
                if (!body.contains("prompt") || !body["prompt"].is_string()) throw HttpError{400, "'prompt' must be a string", "prompt"};
                const bool special = bool_field(body, "add_special_tokens", true);
                const auto ids = tokenizer->encode(body["prompt"].get<std::string>(), special, special);
                res.set_content(json{{"tokens", ids}, {"count", ids.size()}, {"max_model_len", queue->n_ctx()}}.dump(), "application/json");
            } catch (const HttpError& e) {
                send_error(res, e.status, e.message, e.param);
            }
        });
        // 404 (no route), 413 (body over the limit) and anything else httplib answers itself: JSON too.
        http.set_error_handler([this](const httplib::Request& req, httplib::Response& res) {
            if (!res.body.empty()) return;
            if (res.status == 413) send_error(res, 413, fmt::format("the request body is larger than this server accepts ({} bytes, --max-body)", options.max_body_bytes));
            else if (res.status == 404) send_error(res, 404, fmt::format("no route {} {}", req.method, req.path));
            else send_error(res, res.status, fmt::format("HTTP {}", res.status));
        });
    }
};

OpenAiServer::OpenAiServer(std::shared_ptr<const Model> model, std::shared_ptr<const Tokenizer> tokenizer, ServeOptions options)
    : impl_(std::make_unique<Impl>()) {
    Impl& s = *impl_;
    s.model = std::move(model);
    s.tokenizer = std::move(tokenizer);
    s.options = std::move(options);
    const int64_t trained = s.model->hparams().n_ctx_train;
    if (s.options.n_ctx <= 0) s.options.n_ctx = int(std::min<int64_t>(trained > 0 ? trained : 4096, 4096));
    if (s.options.model_id.empty()) throw Error("serve: the model needs a name (model_id)");
    if (s.options.chat_template == "auto") {
        // Base models have no template: chats are then the contents as they are (lm-eval's default).
        s.chat = chat_template_text(s.model->file()).empty() ? ChatTemplate::None : chat_template_resolve("auto", s.model->file());
    } else {
        s.chat = chat_template_resolve(s.options.chat_template, s.model->file());
    }
    s.queue = std::make_unique<CompletionQueue>(s.model, s.tokenizer,
                                                CompletionQueueOptions{.n_ctx = s.options.n_ctx,
                                                                       .workers = s.options.workers,
                                                                       .max_pending = s.options.max_pending,
                                                                       .threads = s.options.threads,
                                                                       .batch = s.options.batch,
                                                                       .batch_kv_bytes = s.options.batch_kv_bytes});
    if (s.options.log)
        s.options.log(fmt::format("decoding up to {} requests together per worker{}", s.queue->batch(),
                                  s.queue->batch_limit().empty() ? "" : " (" + s.queue->batch_limit() + ")"));
    s.http.set_payload_max_length(s.options.max_body_bytes);
    s.http.set_read_timeout(30, 0);
    s.http.set_write_timeout(30, 0);
    s.routes();
}

OpenAiServer::~OpenAiServer() { stop(); }

int OpenAiServer::bind() {
    Impl& s = *impl_;
    if (s.options.port == 0) {
        const int port = s.http.bind_to_any_port(s.options.host);
        if (port < 0) throw Error(fmt::format("serve: cannot bind {} (any port)", s.options.host));
        s.options.port = port;
    } else if (!s.http.bind_to_port(s.options.host, s.options.port)) {
        throw Error(fmt::format("serve: cannot bind {}:{} (in use, or not an address of this machine)", s.options.host, s.options.port));
    }
    return s.options.port;
}

void OpenAiServer::listen() {
    Impl& s = *impl_;
    s.listen_called = true;
    if (!s.stopping) s.http.listen_after_bind();
    s.listen_done = true;
}

// stop() may come from another thread before listen() has started its loop: wait until the loop
// runs (or listen returned) so httplib's stop() is not lost.
void OpenAiServer::stop() {
    Impl& s = *impl_;
    s.stopping = true;
    if (!s.listen_called) return;  // listen() will see `stopping` and return at once
    while (!s.listen_done && !s.http.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    if (s.http.is_running()) s.http.stop();
    while (s.listen_called && !s.listen_done) std::this_thread::sleep_for(std::chrono::milliseconds(1));
}

const ServeOptions& OpenAiServer::options() const { return impl_->options; }

}  // namespace qs
