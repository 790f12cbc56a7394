// A Hugging Face config.json (hf/hf_config.h) on arbitrary bytes. Accepted configs must describe a
// model the converter can build: positive sizes, heads that divide the width (or an explicit
// head_dim), key/value heads that divide the heads, a finite positive norm epsilon.
#include <cmath>
#include <cstdlib>

#include "core/error.h"
#include "fuzz_target.h"
#include "hf/hf_config.h"

QS_FUZZ_TARGET(hf_config) {
    try {
        const qs::HfConfig c = qs::hf_config_parse("config.json", std::string_view(reinterpret_cast<const char*>(data), size));
        if (c.hidden_size <= 0 || c.num_hidden_layers <= 0 || c.num_attention_heads <= 0 || c.num_key_value_heads <= 0 ||
            c.intermediate_size <= 0 || c.head_dim <= 0)
            std::abort();
        if (c.num_attention_heads % c.num_key_value_heads != 0) std::abort();
        if (!std::isfinite(c.rms_norm_eps) || c.rms_norm_eps <= 0 || !std::isfinite(c.rope_theta) || c.rope_theta <= 0) std::abort();
    } catch (const qs::Error&) {
    }
}
