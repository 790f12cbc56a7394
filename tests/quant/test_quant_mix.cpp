// llama-quantize's per-tensor type choice against every run recorded in shared/reference
// (m1.json, m2.json, stories260K.json): the command line of each run is parsed into MixOptions,
// the model file gives the tensors, and the recorded per-tensor types, fallback warnings and
// failures must be reproduced.
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/test_paths.h"
#include "core/error.h"
#include "gguf/gguf_file.h"
#include "quant/quant_mix.h"
#include "quant/quantize.h"

namespace qs {
namespace {

using nlohmann::json;

// A llama-quantize command line: [--pure] [--tensor-type pat=type]... input output TYPE nthreads
struct QuantizeCommand {
    MixOptions options;
    std::string input;  // relative to shared/
};

QuantizeCommand parse_command(const std::string& command) {
    std::istringstream in(command);
    std::vector<std::string> words;
    for (std::string w; in >> w;) words.push_back(w);
    QuantizeCommand c;
    std::vector<std::string> positional;
    for (size_t i = 1; i < words.size(); ++i) {  // words[0] is llama-quantize
        if (words[i] == "--pure") {
            c.options.pure = true;
        } else if (words[i] == "--tensor-type") {
            const std::string spec = words.at(++i);
            const size_t eq = spec.find('=');
            c.options.overrides.push_back({spec.substr(0, eq), *type_from_name(spec.substr(eq + 1))});
        } else {
            positional.push_back(words[i]);
        }
    }
    EXPECT_EQ(positional.size(), 4u) << command;
    const std::string prefix = "shared/";
    c.input = positional.at(0).substr(positional.at(0).rfind(prefix, 0) == 0 ? prefix.size() : 0);
    const auto mix = quant_mix_from_name(positional.at(2));
    EXPECT_TRUE(mix.has_value()) << positional.at(2);
    c.options.mix = *mix;
    return c;
}

struct Run {
    std::vector<MixTensor> tensors;         // in file order
    std::vector<std::string> warnings;      // our fallback warnings, in llama.cpp order
    std::map<std::string, GgmlType> types;  // our choices
    std::string error;                      // qs::Error text if the plan failed
    int n_fallback = 0;
};

// Plans the tensor types step by step in llama.cpp's order, stopping at the first error as
// llama-quantize does.
Run plan(const GgufFile& model, const MixOptions& options) {
    Run run;
    std::vector<std::string> names;
    for (const GgufTensorInfo& t : model.tensors()) {
        run.tensors.push_back({t.name, t.ne, t.type});
        names.push_back(t.name);
    }
    MixContext context(options, mix_model_info_from_gguf(model), names);
    try {
        for (size_t i : llama_tensor_order(names)) {
            const TensorTypeChoice c = context.choose(run.tensors[i]);
            run.types[run.tensors[i].name] = c.type;
            if (!c.fallback_warning.empty()) run.warnings.push_back(c.fallback_warning);
        }
    } catch (const Error& e) {
        run.error = e.what();
    }
    run.n_fallback = context.n_fallback();
    return run;
}

void check_reference_file(const std::string& json_name) {
    QS_REQUIRE_SHARED(json_path, "reference/" + json_name);
    std::ifstream in(json_path);
    const json reference = json::parse(in);
    int checked_runs = 0;
    for (const auto& [label, q] : reference.at("quantize").items()) {
        SCOPED_TRACE(json_name + " " + label);
        const QuantizeCommand cmd = parse_command(q.at("command").get<std::string>());
        const std::string model_path = test::shared_path(cmd.input);
        if (model_path.empty()) continue;  // model not in this shared/ copy
        const GgufFile model = GgufFile::open(model_path);
        const Run run = plan(model, cmd.options);

        // Every type llama-quantize reported (all tensors for a completed run, those processed
        // before the failure otherwise) must be ours.
        const json& expected_types = q.at("tensor_types");
        for (const auto& [name, type_str] : expected_types.items()) {
            ASSERT_TRUE(run.types.count(name)) << "no choice for " << name << (run.error.empty() ? "" : ": " + run.error);
            EXPECT_STREQ(type_name(run.types.at(name)), type_str.get<std::string>().c_str()) << name;
        }

        // Fallback warnings, word for word (llama.cpp pads names and types to fixed widths).
        std::vector<std::string> expected_warnings;
        std::string expected_error_reason;
        for (const json& m : q.at("messages")) {
            const std::string msg = m.get<std::string>();
            if (msg.rfind("warning: ", 0) != 0) continue;
            const size_t failed = msg.find(" llama_model_quantize: failed to quantize: ");
            if (failed == std::string::npos) expected_warnings.push_back(msg);
            else expected_error_reason = msg.substr(msg.find(" - ") + 3, msg.find(')') + 1 - (msg.find(" - ") + 3));
        }
        EXPECT_EQ(run.warnings, expected_warnings);

        if (q.at("rc").get<int>() == 0) {
            EXPECT_TRUE(run.error.empty()) << run.error;
            EXPECT_EQ(run.types.size(), expected_types.size());
            EXPECT_EQ(size_t(run.n_fallback), expected_warnings.size());
        } else if (!expected_error_reason.empty()) {
            // llama-quantize refused the model: no fallback for this type and row length.
            EXPECT_NE(run.error.find(expected_error_reason), std::string::npos) << run.error;
            EXPECT_NE(run.error.find("no tensor type fallback is defined for type"), std::string::npos) << run.error;
        } else {
            // The type was chosen (e.g. --pure skips the fallback) and quantization then failed on
            // the tensor of the "[ i/ n] <name> - [...], type = f32, converting to <type> .." line:
            // we must choose that type and our quantizer must refuse it too.
            EXPECT_TRUE(run.error.empty()) << run.error;
            std::string last, converting_to;
            for (const json& m : q.at("messages")) {
                const std::string msg = m.get<std::string>();
                const size_t conv = msg.find("converting to ");
                if (msg.rfind("[", 0) != 0 || conv == std::string::npos) continue;
                std::istringstream words(msg.substr(msg.find(']') + 1));
                words >> last;
                std::istringstream(msg.substr(conv + 14)) >> converting_to;
            }
            ASSERT_FALSE(last.empty()) << "no failing tensor in the log";
            EXPECT_STREQ(type_name(run.types.at(last)), converting_to.c_str()) << last;
            const GgufTensorInfo* t = model.find_tensor(last);
            ASSERT_NE(t, nullptr) << last;
            const GgmlType type = run.types.at(last);
            std::vector<float> row(size_t(t->ne[0]), 0.5f);
            std::vector<uint8_t> out(row.size() * 4 + 64);
            EXPECT_THROW(quantize_rows(type, row.data(), out.data(), 1, t->ne[0], last), Error) << last;
        }
        ++checked_runs;
    }
    EXPECT_GT(checked_runs, 0);
    std::printf("[ %s ] %d llama-quantize runs reproduced\n", json_name.c_str(), checked_runs);
}

TEST(QuantMix, MatchesEveryM1Run) { check_reference_file("m1.json"); }
TEST(QuantMix, MatchesEveryM2Run) { check_reference_file("m2.json"); }
TEST(QuantMix, MatchesEveryStories260KRun) { check_reference_file("stories260K.json"); }

// Rules checked on a synthetic 32-layer llama, independent of the reference files: the layers
// use_more_bits selects for Q4_K_M are the first 4, the last 4 and every third in between.
MixModelInfo llama32() { return {"llama", 32, 32, 8, 0}; }

std::vector<MixTensor> llama_tensors(int n_layer, int64_t n_embd, int64_t n_ff) {
    std::vector<MixTensor> t = {{"token_embd.weight", {n_embd, 32000}, GgmlType::F16},
                                {"output_norm.weight", {n_embd}, GgmlType::F32},
                                {"output.weight", {n_embd, 32000}, GgmlType::F16}};
    for (int i = 0; i < n_layer; ++i) {
        const std::string b = "blk." + std::to_string(i) + ".";
        t.push_back({b + "attn_norm.weight", {n_embd}, GgmlType::F32});
        t.push_back({b + "attn_q.weight", {n_embd, n_embd}, GgmlType::F16});
        t.push_back({b + "attn_k.weight", {n_embd, n_embd / 4}, GgmlType::F16});
        t.push_back({b + "attn_v.weight", {n_embd, n_embd / 4}, GgmlType::F16});
        t.push_back({b + "attn_output.weight", {n_embd, n_embd}, GgmlType::F16});
        t.push_back({b + "ffn_gate.weight", {n_embd, n_ff}, GgmlType::F16});
        t.push_back({b + "ffn_up.weight", {n_embd, n_ff}, GgmlType::F16});
        t.push_back({b + "ffn_down.weight", {n_ff, n_embd}, GgmlType::F16});
    }
    return t;
}

TEST(QuantMix, Q4KMBumpsAttnVAndFfnDownInMoreBitsLayers) {
    MixOptions options;
    options.mix = QuantMix::Q4_K_M;
    const std::vector<MixTensor> tensors = llama_tensors(32, 4096, 11008);
    const std::vector<TensorTypeChoice> choices = plan_tensor_types(options, llama32(), tensors);
    for (size_t i = 0; i < tensors.size(); ++i) {
        const std::string& name = tensors[i].name;
        int layer = -1;
        std::sscanf(name.c_str(), "blk.%d.", &layer);
        GgmlType expected = GgmlType::Q4_K;
        if (tensors[i].ne.size() == 1) expected = GgmlType::F32;
        else if (name == "output.weight") expected = GgmlType::Q6_K;
        else if (name.find("attn_v") != std::string::npos || name.find("ffn_down") != std::string::npos) {
            const bool more = layer < 4 || layer >= 28 || (layer - 4) % 3 == 2;
            expected = more ? GgmlType::Q6_K : GgmlType::Q4_K;
        }
        EXPECT_EQ(type_name(choices[i].type), std::string(type_name(expected))) << name;
    }
}

// llama.cpp's IQ mixes (llama_tensor_get_type_impl, b9928) on the 32-layer llama with 4 query heads
// per KV head: the 2-bit mixes keep attn_v, the first eighth of ffn_down and attn_output wider;
// IQ3_XXS and IQ4_XS change with an importance matrix; IQ3_XS lowers the middle gate/up layers.
TEST(QuantMix, IqMixesFollowLlamaQuantRules) {
    const std::vector<MixTensor> tensors = llama_tensors(32, 4096, 11008);
    using T = GgmlType;
    struct Case {
        QuantMix mix;
        bool imatrix;
        T token_embd, output, attn_v, attn_qk, attn_output, ffn_down_first, ffn_down, gate_up_middle, rest;
    };
    const Case cases[] = {
        {QuantMix::IQ2_XXS, true, T::Q2_K, T::Q5_K, T::Q4_K, T::IQ2_XXS, T::IQ2_XXS, T::Q2_K, T::IQ2_XXS, T::IQ2_XXS, T::IQ2_XXS},
        {QuantMix::IQ2_XS, true, T::Q2_K, T::Q5_K, T::Q4_K, T::IQ2_XS, T::IQ2_XS, T::Q2_K, T::IQ2_XS, T::IQ2_XS, T::IQ2_XS},
        {QuantMix::IQ2_S, true, T::IQ3_S, T::Q5_K, T::Q4_K, T::IQ2_XS, T::IQ3_S, T::IQ3_S, T::IQ2_XS, T::IQ2_XS, T::IQ2_XS},
        {QuantMix::IQ2_M, true, T::IQ3_S, T::Q5_K, T::Q4_K, T::IQ2_S, T::IQ3_S, T::IQ3_S, T::IQ2_S, T::IQ2_S, T::IQ2_S},
        {QuantMix::IQ3_XXS, true, T::IQ3_S, T::Q5_K, T::Q4_K, T::IQ2_S, T::IQ3_S, T::IQ3_XXS, T::IQ3_XXS, T::IQ3_XXS, T::IQ3_XXS},
        {QuantMix::IQ3_XXS, false, T::IQ3_S, T::Q5_K, T::Q4_K, T::IQ2_S, T::IQ3_S, T::Q4_K, T::Q3_K, T::IQ3_XXS, T::IQ3_XXS},
        {QuantMix::IQ3_XS, false, T::IQ3_S, T::Q6_K, T::Q4_K, T::IQ3_XXS, T::IQ3_S, T::IQ3_S, T::IQ3_S, T::IQ3_XXS, T::IQ3_S},
        {QuantMix::IQ3_M, false, T::IQ3_S, T::Q6_K, T::Q4_K, T::IQ3_S, T::Q4_K, T::Q4_K, T::IQ3_S, T::IQ3_S, T::IQ3_S},
        {QuantMix::IQ4_XS, false, T::IQ4_XS, T::Q6_K, T::Q5_K, T::IQ4_XS, T::IQ4_XS, T::Q5_K, T::IQ4_XS, T::IQ4_XS, T::IQ4_XS},
        {QuantMix::IQ4_XS, true, T::IQ4_XS, T::Q6_K, T::Q5_K, T::IQ4_XS, T::IQ4_XS, T::IQ4_XS, T::IQ4_XS, T::IQ4_XS, T::IQ4_XS},
    };
    for (const Case& c : cases) {
        MixOptions options;
        options.mix = c.mix;
        options.has_imatrix = c.imatrix;
        const std::vector<TensorTypeChoice> choices = plan_tensor_types(options, llama32(), tensors);
        for (size_t i = 0; i < tensors.size(); ++i) {
            const std::string& name = tensors[i].name;
            if (tensors[i].ne.size() == 1) continue;
            int layer = -1;
            std::sscanf(name.c_str(), "blk.%d.", &layer);
            auto has = [&](const char* part) { return name.find(part) != std::string::npos; };
            T want = c.rest;
            if (name == "token_embd.weight") want = c.token_embd;
            else if (name == "output.weight") want = c.output;
            else if (has("attn_v")) want = c.attn_v;
            else if (has("attn_q") || has("attn_k")) want = c.attn_qk;
            else if (has("attn_output")) want = c.attn_output;
            else if (has("ffn_down")) want = layer < 4 ? c.ffn_down_first : c.ffn_down;
            else if (has("ffn_gate") || has("ffn_up")) want = layer >= 4 && layer < 28 ? c.gate_up_middle : c.rest;
            EXPECT_STREQ(type_name(choices[i].type), type_name(want))
                << quant_mix_name(c.mix) << (c.imatrix ? " with" : " without") << " imatrix: " << name;
        }
    }
    EXPECT_TRUE(quant_mix_requires_imatrix(QuantMix::IQ2_XS));
    EXPECT_FALSE(quant_mix_requires_imatrix(QuantMix::IQ3_XXS));
    EXPECT_TRUE(tensor_requires_imatrix("blk.0.attn_q.weight", T::IQ3_XXS, QuantMix::IQ3_XXS));
    EXPECT_FALSE(tensor_requires_imatrix("token_embd.weight", T::IQ2_XXS, QuantMix::IQ2_XXS));
    EXPECT_TRUE(tensor_requires_imatrix("blk.0.ffn_up.weight", T::Q2_K, QuantMix::Q2_K_S));
    EXPECT_FALSE(tensor_requires_imatrix("blk.0.ffn_up.weight", T::Q2_K, QuantMix::Q2_K));
}

TEST(QuantMix, FallbacksFollowLlamaCpp) {
    // ffn_down rows of 4128 = 129 * 32 are not a multiple of 256: q4_K -> q5_0; q5_K -> q5_1;
    // q6_K -> q8_0; q2_K/q3_K -> q4_0.
    const std::vector<MixTensor> tensors = llama_tensors(4, 4096, 4128);
    MixOptions options;
    options.pure = false;
    const struct {
        QuantMix mix;
        GgmlType ffn_down_layer1;
    } cases[] = {{QuantMix::Q4_K_S, GgmlType::Q5_0}, {QuantMix::Q6_K, GgmlType::Q8_0}, {QuantMix::Q3_K_S, GgmlType::Q4_0},
                 {QuantMix::Q5_K_S, GgmlType::Q5_1}};
    for (const auto& c : cases) {
        options.mix = c.mix;
        const auto choices = plan_tensor_types(options, {"llama", 4, 32, 8, 0}, tensors);
        for (size_t i = 0; i < tensors.size(); ++i) {
            if (tensors[i].name == "blk.1.ffn_down.weight") {
                EXPECT_STREQ(type_name(choices[i].type), type_name(c.ffn_down_layer1)) << quant_mix_name(c.mix);
                EXPECT_NE(choices[i].fallback_warning.find("ncols   4128 not divisible by 256"), std::string::npos)
                    << choices[i].fallback_warning;
            }
        }
    }
    // A row of 100 fits no 32-element type either: f16.
    options.mix = QuantMix::Q4_K_M;
    MixContext context(options, {"llama", 1, 1, 1, 0}, {"blk.0.ffn_up.weight"});
    const TensorTypeChoice c = context.choose({"blk.0.ffn_up.weight", {100, 64}, GgmlType::F32});
    EXPECT_EQ(c.type, GgmlType::F16);
    EXPECT_NE(c.fallback_warning.find("must use F16"), std::string::npos);
}

// A PATTERN=TYPE override that sets no tensor's type is an error (llama-quantize accepts it and
// measures the plain mix), with a message that says why.
TEST(QuantMix, OverridesThatApplyToNoTensorAreRefused) {
    const std::vector<MixTensor> tensors = llama_tensors(4, 4096, 11008);
    auto message = [&](MixOptions options) {
        try {
            plan_tensor_types(options, {"llama", 4, 32, 8, 0}, tensors);
        } catch (const Error& e) {
            std::string check;  // the check alone says the same
            try {
                check_tensor_type_overrides(options, {"llama", 4, 32, 8, 0}, tensors);
            } catch (const Error& c) {
                check = c.what();
            }
            EXPECT_EQ(check, e.what());
            return std::string(e.what());
        }
        return std::string();
    };
    MixOptions options;
    options.mix = QuantMix::Q4_K_M;
    options.overrides = {{"ffn_down", GgmlType::Q8_0}};
    EXPECT_EQ(message(options), "");  // matches: fine

    options.overrides = {{"ffn_dwn", GgmlType::Q8_0}};  // a typo
    std::string m = message(options);
    EXPECT_NE(m.find("'ffn_dwn=q8_0'"), std::string::npos) << m;
    EXPECT_NE(m.find("matches no quantizable tensor"), std::string::npos) << m;
    EXPECT_NE(m.find("blk.0.ffn_down.weight"), std::string::npos) << m;  // shows how names look
    EXPECT_EQ(m.find("blk.1."), std::string::npos) << m;                 // one block is enough

    options.overrides = {{"attn_norm", GgmlType::Q8_0}};  // a norm: never quantized
    EXPECT_NE(message(options).find("matches no quantizable tensor"), std::string::npos);

    options.overrides = {{"ffn_down", GgmlType::Q8_0}, {"ffn_down", GgmlType::Q6_K}};  // the second never wins
    m = message(options);
    EXPECT_NE(m.find("'ffn_down=q6_K' has no effect"), std::string::npos) << m;
    EXPECT_NE(m.find("earlier rule"), std::string::npos) << m;

    options.overrides = {{"ffn_down", GgmlType::Q8_0}};
    options.pure = true;
    EXPECT_NE(message(options).find("+pure"), std::string::npos);
    options.pure = false;
    options.mix = QuantMix::F16;
    EXPECT_NE(message(options).find("the F16 mix quantizes no tensor"), std::string::npos);
}

TEST(QuantMix, NamesAndAliases) {
    EXPECT_EQ(quant_mix_from_name("q4_k"), QuantMix::Q4_K_M);
    EXPECT_EQ(quant_mix_from_name("Q3_K"), QuantMix::Q3_K_M);
    EXPECT_EQ(quant_mix_from_name("Q5_K_S"), QuantMix::Q5_K_S);
    EXPECT_FALSE(quant_mix_from_name("Q7_K").has_value());
    EXPECT_EQ(quant_mix_default_type(QuantMix::Q2_K_S), GgmlType::Q2_K);
    MixOptions bad;
    bad.overrides.push_back({"ffn_(", GgmlType::F16});
    EXPECT_THROW(MixContext(bad, llama32(), {}), Error);
}

TEST(QuantMix, LlamaTensorOrder) {
    const std::vector<std::string> names = {"blk.10.attn_q.weight", "blk.2.attn_v.weight", "output.weight",
                                            "blk.2.attn_k.weight", "token_embd.weight"};
    const std::vector<size_t> order = llama_tensor_order(names);
    std::vector<std::string> sorted;
    for (size_t i : order) sorted.push_back(names[i]);
    EXPECT_EQ(sorted, (std::vector<std::string>{"output.weight", "token_embd.weight", "blk.2.attn_k.weight",
                                                "blk.2.attn_v.weight", "blk.10.attn_q.weight"}));
}

}  // namespace
}  // namespace qs
