// `eval --endpoint URL --api-model NAME`: the matrix's perplexity and task jobs run through an
// OpenAI-compatible endpoint (engine/remote) instead of a local model, stored and printed as
// `eval` stores and prints local runs. The run's model is the endpoint: model_path = its base URL,
// model_name = the API model, model_hash = its system_fingerprint; settings hold the endpoint's
// identity, when it was asked and the token usage it reported. The API key is never stored.
#pragma once

#include <string>

#include "commands.h"
#include "endpoint_args.h"
#include "jobs/job_matrix.h"

namespace qs::cli {

struct RemoteEvalArgs {
    EndpointArgs endpoint;
    std::string tokenizer;   // GGUF whose vocabulary the endpoint's model uses
};

// matrix: the tasks already parsed; its model/precisions are ignored. Returns the number of
// failed jobs.
int run_remote_eval(EvalMatrix& matrix, const RemoteEvalArgs& args, const std::string& db, const std::string& csv, bool json,
                    const GlobalOptions& global);

}  // namespace qs::cli
