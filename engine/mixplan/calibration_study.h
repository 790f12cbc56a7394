// Calibration study: how much the text an importance matrix is computed from matters, per domain.
//
// An imatrix-based precision (llama-quantize --imatrix: the K-quants weight their rounding error by
// it, the IQ types need it) is made once per calibration text; each is measured against the base
// on every evaluation text. The result is the calibration-mismatch table: rows = where the imatrix
// came from ("none" = quantized without one), columns = the domain it is evaluated on, cell = mean
// KLD against the base (and ln PPL ratio). A good calibration text is one whose row is low across
// the columns a user cares about; the diagonal shows what matching the domain buys.
//
//   CalibrationStudy s = calibration_study(model, tokenizer, calib, eval, {.precisions = {"Q3_K_S"}}, progress);
//   s.cell(calib_row, eval_col, precision).kld
//
// Each cell is exactly `eval --kld --imatrix <that text's imatrix> --precisions P` on that eval text
// against the base (the same quantizer, chunks and base cache). Each imatrix is computed as
// `quantscope-cli imatrix` / llama-imatrix computes it, on the model as loaded.
//
// Held out: a text that is both a calibration and an evaluation text (the same path) is evaluated
// only on the tokens after those its imatrix read (the first imatrix.max_chunks x imatrix.n_ctx),
// so the diagonal never scores the imatrix on the text it was computed from.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "core/progress.h"
#include "eval/kl_divergence.h"
#include "eval/metric.h"
#include "eval/perplexity.h"

namespace qs {

class Model;
class Tokenizer;

// A named text: an imatrix source or an evaluation domain ("wiki", "code", "kjv", the user's own).
struct StudyText {
    std::string name;
    std::string path;               // as the user gave it (recorded with the results)
    std::vector<int32_t> tokens;    // the whole text, tokenized as perplexity reads it (BOS first)
};

struct CalibrationStudyOptions {
    std::string base;                    // precision of the reference; "" = default_base_precision(file)
    std::vector<std::string> precisions; // recipes made with each imatrix ("Q3_K_S", "IQ3_XXS", a mix)
    bool without_imatrix = true;         // also the row "none" (skipped for precisions that need an imatrix)
    PerplexityOptions eval;              // chunking of the KLD passes on each evaluation text
    PerplexityOptions imatrix;           // chunking of the imatrix passes (llama-imatrix -c / --chunks)
    int n_threads = 0;                   // quantization threads (0: every core)
};

struct CalibrationCell {
    int calib = -1;                      // index into CalibrationStudy::calib; -1 = no imatrix ("none")
    int eval = 0;                        // index into CalibrationStudy::eval
    int precision = 0;                   // index into CalibrationStudy::precisions
    ValueUnc kld, ln_ppl_ratio, same_top;  // against the base on that eval text; same_top as a fraction
    double ppl = 0;                      // of the quantized model on that text
    std::vector<Metric> metrics;         // every KLD metric (jobs/job_metrics.h kld_metrics)
    double seconds = 0;
};

struct CalibrationStudy {
    std::string base;                         // the base precision's recipe string
    std::vector<std::string> calib, calib_paths;  // [calibration texts] names and paths
    std::vector<std::string> eval, eval_paths;    // [evaluation texts]
    std::vector<int64_t> eval_skipped;        // [eval] tokens left out at the start (read by the imatrix of the same text)
    std::vector<std::string> precisions;      // recipe strings, as asked
    std::vector<PerplexityResult> base_perplexity;  // [eval] of the base on each text
    std::vector<int> imatrix_chunks;          // [calib] chunks each imatrix was collected over
    std::vector<CalibrationCell> cells;       // in the order measured; a "none" cell of a precision
                                              // that needs an imatrix is absent
    double seconds_total = 0;

    // The cell of (calib row, eval column, precision), nullptr when absent. calib = -1: "none".
    const CalibrationCell* find(int calib, int eval, int precision) const;
};

// Called after each cell, on the calling thread (CLI lines, storing as the study goes).
using CalibrationCellFn = std::function<void(const CalibrationStudy& study, const CalibrationCell& cell)>;

// Runs the study. `progress` counts cells (stage "calibration"); cancellation is checked between
// chunks of every pass. Throws qs::Error for an unknown precision, a text too short for its
// chunking, no calibration or evaluation text, and a text in both roles whose imatrix reads all of
// it (imatrix.max_chunks = -1).
CalibrationStudy calibration_study(const std::shared_ptr<const Model>& model, const Tokenizer& tokenizer,
                                   const std::vector<StudyText>& calib, const std::vector<StudyText>& eval,
                                   const CalibrationStudyOptions& options, Progress& progress,
                                   const CalibrationCellFn& on_cell = nullptr);

}  // namespace qs
