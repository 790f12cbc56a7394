#include "model/model_summary.h"

#include "gguf/gguf_file.h"

namespace qs {

ModelSummary model_summary_read(const GgufFile& f) {
    ModelSummary s;
    s.path = f.path();
    s.gguf_version = f.version();
    s.file_bytes = f.file_size();
    s.name = f.get_string_or("general.name", "");
    s.architecture = f.get_string_or("general.architecture", "");
    s.supported = s.architecture == "llama" || s.architecture == "qwen2";
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

    for (const GgufTensorInfo& t : f.tensors()) {
        TypeUsage& u = s.tensor_types[type_name(t.type)];
        const int64_t n = t.n_elements();
        ++u.tensors;
        u.elements += n;
        u.bytes += t.nbytes;
        s.n_params += n;
        s.tensor_bytes += t.nbytes;
        if (s.n_vocab == 0 && t.name == "token_embd.weight" && t.ne.size() >= 2) s.n_vocab = t.ne[1];
    }
    return s;
}

}  // namespace qs
