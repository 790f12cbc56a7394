#include "remote/quant_detect.h"

#include <algorithm>
#include <cmath>
#include <mutex>
#include <random>

#include <fmt/format.h>

#include "core/error.h"
#include "model/model.h"
#include "remote/remote_eval.h"
#include "tokenizer/tokenizer.h"

namespace qs {

int64_t DetectProbe::tokens_scored() const {
    int64_t n = 0;
    for (const auto& c : chunks) n += int64_t(c.size()) - 1;
    return n;
}

DetectProbe detect_probe(OpenAiClient& client, const Tokenizer& tokenizer, std::span<const int32_t> tokens, int n_ctx,
                         int max_chunks, int top_n, Progress& progress) {
    if (n_ctx < 2) throw Error(fmt::format("detect: chunk length {} is too small", n_ctx));
    int n_chunks = int(tokens.size() / size_t(n_ctx));
    if (max_chunks >= 0) n_chunks = std::min(n_chunks, max_chunks);
    if (n_chunks < 1) throw Error(fmt::format("detect: the probe text has {} tokens, less than one chunk of {}", tokens.size(), n_ctx));
    DetectProbe p;
    p.top_n = top_n;
    p.chunks.resize(size_t(n_chunks));
    p.echoes.resize(size_t(n_chunks));
    std::mutex progress_mutex;
    progress.begin(n_chunks, "probing the endpoint");
    remote_parallel_for(size_t(n_chunks), client.http().options().concurrency, progress, [&](size_t c) {
        std::vector<int32_t> chunk(tokens.begin() + ptrdiff_t(c * size_t(n_ctx)), tokens.begin() + ptrdiff_t((c + 1) * size_t(n_ctx)));
        if (tokenizer.adds_bos()) chunk[0] = tokenizer.bos();
        EchoResult e = client.echo_tokens(chunk, top_n);
        for (size_t k = 1; k < chunk.size(); ++k) {
            const auto& top = e.tokens[k].top;
            const size_t known = size_t(std::count_if(top.begin(), top.end(), [](const EchoToken::Alternative& a) { return a.id >= 0; }));
            if (known < size_t(std::min(top_n, tokenizer.n_tokens())))
                throw Error(fmt::format("detect: the endpoint gave {} alternatives with known token ids at position {} of chunk {} "
                                        "(asked for {}); it must return 'token_id:N' or texts of the reference's vocabulary",
                                        known, k, c, top_n));
        }
        p.chunks[c] = std::move(chunk);
        p.echoes[c] = std::move(e);
        std::lock_guard lock(progress_mutex);
        progress.advance();
    });
    return p;
}

namespace {

// KL(endpoint || local) over the endpoint's top tokens (+ the true token) and the rest bucket.
double position_distance(const EchoToken& e, int32_t token, std::span<const double> local_lp) {
    constexpr double kFloor = 1e-12;
    double kl = 0, mass_e = 0, mass_l = 0;
    bool has_token = false;
    auto add = [&](int32_t id, double lp_e) {
        const double pe = std::exp(lp_e), lp_l = local_lp[size_t(id)];
        kl += pe * (lp_e - lp_l);
        mass_e += pe;
        mass_l += std::exp(lp_l);
    };
    for (const EchoToken::Alternative& a : e.top) {
        if (a.id < 0) continue;
        add(a.id, a.logprob);
        has_token = has_token || a.id == token;
    }
    if (!has_token && !std::isnan(e.logprob)) add(token, e.logprob);
    const double rest_e = std::max(kFloor, 1.0 - mass_e), rest_l = std::max(kFloor, 1.0 - mass_l);
    kl += rest_e * std::log(rest_e / rest_l);
    return std::max(0.0, kl);
}

}  // namespace

std::vector<double> detect_distances(ModelContext& ctx, const DetectProbe& probe, Progress& progress) {
    const size_t n_vocab = size_t(ctx.model().hparams().n_vocab);
    std::vector<double> out;
    std::vector<float> logits;
    std::vector<double> lp(n_vocab);
    progress.begin(int64_t(probe.chunks.size()), "reference");
    for (size_t c = 0; c < probe.chunks.size(); ++c) {
        progress.check_cancel();
        const auto& chunk = probe.chunks[c];
        const size_t n = chunk.size();
        // The chunk minus its last token, every row: the very decode serve makes for an echo (the
        // same rows through the same kernels), so the reference at the served precision is at 0.
        std::vector<uint8_t> want(n - 1, 1);
        logits.resize((n - 1) * n_vocab);
        ctx.clear();
        ctx.decode(std::span(chunk).first(n - 1), want, logits.data());
        double sum = 0;
        for (size_t k = 1; k < n; ++k) {
            const float* row = logits.data() + (k - 1) * n_vocab;
            const float max_logit = *std::max_element(row, row + n_vocab);
            double sum_exp = 0;
            for (size_t t = 0; t < n_vocab; ++t) sum_exp += std::exp(row[t] - max_logit);
            const double log_sum = std::log(sum_exp);
            for (size_t t = 0; t < n_vocab; ++t) lp[t] = double(row[t] - max_logit) - log_sum;
            sum += position_distance(probe.echoes[c].tokens[k], chunk[k], lp);
        }
        out.push_back(sum / double(n - 1));
        progress.advance();
    }
    return out;
}

namespace {

struct Verdict {
    size_t best = 0;
    double confidence = 0;
    bool determined = false;
};

// The decision on the first k chunks; fills the candidates' intervals when `fill`.
Verdict decide_prefix(std::vector<DetectCandidate>& cands, size_t k, const DetectOptions& o, bool fill) {
    const size_t m = cands.size();
    std::vector<double> mean(m, 0);
    for (size_t j = 0; j < m; ++j) {
        for (size_t c = 0; c < k; ++c) mean[j] += cands[j].chunk_distance[c];
        mean[j] /= double(k);
    }
    Verdict v;
    v.best = size_t(std::min_element(mean.begin(), mean.end()) - mean.begin());
    std::mt19937_64 rng(o.seed);
    std::uniform_int_distribution<size_t> pick(0, k - 1);
    std::vector<int> wins(m, 0);
    std::vector<std::vector<double>> boot(fill ? m : 0);
    std::vector<double> s(m);
    std::vector<size_t> idx(k);
    for (int b = 0; b < o.bootstrap; ++b) {
        for (size_t& i : idx) i = pick(rng);
        for (size_t j = 0; j < m; ++j) {
            double t = 0;
            for (size_t i : idx) t += cands[j].chunk_distance[i];
            s[j] = t / double(k);
            if (fill) boot[j].push_back(s[j]);
        }
        ++wins[size_t(std::min_element(s.begin(), s.end()) - s.begin())];
    }
    v.confidence = double(wins[v.best]) / double(o.bootstrap);
    v.determined = int(k) >= o.min_chunks && v.confidence >= o.min_confidence;
    if (fill)
        for (size_t j = 0; j < m; ++j) {
            cands[j].distance = mean[j];
            cands[j].nearest_share = double(wins[j]) / double(o.bootstrap);
            std::sort(boot[j].begin(), boot[j].end());
            cands[j].ci_low = boot[j][size_t(0.025 * double(o.bootstrap - 1))];
            cands[j].ci_high = boot[j][size_t(0.975 * double(o.bootstrap - 1))];
        }
    return v;
}

}  // namespace

DetectResult detect_decide(std::vector<DetectCandidate> candidates, int64_t tokens_per_chunk, const DetectOptions& options) {
    if (candidates.empty()) throw Error("detect: no candidate precision");
    const size_t k = candidates[0].chunk_distance.size();
    for (const DetectCandidate& c : candidates)
        if (c.chunk_distance.size() != k || k == 0) throw Error("detect: every candidate needs the same non-zero number of chunks");
    if (options.bootstrap < 10) throw Error("detect: at least 10 bootstrap resamples");
    DetectResult r;
    r.chunks = int(k);
    r.tokens_scored = int64_t(k) * tokens_per_chunk;
    const Verdict all = decide_prefix(candidates, k, options, true);
    r.best = candidates[all.best].precision;
    r.confidence = all.confidence;
    r.nearest = all.determined ? r.best : "undetermined";
    if (all.determined) {
        size_t needed = k;
        for (size_t p = k - 1; p >= 1; --p) {
            const Verdict v = decide_prefix(candidates, p, options, false);
            if (!v.determined || v.best != all.best) break;
            needed = p;
        }
        r.tokens_needed = int64_t(needed) * tokens_per_chunk;
    }
    r.candidates = std::move(candidates);
    return r;
}

}  // namespace qs
