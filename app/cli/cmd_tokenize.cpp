// quantscope-cli tokenize --model MODEL --text FILE [--json]
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include "commands.h"
#include "core/text_file.h"
#include "gguf/gguf_file.h"
#include "hf/hf_checkpoint.h"
#include "tokenizer/tokenizer.h"

namespace qs::cli {
namespace {

struct TokenizeOptions {
    std::string model, text;
    bool json = false, no_bos = false, no_parse_special = false, ids_only = false;
};

}  // namespace

void add_tokenize_command(CLI::App& app, const GlobalOptions&) {
    auto opts = std::make_shared<TokenizeOptions>();
    CLI::App* cmd = app.add_subcommand("tokenize", "Tokenize a text file with the model's own tokenizer");
    cmd->add_option("-m,--model", opts->model, "GGUF model (or vocabulary-only) file")->required();
    cmd->add_option("-f,--text", opts->text, "UTF-8 text file (tokenized whole, as llama-tokenize -f does)")->required();
    cmd->add_flag("--json", opts->json, "Print {\"count\": N, \"tokens\": [...]} on stdout");
    cmd->add_flag("--no-bos", opts->no_bos, "Do not add BOS even where the vocabulary adds it");
    cmd->add_flag("--no-parse-special", opts->no_parse_special, "Treat special-token text like <s> as plain text");
    cmd->add_flag("--ids", opts->ids_only, "Print only the ids, as a list");
    cmd->callback([opts] {
        const GgufFile file = model_file_open(opts->model);
        const auto tokenizer = Tokenizer::from_gguf(file);
        const std::string text = text_file_read(opts->text);
        // As llama-tokenize: BOS where the vocabulary adds it, special tokens in the text recognised.
        const std::vector<int32_t> ids = tokenizer->encode(text, !opts->no_bos, !opts->no_parse_special);
        if (opts->json) {
            fmt::print("{}\n", nlohmann::json{{"count", ids.size()}, {"tokens", ids}}.dump());
        } else if (opts->ids_only) {
            fmt::print("[{}]\n", fmt::join(ids, ", "));
        } else {
            for (int32_t id : ids) fmt::print("{:6} -> '{}'\n", id, tokenizer->token_to_piece(id));
            fmt::print("Total number of tokens: {}\n", ids.size());
        }
    });
}

}  // namespace qs::cli
