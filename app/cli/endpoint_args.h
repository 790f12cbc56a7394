// The flags every command that talks to an endpoint shares (eval --endpoint, detect, monitor):
// --endpoint URL --api-model NAME [--api-key-env VAR] [--concurrency N] [--timeout S] [--retries N].
#pragma once

#include <memory>
#include <string>

#include <CLI/CLI.hpp>

#include "remote/openai_client.h"

namespace qs {
class Tokenizer;
}

namespace qs::cli {

struct EndpointArgs {
    std::string url, model, api_key_env;
    int concurrency = 4, retries = 4;
    double timeout = 300;
};

// Registers the flags; `required`: --endpoint and --api-model are required by the parser.
void add_endpoint_flags(CLI::App* cmd, EndpointArgs& args, bool required);

// The client (the key read from the environment now), after checking that the endpoint serves
// the model (GET /models). vocabulary: optional, maps token texts to ids.
std::unique_ptr<OpenAiClient> connect_endpoint(const EndpointArgs& args, const char* command,
                                               std::shared_ptr<const Tokenizer> vocabulary = nullptr);

}  // namespace qs::cli
