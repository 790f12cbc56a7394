// config.json parsing: what convert_hf_to_gguf.py reads, and clear errors for missing keys,
// mistyped values, unknown model types and every truncation of a valid file.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "hf/hf_config.h"

namespace qs::test {
namespace {

const char* kQwen3 = R"({"architectures":["Qwen3ForCausalLM"],"model_type":"qwen3","hidden_size":128,"head_dim":64,
 "num_hidden_layers":3,"num_attention_heads":4,"num_key_value_heads":2,"intermediate_size":384,
 "max_position_embeddings":40960,"vocab_size":4160,"rms_norm_eps":1e-06,"rope_theta":1000000,"rope_scaling":null,
 "bos_token_id":4095,"eos_token_id":[4095],"tie_word_embeddings":false})";

std::string error_of(const std::string& text) {
    try {
        hf_config_parse("config.json", text);
    } catch (const Error& e) {
        return e.what();
    }
    return "";
}

TEST(HfConfig, ReadsWhatTheConverterReads) {
    const HfConfig c = hf_config_parse("config.json", kQwen3);
    EXPECT_EQ(c.gguf_arch, "qwen3");
    EXPECT_EQ(c.hidden_size, 128);
    EXPECT_EQ(c.head_dim, 64);  // explicit, not 128 / 4
    EXPECT_EQ(c.num_key_value_heads, 2);
    EXPECT_EQ(c.vocab_size, 4160);
    EXPECT_DOUBLE_EQ(c.rope_theta, 1e6);
    EXPECT_DOUBLE_EQ(c.rms_norm_eps, 1e-6);
    EXPECT_EQ(c.eos_token_id, 4095);  // a list in the file
    EXPECT_EQ(c.bos_token_id, 4095);

    nlohmann::json j = nlohmann::json::parse(kQwen3);
    j.erase("head_dim");
    j.erase("num_key_value_heads");
    j.erase("rope_theta");
    const HfConfig d = hf_config_parse("config.json", j.dump());
    EXPECT_EQ(d.head_dim, 32);               // hidden_size / heads
    EXPECT_EQ(d.num_key_value_heads, 4);     // default: every head its own KV head
    EXPECT_DOUBLE_EQ(d.rope_theta, 10000.0);  // transformers' default
}

TEST(HfConfig, MissingOrMistypedKeysAreNamed) {
    for (const char* key : {"model_type", "hidden_size", "num_hidden_layers", "num_attention_heads", "intermediate_size",
                            "rms_norm_eps"}) {
        nlohmann::json j = nlohmann::json::parse(kQwen3);
        j.erase(key);
        const std::string e = error_of(j.dump());
        EXPECT_NE(e.find(std::string("missing key '") + key + "'"), std::string::npos) << e;
        EXPECT_NE(e.find("config.json"), std::string::npos) << e;
    }
    nlohmann::json j = nlohmann::json::parse(kQwen3);
    j["hidden_size"] = "128";
    EXPECT_NE(error_of(j.dump()).find("'hidden_size' must be a positive integer"), std::string::npos);
    j = nlohmann::json::parse(kQwen3);
    j["num_attention_heads"] = -4;
    EXPECT_NE(error_of(j.dump()).find("'num_attention_heads' must be a positive integer"), std::string::npos);
    j = nlohmann::json::parse(kQwen3);
    j["num_key_value_heads"] = 3;
    EXPECT_NE(error_of(j.dump()).find("not a multiple of num_key_value_heads"), std::string::npos);
}

TEST(HfConfig, UnsupportedModelsAndScalingAreRefusedByName) {
    nlohmann::json j = nlohmann::json::parse(kQwen3);
    j["model_type"] = "mamba";
    const std::string e = error_of(j.dump());
    EXPECT_NE(e.find("'mamba'"), std::string::npos) << e;
    EXPECT_NE(e.find("llama, qwen2, qwen3"), std::string::npos) << e;
    j = nlohmann::json::parse(kQwen3);
    j["rope_scaling"] = {{"rope_type", "llama3"}, {"factor", 8.0}};
    EXPECT_NE(error_of(j.dump()).find("rope_scaling type 'llama3' is not supported for qwen3"), std::string::npos) << error_of(j.dump());
    j["rope_scaling"] = {{"rope_type", "yarn"}, {"factor", 4.0}};
    EXPECT_NE(error_of(j.dump()).find("rope_scaling type 'yarn' is not supported"), std::string::npos);
    j["rope_scaling"] = {{"type", "linear"}, {"factor", 4.0}};
    EXPECT_DOUBLE_EQ(hf_config_parse("config.json", j.dump()).rope_scaling_factor, 4.0);
    j["rope_scaling"] = {{"rope_type", "default"}};
    const HfConfig plain = hf_config_parse("config.json", j.dump());
    EXPECT_EQ(plain.rope_scaling_factor, 0.0);
    EXPECT_FALSE(plain.rope_llama3.has_value());
}

// Llama 3.1's rope_scaling: the converter's defaults for absent keys, and the context length from
// the top level of config.json (where convert_hf_to_gguf.py reads it), not from rope_scaling.
TEST(HfConfig, Llama3RopeScalingForLlama) {
    nlohmann::json j = nlohmann::json::parse(kQwen3);
    j["model_type"] = "llama";
    j["rope_scaling"] = {{"rope_type", "llama3"}, {"factor", 32.0}, {"high_freq_factor", 2.0},
                         {"original_max_position_embeddings", 4096}};
    const HfConfig c = hf_config_parse("config.json", j.dump());
    ASSERT_TRUE(c.rope_llama3.has_value());
    EXPECT_DOUBLE_EQ(c.rope_llama3->factor, 32.0);
    EXPECT_DOUBLE_EQ(c.rope_llama3->low_freq_factor, 1.0);
    EXPECT_DOUBLE_EQ(c.rope_llama3->high_freq_factor, 2.0);
    EXPECT_EQ(c.rope_llama3->original_context, 8192);
    j["original_max_position_embeddings"] = 16384;
    EXPECT_EQ(hf_config_parse("config.json", j.dump()).rope_llama3->original_context, 16384);
    j["rope_scaling"]["low_freq_factor"] = 2.0;
    EXPECT_NE(error_of(j.dump()).find("low_freq_factor and high_freq_factor are equal"), std::string::npos) << error_of(j.dump());
    j["rope_scaling"]["low_freq_factor"] = "1";
    EXPECT_NE(error_of(j.dump()).find("'low_freq_factor' must be a positive number"), std::string::npos) << error_of(j.dump());
}

TEST(HfConfig, EveryTruncationIsAnError) {
    const std::string text = kQwen3;
    for (size_t n = 0; n + 1 < text.size(); ++n) {
        const std::string e = error_of(text.substr(0, n));
        EXPECT_NE(e.find("config.json"), std::string::npos) << "cut at " << n;
    }
}

}  // namespace
}  // namespace qs::test
