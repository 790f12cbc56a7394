// Token requests of a task item: how lm-eval (or llama.cpp's --hellaswag) turns a
// (context, continuation) pair into the token sequence to run and the tokens to score.
#include <algorithm>
#include <fmt/format.h>

#include "core/error.h"
#include "eval/task_eval.h"
#include "tokenizer/tokenizer.h"

namespace qs {

namespace {

// Python's str.isspace for the ASCII range (what rstrip() strips in practice; a context ending in
// a non-ASCII space such as U+00A0 keeps it, unlike Python).
bool is_py_space(unsigned char c) { return c == ' ' || (c >= '\t' && c <= '\r') || (c >= 0x1c && c <= 0x1f); }

// Leading tokens all sequences share.
size_t common_prefix(std::span<const std::vector<int32_t>> seqs) {
    if (seqs.empty()) return 0;
    size_t n = seqs[0].size();
    for (const auto& s : seqs) n = std::min(n, s.size());
    size_t p = 0;
    while (p < n && std::all_of(seqs.begin(), seqs.end(), [&](const auto& s) { return s[p] == seqs[0][p]; })) ++p;
    return p;
}

// The request of a whole sequence whose last n_scored tokens are scored, cut from the left to
// n_ctx + 1 tokens as lm-eval does ((ctx + cont)[-(max_length + 1):]).
TaskRequest make_request(std::vector<int32_t> whole, size_t n_scored, int n_ctx, const TaskItem& item) {
    if (n_scored == 0) throw Error(fmt::format("{}:{}: item {}: a choice has no token to score", item.source_file, item.source_line, item.id));
    if (n_scored > size_t(n_ctx))
        throw Error(fmt::format("{}:{}: item {}: a continuation of {} tokens does not fit the context of {} tokens",
                                item.source_file, item.source_line, item.id, n_scored, n_ctx));
    if (n_scored >= whole.size())  // e.g. an empty context with a vocabulary that adds no BOS
        throw Error(fmt::format("{}:{}: item {}: no context token to condition the continuation on", item.source_file,
                                item.source_line, item.id));
    const size_t keep = size_t(n_ctx) + 1;
    int truncated = 0;
    if (whole.size() > keep) {
        truncated = int(whole.size() - keep);
        whole.erase(whole.begin(), whole.end() - ptrdiff_t(keep));
    }
    return TaskRequest{std::move(whole), int(n_scored), truncated};
}

}  // namespace

TokenPair task_encode_pair(const Tokenizer& tokenizer, const std::string& context, const std::string& continuation) {
    size_t end = context.size();
    while (end > 0 && is_py_space(static_cast<unsigned char>(context[end - 1]))) --end;
    const std::string ctx = context.substr(0, end);
    const std::string cont = context.substr(end) + continuation;

    std::vector<int32_t> whole = tokenizer.encode(ctx + cont, false);
    std::vector<int32_t> ctx_tokens = tokenizer.encode(ctx, false);
    // BOS as llama.cpp puts it; with none, an empty context still needs a token to condition on
    // (lm-eval's prefix_token_id: BOS, else EOS).
    int32_t prefix = -1;
    if (tokenizer.adds_bos() && tokenizer.bos() >= 0) prefix = tokenizer.bos();
    else if (ctx_tokens.empty()) prefix = tokenizer.bos() >= 0 ? tokenizer.bos() : tokenizer.eos();
    if (prefix >= 0) {
        whole.insert(whole.begin(), prefix);
        ctx_tokens.insert(ctx_tokens.begin(), prefix);
    }
    // lm-eval runs context_enc + whole_enc[len(context_enc):], i.e. the context's own encoding
    // even where a token of the whole string straddles the boundary.
    TokenPair pair;
    const size_t n_ctx_tokens = std::min(ctx_tokens.size(), whole.size());
    pair.continuation.assign(whole.begin() + ptrdiff_t(n_ctx_tokens), whole.end());
    pair.context = std::move(ctx_tokens);
    return pair;
}

std::vector<TaskRequest> task_item_requests(const Tokenizer& tokenizer, const TaskItem& item, TaskTokenization t,
                                            int n_ctx) {
    std::vector<TaskRequest> requests;
    requests.reserve(item.choices.size());
    if (t == TaskTokenization::LlamaCpp) {
        // llama.cpp: common_tokenize(context + " " + ending, add_special = true) per ending; the
        // ending's tokens are those after the prefix shared by all endings.
        std::vector<std::vector<int32_t>> seqs;
        for (const TaskChoice& c : item.choices) seqs.push_back(tokenizer.encode(c.context + c.continuation, true));
        size_t prefix = common_prefix(seqs);
        if (seqs.size() == 1)  // nothing to compare against: the context's own tokens are the prefix
            prefix = std::min(tokenizer.encode(item.choices[0].context, true).size(), seqs[0].size());
        for (auto& s : seqs) {
            const size_t n_scored = s.size() - prefix;
            requests.push_back(make_request(std::move(s), n_scored, n_ctx, item));
        }
        return requests;
    }
    for (const TaskChoice& c : item.choices) {
        TokenPair pair = task_encode_pair(tokenizer, c.context, c.continuation);
        const size_t n_scored = pair.continuation.size();
        std::vector<int32_t> whole = std::move(pair.context);
        whole.insert(whole.end(), pair.continuation.begin(), pair.continuation.end());
        requests.push_back(make_request(std::move(whole), n_scored, n_ctx, item));
    }
    return requests;
}

}  // namespace qs
