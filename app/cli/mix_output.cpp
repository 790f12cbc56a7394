#include "mix_output.h"

#include <filesystem>

#include <fmt/format.h>

#include "core/error.h"
#include "gguf/gguf_file.h"
#include "mixplan/sensitivity_record.h"
#include "store/file_hash.h"
#include "store/results_store.h"

namespace qs::cli {

std::vector<GgmlType> parse_type_list(const std::vector<std::string>& names, const char* flag) {
    std::vector<GgmlType> types;
    for (const std::string& n : names) {
        const std::optional<GgmlType> t = type_from_name(n);
        if (!t) throw Error(fmt::format("{}: unknown tensor type '{}' (ggml names: q2_K, q4_K, q8_0, f16, ...)", flag, n));
        types.push_back(*t);
    }
    if (types.empty()) throw Error(fmt::format("{}: no type given", flag));
    return types;
}

nlohmann::json sensitivity_json(const SensitivityScan& scan) {
    nlohmann::json groups = nlohmann::json::array(), cells = nlohmann::json::array(), types = nlohmann::json::array();
    for (GgmlType t : scan.types) types.push_back(type_name(t));
    for (size_t g = 0; g < scan.groups.size(); ++g) {
        const TensorGroup& grp = scan.groups[g];
        groups.push_back({{"index", g}, {"group", grp.label()}, {"layer", grp.layer}, {"role", grp.role},
                          {"pattern", grp.pattern}, {"tensors", grp.tensors}, {"n_elements", grp.n_elements},
                          {"base_bytes", scan.base_bytes[g]}});
    }
    for (size_t t = 0; t < scan.types.size(); ++t) {
        const std::vector<size_t> ranked = scan.ranking(t);
        for (size_t r = 0; r < ranked.size(); ++r) {
            const SensitivityCell& c = scan.cells[ranked[r]];
            nlohmann::json actual = nlohmann::json::array();
            for (GgmlType a : c.actual) actual.push_back(type_name(a));
            cells.push_back({{"group", scan.groups[size_t(c.group)].label()}, {"group_index", c.group},
                             {"type", type_name(c.type)}, {"actual_types", actual}, {"rank", r + 1},
                             {"bytes", c.bytes}, {"recipe", c.recipe}, {"kld_mean", c.kld.value},
                             {"kld_stderr", c.kld.unc}, {"ln_ppl_ratio", c.ln_ppl_ratio.value},
                             {"ln_ppl_ratio_stderr", c.ln_ppl_ratio.unc}, {"same_top_p", 100.0 * c.same_top.value},
                             {"seconds", c.seconds}});
        }
    }
    return {{"base", scan.base}, {"types", types}, {"groups", groups}, {"cells", cells},
            {"other_bytes", scan.other_bytes},
            {"base_ppl", scan.base_perplexity.ppl}, {"base_ppl_stderr", scan.base_perplexity.ppl_stderr},
            {"n_ctx", scan.base_perplexity.n_ctx}, {"chunks", scan.base_perplexity.chunks},
            {"seconds", {{"total", scan.seconds_total}, {"base_pass", scan.seconds_base},
                         {"prepare", scan.seconds_prepare}, {"cells", scan.seconds_cells}}}};
}

void sensitivity_print_table(const SensitivityScan& scan) {
    fmt::print("base {}: PPL {:.4f} +/- {:.4f} ({} chunks of {})\n", scan.base, scan.base_perplexity.ppl,
               scan.base_perplexity.ppl_stderr, scan.base_perplexity.chunks, scan.base_perplexity.n_ctx);
    for (size_t t = 0; t < scan.types.size(); ++t) {
        fmt::print("\n{} alone, the rest at {} (most sensitive first)\n", type_name(scan.types[t]), scan.base);
        fmt::print("{:>4}  {:<20} {:>10}  {:>22}  {:>22}\n", "rank", "group", "bytes", "mean KLD", "ln PPL ratio");
        const std::vector<size_t> ranked = scan.ranking(t);
        for (size_t r = 0; r < ranked.size(); ++r) {
            const SensitivityCell& c = scan.cells[ranked[r]];
            fmt::print("{:>4}  {:<20} {:>10}  {:>11.6f} +/- {:<8.6f}  {:>+11.6f} +/- {:<8.6f}\n", r + 1,
                       scan.groups[size_t(c.group)].label(), c.bytes, c.kld.value, c.kld.unc, c.ln_ppl_ratio.value,
                       c.ln_ppl_ratio.unc);
        }
    }
    fmt::print("\n{} groups x {} types in {:.1f} s (base pass {:.1f} s, preparing weights {:.1f} s, cells {:.1f} s)\n",
               scan.groups.size(), scan.types.size(), scan.seconds_total, scan.seconds_base, scan.seconds_prepare,
               scan.seconds_cells);
}

StudyRecorder::StudyRecorder(ResultsStore* store, std::string model_path, std::string engine_version, std::string baseline,
                             std::string settings_json, std::string note)
    : store_(store), model_path_(std::move(model_path)), engine_version_(std::move(engine_version)),
      baseline_(std::move(baseline)), settings_(std::move(settings_json)), note_(std::move(note)) {}

void StudyRecorder::store_job(JobRecord job) {
    if (!store_) return;
    if (!started()) {
        run_.started_at = utc_now_iso8601();
        run_.model_path = model_path_;
        const GgufFile file = GgufFile::open(model_path_);
        run_.model_name = file.get_string_or("general.name", std::filesystem::path(model_path_).filename().string());
        run_.model_bytes = std::filesystem::file_size(model_path_);
        run_.model_hash = store_->file_hash(model_path_);
        run_.engine_version = engine_version_;
        run_.baseline = baseline_;
        run_.settings_json = settings_;
        run_.note = note_;
        store_->insert_run(run_);
    }
    job.run_id = run_.id;
    job.dataset_hash = store_->file_hash(job.dataset_path);
    store_->finish_job(job);
}

void StudyRecorder::finish() {
    if (store_ && started()) store_->finish_run(run_.id, utc_now_iso8601());
}

SensitivityRecorder::SensitivityRecorder(ResultsStore* store, const std::string& model_path, const std::string& text_path,
                                         const std::string& baseline, const std::string& settings_json, const std::string& note)
    : study_(store, model_path, "quantscope-cli sensitivity", baseline, settings_json, note),
      dataset_(std::filesystem::path(text_path).filename().string()), dataset_path_(text_path) {}

void SensitivityRecorder::cell(const SensitivityScan& scan, const SensitivityCell& cell) {
    if (!study_.active()) return;
    auto with_path = [&](JobRecord j) {
        j.dataset_path = dataset_path_;
        return j;
    };
    if (!study_.started()) study_.store_job(with_path(sensitivity_base_job(scan, dataset_, study_.settings())));
    study_.store_job(with_path(sensitivity_cell_job(scan, cell, next_index_++, dataset_, study_.settings())));
}

}  // namespace qs::cli
