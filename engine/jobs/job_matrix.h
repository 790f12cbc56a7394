// What the user asks for (one model x precisions x datasets x evaluators) and the jobs it becomes.
//
// plan_jobs() turns an EvalMatrix into an ordered list of JobSpecs: the baseline precision first
// (its perplexity job also collects the KL-divergence base pass the other precisions' KLD jobs
// compare against), then every other precision in the order given, each precision's jobs
// together so its prepared weights can be released as soon as its last job ends.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "datasets/task_dataset.h"
#include "store/run_record.h"

namespace qs {

// One task dataset of the matrix, as `--task NAME=FILE` names it.
struct TaskSpec {
    std::string name;    // what the user called it ("hellaswag", "arc"); shown and stored as the dataset
    std::string path;    // file (or MMLU directory)
    std::string format;  // one of dataset_formats(); "" = NAME if it is a format name, else detected from the file
    int64_t limit = -1;  // items of this task, a fixed-seed sample; 0 = all; -1 = the matrix's task_limit
};

// The precision that means "the model file as it is, no quantization".
inline constexpr const char* kPrecisionFile = "file";

struct EvalMatrix {
    std::string model_path;
    std::vector<std::string> precisions;  // recipe strings or preset names (PrecisionRecipe::parse), or kPrecisionFile
    // The user's names for precisions, by the recipe string as given or canonical ("Q4_K_M+ffn_down=q8_0"
    // -> "down in q8"); a preset given by its name ("NF4") is named so without an entry. Stored with
    // every job (JobRecord::precision_name), so every view shows the name.
    std::map<std::string, std::string> precision_names;
    std::string baseline;                 // KLD reference and comparison baseline; "" = precisions[0]

    // Evaluators. KLD jobs need ppl_path (the base pass runs over the same chunks).
    std::string ppl_path;                 // text for perplexity and KLD; "" = no perplexity jobs
    bool kld = false;                     // a KLD job per precision other than the baseline
    std::vector<TaskSpec> tasks;          // a task job per precision per task
    bool bench = false;                   // a speed/memory job per precision

    // Settings shared by the jobs (stored in each job's settings_json).
    int n_ctx = 512;                      // perplexity/KLD chunk length
    int max_chunks = -1;                  // -1: every full chunk
    int64_t task_limit = 0;               // items per task, a fixed-seed sample; 0 = all
    uint64_t seed = 1234;                 // task sampling seed
    int num_fewshot = 0;
    int task_n_ctx = 0;                   // context of task jobs; 0 = the model's training context, at most 2048
    int bench_prompt = 512;               // bench: pp<N> (llama-bench -p)
    int bench_gen = 128;                  // bench: tg<N> (llama-bench -n)
    int bench_repetitions = 3;            // bench: llama-bench -r
    // Generation tasks (GSM8K, HumanEval, MBPP, generate-jsonl; eval/generation_eval.h).
    int gen_samples = 1;                  // generations per item; 1 = greedy, n > 1 = pass@k sampling
    float gen_temperature = 0.8f;         // temperature of the n > 1 samples (top-p 0.95, as lm-eval's humaneval)
    int gen_max_tokens = 0;               // cap on each item's max tokens; 0 = the task's own
    double code_timeout = 10;             // wall-clock seconds per program in the sandbox
    int gen_parallel = 4;                 // items decoded together in one KV cache
    std::string chat_template = "none";   // "none" (lm-eval's default for base models), "auto" (the
                                          // model's tokenizer.chat_template), or a family name
    BadLinePolicy on_bad_line = BadLinePolicy::Stop;
    // Time to decision (eval/sequential_decision.h): chunks and items in a seeded random order;
    // the baseline scores them all, every other precision stops as soon as its comparison with the
    // baseline is decided (accuracy: points, perplexity/KLD: % of PPL, against decision_margin).
    bool until_decided = false;
    double decision_margin = 1.0;
    std::string note;                     // free text stored with the run
    // Importance matrix (GGUF, quant/imatrix.h) every quantized precision is made with, as
    // llama-quantize --imatrix; "" = none (then the IQ2 mixes are refused). Recorded with the run:
    // the path, its SHA-256 and the calibration datasets it names (run settings "imatrix").
    std::string imatrix_path;

    const std::string& baseline_precision() const { return baseline.empty() ? precisions.front() : baseline; }
    // The item limit of the task named `name`: its own, else task_limit.
    int64_t task_limit_of(const std::string& name) const {
        for (const TaskSpec& t : tasks)
            if (t.name == name && t.limit >= 0) return t.limit;
        return task_limit;
    }
};

// One cell of the matrix.
struct JobSpec {
    int index = 0;              // position in the plan (JobRecord::index)
    std::string precision;      // canonical recipe string (PrecisionRecipe::to_string) or kPrecisionFile
    std::string precision_name; // the user's name for it, "" = none
    EvaluatorKind evaluator = EvaluatorKind::Perplexity;
    std::string dataset;        // display name ("" for bench)
    std::string dataset_path;
    std::string format;         // task jobs: the dataset format ("" until resolved)
    int depends_on = -1;        // index of a job that must end first: KLD -> the baseline's perplexity
                                // job (its base pass); task -> the baseline's job on the same task
                                // (acc_delta, retention, mcnemar_p against it); with until_decided,
                                // perplexity -> the baseline's perplexity job (its chunk NLLs)
    std::string settings_json;  // this job's settings, e.g. {"n_ctx":512,"chunks":-1}
};

// Checks the matrix (throws qs::Error naming the bad flag/value: no precision, an unknown recipe,
// a baseline not among the precisions, --kld without a text, a duplicate precision, two
// precisions with the same name) and returns its jobs in run order.
std::vector<JobSpec> plan_jobs(const EvalMatrix& matrix);

// The matrix as the user asked for it, as JSON (RunRecord::settings_json).
std::string eval_matrix_json(const EvalMatrix& matrix);

}  // namespace qs
