// An OpenAI-compatible HTTP server on our engine (cpp-httplib + nlohmann-json), so any client of
// the OpenAI API (lm-eval's local-completions, QuantScope's own `eval --endpoint`, `detect`,
// `monitor`) can use a model QuantScope loads.
//
// Routes (JSON in and out):
//   POST /v1/completions       prompt (string, [string], [int] or [[int]]), max_tokens (16),
//                              temperature (1), top_p (1), top_k (0: off), min_p (0),
//                              frequency_penalty, presence_penalty, seed, stop (string or [string]),
//                              logprobs (top-N, 0..max_logprobs), echo (the prompt's tokens and
//                              log-probs before the completion, as lm-eval's loglikelihood needs),
//                              return_tokens_as_token_ids (vLLM's: tokens as "token_id:N").
//   POST /v1/chat/completions  messages [{role, content}] rendered with the model's chat template
//                              (generate/chat_template.h; none: the contents as they are),
//                              max_tokens / max_completion_tokens, logprobs (bool), top_logprobs.
//   GET  /v1/models            the one model served.
//   POST /tokenize             {"prompt": text, "add_special_tokens": true} -> {"tokens", "count"} (vLLM's).
//   GET  /health               {"status": "ok"}; the only route that needs no API key.
// Strings are tokenized as llama-server does (BOS as the vocabulary adds it, special-token text
// parsed); token-id prompts are used as they are.
//
// Errors are OpenAI's shape {"error": {"message", "type", "param", "code"}} with a 4xx for what the
// client got wrong: 400 malformed JSON or a bad field (the field is named), 401 a missing or wrong
// API key, 404 an unknown route or model, 413 a body over max_body_bytes, 503 a full queue.
// Requests are queued (CompletionQueue); each prompt runs from an empty sequence of the KV cache,
// and the generation steps of up to `batch` requests are decoded together (continuous batching,
// serve/completion_batch.h), each answer bit for bit the one the request gets alone.
//
// The API key, when set, is compared in constant time and never written anywhere (logs show the
// method, path, status, time and token counts only).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

namespace qs {

class Model;
class Tokenizer;

struct ServeOptions {
    std::string host = "127.0.0.1";   // loopback unless the user says otherwise
    int port = 8080;                  // 0: any free port (bind() says which)
    std::string api_key;              // "" = no authentication
    std::string model_id;             // the name clients pass as "model"
    std::string fingerprint;          // system_fingerprint of every response (identifies weights + engine)
    std::string chat_template = "auto";  // generate/chat_template.h: auto, none or a family name
    int n_ctx = 0;                    // context per request (0: the model's, at most 4096)
    size_t max_body_bytes = 4u << 20; // larger bodies get 413
    int max_logprobs = 20;            // top-N a request may ask for
    int max_prompts = 64;             // prompts in one /v1/completions request
    size_t max_pending = 64;          // queued requests before 503
    int workers = 1;                  // threads computing requests (each with its own KV cache and batch)
    int batch = 8;                    // requests a worker generates for together (1: one at a time)
    uint64_t batch_kv_bytes = uint64_t(2) << 30;  // KV cache per worker at most (fewer sequences if needed)
    int threads = 0;                  // OpenMP threads in total (0: every core)
    std::function<void(const std::string&)> log;  // one line per request (no key, no body)
};

class OpenAiServer {
public:
    // Loads nothing: the model and tokenizer are the caller's. Throws qs::Error for bad options
    // (a chat template the model cannot take).
    OpenAiServer(std::shared_ptr<const Model> model, std::shared_ptr<const Tokenizer> tokenizer, ServeOptions options);
    ~OpenAiServer();

    // Binds host:port and returns the port (the chosen one for port 0). Throws qs::Error naming the
    // address when it cannot bind.
    int bind();
    // Serves until stop() (from another thread or a signal watcher).
    void listen();
    void stop();

    const ServeOptions& options() const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

// A stable 16-hex-digit identity of what is served (FNV-1a of the parts joined), for system_fingerprint.
std::string serve_fingerprint(const std::string& parts);

}  // namespace qs
