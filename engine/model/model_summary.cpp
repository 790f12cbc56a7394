#include "model/model_summary.h"

#include <algorithm>

#include "core/error.h"
#include "gguf/gguf_file.h"
#include "hf/hf_checkpoint.h"
#include "model/model_hparams.h"

namespace qs {

ModelSummary model_summary_read(const GgufFile& f) {
    ModelSummary s;
    s.path = f.path();
    s.gguf_version = f.version();
    s.hf_checkpoint = is_hf_checkpoint(f.path());
    s.file_bytes = f.file_size();
    s.name = f.get_string_or("general.name", "");
    s.architecture = f.get_string_or("general.architecture", "");
    ModelArch arch{};
    s.supported = model_arch_from_name(s.architecture, arch);
    s.file_type = f.get_int_or("general.file_type", -1);

    const std::string a = s.architecture + ".";
    s.n_layer = f.get_int_or(a + "block_count", 0);
    s.n_embd = f.get_int_or(a + "embedding_length", 0);
    s.n_head = f.get_int_or(a + "attention.head_count", 0);
    s.n_head_kv = f.get_int_or(a + "attention.head_count_kv", s.n_head);
    s.n_ff = f.get_int_or(a + "feed_forward_length", 0);
    s.context_length = f.get_int_or(a + "context_length", 0);
    s.rope_freq_base = f.get_float_or(a + "rope.freq_base", 10000.0);
    s.rms_norm_eps = f.get_float_or(a + "attention.layer_norm_rms_epsilon", 0.0);
    s.tokenizer_model = f.get_string_or("tokenizer.ggml.model", "");
    s.tokenizer_pre = f.get_string_or("tokenizer.ggml.pre", "");
    if (const GgufValue* tokens = f.find("tokenizer.ggml.tokens"); tokens && tokens->is_array())
        s.n_vocab = int64_t(tokens->as_array().items.size());

    s.head_dim = s.n_head ? f.get_int_or(a + "attention.key_length", s.n_embd / s.n_head) : 0;
    s.n_expert = f.get_int_or(a + "expert_count", 0);
    s.n_expert_used = f.get_int_or(a + "expert_used_count", 0);
    s.n_ff_exp = f.get_int_or(a + "expert_feed_forward_length", 0);
    if (s.supported) {
        try {
            const ModelHParams hp = model_hparams_read(f);
            s.head_dim = hp.head_dim;
            s.sliding_window = hp.n_swa;
            for (int64_t il = 0; il < hp.n_layer; ++il)
                if (hp.is_swa(il)) s.swa_layers.push_back(il);
            s.attn_softcap = hp.attn_softcap;
            s.final_softcap = hp.final_softcap;
        } catch (const Error& e) {
            s.hparams_error = e.what();
        }
    }

    for (const GgufTensorInfo& t : f.tensors()) {
        TypeUsage& u = s.tensor_types[type_name(t.type)];
        const int64_t n = t.n_elements();
        ++u.tensors;
        u.elements += n;
        u.bytes += t.nbytes;
        s.n_params += n;
        // An expert tensor (ffn_*_exps) holds n_expert experts, of which a token uses n_expert_used.
        const bool experts = s.n_expert > 0 && t.name.find("_exps.") != std::string::npos;
        s.n_active_params += experts ? n / s.n_expert * std::min(s.n_expert_used, s.n_expert) : n;
        s.tensor_bytes += t.nbytes;
        if (s.n_vocab == 0 && t.name == "token_embd.weight" && t.ne.size() >= 2) s.n_vocab = t.ne[1];
    }
    return s;
}

}  // namespace qs
