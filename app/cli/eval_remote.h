// `eval --endpoint URL --api-model NAME`: the matrix's perplexity and task jobs run through an
// OpenAI-compatible endpoint instead of a local model (engine/remote/remote_run.h builds and runs
// them, as the GUI's Run page does), printed as `eval` prints local runs. The API key is read
// from the environment only and never stored.
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
