#include "endpoint_args.h"

#include "api_key_env.h"
#include "core/error.h"
#include "tokenizer/tokenizer.h"

namespace qs::cli {

void add_endpoint_flags(CLI::App* cmd, EndpointArgs& a, bool required) {
    auto* url = cmd->add_option("--endpoint", a.url, "OpenAI-compatible base URL (http://host:port or .../v1)");
    auto* model = cmd->add_option("--api-model", a.model, "Model name the endpoint serves");
    if (required) {
        url->required();
        model->required();
    }
    cmd->add_option("--api-key-env", a.api_key_env, "Environment variable holding the API key (sent as a Bearer token; never stored)");
    cmd->add_option("--concurrency", a.concurrency, "Requests in flight at once")->capture_default_str()->check(CLI::Range(1, 256));
    cmd->add_option("--timeout", a.timeout, "Seconds per request")->capture_default_str()->check(CLI::Range(1.0, 86400.0));
    cmd->add_option("--retries", a.retries, "Retries on 429/5xx/network errors, with exponential backoff")->capture_default_str()->check(CLI::Range(0, 20));
}

std::unique_ptr<OpenAiClient> connect_endpoint(const EndpointArgs& a, const char* command, std::shared_ptr<const Tokenizer> vocabulary) {
    if (a.url.empty() || a.model.empty()) throw Error(fmt::format("{}: --endpoint and --api-model go together", command));
    EndpointConfig cfg;
    cfg.url = a.url;
    cfg.model = a.model;
    cfg.http.api_key = api_key_from_env(a.api_key_env, command);
    cfg.http.concurrency = a.concurrency;
    cfg.http.max_retries = a.retries;
    cfg.http.timeout_seconds = a.timeout;
    auto client = std::make_unique<OpenAiClient>(cfg, std::move(vocabulary));
    client->identify();
    return client;
}

}  // namespace qs::cli
